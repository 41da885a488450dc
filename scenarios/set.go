package scenarios

import (
	"fmt"
	"math"
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

// meta reads the experiment's own field key (name, question, seed or
// replications) from v into m, as the file and --set give it.
func (d *decoder) meta(key string, v *yaml.Node, m *meta) {
	switch key {
	case "name":
		if t, ok := d.readName(key, v); ok {
			m.name = t
		}
	case "question":
		if t, ok := d.readText(key, v, maxText); ok {
			m.question = t
		}
	case "seed":
		if n, ok := d.readInt(key, v, 0, math.MaxInt64); ok {
			m.seed = uint64(n)
		}
	case "replications":
		d.replications(v, m)
	}
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
		case "name", "question", "seed", "replications":
			d.meta(p, n, m)
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
	m := next.meta
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
			w.Note = ""
			e = &w
		}
		warns.add(e, arm)
	})
	if errs.empty() && len(ovs) > 0 && len(next.study.Levers) > 0 {
		flags := make([]string, len(ovs))
		for i, o := range ovs {
			flags[i] = o.flag
		}
		next.recheckLevers(tab, errs, strings.Join(flags, ", "))
	}
	if !errs.empty() {
		return errs.errors("--set", len(next.arms))
	}
	next.meta = m
	next.warnings = warns.errors(next.file, len(next.arms))
	*s = next
	return nil
}

// FirstArm returns a copy of s reduced to its first arm, which becomes its
// base too, without the sweep, the precision target or the study sections:
// the scenario sensitivity and optimize set their levers on, one point at
// a time, with Set.
func (s *Scenario) FirstArm() *Scenario {
	out := s.clone()
	a := out.arms[0]
	a.sweepValues, a.sweepNumbers = nil, nil
	out.base = a.cfg.clone()
	out.arms = []arm{a}
	out.sweep, out.precision, out.study = nil, nil, Study{}
	return &out
}

// Point returns the first arm of s with sets applied through Set, named
// name; s is unchanged. On a FirstArm scenario it is one point of a lever
// search.
func (s *Scenario) Point(sets []string, name string) (sim.Arm, error) {
	c := *s
	if err := c.Set(sets); err != nil {
		return sim.Arm{}, err
	}
	a := c.Experiment().Arms[0]
	a.Name = name
	return a, nil
}

// BaseValue is the base's value at path as one line of YAML, e.g. "7d";
// "" for a path that is not a field.
func (s *Scenario) BaseValue(path string) string { return newTable().text(path, &s.base) }

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

// warningText is a warning without file and position, for setup rows.
func warningText(e *Error) string {
	w := *e
	w.File, w.Line, w.Col = "", 0, 0
	return w.Error()
}
