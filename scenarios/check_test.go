package scenarios

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"giftsim/platform"
	"giftsim/sim"
)

// TestFieldErrorPositions checks that each problem the simulator finds is
// reported where the file set the field its *sim.FieldError names, or else
// the first of its other fields that the file set.
func TestFieldErrorPositions(t *testing.T) {
	const camp = "campaign: [{channel: official-account, sends_per_day: 100}]\n"
	tests := []struct {
		name, yaml, want string
	}{
		{"reminder", "name: r\ncoupon: {validity: 7d, reminder: 8d}\n" + camp,
			"f.yaml:2:34: coupon.reminder: must be shorter than the validity, got 8d"},
		{"validity named by the channel", "name: v\n" + "campaign: [{channel: mini-program, sends_per_day: 100}]\n",
			"f.yaml:2:22: coupon.validity: C3: mini-program allows validity 7d to 15d, got 30d"},
		{"R7 at the category", "name: g\ncoupon: {category: gold}\n" + camp,
			"f.yaml:2:20: coupon.reviewed: R7: gold coupons go through a separate review first (set reviewed once passed)"},
		{"R3 face value", "name: p\ncoupon: {kind: points-exchange, face_value: 600, min_spend: 0}\n" + camp,
			"f.yaml:2:45: coupon.face_value: R3: a points-exchange is worth at most 500.00 CNY, got 600.00"},
		{"R4 sub-kinds at the kind", "name: c\ncoupon: {kind: combo, min_spend: 0}\n" + camp,
			"f.yaml:2:16: coupon.sub_kinds: R4: a combo needs at least one sub-coupon kind"},
		{"R14 at share when after is default", "name: r\nrecovery: {share: 0.5, after: 31d}\n" + camp,
			"f.yaml:2:31: recovery.after: R14: must be under 30d, got 31d"},
		{"R18 severe", "name: c\ncompliance: {forged_marks: true}\n" + camp,
			"f.yaml:2:28: compliance.forged_marks: R18: forged official marks are a severe violation: the payment function is banned"},
		{"R19 size", "name: c\ncompliance: {label_font_pt: 8}\n" + camp,
			"f.yaml:2:29: compliance.label_font_pt: R19: the brand label must be at least 12 pt, got 8"},
		{"activity", "name: a\nbehaviour: {activity: [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}\n" + camp,
			"f.yaml:2:13: behaviour.activity: activity needs 24 non-negative weights, some positive"},
		{"schedule out of the horizon", "name: s\nhorizon: 10d\nmerchant: {tier: new, certified_from_day: 12}\n" + camp,
			"f.yaml:3:43: merchant.certified_from_day: must be a day of the campaign, 1 to 9 (0: not scheduled), got 12"},
		{"R11 quota at the tier", "name: q\nmerchant: {tier: filed}\ncampaign: [{channel: api, sends_per_day: 60000, push_at: \"10:00\"}]\n",
			"f.yaml:3:42: campaign[0].sends_per_day: R11: API sends of 60000 a day exceed the filed merchant's daily quota of 50000"},
		{"C4 at the arm's tier", "name: t\n" + camp + "arms:\n  - {name: a}\n  - {name: b, merchant: {tier: new}}\n",
			"f.yaml:2:22: campaign[0].channel: C2: official-account needs a certified merchant, this one is new (arm b)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatal("parsed without error")
			}
			if first, _, _ := strings.Cut(err.Error(), "\n"); first != tt.want {
				t.Errorf("got  %s\nwant %s", err, tt.want)
			}
			if !errors.Is(err, platform.ErrInvalid) && platform.RuleOf(err) == "" {
				t.Errorf("%v carries neither ErrInvalid nor a rule", err)
			}
		})
	}
}

