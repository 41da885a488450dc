package scenarios

// This file reads a scenario's study sections: the levers that sensitivity
// and optimize vary, the objective optimize pursues and the constraints it
// must keep.

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// Limits of the study sections.
const (
	maxLevers      = 20
	maxLevels      = 20
	maxConstraints = 20
	maxTerms       = 10
	maxExprLen     = 200
)

// Study is what a scenario asks of giftsim sensitivity and giftsim
// optimize: levers with ranges, up to two objectives and constraints. The
// zero Study declares nothing.
type Study struct {
	File        string       // File is the scenario file, for errors that name a position.
	Levers      []LeverSpec  // Levers are in file order.
	Objectives  []Objective  // Objectives holds none, one, or two (the second from objective.second).
	Constraints []Constraint // Constraints are in file order.
}

// LeverSpec is one lever as the scenario declares it: a range low..high
// or a list of levels.
type LeverSpec struct {
	Path      string   // Path is a --set path, e.g. coupon.validity or campaign[0].push_at.
	Low, High string   // Low and High are a range's ends; both "" for a list.
	Levels    []string // Levels are a list's values (categorical), nil for a range.
	Line, Col int      // Line and Col place the lever's value in the file.
}

// IsRange reports whether l is a range rather than a list of levels.
func (l LeverSpec) IsRange() bool { return l.Levels == nil }

// Spec writes l as a --lever flag takes it: path=low..high, or for a list
// path=[a, b, c].
func (l LeverSpec) Spec() string {
	if l.IsRange() {
		return l.Path + "=" + l.Low + ".." + l.High
	}
	return l.Path + "=[" + strings.Join(l.Levels, ", ") + "]"
}

// Objective is a linear combination of KPIs (and of numeric levers' values)
// to maximise or minimise.
type Objective struct {
	Maximize bool
	Expr     Expr
	// Indifference is the smallest difference of the objective worth
	// telling apart (the δ of ranking and selection); 0 when not given.
	Indifference float64
	Line, Col    int // Line and Col place the expression in the file.
}

// Sense is "maximize" or "minimize".
func (o Objective) Sense() string {
	if o.Maximize {
		return "maximize"
	}
	return "minimize"
}

// String writes the objective as the scenario does: "maximize: EXPR".
func (o Objective) String() string { return o.Sense() + ": " + o.Expr.String() }

// Expr is a linear combination of named quantities, such as
// "redeemed - 20*coupon.validity".
type Expr struct {
	Terms []Term
}

// Term is one summand of an Expr: Coef times the KPI or lever Name.
type Term struct {
	Coef  float64
	Name  string // Name is a KPI id, or a lever's path when Lever is set.
	Lever bool   // Lever marks a lever's value (durations in days, times of day in hours).
}

// String writes e canonically, e.g. "redeemed - 20*coupon.validity".
func (e Expr) String() string {
	var b strings.Builder
	for i, t := range e.Terms {
		c := t.Coef
		switch {
		case i == 0 && c < 0:
			b.WriteString("-")
			c = -c
		case i > 0 && c < 0:
			b.WriteString(" - ")
			c = -c
		case i > 0:
			b.WriteString(" + ")
		}
		if c != 1 {
			b.WriteString(strconv.FormatFloat(c, 'g', -1, 64) + "*")
		}
		b.WriteString(t.Name)
	}
	return b.String()
}

// KPIs lists the KPI ids e uses, in order, each once.
func (e Expr) KPIs() []string {
	var out []string
	for _, t := range e.Terms {
		if !t.Lever && !slices.Contains(out, t.Name) {
			out = append(out, t.Name)
		}
	}
	return out
}

// Constraint is a bound on an Expr: Expr <= Bound, or >= when AtLeast.
type Constraint struct {
	Expr      Expr
	AtLeast   bool
	Bound     float64
	Line, Col int
}

// Op is "<=" or ">=".
func (c Constraint) Op() string {
	if c.AtLeast {
		return ">="
	}
	return "<="
}

