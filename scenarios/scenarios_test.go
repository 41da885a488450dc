package scenarios

import (
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"giftsim/platform"
	"giftsim/sim"
)

var update = flag.Bool("update", false, "rewrite golden files and the reference in docs/SCENARIOS.md")

func mustLoad(t *testing.T, name, text string) *sim.Experiment {
	t.Helper()
	exp, err := Load(name, []byte(text))
	if err != nil {
		t.Fatalf("Load(%s):\n%v", name, err)
	}
	return exp
}

func loadErrors(t *testing.T, name, text string) Errors {
	t.Helper()
	_, err := Load(name, []byte(text))
	var list Errors
	if !errors.As(err, &list) {
		t.Fatalf("Load(%s) = %v, want Errors", name, err)
	}
	return list
}

func TestFiveLineScenarioGetsDefaults(t *testing.T) {
	exp := mustLoad(t, "five.yaml", `name: five
coupon: {validity: 7d}
campaign:
  - {channel: official-account, sends_per_day: 500}
replications: 3
`)
	want := sim.DefaultConfig()
	want.Behaviour = shippedProfile().Behaviour
	want.Coupon.Validity = 7 * platform.Day
	want.Campaign[0].SendsPerDay = 500
	want.Compliance.Industry = want.Merchant.Industry
	if len(exp.Arms) != 1 || exp.Arms[0].Name != "base" || len(exp.Arms[0].Settings) != 0 {
		t.Fatalf("arms = %+v, want the single arm base", exp.Arms)
	}
	if got := exp.Arms[0].Config; !reflect.DeepEqual(got, want) {
		t.Errorf("config differs from defaults:\n got %+v\nwant %+v", got, want)
	}
	if exp.Name != "five" || exp.Replications != 3 || exp.Seed != 1 || exp.Precision != nil {
		t.Errorf("experiment = %q reps %d seed %d precision %v", exp.Name, exp.Replications, exp.Seed, exp.Precision)
	}
}

