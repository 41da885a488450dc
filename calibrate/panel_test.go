package calibrate

import (
	"context"
	"math"
	"strings"
	"testing"

	"giftsim/scenarios"
	"giftsim/sim"
)

// TestDefaultPanelIsBalancedAndOrthogonal checks the design: eight runs,
// each factor at each level in four of them, every two factors in all four
// level pairs twice, and the channel set by D = ABC.
func TestDefaultPanelIsBalancedAndOrthogonal(t *testing.T) {
	panel := DefaultPanel()
	if len(panel) != 8 {
		t.Fatalf("%d contexts, want 8", len(panel))
	}
	level := func(c Context, f int) int {
		for l, lv := range panelFactors[f].levels {
			if strings.Contains(strings.Join(c.Set, " "), strings.Join(lv.set, " ")) {
				return l
			}
		}
		t.Fatalf("context %q sets no level of %s", c.Name, panelFactors[f].name)
		return -1
	}
	names := map[string]bool{}
	for _, c := range panel {
		names[c.Name] = true
		if level(c, 3) != level(c, 0)^level(c, 1)^level(c, 2) {
			t.Errorf("%q breaks D = ABC", c.Name)
		}
	}
	if len(names) != 8 {
		t.Errorf("context names not distinct: %v", names)
	}
	for f := range panelFactors {
		for g := f + 1; g < len(panelFactors); g++ {
			var n [2][2]int
			for _, c := range panel {
				n[level(c, f)][level(c, g)]++
			}
			if n != [2][2]int{{2, 2}, {2, 2}} {
				t.Errorf("%s × %s: level pairs %v, want 2 each", panelFactors[f].name, panelFactors[g].name, n)
			}
		}
	}
}

// TestInContextKeepsTheLever applies a context to the push-time example,
// whose arms set their own campaign: the channel override is left out, the
// industry is set, and the population and sends scale together.
func TestInContextKeepsTheLever(t *testing.T) {
	src, err := loadExample("push-time", sim.DefaultBehaviour())
	if err != nil {
		t.Fatal(err)
	}
	exp := src.Experiment
	c := Context{Name: "retail, popup", Set: []string{"merchant.industry=retail-ecommerce", "campaign[0].channel=payment-popup"}}
	got, err := inContext(src, c, 5000)
	if err != nil {
		t.Fatal(err)
	}
	if !scenarios.ArmsSet(exp, "campaign[0].channel") || scenarios.ArmsSet(exp, "merchant.industry") {
		t.Errorf("armSets: campaign %v, industry %v; want true, false", scenarios.ArmsSet(exp, "campaign[0].channel"), scenarios.ArmsSet(exp, "merchant.industry"))
	}
	for i, a := range got.Arms {
		was := exp.Arms[i].Config
		if a.Config.Merchant.Industry.String() != "retail-ecommerce" {
			t.Errorf("%s: industry %v, want retail-ecommerce", a.Name, a.Config.Merchant.Industry)
		}
		if a.Config.Campaign[0].Channel != was.Campaign[0].Channel || a.Config.Campaign[0].PushAt != was.Campaign[0].PushAt {
			t.Errorf("%s: campaign %+v, want the arm's own %+v", a.Name, a.Config.Campaign[0], was.Campaign[0])
		}
		if a.Config.Population.Users != 5000 || a.Config.Campaign[0].SendsPerDay != was.Campaign[0].SendsPerDay*5000/was.Population.Users {
			t.Errorf("%s: %d users, %d sends a day; want 5000 and %d", a.Name, a.Config.Population.Users, a.Config.Campaign[0].SendsPerDay, was.Campaign[0].SendsPerDay*5000/was.Population.Users)
		}
	}
	if exp.Arms[0].Config.Merchant.Industry.String() != "catering" {
		t.Errorf("inContext changed its input: industry %v", exp.Arms[0].Config.Merchant.Industry)
	}
}