// String writes the constraint canonically, e.g. "cost <= 20000".
func (c Constraint) String() string {
	return c.Expr.String() + " " + c.Op() + " " + strconv.FormatFloat(c.Bound, 'g', -1, 64)
}

// Holds reports whether value v of the constraint's expression keeps it.
func (c Constraint) Holds(v float64) bool {
	if c.AtLeast {
		return v >= c.Bound
	}
	return v <= c.Bound
}

// Study returns the scenario's study sections.
func (s *Scenario) Study() Study {
	st := s.study
	st.File = s.file
	st.Levers = slices.Clone(st.Levers)
	st.Objectives = slices.Clone(st.Objectives)
	st.Constraints = slices.Clone(st.Constraints)
	return st
}

// studyKeys are the study sections among the experiment's own fields.
func studyKeys() []string { return []string{"levers", "objective", "constraints"} }

// studyNodes holds the study sections' nodes until the arms are read.
type studyNodes struct {
	levers, objective, constraints *yaml.Node
}

// study reads the study sections of s, whose arms are read. Levers are
// checked against the first arm (the base the analyses vary) and must not
// touch a field any arm or the sweep sets.
func (d *decoder) study(n studyNodes, s *Scenario) Study {
	var st Study
	if n.levers != nil {
		st.Levers = d.levers(n.levers, s)
	}
	var ranges []string
	for _, l := range st.Levers {
		if l.IsRange() {
			ranges = append(ranges, l.Path)
		}
	}
	if n.objective != nil {
		st.Objectives = d.objective(n.objective, ranges)
	}
	if n.constraints != nil {
		st.Constraints = d.constraints(n.constraints, ranges)
	}
	return st
}

// levers reads levers:, a mapping of path to low..high or a list of levels.
func (d *decoder) levers(n *yaml.Node, s *Scenario) []LeverSpec {
	const what = "levers"
	const want = "want a mapping of lever paths to ranges or lists, such as {coupon.validity: 3d..30d, channel: [official-account, payment-popup]}"
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, what, "%s, got %s", want, describe(n))
		return nil
	}
	if len(n.Content)/2 > maxLevers {
		d.fail(n, what, "%d levers; at most %d", len(n.Content)/2, maxLevers)
		return nil
	}
	var out []LeverSpec
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.fail(k, what, "a lever must be a field path such as coupon.validity, got %s", describe(k))
			continue
		}
		p := k.Value
		path := what + "." + p
		if !d.leverField(k, p, path, s) {
			continue
		}
		if j := slices.IndexFunc(out, func(l LeverSpec) bool { return under(p, l.Path) || under(l.Path, p) }); j >= 0 {
			d.fail(k, path, "overlaps lever %s declared above", out[j].Path)
			continue
		}
		if owner := d.setBy(p, s); owner != "" {
			d.fail(k, path, "%s sets %s; a lever cannot vary a field an arm or the sweep sets: drop the lever or that setting", owner, p)
			continue
		}
		l := LeverSpec{Path: p, Line: v.Line, Col: v.Column}
		var values []string
		switch {
		case v.Kind == yaml.SequenceNode:
			if len(v.Content) < 2 || len(v.Content) > maxLevels {
				d.fail(v, path, "want a list of 2 to %d levels, got %d", maxLevels, len(v.Content))
				continue
			}
			good := true
			for _, item := range v.Content {
				if item.Kind != yaml.ScalarNode || item.ShortTag() == "!!null" {
					d.fail(item, path, "a level is one value such as payment-popup or 7d, got %s", describe(item))
					good = false
					continue
				}
				if slices.Contains(l.Levels, item.Value) {
					d.fail(item, path, "level %s is listed twice", describe(item))
					good = false
					continue
				}
				l.Levels = append(l.Levels, item.Value)
			}
			if !good {
				continue
			}
			values = l.Levels
		case v.Kind == yaml.ScalarNode && v.ShortTag() == "!!str":
			lo, hi, ok := strings.Cut(v.Value, "..")
			lo, hi = strings.TrimSpace(lo), strings.TrimSpace(hi)
			switch {
			case !ok:
				d.fail(v, path, "want a range low..high such as 3d..30d or a list of levels, got %s", describe(v))
				continue
			case lo == "" || hi == "" || strings.Contains(hi, "..") || strings.HasPrefix(hi, ".") || strings.HasSuffix(lo, "."):
				d.fail(v, path, "want a range of two ends low..high such as 3d..30d, got %s", describe(v))
				continue
			case lo == hi:
				d.fail(v, path, "both ends are %s; a lever needs two different values", lo)
				continue
			}
			l.Low, l.High = lo, hi
			values = []string{lo, hi}
		default:
			d.fail(v, path, "want a range low..high such as 3d..30d or a list of levels such as [official-account, payment-popup], got %s", describe(v))
			continue
		}
		if d.leverValues(p, path, v, values, s) {
			out = append(out, l)
		}
	}
	return out
}