func TestFieldValues(t *testing.T) {
	tests := []struct {
		name, yaml string
		check      func(c sim.Config) bool
	}{
		{"hours", "horizon: 48h", func(c sim.Config) bool { return c.Horizon == 48*time.Hour }},
		{"days", "horizon: 7d", func(c sim.Config) bool { return c.Horizon == 7*platform.Day }},
		{"days and hours", "horizon: 1d12h", func(c sim.Config) bool { return c.Horizon == 36*time.Hour }},
		{"money int", "coupon: {face_value: 20}", func(c sim.Config) bool { return c.Coupon.Face == platform.CNY(20) }},
		{"money fen", "coupon: {face_value: 19.9}", func(c sim.Config) bool { return c.Coupon.Face == 1990 }},
		{"money text", `coupon: {min_spend: "88.80 CNY"}`, func(c sim.Config) bool { return c.Coupon.MinSpend == 8880 }},
		{"push time", `campaign: [{channel: official-account, push_at: "19:30"}]`,
			func(c sim.Config) bool { return c.Campaign[0].PushAt == 19*time.Hour+30*time.Minute }},
		{"entry defaults", `campaign: [{channel: payment-popup}]`,
			func(c sim.Config) bool {
				return c.Campaign[0].Channel == platform.ChannelPaymentPopup && c.Campaign[0].SendsPerDay == 1000 && c.Campaign[0].Target == "all"
			}},
		{"start zone", "start: 2026-05-04T09:00:00+02:00",
			func(c sim.Config) bool {
				_, off := c.Start.Zone()
				return off == 7200 && c.Start.Hour() == 9 && c.Start.Weekday() == time.Monday
			}},
		{"label none", "coupon: {label: none}", func(c sim.Config) bool { return c.Coupon.Label == "" }},
		{"label 24h", "coupon: {label: limited-24h}", func(c sim.Config) bool { return c.Coupon.Label == sim.LabelLimited24h }},
		{"sub kinds", "coupon: {kind: combo, face_value: 100, sub_kinds: [discount, points-exchange]}",
			func(c sim.Config) bool {
				return slices.Equal(c.Coupon.SubKinds, []platform.Kind{platform.KindDiscount, platform.KindPointsExchange})
			}},
		{"tiers", "coupon: {kind: discount, face_value: 10, min_spend: 60, tiers: [{min_spend: 120, face_value: 25}, {min_spend: 200, face_value: \"45.50 CNY\"}]}",
			func(c sim.Config) bool {
				return slices.Equal(c.Coupon.Tiers, []sim.Tier{{MinSpend: 12000, Face: 2500}, {MinSpend: 20000, Face: 4550}})
			}},
		{"tiers block style", "coupon:\n  tiers:\n    - min_spend: 120\n      face_value: 25\n",
			func(c sim.Config) bool {
				return slices.Equal(c.Coupon.Tiers, []sim.Tier{{MinSpend: 12000, Face: 2500}})
			}},
		{"no tiers", "coupon: {tiers: []}", func(c sim.Config) bool { return c.Coupon.Tiers == nil }},
		{"reminder", "coupon: {reminder: 2d}", func(c sim.Config) bool { return c.Coupon.Reminder == 2*platform.Day }},
		{"budget", `coupon: {budget: "5000.50 CNY"}`, func(c sim.Config) bool { return c.Coupon.Budget == 500050 }},
		{"budget in coupons", `coupon: {budget_coupons: 5000}`, func(c sim.Config) bool { return c.Coupon.BudgetCoupons == 5000 }},
		{"tier schedule", "merchant: {tier: new, certified_from_day: 15, filed_from_day: 25}\ncampaign: [{channel: official-account, first_day: 15}]",
			func(c sim.Config) bool { return c.Merchant.CertifiedFrom == 15 && c.Merchant.FiledFrom == 25 }},
		{"targets", "targets: {holders: 10000, new_customers: 500}",
			func(c sim.Config) bool { return c.Targets == sim.Targets{Holders: 10000, NewCustomers: 500} }},
		{"device", "campaign: [{channel: geo, device: harmonyos}]", func(c sim.Config) bool { return c.Campaign[0].Device == "harmonyos" }},
		{"device any", "campaign: [{channel: geo, device: any}]", func(c sim.Config) bool { return c.Campaign[0].Device == "" }},
		{"homophily and followers", "population: {homophily: 0.7, followers: 0.1}",
			func(c sim.Config) bool { return c.Population.Homophily == 0.7 && c.Population.Followers == 0.1 }},
		{"channel claim", "behaviour: {channel_claim: {payment-popup: 2}}",
			func(c sim.Config) bool { return c.Behaviour.ChannelClaim[platform.ChannelPaymentPopup] == 2 }},
		{"compliance industry follows merchant", "merchant: {industry: finance}",
			func(c sim.Config) bool { return c.Compliance.Industry == platform.IndustryFinance }},
		{"activity", "behaviour: {activity: [1,1,1,1,1,1,1,1,1,1,1,1,2,2,2,2,2,2,2,2,2,2,2,2]}",
			func(c sim.Config) bool { return c.Behaviour.Activity[0] == 1 && c.Behaviour.Activity[23] == 2 }},
		{"null section", "risk:", func(c sim.Config) bool { return c.Risk == platform.DefaultRisk() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exp := mustLoad(t, "t.yaml", "name: t\n"+tt.yaml+"\n")
			if !tt.check(exp.Arms[0].Config) {
				t.Errorf("%s: config = %+v", tt.yaml, exp.Arms[0].Config)
			}
		})
	}
}

