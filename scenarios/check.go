package scenarios

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"giftsim/sim"
	"giftsim/sim/graph"
)

// issue is a problem with one arm's config, before it has a position.
type issue struct {
	paths []string // paths are the fields it concerns, the one to name first.
	rule  string
	msg   string
	err   error
	warn  bool // warn marks a problem the scenario opted to simulate.
}

// error is the issue as an *Error in file, without a position.
func (is issue) error(file string) *Error {
	e := &Error{File: file, Rule: is.rule, Msg: is.msg, Err: is.err}
	if len(is.paths) > 0 {
		e.Path = is.paths[0]
	}
	return e
}

// check returns every problem with c: the simulator's (sim.Config.Problems:
// Validate's and the compliance rules', R18–R20) and the friend graph's.
// dir is where a relative edge-list file is looked up. Each problem's fields
// come from its type (*sim.FieldError), never from its text.
func (t *table) check(c *config, dir string) []issue {
	var out []issue
	for _, fe := range c.Problems() {
		is := fieldIssue(fe)
		if is.warn && c.simulatePenalty {
			is.msg += " (simulated: compliance.simulate_penalty is on)"
		} else {
			is.warn = false
		}
		out = append(out, is)
	}
	return append(out, checkGraph(c, dir)...)
}

// fieldIssue turns a problem the simulator found into an issue: the fields
// it names, its rule and message.
func fieldIssue(fe *sim.FieldError) issue {
	return issue{paths: fe.Paths(), rule: fe.Rule, msg: fe.Msg, err: fe, warn: fe.Warn}
}

// known reports whether apply accepts path.
func (t *table) known(path string) bool {
	if t.field(path) != nil || t.isSection(path) {
		return true
	}
	m := indexRE.FindStringSubmatch(path)
	return m != nil && m[1] == "campaign" && (m[3] == "" || t.pushField(m[3]) != nil)
}

// checkGraph checks what the graph generators need of their parameters and
// that an edge-list file can be read.
func checkGraph(c *config, dir string) []issue {
	g, n := c.Population.Graph, c.Population.Users
	var out []issue
	bad := func(path, format string, a ...any) {
		out = append(out, issue{paths: []string{path}, msg: fmt.Sprintf(format, a...)})
	}
	switch g.Model {
	case "barabasi-albert":
		if g.M >= n {
			bad("population.graph.m", "must be less than population.users (%d), got %d", n, g.M)
		} else if int64(g.M)*int64(n) > graph.MaxEdges {
			bad("population.graph.m", "m × users = %s edges; at most %s", group(int64(g.M)*int64(n)), group(graph.MaxEdges))
		}
	case "watts-strogatz":
		if g.K%2 != 0 {
			bad("population.graph.k", "must be even, got %d", g.K)
		} else if g.K >= n {
			bad("population.graph.k", "must be less than population.users (%d), got %d", n, g.K)
		} else if int64(g.K)*int64(n)/2 > graph.MaxEdges {
			bad("population.graph.k", "k × users / 2 = %s edges; at most %s", group(int64(g.K)*int64(n)/2), group(graph.MaxEdges))
		}
	case "stochastic-block":
		if g.Blocks > n {
			bad("population.graph.blocks", "must be at most population.users (%d), got %d", n, g.Blocks)
		}
	case "edge-list":
		if g.File == "" {
			bad("population.graph.model", "edge-list needs population.graph.file")
		}
	}
	if g.File != "" && g.Model != "edge-list" {
		bad("population.graph.file", "is read only when population.graph.model is edge-list, got %s", g.Model)
	} else if g.File != "" {
		p := g.File
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		if st, err := os.Stat(p); err != nil {
			bad("population.graph.file", "cannot read %s: %v", p, errors.Unwrap(err))
		} else if !st.Mode().IsRegular() {
			bad("population.graph.file", "%s is not a regular file", p)
		}
	}
	return out
}

// position finds the node to report an arm's issue at: where the arm or
// else the base set the first of paths that either set (the base's unless
// the arm replaced that list), else where an enclosing section was set, else
// the arm itself.
func position(base, arm *decoder, armNode *yaml.Node, paths []string) *yaml.Node {
	shadowed := func(p string) bool {
		for _, r := range arm.replaced {
			if under(p, r) {
				return true
			}
		}
		return false
	}
	for _, p := range paths {
		if n := arm.pos[p]; n != nil {
			return n
		}
		if n := base.pos[p]; n != nil && !shadowed(p) {
			return n
		}
	}
	for _, p := range paths {
		for q := parent(p); q != ""; q = parent(q) {
			if n := arm.pos[q]; n != nil {
				return n
			}
			if n := base.pos[q]; n != nil && !shadowed(q) {
				return n
			}
		}
	}
	return armNode
}

// parent returns the path enclosing p: "campaign[0]" for
// "campaign[0].push_at", "campaign" for "campaign[0]", "" at the top.
func parent(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// under reports whether path p is at or below path q.
func under(p, q string) bool {
	return p == q || strings.HasPrefix(p, q+".") || strings.HasPrefix(p, q+"[")
}

// ArmsSet reports whether an arm of exp sets path, a field under it or a
// field it is under, or the experiment sweeps one: an override of path
// with Scenario.Set would then replace the arms' own setting. Calibration
// uses it to leave the lever a target compares alone.
func ArmsSet(exp *sim.Experiment, path string) bool {
	overlaps := func(q string) bool { return under(path, q) || under(q, path) }
	for _, a := range exp.Arms {
		if slices.ContainsFunc(a.Settings, func(row [2]string) bool { return overlaps(row[0]) }) {
			return true
		}
	}
	return slices.ContainsFunc(exp.Sweep, overlaps)
}