// TestEveryFieldErrorPathIsKnown checks that the fields every *sim.FieldError
// names are paths of the scenario format, so each can be positioned.
func TestEveryFieldErrorPathIsKnown(t *testing.T) {
	tab := newTable()
	broken := []func(c *config){
		func(c *config) {
			c.Horizon = 0
			c.Population.Users = 1
			c.Population.Members = 2
			c.Population.Homophily = 2
		},
		func(c *config) { c.Population.AbnormalIPShare, c.Population.AbnormalIPGroups = 0.5, 0 },
		func(c *config) {
			c.Coupon.Kind, c.Coupon.Category, c.Coupon.Face = platform.KindCombo, platform.CategoryTobacco, platform.CNY(7000)
			c.Coupon.Validity, c.Coupon.Reminder, c.Coupon.Label = 100*platform.Day, 200*platform.Day, "x"
			c.Coupon.Tiers = []sim.Tier{{MinSpend: 1, Face: 2}}
			c.Coupon.Budget, c.Coupon.BudgetCoupons = -1, -1
		},
		func(c *config) { c.Coupon.Kind, c.Coupon.MinSpend, c.Coupon.Face = platform.KindDiscount, 1, 0 },
		func(c *config) { c.Coupon.Kind = 0 },
		func(c *config) { c.Coupon.Budget = 1 },
		func(c *config) {
			c.Merchant.Tier, c.Merchant.DailyQuota, c.Merchant.CertifiedFrom, c.Merchant.FiledFrom = platform.TierNew, 900, 40, 20
			c.Campaign = append(c.Campaign, sim.Push{Channel: platform.ChannelAPI, SendsPerDay: -1, PushAt: 25 * 3600e9, Device: "x", Target: "x"},
				sim.Push{Channel: platform.ChannelMiniProgram})
		},
		func(c *config) {
			c.Merchant.Tier, c.Merchant.CertifiedFrom, c.Merchant.FiledFrom = platform.TierNew, 20, 10
		},
		func(c *config) {
			c.Merchant.Tier = platform.TierFiled
			c.Campaign = []sim.Push{{Channel: platform.ChannelAPI, SendsPerDay: 90000}}
		},
		func(c *config) { c.Campaign = nil; c.Targets.Holders, c.Targets.NewCustomers = -1, -1 },
		func(c *config) { c.Recovery.Share, c.Recovery.After = 0.5, 40*platform.Day; c.Risk.IPClaims = 0 },
		func(c *config) { c.Recovery.Share = 2 },
		func(c *config) {
			c.Behaviour.AcceptProb, c.Behaviour.RefuseProb, c.Behaviour.ClaimProb = 0.9, 0.9, -1
			c.Behaviour.Activity, c.Behaviour.WeekendActivity, c.Behaviour.RedeemActivity = [24]float64{}, [24]float64{}, [24]float64{}
		},
		func(c *config) { c.Compliance = platform.Compliance{ForceFollow: true, LabelFontPt: 1} },
		func(c *config) {
			c.Compliance = platform.Compliance{ForgedMarks: true, BrandLabel: "b", LabelFontPt: 1, Industry: platform.IndustryFinance, CashEquivalent: true}
		},
	}
	seen := map[string]bool{}
	for i, edit := range broken {
		c := defaultConfig()
		edit(&c)
		c.finish()
		probs := c.Problems()
		if len(probs) == 0 {
			t.Errorf("case %d: no problem found", i)
		}
		if (c.Validate() == nil && c.CheckCompliance() == nil) != (len(probs) == 0) {
			t.Errorf("case %d: %d problems, but Validate says %v and CheckCompliance %v", i, len(probs), c.Validate(), c.CheckCompliance())
		}
		for _, fe := range probs {
			for _, p := range fe.Paths() {
				seen[fe.Path] = true
				_, list := tab.listOf(p)
				if !tab.known(p) && !list {
					t.Errorf("case %d: %v names %q, which is not a scenario path", i, fe, p)
				}
			}
			if is := fieldIssue(fe); is.paths[0] != fe.Path || is.msg != fe.Msg || is.rule != fe.Rule {
				t.Errorf("case %d: issue %+v from %+v", i, is, fe)
			}
		}
	}
	if len(seen) < 40 {
		t.Errorf("only %d fields named; the cases should cover every check", len(seen))
	}
}