// leverField reports whether p is a field a lever can set in the first arm
// of s, reporting at k why not.
func (d *decoder) leverField(k *yaml.Node, p, path string, s *Scenario) bool {
	base := &s.arms[0].cfg
	if _, ok := d.tab.encodeAt(p, base); ok {
		return true
	}
	switch list, isList := d.tab.listOf(p); {
	case isList:
		d.fail(k, path, "one entry of %s cannot be a lever on its own; declare the whole list's levels", list)
	case d.tab.known(p):
		d.fail(k, path, "%s", noEntry(p, len(base.Campaign)))
	default:
		d.fail(k, path, "not a field a lever can set%s; a lever is a path --set accepts, such as coupon.validity or campaign[0].push_at", suggest(p, d.tab.paths()))
	}
	return false
}

// recheckLevers checks the levers of s again, against its arms as the
// overrides named flags left them: each lever's field must still exist in
// the first arm, no arm may set it, and each of its values must still be
// allowed. Problems go to errs, placed at the lever in the file.
func (s *Scenario) recheckLevers(tab *table, errs *collector, flags string) {
	found := &collector{}
	d := newDecoder(s.file, tab, found)
	for _, l := range s.study.Levers {
		at := &yaml.Node{Kind: yaml.ScalarNode, Line: l.Line, Column: l.Col}
		path := "levers." + l.Path
		values := l.Levels
		if l.IsRange() {
			values = []string{l.Low, l.High}
		}
		if !d.leverField(at, l.Path, path, s) {
			continue
		}
		if owner := d.setBy(l.Path, s); owner != "" {
			d.fail(at, path, "%s sets %s; a lever cannot vary a field an arm or the sweep sets", owner, l.Path)
			continue
		}
		d.leverValues(l.Path, path, at, values, s)
	}
	for _, e := range found.list {
		e.Msg = "after " + flags + ": " + e.Msg
		errs.add(e, "")
	}
}

// setBy names the arm or sweep that sets a field at or under or above p,
// or "".
func (d *decoder) setBy(p string, s *Scenario) string {
	for _, ax := range s.sweep {
		if under(p, ax.path) || under(ax.path, p) {
			return "the sweep"
		}
	}
	for _, a := range s.arms {
		for _, set := range a.settings {
			if under(p, set[0]) || under(set[0], p) {
				return fmt.Sprintf("arm %q", a.name)
			}
		}
	}
	return ""
}

// trial applies val at path p to a copy of base and reports whether it
// read without error.
func (d *decoder) trial(p string, val *yaml.Node, base *config) (config, bool) {
	trial := base.clone()
	before := d.errs.count()
	d.sub().apply(p, nil, val, &trial)
	return trial, d.errs.count() == before
}