// TestEvaluateAveragesThePanel evaluates B3 over a small panel: its value
// is the mean of the contexts' values, and contexts that differ only in an
// override the arms set themselves share one run.
func TestEvaluateAveragesThePanel(t *testing.T) {
	if raceEnabled {
		t.Skip("runs the simulator; .ci/run runs this test without -race")
	}
	tg := DefaultTargets()[2]
	if tg.ID != "B3" {
		t.Fatalf("target %s, want B3", tg.ID)
	}
	tg.Panel = []Context{
		{Name: "catering, account", Set: []string{"merchant.industry=catering", "campaign[0].channel=official-account"}},
		{Name: "catering, popup", Set: []string{"merchant.industry=catering", "campaign[0].channel=payment-popup"}},
		{Name: "retail, account", Set: []string{"merchant.industry=retail-ecommerce", "campaign[0].channel=official-account"}},
	}
	fs, err := Evaluate(context.Background(), sim.DefaultBehaviour(), []Target{tg}, loadExample, Options{Replications: 2, ContextUsers: 2000, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	f := fs[0]
	if len(f.Contexts) != 3 {
		t.Fatalf("%d context values, want 3", len(f.Contexts))
	}
	mean := (f.Contexts[0].Value + f.Contexts[1].Value + f.Contexts[2].Value) / 3
	if math.Abs(f.Value-mean) > 1e-12 || !(f.Low < f.Value && f.Value < f.High) {
		t.Errorf("panel value %g [%g, %g], want the contexts' mean %g inside its interval", f.Value, f.Low, f.High, mean)
	}
	if f.Contexts[0].Value != f.Contexts[1].Value || len(f.Contexts[1].Skipped) != 1 {
		t.Errorf("contexts differing only in the skipped channel: %g and %g, skipped %v", f.Contexts[0].Value, f.Contexts[1].Value, f.Contexts[1].Skipped)
	}
	if f.Contexts[2].Value == f.Contexts[0].Value {
		t.Errorf("retail and catering gave the same value %g", f.Contexts[0].Value)
	}
}

// TestDashboardDelays checks B8 in the simulator's output: a mini-program
// campaign's dashboard shows every redemption on its day, while an
// official-account campaign's reaches it 1–3 hours late, so the
// redemptions it moves past midnight are those of the last hours of each
// day: with the delay uniform on 1–3 h, all of 23:00's, three quarters of
// 22:00's and a quarter of 21:00's.
func TestDashboardDelays(t *testing.T) {
	if raceEnabled {
		t.Skip("runs the simulator; .ci/run runs this test without -race")
	}
	const yaml = `name: b8
seed: 9
replications: 20
horizon: 21d
population: {users: 20000}
merchant: {industry: catering, tier: certified}
coupon: {kind: discount, face_value: 15, min_spend: 50, validity: 7d}
campaign:
  - {channel: official-account, sends_per_day: 1500, push_at: "19:00", days: 14}
arms:
  - name: official-account
  - name: mini-program
    campaign: [{channel: mini-program, sends_per_day: 1500, push_at: "19:00", days: 14}]
`
	exp, err := scenarios.Load("b8.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	res, err := sim.RunExperiment(context.Background(), exp, sim.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range res.Arms {
		var cumR, cumD, lag float64
		for _, d := range a.Series {
			cumR += d.Redemptions.Mean
			cumD += d.DashboardRedemptions.Mean
			lag += cumR - cumD
		}
		var h21, h22, h23 float64
		for w := range 7 {
			h21, h22, h23 = h21+a.Heatmap[w][21], h22+a.Heatmap[w][22], h23+a.Heatmap[w][23]
		}
		want := h23 + 0.75*h22 + 0.25*h21
		t.Logf("%s: %.1f redemptions, %.2f moved past midnight, expected %.2f (hours 21-23: %.1f, %.1f, %.1f)", a.Name, cumR, lag, want, h21, h22, h23)
		switch a.Name {
		case "mini-program":
			if lag != 0 {
				t.Errorf("mini-program: %.2f redemptions reached the dashboard late, want none (real time)", lag)
			}
		default:
			if cumR < 200 || lag < h23 || lag > h21+h22+h23 || math.Abs(lag-want) > 0.1*want {
				t.Errorf("official account: %.2f moved past midnight, want %.2f ± 10%% (within [%.1f, %.1f])", lag, want, h23, h21+h22+h23)
			}
		}
	}
}

// TestInContextNeedsAScenario checks that a source built in code, with no
// scenario to set a context on, is refused with a reason.
func TestInContextNeedsAScenario(t *testing.T) {
	src, err := pushTimeLoader("", sim.DefaultBehaviour())
	if err != nil {
		t.Fatal(err)
	}
	c := Context{Name: "retail", Set: []string{"merchant.industry=retail-ecommerce"}}
	if _, err := inContext(src, c, 0); err == nil || !strings.Contains(err.Error(), "takes no context") {
		t.Errorf("err = %v, want a refusal", err)
	}
}
