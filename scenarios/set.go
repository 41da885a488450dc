package scenarios

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"giftsim/sim"
)

// override is one --set: the flag as typed, the path it sets and the
// YAML value.
type override struct {
	flag string // flag names the override in errors: "--set coupon.validity=7d".
	path string
	node *yaml.Node
}

// meta holds the experiment's own fields that an override may set.
type meta struct {
	name, question string
	seed           uint64
	reps           int
	precision      *sim.Precision
}

// flagName is how errors name the override set: "--set " and the flag,
// shortened past 80 characters.
func flagName(set string) string {
	if r := []rune(set); len(r) > 80 {
		set = string(r[:80]) + "…"
	}
	return "--set " + set
}

// readOverrides reads sets, in order: the experiment's own fields go into m,
// the config fields come back as overrides. sweep lists the swept fields,
// which cannot be set. Problems go to errs, named by their flag.
func readOverrides(sets []string, tab *table, errs *collector, m *meta, sweep []string) []override {
	var ovs []override
	for _, set := range sets {
		flag := flagName(set)
		p, val, ok := strings.Cut(set, "=")
		p = strings.TrimSpace(p)
		if !ok || p == "" {
			errs.add(&Error{File: flag, Msg: "want path=value, such as coupon.validity=7d"}, "")
			continue
		}
		n, err := parseFlagValue(flag, p, val)
		if err != nil {
			errs.add(err, "")
			continue
		}
		d := newDecoder(flag, tab, errs)
		switch p {
		case "name":
			if t, ok := d.readName(p, n); ok {
				m.name = t
			}
		case "question":
			if t, ok := d.readText(p, n, maxText); ok {
				m.question = t
			}
		case "seed":
			if x, ok := d.readInt(p, n, 0, 1<<63-1); ok {
				m.seed = uint64(x)
			}
		case "replications":
			s := Scenario{reps: m.reps, precision: m.precision}
			d.replications(n, &s)
			m.reps, m.precision = s.reps, s.precision
		case "arms", "sweep", "profile", "levers", "objective", "constraints":
			errs.add(&Error{File: flag, Path: p, Msg: "cannot be set with --set; edit the scenario file"}, "")
		default:
			if i := slices.IndexFunc(sweep, func(s string) bool { return under(p, s) || under(s, p) }); i >= 0 {
				errs.add(&Error{File: flag, Path: p, Msg: fmt.Sprintf("the scenario sweeps %s; setting it would make the arms equal", sweep[i])}, "")
				continue
			}
			ovs = append(ovs, override{flag, p, n})
		}
	}
	return ovs
}

// armRef is an arm that overrides apply to: its name, its config and the
// fields it sets against the base.
type armRef struct {
	name     string
	cfg      *config
	settings *[][2]string
}

// overrideArms applies ovs to every arm, through the decoder, and checks
// each arm as a scenario file's arms are checked. Each problem names the
// override that set one of the fields it concerns (the last such), or
// every override when none did: before them the arms were valid. Errors go
// to errs, warnings (an opted-in R18 penalty) to warn with whether an
// override set one of their fields. dir is where a relative edge-list file
// is looked up. It returns the fields the overrides set.
func overrideArms(ovs []override, arms []armRef, tab *table, dir string, errs *collector, warn func(e *Error, arm string, set bool)) []string {
	var touched []string
	for _, a := range arms {
		bad := map[string]bool{}
		sets := make([][]string, len(ovs))
		touched = touched[:0]
		for i, o := range ovs {
			d := newDecoder(o.flag, tab, errs)
			d.apply(o.path, nil, o.node, a.cfg)
			sets[i] = d.touched
			touched = append(touched, d.touched...)
			for p := range d.bad {
				bad[p] = true
			}
		}
		a.cfg.finish()
		for _, is := range tab.check(a.cfg, dir) {
			flag, set := blame(ovs, sets, is.paths)
			e := is.error(flag)
			if bad[e.Path] {
				continue
			}
			if is.warn {
				warn(e, a.name, set)
			} else {
				errs.add(e, a.name)
			}
		}
		var kept [][2]string
		for _, row := range *a.settings {
			switch {
			case slices.ContainsFunc(touched, func(t string) bool { return under(row[0], t) }):
				// The override replaces the arm's own setting.
			case slices.ContainsFunc(touched, func(t string) bool { return under(t, row[0]) }):
				kept = append(kept, [2]string{row[0], tab.text(row[0], a.cfg)})
			default:
				kept = append(kept, row)
			}
		}
		*a.settings = kept
	}
	return touched
}