// leverValues checks that each of values is allowed at path p of the first
// arm, as a field and by the platform's rules, reporting problems at v.
func (d *decoder) leverValues(p, path string, v *yaml.Node, values []string, s *Scenario) bool {
	base := &s.arms[0].cfg
	dir := ""
	if s.file != "" {
		dir = filepath.Dir(s.file)
	}
	known := map[string]bool{}
	for _, is := range d.tab.check(base, dir) {
		known[is.msg] = true
	}
	good := true
	for _, val := range values {
		node, perr := parseValue(p, val)
		if perr != nil {
			d.fail(v, path, "value %q is not valid YAML", val)
			good = false
			continue
		}
		setPos(node, v.Line, v.Column)
		trial, ok := d.trial(p, node, base)
		if !ok {
			good = false
			continue
		}
		trial.finish()
		for _, is := range d.tab.check(&trial, dir) {
			if is.warn || known[is.msg] {
				continue
			}
			d.errs.add(&Error{File: d.file, Line: v.Line, Col: v.Column, Path: path, Rule: is.rule, Err: is.err,
				Msg: fmt.Sprintf("at %s: %s", val, is.msg)}, "")
			d.failed++
			good = false
		}
	}
	return good
}

// setPos places n and everything in it at line, col.
func setPos(n *yaml.Node, line, col int) {
	n.Line, n.Column = line, col
	for _, c := range n.Content {
		setPos(c, line, col)
	}
}

// objective reads objective: {maximize|minimize: EXPR, indifference, second}.
func (d *decoder) objective(n *yaml.Node, levers []string) []Objective {
	first, ok := d.oneObjective("objective", n, levers, true)
	if !ok {
		return nil
	}
	out := []Objective{first}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "second" {
			if o, ok := d.oneObjective("objective.second", n.Content[i+1], levers, false); ok {
				out = append(out, o)
			}
		}
	}
	return out
}

// oneObjective reads one objective's mapping; top allows second:.
func (d *decoder) oneObjective(path string, n *yaml.Node, levers []string, top bool) (Objective, bool) {
	allowed := []string{"maximize", "minimize", "indifference"}
	if top {
		allowed = append(allowed, "second")
	}
	const example = "such as {maximize: incremental_profit}"
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "want a mapping with maximize: or minimize: and a KPI, %s, got %s", example, describe(n))
		return Objective{}, false
	}
	var o Objective
	senses := 0
	good := true
	d.walk(path, "an objective", n, allowed, func(key string, k, v *yaml.Node) {
		full := path + "." + key
		switch key {
		case "maximize", "minimize":
			senses++
			if senses > 1 {
				d.fail(k, full, "an objective has maximize: or minimize:, not both; give a second objective under second:")
				good = false
				return
			}
			e, ok := d.expr(full, v, levers)
			if !ok {
				good = false
				return
			}
			o.Maximize, o.Expr, o.Line, o.Col = key == "maximize", e, v.Line, v.Column
		case "indifference":
			if x, ok := d.readFloat(full, v, 1e-12, 1e15); ok {
				o.Indifference = x
			} else {
				good = false
			}
		}
	})
	if senses == 0 && good {
		d.fail(n, path, "want maximize: or minimize: with a KPI, %s", example)
		return Objective{}, false
	}
	return o, good && senses == 1
}

// expr reads an expression scalar at path.
func (d *decoder) expr(path string, v *yaml.Node, levers []string) (Expr, bool) {
	if v.Kind != yaml.ScalarNode || v.ShortTag() == "!!null" {
		d.fail(v, path, "want a KPI id or a sum of KPIs such as redeemed - 0.5*cost, got %s", describe(v))
		return Expr{}, false
	}
	e, err := ParseExpr(v.Value, levers)
	if err != nil {
		d.fail(v, path, "%v", err)
		return Expr{}, false
	}
	return e, true
}