func TestArmsAndSweeps(t *testing.T) {
	exp := mustLoad(t, "ab.yaml", `name: ab
coupon: {validity: 30d}
arms:
  - {name: 7-day, coupon: {validity: 7d}}
  - {name: 30-day, coupon: {validity: 30d}, population: {users: 500}}
`)
	if got := []string{exp.Arms[0].Name, exp.Arms[1].Name}; !slices.Equal(got, []string{"7-day", "30-day"}) {
		t.Fatalf("arm names = %v", got)
	}
	if exp.Arms[0].Config.Coupon.Validity != 7*platform.Day || exp.Arms[1].Config.Coupon.Validity != 30*platform.Day {
		t.Errorf("validities = %v, %v", exp.Arms[0].Config.Coupon.Validity, exp.Arms[1].Config.Coupon.Validity)
	}
	want := [][2]string{{"coupon.validity", "30d"}, {"population.users", "500"}}
	if !reflect.DeepEqual(exp.Arms[1].Settings, want) {
		t.Errorf("settings = %v, want %v", exp.Arms[1].Settings, want)
	}
	if exp.Arms[0].Config.Population.Users != 10000 {
		t.Errorf("arm 7-day inherited users %d from arm 30-day", exp.Arms[0].Config.Population.Users)
	}
	if !slices.Contains(exp.Setup, [2]string{"coupon.validity", "30d"}) {
		t.Errorf("setup lacks the base validity: %v", exp.Setup)
	}

	sw := mustLoad(t, "sw.yaml", `name: sw
campaign: [{channel: official-account, sends_per_day: 800}]
sweep:
  coupon.validity: [1d, 7d, 14d]
  campaign[0].push_at: ["10:00", "19:00"]
`)
	if len(sw.Arms) != 6 || !slices.Equal(sw.Sweep, []string{"coupon.validity", "campaign[0].push_at"}) {
		t.Fatalf("sweep gave %d arms over %v", len(sw.Arms), sw.Sweep)
	}
	last := sw.Arms[5]
	if last.Name != "validity=14d, push_at=19:00" || !slices.Equal(last.SweepValues, []string{"14d", "19:00"}) {
		t.Errorf("last arm = %q %v", last.Name, last.SweepValues)
	}
	if last.Config.Coupon.Validity != 14*platform.Day || last.Config.Campaign[0].PushAt != 19*time.Hour {
		t.Errorf("last arm config: validity %v push %v", last.Config.Coupon.Validity, last.Config.Campaign[0].PushAt)
	}
}

func TestReplications(t *testing.T) {
	exp := mustLoad(t, "p.yaml", "replications: {min: 4, max: 50, kpi: claim_conversion, half_width: 0.2}\n")
	want := &sim.Precision{KPI: "claim_conversion", HalfWidth: 0.2, Max: 50}
	if exp.Replications != 4 || !reflect.DeepEqual(exp.Precision, want) {
		t.Errorf("replications %d precision %+v, want 4 %+v", exp.Replications, exp.Precision, want)
	}
	exp = mustLoad(t, "p.yaml", "replications: {max: 30}\n")
	want = &sim.Precision{KPI: "redemption_rate", HalfWidth: 0.5, Max: 30}
	if exp.Replications != 10 || !reflect.DeepEqual(exp.Precision, want) {
		t.Errorf("defaults: replications %d precision %+v", exp.Replications, exp.Precision)
	}
}

func TestErrorsAreTyped(t *testing.T) {
	list := loadErrors(t, "validity.yaml", `name: v
coupon:
  validity: 30d
campaign:
  - {channel: mini-program, sends_per_day: 500}
population: {users: 1}
`)
	if len(list) != 2 {
		t.Fatalf("got %d errors, want 2:\n%v", len(list), list)
	}
	var e *Error
	if !errors.As(error(list), &e) {
		t.Fatal("errors.As(*Error) failed")
	}
	want := "validity.yaml:3:13: coupon.validity: C3: mini-program allows validity 7d to 15d, got 30d"
	if list[0].Error() != want {
		t.Errorf("first error = %q\nwant %q", list[0], want)
	}
	if !errors.Is(list, platform.ErrValidityRange) || platform.RuleOf(list[0]) != "C3" {
		t.Errorf("errors.Is(ErrValidityRange) = false or rule %q", platform.RuleOf(list[0]))
	}
	if list[1].Path != "population.users" || list[1].Line != 6 {
		t.Errorf("second error = %+v", list[1])
	}
}