// blame names the override a problem with paths comes from: the last one
// that set a field at, under or above the first of paths any set (set is
// then true); every override when none did.
func blame(ovs []override, sets [][]string, paths []string) (flag string, set bool) {
	for _, p := range paths {
		for i := len(ovs) - 1; i >= 0; i-- {
			if slices.ContainsFunc(sets[i], func(t string) bool { return under(p, t) || under(t, p) }) {
				return ovs[i].flag, true
			}
		}
	}
	flags := make([]string, len(ovs))
	for i, o := range ovs {
		flags[i] = o.flag
	}
	return strings.Join(flags, ", "), false
}

// Set applies overrides such as "coupon.validity=7d" to the scenario, in
// order, through the same decoder and checks as the file: the base and
// every arm take the value. The value is YAML: 7d, "19:00",
// [discount, points-exchange] or {validity: 7d}; a path may index the
// campaign (campaign[0].push_at). Besides config fields it sets name,
// question, seed and replications. An override is the last word: it wins
// over an arm's own setting. A swept field cannot be set. The error is an
// Errors whose entries name the flag ("--set coupon.validity=120d: …");
// on error s is unchanged.
func (s *Scenario) Set(sets []string) error {
	if len(sets) == 0 {
		return nil
	}
	tab := newTable()
	errs := &collector{}
	next := s.clone()
	m := meta{next.name, next.question, next.seed, next.reps, next.precision}
	var sweep []string
	for _, ax := range next.sweep {
		sweep = append(sweep, ax.path)
	}
	ovs := readOverrides(sets, tab, errs, &m, sweep)
	for _, o := range ovs {
		newDecoder(o.flag, tab, &collector{}).apply(o.path, nil, o.node, &next.base)
	}
	next.base.finish()
	refs := make([]armRef, len(next.arms))
	for i := range next.arms {
		a := &next.arms[i]
		refs[i] = armRef{a.name, &a.cfg, &a.settings}
	}
	warns := &collector{}
	overrideArms(ovs, refs, tab, filepath.Dir(s.file), errs, func(e *Error, arm string, set bool) {
		// A warning no override brought keeps its place in the file.
		if i := slices.IndexFunc(s.warnings, func(w *Error) bool { return w.Path == e.Path && w.Msg == e.Msg }); i >= 0 && !set {
			w := *s.warnings[i]
			w.Arm = ""
			e = &w
		}
		warns.add(e, arm)
	})
	if !errs.empty() {
		return errs.errors("--set", len(next.arms))
	}
	next.name, next.question, next.seed, next.reps, next.precision = m.name, m.question, m.seed, m.reps, m.precision
	next.warnings = warns.errors(next.file, len(next.arms))
	*s = next
	return nil
}

// clone deep-copies s, so Set can work on the copy.
func (s *Scenario) clone() Scenario {
	out := *s
	out.base = s.base.clone()
	out.arms = make([]arm, len(s.arms))
	for i, a := range s.arms {
		a.cfg = a.cfg.clone()
		a.settings = slices.Clone(a.settings)
		a.sweepValues = slices.Clone(a.sweepValues)
		a.sweepNumbers = slices.Clone(a.sweepNumbers)
		out.arms[i] = a
	}
	if s.precision != nil {
		p := *s.precision
		out.precision = &p
	}
	out.warnings = slices.Clone(s.warnings)
	return out
}

