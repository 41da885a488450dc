package scenarios

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"giftsim/sim"
)

// ApplySet applies overrides such as "coupon.validity=7d" to every arm of
// exp, in order, and checks the result as a scenario file is checked. The
// value is YAML: 7d, "19:00", [discount, points-exchange] or {validity: 7d};
// a path may index the campaign (campaign[0].push_at). Besides config fields
// it sets name, question, seed and replications. An override is the last
// word: it wins over an arm's own setting, whose Settings row is dropped, and
// it updates exp.Setup. A swept field cannot be set. The error is an Errors
// naming "--set" as the file; on error exp is unchanged.
func ApplySet(exp *sim.Experiment, sets []string) error {
	const file = "--set"
	tab := newTable()
	errs := &collector{}
	d := newDecoder(file, tab, errs)
	next := cloneExperiment(exp)
	type override struct {
		path string
		node *yaml.Node
	}
	var ovs []override
	for _, set := range sets {
		p, val, ok := strings.Cut(set, "=")
		p = strings.TrimSpace(p)
		if !ok || p == "" {
			errs.add(&Error{File: file, Msg: fmt.Sprintf("%q: want path=value, such as coupon.validity=7d", set)}, "")
			continue
		}
		n, err := parseValue(p, val)
		if err != nil {
			errs.add(err, "")
			continue
		}
		switch p {
		case "name":
			if t, ok := d.readName(p, n); ok {
				next.Name = t
			}
		case "question":
			if t, ok := d.readText(p, n, maxText); ok {
				next.Question = t
			}
		case "seed":
			if x, ok := d.readInt(p, n, 0, 1<<63-1); ok {
				next.Seed = uint64(x)
			}
		case "replications":
			s := Scenario{reps: next.Replications, precision: next.Precision}
			d.replications(n, &s)
			next.Replications, next.Precision = s.reps, s.precision
		case "arms", "sweep":
			errs.add(&Error{File: file, Path: p, Msg: "cannot be set with --set; edit the scenario file"}, "")
		default:
			if i := slices.IndexFunc(exp.Sweep, func(s string) bool { return under(p, s) || under(s, p) }); i >= 0 {
				errs.add(&Error{File: file, Path: p, Msg: fmt.Sprintf("the scenario sweeps %s; setting it would make the arms equal", exp.Sweep[i])}, "")
				continue
			}
			ovs = append(ovs, override{p, n})
		}
	}
	var touched []string
	for i := range next.Arms {
		a := &next.Arms[i]
		c := config{Config: a.Config, simulatePenalty: penaltyOptIn(exp, a)}
		c = c.clone()
		ad := newDecoder(file, tab, errs)
		for _, o := range ovs {
			ad.apply(o.path, nil, o.node, &c)
		}
		c.finish()
		touched = ad.touched
		for _, is := range tab.check(&c, "") {
			e := is.error(file)
			if ad.bad[e.Path] {
				continue
			}
			if is.warn {
				addRow(&next.Setup, [2]string{"warning", warningText(e)})
			} else {
				errs.add(e, a.Name)
			}
		}
		a.Config = c.Config
		var kept [][2]string
		for _, row := range a.Settings {
			switch {
			case slices.ContainsFunc(touched, func(t string) bool { return under(row[0], t) }):
				// The override replaces the arm's own setting.
			case slices.ContainsFunc(touched, func(t string) bool { return under(t, row[0]) }):
				kept = append(kept, [2]string{row[0], tab.text(row[0], &c)})
			default:
				kept = append(kept, row)
			}
		}
		a.Settings = kept
	}
	if !errs.empty() {
		return errs.errors(file, len(exp.Arms))
	}
	if len(next.Arms) > 0 {
		c := config{Config: next.Arms[0].Config, simulatePenalty: penaltyOptIn(&next, &next.Arms[0])}
		fresh := tab.setup(&c)
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
func parseValue(path, val string) (*yaml.Node, *Error) {
	if strings.TrimSpace(val) == "" {
		return scalar("", "!!str"), nil
	}
	n, err := parseYAML("--set", []byte(val))
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
		out.Arms[i] = a
	}
	return out
}