// constraints reads constraints:, a list of "EXPR <= NUMBER" or ">=".
func (d *decoder) constraints(n *yaml.Node, levers []string) []Constraint {
	const path = "constraints"
	if !d.readSeq(path, n, maxConstraints, false) {
		return nil
	}
	var out []Constraint
	for i, item := range n.Content {
		full := fmt.Sprintf("%s[%d]", path, i)
		if item.Kind != yaml.ScalarNode || item.ShortTag() != "!!str" {
			d.fail(item, full, "want a bound such as \"cost <= 20000\" or \"new_customers >= 300\", got %s", describe(item))
			continue
		}
		c, err := ParseConstraint(item.Value, levers)
		if err != nil {
			d.fail(item, full, "%v", err)
			continue
		}
		c.Line, c.Col = item.Line, item.Column
		out = append(out, c)
	}
	return out
}

// ParseConstraint reads "EXPR <= NUMBER" or "EXPR >= NUMBER" (≤ and ≥ too);
// EXPR is as ParseExpr reads it.
func ParseConstraint(text string, levers []string) (Constraint, error) {
	const want = "want EXPR <= NUMBER or EXPR >= NUMBER, such as \"cost <= 20000\""
	if len(text) > maxExprLen {
		return Constraint{}, fmt.Errorf("%d characters; a constraint has at most %d", len(text), maxExprLen)
	}
	t := strings.NewReplacer("≤", "<=", "≥", ">=").Replace(text)
	var c Constraint
	lhs, rhs, ok := strings.Cut(t, "<=")
	if !ok {
		lhs, rhs, ok = strings.Cut(t, ">=")
		c.AtLeast = true
	}
	if !ok || strings.ContainsAny(rhs, "<>=") || strings.ContainsAny(lhs, "<>=") {
		return Constraint{}, fmt.Errorf("%q: %s", text, want)
	}
	e, err := ParseExpr(lhs, levers)
	if err != nil {
		return Constraint{}, err
	}
	b, err := strconv.ParseFloat(strings.TrimSpace(rhs), 64)
	if err != nil || math.IsInf(b, 0) || math.IsNaN(b) {
		return Constraint{}, fmt.Errorf("bound %q is not a number: %s", strings.TrimSpace(rhs), want)
	}
	c.Expr, c.Bound = e, b
	return c, nil
}

// ParseExpr reads a linear combination of KPIs, such as incremental_profit,
// "redeemed - 0.5*cost" or "new_customers + 2*retained_customers". A term
// is [NUMBER *] NAME, NAME a KPI id (giftsim schema lists them) or the path
// of a range lever in levers, whose value counts in its natural unit
// (durations in days, times of day in hours). Terms join with + and -.
func ParseExpr(text string, levers []string) (Expr, error) {
	const want = "want a KPI id or a sum of terms [NUMBER*]KPI joined by + and -, such as redeemed - 0.5*cost"
	if len(text) > maxExprLen {
		return Expr{}, fmt.Errorf("%d characters; an expression has at most %d", len(text), maxExprLen)
	}
	s := strings.TrimSpace(text)
	if s == "" {
		return Expr{}, fmt.Errorf("empty: %s", want)
	}
	var e Expr
	sign := 1.0
	switch s[0] {
	case '-':
		sign, s = -1, s[1:]
	case '+':
		s = s[1:]
	}
	for {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
		coef := 1.0
		if c := numberPrefix(s); c != "" {
			v, err := strconv.ParseFloat(c, 64)
			if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
				return Expr{}, fmt.Errorf("%q: %q is not a number", text, c)
			}
			rest := strings.TrimLeftFunc(s[len(c):], unicode.IsSpace)
			if !strings.HasPrefix(rest, "*") {
				return Expr{}, fmt.Errorf("%q: a number must multiply a KPI, as in %s*cost; a constant does not change which strategy is best", text, c)
			}
			coef, s = v, strings.TrimLeftFunc(rest[1:], unicode.IsSpace)
		}
		name := namePrefix(s)
		if name == "" {
			if s == "" {
				return Expr{}, fmt.Errorf("%q ends with an operator: %s", text, want)
			}
			return Expr{}, fmt.Errorf("%q: unexpected %q: %s", text, firstRune(s), want)
		}
		s = s[len(name):]
		t := Term{Coef: sign * coef, Name: name}
		switch {
		case slices.Contains(kpiNames(), name):
		case slices.Contains(levers, name):
			t.Lever = true
		case strings.ContainsAny(name, ".["):
			return Expr{}, fmt.Errorf("%q: %s is not a range lever of this scenario (levers: %s)", text, name, listOrNone(levers))
		default:
			return Expr{}, fmt.Errorf("%q: unknown KPI %s%s (KPIs: %s)", text, name, suggest(name, kpiNames()), strings.Join(kpiNames(), ", "))
		}
		if slices.ContainsFunc(e.Terms, func(u Term) bool { return u.Name == name }) {
			return Expr{}, fmt.Errorf("%q: %s appears twice; combine its terms", text, name)
		}
		if len(e.Terms) == maxTerms {
			return Expr{}, fmt.Errorf("%q: more than %d terms", text, maxTerms)
		}
		e.Terms = append(e.Terms, t)
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
		if s == "" {
			return e, nil
		}
		switch s[0] {
		case '+':
			sign = 1
		case '-':
			sign = -1
		default:
			return Expr{}, fmt.Errorf("%q: unexpected %q after %s: %s", text, firstRune(s), name, want)
		}
		s = s[1:]
	}
}

