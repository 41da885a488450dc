package scenarios

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"giftsim/platform"
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

// check returns every problem with c: sim.Config.Validate's, the friend
// graph's and the compliance rules' (R18–R20). dir is where a relative
// edge-list file is looked up.
func (t *table) check(c *config, dir string) []issue {
	var out []issue
	// A validity outside 1d–90d is reported once, not again per channel.
	stockValidity := c.Coupon.Validity < platform.Day || c.Coupon.Validity > platform.MaxValidity
	for _, err := range flatten(c.Validate()) {
		if stockValidity && errors.Is(err, platform.ErrValidityRange) && entryRE.MatchString(err.Error()) {
			continue
		}
		out = append(out, t.locate(err, c))
	}
	out = append(out, checkGraph(c, dir)...)
	_, err := c.Compliance.Check()
	for _, err := range flatten(err) {
		is := t.locate(err, c)
		switch is.rule {
		case "R18":
			is.paths = []string{"compliance.force_follow"}
			if c.Compliance.ForgedMarks {
				is.paths = []string{"compliance.forged_marks"}
			} else if c.simulatePenalty {
				is.warn = true
				is.msg += " (simulated: compliance.simulate_penalty is on)"
			}
		case "R19":
			is.paths = []string{"compliance.brand_label"}
			if c.Compliance.BrandLabel != "" {
				is.paths = []string{"compliance.label_font_pt", "compliance.brand_label"}
			}
		case "R20":
			is.paths = []string{"compliance.cash_equivalent", "compliance.signed_commitment", "merchant.industry"}
		}
		out = append(out, is)
	}
	return out
}

// flatten splits errors.Join trees into their leaves.
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

var (
	entryRE = regexp.MustCompile(`^(campaign\[[0-9]+\]): `)
	ruleRE  = regexp.MustCompile(` \(([RC][0-9]+)\)`)
	pathRE  = regexp.MustCompile(`[a-z_]+(?:\[[0-9]+\])?(?:\.[a-z_]+(?:\[[0-9]+\])?)*`)
)

// locate turns an error from the sim or platform packages into an issue:
// the fields it concerns, its rule id and its message without the sentinel.
func (t *table) locate(err error, c *config) issue {
	text := err.Error()
	entry := ""
	if m := entryRE.FindStringSubmatch(text); m != nil {
		entry, text = m[1], strings.TrimPrefix(text, m[0])
	}
	is := issue{err: err}
	var fp interface{ FieldPath() string }
	if errors.As(err, &fp) {
		is.paths = []string{fp.FieldPath()}
	}
	var re *platform.RuleError
	if errors.As(err, &re) {
		is.rule, is.msg = re.Rule, re.Msg
		if is.msg == "" {
			is.msg = re.Err.Error()
		}
		if is.paths == nil {
			is.paths = rulePaths(re, entry, c)
		}
	} else {
		is.msg = strings.TrimPrefix(text, platform.ErrInvalid.Error()+": ")
	}
	if is.paths == nil {
		is.paths = t.mentioned(is.msg)
	}
	if m := ruleRE.FindStringSubmatch(is.msg); m != nil && is.rule == "" {
		is.rule, is.msg = m[1], strings.Replace(is.msg, m[0], "", 1)
	}
	if len(is.paths) > 0 {
		if rest, ok := strings.CutPrefix(is.msg, is.paths[0]+" "); ok {
			if !strings.HasPrefix(rest, "must ") {
				rest = lastName(is.paths[0]) + " " + rest
			}
			is.msg = rest
		}
	}
	return is
}

// rulePaths names the fields a platform rule error concerns; entry is the
// campaign entry it came from, if any.
func rulePaths(re *platform.RuleError, entry string, c *config) []string {
	switch {
	case errors.Is(re, platform.ErrValidityRange):
		if entry != "" {
			return []string{"coupon.validity", entry + ".channel"}
		}
		return []string{"coupon.validity"}
	case re.Rule == "R12" && entry != "":
		return []string{entry + ".push_at"}
	case errors.Is(re, platform.ErrTierRequired) && entry != "":
		return []string{entry + ".channel", "merchant.tier"}
	case re.Rule == "R11" && errors.Is(re, platform.ErrQuotaExhausted):
		var out []string
		for i, p := range c.Campaign {
			if p.Channel == platform.ChannelAPI && p.SendsPerDay > 0 {
				out = append(out, fmt.Sprintf("campaign[%d].sends_per_day", i))
			}
		}
		return append(out, "merchant.daily_quota", "merchant.tier")
	case re.Rule == "R11":
		return []string{"merchant.daily_quota", "merchant.tier"}
	case errors.Is(re, platform.ErrValueLimit) && strings.Contains(re.Msg, "minimum spend"):
		return []string{"coupon.min_spend", "coupon.kind"}
	case errors.Is(re, platform.ErrValueLimit):
		return []string{"coupon.face_value", "coupon.kind"}
	case errors.Is(re, platform.ErrNotGiftable) && re.Rule == "R5":
		return []string{"coupon.allow_transfer", "coupon.category"}
	case errors.Is(re, platform.ErrNotGiftable):
		return []string{"coupon.allow_transfer", "coupon.kind"}
	case errors.Is(re, platform.ErrReviewRequired):
		return []string{"coupon.reviewed", "coupon.category", "coupon.face_value"}
	case re.Rule == "R4":
		return []string{"coupon.sub_kinds", "coupon.kind"}
	case re.Rule == "R16", re.Rule == "R17":
		return []string{"risk"}
	case strings.Contains(re.Msg, "face value"):
		return []string{"coupon.face_value"}
	}
	return nil
}

// mentioned returns the first field or section named in msg, or an entry
// of a list of mappings such as coupon.tiers[1].
func (t *table) mentioned(msg string) []string {
	for _, p := range pathRE.FindAllString(msg, -1) {
		if t.known(p) || t.recordPath(p) {
			return []string{p}
		}
	}
	return nil
}

// recordRE matches an entry of a list field, or a field of the entry:
// coupon.tiers[1], coupon.tiers[1].face_value.
var recordRE = regexp.MustCompile(`^([a-z_.]+)\[([0-9]{1,4})\](?:\.([a-z_]+))?$`)

// recordPath reports whether path names an entry of a list of mappings
// (kindRecords) or one of its fields; the decoder records where each is.
func (t *table) recordPath(path string) bool {
	m := recordRE.FindStringSubmatch(path)
	if m == nil {
		return false
	}
	f := t.field(m[1])
	if f == nil || f.kind != kindRecords {
		return false
	}
	return m[3] == "" || slices.ContainsFunc(f.items, func(s spec) bool { return s.name == m[3] })
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
// with ApplySet would then replace the arms' own setting. Calibration
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