func TestErrorPositionsFollowArms(t *testing.T) {
	list := loadErrors(t, "arms.yaml", `name: arms
coupon: {validity: 30d}
arms:
  - {name: oa}
  - name: mp
    campaign: [{channel: mini-program}]
`)
	if len(list) != 1 {
		t.Fatalf("got %v", list)
	}
	// The base set the validity; the arm's channel is what breaks C3.
	if e := list[0]; e.Line != 2 || e.Note != "arm mp" || e.Rule != "C3" {
		t.Errorf("error = %v (line %d, note %q)", e, e.Line, e.Note)
	}
	// A default validity is reported where the arm set the channel.
	list = loadErrors(t, "arms.yaml", `name: arms
arms:
  - name: mp
    campaign: [{channel: mini-program}]
`)
	if e := list[0]; e.Line != 4 || e.Path != "coupon.validity" || e.Note != "" {
		t.Errorf("error = %v (line %d col %d note %q)", e, e.Line, e.Col, e.Note)
	}
}

func TestComplianceWarnings(t *testing.T) {
	s, err := Parse("w.yaml", []byte("compliance: {force_follow: true, simulate_penalty: true}\n"))
	if err != nil {
		t.Fatal(err)
	}
	w := s.Warnings()
	if len(w) != 1 || w[0].Rule != "R18" || w[0].Path != "compliance.force_follow" {
		t.Fatalf("warnings = %v", w)
	}
	exp := s.Experiment()
	if !exp.Arms[0].Config.Compliance.ForceFollow || !slices.ContainsFunc(exp.Setup, func(r [2]string) bool { return r[0] == "warning" }) {
		t.Errorf("the warning should reach the config and the setup rows: %v", exp.Setup)
	}
	list := loadErrors(t, "w.yaml", "compliance: {forged_marks: true, simulate_penalty: true}\n")
	if list[0].Rule != "R18" || list[0].Path != "compliance.forged_marks" {
		t.Errorf("forged marks: %v", list)
	}
}