// firstRune is s's first character, whole.
func firstRune(s string) string {
	for _, r := range s {
		return string(r)
	}
	return ""
}

// numberPrefix returns the decimal number s starts with, or "".
func numberPrefix(s string) string {
	i := 0
	digits := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		if s[i] != '.' {
			digits++
		}
		i++
	}
	if digits == 0 {
		return ""
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		k := j
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k > j {
			i = k
		}
	}
	return s[:i]
}

// namePrefix returns the KPI id or lever path s starts with, or "".
func namePrefix(s string) string {
	i := 0
	for i < len(s) {
		c := s[i]
		if c >= 'a' && c <= 'z' || c == '_' || (i > 0 && (c >= '0' && c <= '9' || c == '.' || c == '[' || c == ']')) {
			i++
			continue
		}
		break
	}
	return s[:i]
}

func listOrNone(xs []string) string {
	if len(xs) == 0 {
		return "none declared"
	}
	return strings.Join(xs, ", ")
}

// marshalStudy writes st's sections into root.
func marshalStudy(root *yaml.Node, st Study) {
	if len(st.Levers) > 0 {
		m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for _, l := range st.Levers {
			var v *yaml.Node
			if l.IsRange() {
				v = scalar(l.Low+".."+l.High, "!!str")
			} else {
				var items []*yaml.Node
				for _, lv := range l.Levels {
					items = append(items, scalar(lv, "!!str"))
				}
				v = flowSeq(items)
			}
			m.Content = append(m.Content, scalar(l.Path, "!!str"), v)
		}
		put(root, "levers", m)
	}
	if len(st.Objectives) > 0 {
		obj := func(o Objective) *yaml.Node {
			m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			m.Content = append(m.Content, scalar(o.Sense(), "!!str"), scalar(o.Expr.String(), "!!str"))
			if o.Indifference > 0 {
				m.Content = append(m.Content, scalar("indifference", "!!str"), number(o.Indifference))
			}
			return m
		}
		m := obj(st.Objectives[0])
		if len(st.Objectives) > 1 {
			second := obj(st.Objectives[1])
			second.Style = yaml.FlowStyle
			m.Content = append(m.Content, scalar("second", "!!str"), second)
		}
		put(root, "objective", m)
	}
	if len(st.Constraints) > 0 {
		seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, c := range st.Constraints {
			seq.Content = append(seq.Content, scalar(c.String(), "!!str"))
		}
		put(root, "constraints", seq)
	}
}