// ApplySet applies overrides to every arm of an experiment already made
// from a scenario, as Scenario.Set does to the scenario, for tools that
// hold only the experiment (sensitivity, optimize, calibration); it updates
// exp.Setup. Prefer Scenario.Set, which keeps the file's own record of
// the compliance opt-in and its warnings' positions. On error exp is
// unchanged.
func ApplySet(exp *sim.Experiment, sets []string) error {
	tab := newTable()
	errs := &collector{}
	next := cloneExperiment(exp)
	m := meta{next.Name, next.Question, next.Seed, next.Replications, next.Precision}
	ovs := readOverrides(sets, tab, errs, &m, exp.Sweep)
	cfgs := make([]config, len(next.Arms))
	refs := make([]armRef, len(next.Arms))
	for i := range next.Arms {
		a := &next.Arms[i]
		cfgs[i] = config{Config: a.Config, simulatePenalty: penaltyOptIn(exp, a)}
		cfgs[i] = cfgs[i].clone()
		refs[i] = armRef{a.Name, &cfgs[i], &a.Settings}
	}
	touched := overrideArms(ovs, refs, tab, "", errs, func(e *Error, _ string, _ bool) {
		addRow(&next.Setup, [2]string{"warning", warningText(e)})
	})
	if !errs.empty() {
		return errs.errors("--set", len(exp.Arms))
	}
	for i := range next.Arms {
		next.Arms[i].Config = cfgs[i].Config
	}
	next.Name, next.Question, next.Seed, next.Replications, next.Precision = m.name, m.question, m.seed, m.reps, m.precision
	if len(next.Arms) > 0 {
		fresh := tab.setup(&cfgs[0])
		for _, t := range touched {
			next.Setup = splice(next.Setup, fresh, t)
		}
	}
	*exp = next
	return nil
}

// parseValue reads the YAML value of an override; an empty value is the
// empty string. Positions inside the value mean nothing on a command line,
// so they are cleared.
func parseValue(path, val string) (*yaml.Node, *Error) { return parseFlagValue("--set", path, val) }

// parseFlagValue is parseValue with errors naming flag as their file.
func parseFlagValue(flag, path, val string) (*yaml.Node, *Error) {
	if strings.TrimSpace(val) == "" {
		return scalar("", "!!str"), nil
	}
	n, err := parseYAML(flag, []byte(val))
	if err != nil {
		e := *err.(Errors)[0]
		e.Path, e.Line, e.Col = path, 0, 0
		return nil, &e
	}
	stack := []*yaml.Node{n}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		x.Line, x.Column = 0, 0
		stack = append(stack, x.Content...)
	}
	return n, nil
}

// penaltyOptIn reads compliance.simulate_penalty for arm a from its
// settings, else from the experiment's setup rows.
func penaltyOptIn(exp *sim.Experiment, a *sim.Arm) bool {
	const key = "compliance.simulate_penalty"
	for _, rows := range [][][2]string{a.Settings, exp.Setup} {
		for _, r := range rows {
			if r[0] == key {
				return r[1] == "true"
			}
		}
	}
	return false
}

// splice replaces the rows at or under path t with fresh's, in place of the
// first one (at the end if there were none).
func splice(rows, fresh [][2]string, t string) [][2]string {
	at := -1
	var out [][2]string
	for _, r := range rows {
		if under(r[0], t) {
			if at < 0 {
				at = len(out)
			}
			continue
		}
		out = append(out, r)
	}
	var sub [][2]string
	for _, r := range fresh {
		if under(r[0], t) {
			sub = append(sub, r)
		}
	}
	if at < 0 {
		at = len(out)
	}
	return slices.Insert(out, at, sub...)
}

// addRow appends row unless rows already hold it.
func addRow(rows *[][2]string, row [2]string) {
	if !slices.Contains(*rows, row) {
		*rows = append(*rows, row)
	}
}

// warningText is a warning without file and position, for setup rows.
func warningText(e *Error) string {
	w := *e
	w.File, w.Line, w.Col = "", 0, 0
	return w.Error()
}

// cloneExperiment deep-copies exp.
func cloneExperiment(exp *sim.Experiment) sim.Experiment {
	out := *exp
	out.Sweep = slices.Clone(exp.Sweep)
	out.SweepUnits = slices.Clone(exp.SweepUnits)
	out.Setup = slices.Clone(exp.Setup)
	if exp.Precision != nil {
		p := *exp.Precision
		out.Precision = &p
	}
	out.Arms = make([]sim.Arm, len(exp.Arms))
	for i, a := range exp.Arms {
		c := config{Config: a.Config}
		a.Config = c.clone().Config
		a.Settings = slices.Clone(a.Settings)
		a.SweepValues = slices.Clone(a.SweepValues)
		a.SweepNumbers = slices.Clone(a.SweepNumbers)
		out.Arms[i] = a
	}
	return out
}