func TestGraphFileIsRelativeToScenario(t *testing.T) {
	exp, err := LoadFile(filepath.Join("testdata", "valid", "edge-list.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := exp.Arms[0].Config.Population.Graph.File, filepath.Join("testdata", "valid", "edges.csv"); got != want {
		t.Errorf("graph file = %q, want %q", got, want)
	}
	list := loadErrors(t, "g.yaml", "population: {graph: {model: edge-list, file: missing.csv}}\n")
	if list[0].Path != "population.graph.file" || !strings.Contains(list[0].Msg, "missing.csv") {
		t.Errorf("missing file: %v", list)
	}
}

func TestLoadFileFallsBackToBundled(t *testing.T) {
	// The test runs in scenarios/, so this path is not on disk.
	p := filepath.Join("scenarios", "examples", "validity-7-vs-30.yaml")
	if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("%s should not exist here: %v", p, err)
	}
	exp, err := LoadFile(p)
	if err != nil || exp.Name != "validity-7-vs-30" {
		t.Fatalf("LoadFile(%s) = %v, %v", p, exp, err)
	}
	_, err = LoadFile(filepath.Join("scenarios", "examples", "no-such.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("unknown example: %v", err)
	}
	if _, err := LoadFile("no-such.yaml"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestExamples(t *testing.T) {
	list := Examples()
	want := []string{"channel-mix", "face-value-sweep", "hotpot-validity-zh", "industry-catering", "industry-finance", "industry-life-services", "industry-retail",
		"label-24h", "levers", "live-stream", "new-merchant-quota", "optimize-retail-budget", "push-time", "quota-binding", "scale-1m", "sends-sweep", "sensitivity-catering", "ticket-noon", "validity-7-vs-30", "validity-sweep"}
	var names []string
	for _, e := range list {
		names = append(names, e.Name)
	}
	if !slices.Equal(names, want) {
		t.Errorf("examples = %v\nwant %v", names, want)
	}
	industries := map[platform.Industry]bool{}
	for _, e := range list {
		t.Run(e.Name, func(t *testing.T) {
			s, err := ParseFile(filepath.Join("examples", e.Name+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Warnings()) > 0 {
				t.Errorf("warnings: %v", s.Warnings())
			}
			exp := s.Experiment()
			// An example is named as its file, but for the one written in
			// Chinese, whose name is Chinese as its readers write it.
			want := map[string]string{"hotpot-validity-zh": "火锅有效期"}[e.Name]
			if want == "" {
				want = e.Name
			}
			if e.Question == "" || exp.Question != e.Question || exp.Name != want {
				t.Errorf("name %q question %q", exp.Name, exp.Question)
			}
			for _, a := range exp.Arms {
				if err := a.Config.Validate(); err != nil {
					t.Errorf("arm %s: %v", a.Name, err)
				}
				if e.Name == "scale-1m" {
					continue
				}
				// The effect examples need large samples to measure a 3% change;
				// every example still runs in seconds.
				if a.Config.Population.Users > 100000 || exp.Replications > 20 {
					t.Errorf("arm %s: %d users, %d replications; examples stay small", a.Name, a.Config.Population.Users, exp.Replications)
				}
			}
			if strings.HasPrefix(e.Name, "industry-") {
				industries[exp.Arms[0].Config.Merchant.Industry] = true
			}
			if e.Name == "scale-1m" {
				c := exp.Arms[0].Config
				sent := 0
				for _, p := range c.Campaign {
					sent += p.SendsPerDay * int(c.Horizon/platform.Day)
				}
				if c.Population.Users != 1_000_000 || c.Population.Graph.M != 5 || exp.Replications != 1 ||
					c.Merchant.Tier != platform.TierFiled || c.Campaign[0].Channel != platform.ChannelAPI || sent < 1_000_000 {
					t.Errorf("scale-1m: %d users, m %d, %d reps, tier %v, %d sent", c.Population.Users, c.Population.Graph.M, exp.Replications, c.Merchant.Tier, sent)
				}
			}
		})
	}
	if len(industries) != 4 {
		t.Errorf("industry examples cover %v, want all four", industries)
	}
}

func TestValidFiles(t *testing.T) {
	eachTestdata(t, "valid", func(t *testing.T, f string) {
		if _, err := LoadFile(f); err != nil {
			t.Error(err)
		}
	})
}

// TestSet checks Scenario.Set: an override wins over an arm's own
// setting, updates the setup, and is refused with a message naming the
// flag, the field and what is allowed, leaving the scenario unchanged.
func TestSet(t *testing.T) {
	const base = `name: s
coupon: {validity: 14d}
campaign: [{channel: official-account, sends_per_day: 800}]
arms:
  - {name: a}
  - {name: b, coupon: {validity: 7d}, population: {users: 300}}
`
	tests := []struct {
		name  string
		sets  []string
		check func(t *testing.T, exp *sim.Experiment)
		err   string
	}{
		{name: "field wins over arm", sets: []string{"coupon.validity=3d"}, check: func(t *testing.T, exp *sim.Experiment) {
			for _, a := range exp.Arms {
				if a.Config.Coupon.Validity != 3*platform.Day {
					t.Errorf("arm %s validity %v", a.Name, a.Config.Coupon.Validity)
				}
			}
			if !reflect.DeepEqual(exp.Arms[1].Settings, [][2]string{{"population.users", "300"}}) {
				t.Errorf("arm b settings = %v", exp.Arms[1].Settings)
			}
			if !slices.Contains(exp.Setup, [2]string{"coupon.validity", "3d"}) {
				t.Errorf("setup not updated: %v", exp.Setup)
			}
		}},
		{name: "indexed and experiment fields", sets: []string{`campaign[0].push_at="19:00"`, "replications=2", "seed=9", "population.users=1000"},
			check: func(t *testing.T, exp *sim.Experiment) {
				if exp.Replications != 2 || exp.Seed != 9 || exp.Arms[0].Config.Campaign[0].PushAt != 19*time.Hour || exp.Arms[1].Config.Population.Users != 1000 {
					t.Errorf("got reps %d seed %d push %v users %d", exp.Replications, exp.Seed, exp.Arms[0].Config.Campaign[0].PushAt, exp.Arms[1].Config.Population.Users)
				}
				if !slices.Contains(exp.Setup, [2]string{"campaign[0].push_at", "19:00"}) {
					t.Errorf("setup: %v", exp.Setup)
				}
			}},
		{name: "section value", sets: []string{"coupon={face_value: 30, min_spend: 90}"}, check: func(t *testing.T, exp *sim.Experiment) {
			if c := exp.Arms[0].Config.Coupon; c.Face != platform.CNY(30) || c.MinSpend != platform.CNY(90) || c.Validity != 14*platform.Day {
				t.Errorf("coupon = %+v", c)
			}
		}},
		{name: "tiers", sets: []string{"coupon.tiers=[{min_spend: 120, face_value: 25}]"}, check: func(t *testing.T, exp *sim.Experiment) {
			want := []sim.Tier{{MinSpend: platform.CNY(120), Face: platform.CNY(25)}}
			for _, a := range exp.Arms {
				if !slices.Equal(a.Config.Coupon.Tiers, want) {
					t.Errorf("arm %s tiers %v", a.Name, a.Config.Coupon.Tiers)
				}
			}
			if !slices.Contains(exp.Setup, [2]string{"coupon.tiers", "[{min_spend: 120, face_value: 25}]"}) {
				t.Errorf("setup not updated: %v", exp.Setup)
			}
		}},
		{name: "tier rule", sets: []string{"coupon.tiers=[{min_spend: 120, face_value: 15}]"},
			err: "--set coupon.tiers=[{min_spend: 120, face_value: 15}]: coupon.tiers[0]: must have a larger min_spend and face_value than the tier before it"},
		{name: "tier field", sets: []string{"coupon.tiers=[{min_spend: 120, fase_value: 25}]"},
			err: "--set coupon.tiers=[{min_spend: 120, fase_value: 25}]: coupon.tiers[0].fase_value: unknown field; did you mean face_value? (a tier has: min_spend, face_value)"},
		{name: "one tier", sets: []string{"coupon.tiers[0].face_value=30"},
			err: "--set coupon.tiers[0].face_value=30: coupon.tiers[0].face_value: one entry of coupon.tiers cannot be set on its own; set the whole list"},
		{name: "rule", sets: []string{"campaign[0].channel=mini-program", "coupon.validity=30d"},
			err: "--set coupon.validity=30d: coupon.validity: C3: mini-program allows validity 7d to 15d, got 30d"},
		{name: "type", sets: []string{"population.users=lots"}, err: `--set population.users=lots: population.users: want a whole number from 2 to 50,000,000, got "lots"`},
		{name: "unknown", sets: []string{"coupon.valdity=7d"}, err: "--set coupon.valdity=7d: coupon.valdity: unknown field; did you mean coupon.validity?"},
		{name: "no equals", sets: []string{"coupon.validity"}, err: `--set coupon.validity: want path=value, such as coupon.validity=7d`},
		{name: "section flag", sets: []string{"population.users=500", "coupon={validity: 90d}", "campaign=[{channel: mini-program}]"},
			err: "--set coupon={validity: 90d}: coupon.validity: C3: mini-program allows validity 7d to 15d, got 90d"},
		{name: "tier from the file", sets: []string{"merchant.tier=new"},
			err: "--set merchant.tier=new: campaign[0].channel: C2: official-account needs a certified merchant, this one is new"},
		{name: "arms", sets: []string{"arms=[]"}, err: "--set arms=[]: arms: cannot be set with --set; edit the scenario file"},
		{name: "index out of range", sets: []string{"campaign[3].days=2"}, err: "--set campaign[3].days=2: campaign[3].days: the campaign has 1 entry, so there is no campaign[3]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, perr := Parse("s.yaml", []byte(base))
			if perr != nil {
				t.Fatal(perr)
			}
			scBefore := sc.Experiment()
			serr := sc.Set(tt.sets)
			if tt.err != "" {
				if serr == nil || serr.Error() != tt.err {
					t.Fatalf("Scenario.Set error = %v\nwant %s", serr, tt.err)
				}
				if !reflect.DeepEqual(sc.Experiment(), scBefore) {
					t.Error("a failed Scenario.Set changed the scenario")
				}
				return
			}
			if serr != nil {
				t.Fatal(serr)
			}
			tt.check(t, sc.Experiment())
		})
	}
	sw, err := Parse("sw.yaml", []byte("sweep: {coupon.validity: [7d, 14d]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.Set([]string{"coupon.validity=7d"}); err == nil || !strings.Contains(err.Error(), "sweeps coupon.validity") {
		t.Errorf("setting a swept field: %v", err)
	}
}

// TestSetRechecksLevers checks that the levers: section is checked again
// after Set: a lever whose field an override removed, or whose values the
// overridden arms no longer allow, is refused at the lever's place.
func TestSetRechecksLevers(t *testing.T) {
	const file = `name: l
campaign:
  - {channel: official-account, sends_per_day: 800}
  - {channel: official-account, sends_per_day: 400, push_at: "19:00"}
levers:
  coupon.validity: 3d..30d
  campaign[1].push_at: "10:00..20:00"
objective: {maximize: redeemed}
`
	for _, tt := range []struct {
		sets []string
		want string
	}{
		{[]string{"campaign=[{channel: official-account, sends_per_day: 800}]"},
			"l.yaml:7:24: levers.campaign[1].push_at: after --set campaign=[{channel: official-account, sends_per_day: 800}]: the campaign has 1 entry, so there is no campaign[1]"},
		{[]string{"coupon.validity=7d", "campaign=[{channel: mini-program}, {channel: mini-program}]"},
			"l.yaml:6:20: levers.coupon.validity: C3: after --set coupon.validity=7d, --set campaign=[{channel: mini-program}, {channel: mini-program}]: at 3d: mini-program allows validity 7d to 15d, got 3d"},
	} {
		sc, err := Parse("l.yaml", []byte(file))
		if err != nil {
			t.Fatal(err)
		}
		if err := sc.Set(tt.sets); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err = %v\nwant %s", tt.sets, err, tt.want)
		}
	}
	sc, err := Parse("l.yaml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.Set([]string{"population.users=1000"}); err != nil {
		t.Errorf("an override the levers allow: %v", err)
	}
}

// TestCloneIsDeep checks that a config's clone shares no list with it, so
// one arm cannot change another's.
func TestCloneIsDeep(t *testing.T) {
	c := defaultConfig()
	c.Coupon.SubKinds = []platform.Kind{platform.KindDiscount}
	c.Coupon.Tiers = []sim.Tier{{MinSpend: platform.CNY(120), Face: platform.CNY(25)}}
	d := c.clone()
	var walk func(a, b reflect.Value, path string)
	walk = func(a, b reflect.Value, path string) {
		switch a.Kind() {
		case reflect.Struct:
			if a.Type() == reflect.TypeOf(time.Time{}) {
				return
			}
			for i := range a.NumField() {
				walk(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name)
			}
		case reflect.Slice:
			switch {
			case a.Len() == 0:
				t.Errorf("%s is empty; give it an entry above so the test covers it", path)
			case a.Pointer() == b.Pointer():
				t.Errorf("the clone shares %s", path)
			}
		}
	}
	walk(reflect.ValueOf(c.Config), reflect.ValueOf(d.Config), "Config")
	d.Coupon.Tiers[0].Face++
	if c.Coupon.Tiers[0].Face != platform.CNY(25) {
		t.Error("changing the clone's tier changed the original")
	}
}