// TestPathsComeFromTheType checks that a problem's fields come from its
// type, not its text: a *sim.FieldError is placed by Path whatever its
// message says.
func TestPathsComeFromTheType(t *testing.T) {
	fe := &sim.FieldError{Path: "coupon.reminder", Msg: "population.users (R11) and campaign[0].push_at", Err: platform.ErrInvalid}
	if is := fieldIssue(fe); !slices.Equal(is.paths, []string{"coupon.reminder"}) || is.rule != "" || is.msg != fe.Msg {
		t.Errorf("issue %+v from %+v", is, fe)
	}
}

// TestNoRegexpReadsErrors checks that the package's regular expressions all
// read input (times of day, paths) and none is kept to recover fields from
// error text; the YAML parser's syntax errors give their line only in text.
// A new regular expression must be added here with its reason.
func TestNoRegexpReadsErrors(t *testing.T) {
	allowed := map[string]string{
		"clockRE":    "a time of day in a scenario",
		"indexRE":    "a path into the campaign",
		"recordRE":   "a path into a list field",
		"yamlLineRE": "the YAML parser's syntax error, whose line is only in its text",
	}
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		imports := slices.ContainsFunc(file.Imports, func(s *ast.ImportSpec) bool { v, _ := strconv.Unquote(s.Path.Value); return v == "regexp" })
		if imports && slices.Contains([]string{"check.go", "errors.go", "set.go"}, f) {
			t.Errorf("%s imports regexp; positions come from *sim.FieldError", f)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			vs, ok := n.(*ast.ValueSpec)
			if !ok {
				return true
			}
			for i, v := range vs.Values {
				call, ok := v.(*ast.CallExpr)
				if !ok {
					continue
				}
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "MustCompile" {
					if _, ok := allowed[vs.Names[i].Name]; !ok {
						t.Errorf("%s: regular expression %s is not one that reads input", fset.Position(vs.Pos()), vs.Names[i].Name)
					}
				}
			}
			return true
		})
	}
}

// TestSetKeepsWarnings checks that Scenario.Set keeps a warning the file
// opted into at its place in the file, and names the flag of one an
// override brings.
func TestSetKeepsWarnings(t *testing.T) {
	const file = "name: w\ncompliance: {force_follow: true, simulate_penalty: true}\ncampaign: [{channel: official-account, sends_per_day: 100}]\n"
	s, err := Parse("w.yaml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Set([]string{"population.users=500"}); err != nil {
		t.Fatal(err)
	}
	if w := s.Warnings(); len(w) != 1 || w[0].File != "w.yaml" || w[0].Line != 2 || w[0].Path != "compliance.force_follow" {
		t.Errorf("warnings after an unrelated --set: %v", w)
	}
	s, _ = Parse("w.yaml", []byte("name: w\ncompliance: {simulate_penalty: true}\ncampaign: [{channel: official-account, sends_per_day: 100}]\n"))
	if err := s.Set([]string{"compliance.force_follow=true"}); err != nil {
		t.Fatal(err)
	}
	if w := s.Warnings(); len(w) != 1 || w[0].File != "--set compliance.force_follow=true" {
		t.Errorf("warnings after --set compliance.force_follow=true: %v", w)
	}
	if err := s.Set([]string{"compliance.forged_marks=true"}); err == nil || !strings.HasPrefix(err.Error(), "--set compliance.forged_marks=true: compliance.forged_marks: R18: ") {
		t.Errorf("forged marks: %v", err)
	}
}

// TestSetFindsEdgeListBesideTheFile checks that Scenario.Set looks up a
// relative edge-list file beside the scenario file, as Parse does.
func TestSetFindsEdgeListBesideTheFile(t *testing.T) {
	s, err := ParseFile(filepath.Join("testdata", "valid", "edge-list.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Set([]string{"seed=3"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Set([]string{"population.graph.file=missing.csv"}); err == nil || !strings.Contains(err.Error(), "--set population.graph.file=missing.csv: population.graph.file: cannot read") {
		t.Errorf("a missing edge list: %v", err)
	}
}
