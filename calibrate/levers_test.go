package calibrate

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"giftsim/results"
	"giftsim/sim"
)

// lever is one row of docs/MODEL.md's lever table: an arm of the bundled
// levers example against its baseline arm, the KPI the lever should move,
// which way, and why we expect it.
type lever struct {
	lever, arm, base, kpi string
	sign                  int // sign is +1 when the KPI should rise, −1 when it should fall.
	source                string
}

// levers are the strategy levers a strategist pulls, each with the direction
// the seed or the marketing literature leads us to expect.
var levers = []lever{
	{"face value", "face-40", "base", "claim_conversion", +1, "deeper discounts attract more (Narasimhan 1984; Bawa and Shoemaker 1987)"},
	{"face value", "face-40", "base", "redemption_rate", +1, "deeper discounts are worth a trip to more holders (same sources)"},
	{"face value", "face-10", "base", "claim_conversion", -1, "a shallow discount attracts fewer"},
	{"face value", "face-10", "base", "roi", +1, "less subsidy on purchases that happen anyway (Krishna and Zhang 1999)"},
	{"face value", "face-40", "base", "incremental_profit", -1, "past the optimum the subsidy on natural purchases outweighs the extra visits (face-value sweep)"},
	{"min_spend", "min-spend-150", "base", "claim_conversion", -1, "a threshold far above the usual ticket makes the offer worth less"},
	{"min_spend", "min-spend-150", "base", "redemption_rate", -1, "same: the top-up eats the discount"},
	{"validity", "validity-1d", "base", "redemption_rate", -1, "a day leaves little chance to visit at all"},
	{"validity", "validity-7d", "base", "redemption_rate", +1, "seed B1: shorter validity redeems more (procrastination and forgetting: Shu and Gneezy 2010)"},
	{"validity", "validity-7d", "base", "new_customers", -1, "seed B2: shorter validity brings fewer new customers"},
	{"validity", "validity-30d", "base", "new_customers", +1, "seed B2, with the push to all followers"},
	{"push time", "push-20h", "base", "claim_conversion", -1, "seed B3: a weekday 10 am push is claimed more than an evening one"},
	{"channel", "payment-popup", "base", "claim_conversion", +1, "a buyer on the payment page answers at once"},
	{"channel", "payment-popup", "base", "new_customers", -1, "a popup after payment reaches people who already buy"},
	{"channel", "geo", "base", "redemption_rate", +1, "people near a store walk in (mobile proximity targeting: Luo et al. 2014)"},
	{"channel", "live-stream", "base", "redemption_rate", +1, "seed B7: a live-stream grab selects keen users"},
	{"audience", "to-customers", "base", "new_customers", -1, "customers are not new"},
	{"audience", "to-customers", "base", "redeemed_natural", +1, "customers' own visits use the coupon: cannibalisation (Neslin 2002)"},
	{"audience", "to-non-customers", "base", "new_customers", +1, "every prospect who redeems is new"},
	{"label", "label-24h", "base", "timely_redemption", +1, "seed B5: the label makes redemption timelier"},
	{"label", "label-24h", "base", "inquiries", +1, "seed B6: the label brings customer-service inquiries"},
	{"graph degree", "graph-m1", "base", "new_customers", -1, "fewer friends, fewer to pass a coupon to (Kempe et al. 2003)"},
	{"graph degree", "graph-m20", "base", "gifts", +1, "more friends, more likely one wants it"},
	{"sends per day", "sends-200", "base", "unfollowed", -1, "fewer pushes tire fewer followers"},
	{"sends per day", "sends-3200", "base", "unfollowed", +1, "the seed warns that over-marketing drives users away"},
	{"sends per day", "sends-3200", "base", "roi", -1, "each further push reaches more tired followers: diminishing returns (the sends sweep finds the profit optimum)"},
	{"recovery", "recover-all", "base", "redemption_rate", +1, "a second chance for holders who let it lapse (R14)"},
	{"reminder", "reminder-2d", "base", "redemption_rate", +1, "an expiry reminder brings a forgotten coupon back to mind (seed K4; Inman and McAlister 1994)"},
	{"tiered discount", "tiers", "base", "top_ups", +1, "seed K2's tiered offers: holders top up to reach the next tier"},
	{"tiered discount", "tiers", "base", "claim_conversion", +1, "a tier fits more baskets"},
	{"coupon kind", "points-exchange", "base", "claim_conversion", -1, "R3: only members can redeem a points coupon"},
	{"coupon kind", "combo", "base", "issued", +1, "R4: a combo is several sub-coupons"},
	{"budget", "budget-4000", "base", "issued", -1, "issuing stops once the budget is spent"},
	{"daily quota", "quota-100", "base", "quota_refused", +1, "R11: a smaller quota refuses more claims"},
	{"tier schedule", "quota-100-filed-day-10", "quota-100", "issued", +1, "R11: filing on day 10 lifts the quota from then on"},
}

// unasserted are rows measured for the table without an expected direction,
// because theory allows either: in a clustered graph customers' friends are
// customers (gifts among them add no one), but prospects' friends are
// prospects too (their gifts add only new customers).
var unasserted = []lever{
	{"graph clustering", "ws-clustered", "ws-random", "new_customers", 0, "ambiguous: homophily (McPherson et al. 2001) cuts both ways"},
	{"graph clustering", "ws-clustered", "ws-random", "new_per_sharer", 0, "same"},
}

// TestLeverDirections runs the bundled levers example and checks that every
// lever moves its KPI the expected way: the test fails when a paired
// difference's 95% interval lies wholly on the wrong side of zero, or when a
// lever does nothing at all. Run with -v, it prints docs/MODEL.md's lever
// table.
func TestLeverDirections(t *testing.T) {
	skipFullSize(t)
	exp := mustExample(t, "levers")
	rows := append(append([]lever(nil), levers...), unasserted...)
	diffs := pairedDiffs(t, exp, rows)
	var table strings.Builder
	table.WriteString("| lever | arm vs baseline | KPI | expected | why | measured: baseline → arm, paired difference [95% CI] | parameter sets agreeing |\n|---|---|---|---|---|---|---|\n")
	for i, l := range rows {
		d := diffs[i]
		want := map[int]string{1: "up", -1: "down", 0: "either"}[l.sign]
		agree := "–"
		if d.Members > 0 {
			agree = fmt.Sprintf("%d of %d", d.Agree, d.Members)
		}
		fmt.Fprintf(&table, "| %s | %s vs %s | %s | %s | %s | %s → %s, %+.4g [%+.4g, %+.4g] | %s |\n",
			l.lever, l.arm, l.base, l.kpi, want, l.source, num(d.base), num(d.arm), d.Mean, d.Low, d.High, agree)
		switch {
		case l.sign > 0 && d.High < 0, l.sign < 0 && d.Low > 0:
			t.Errorf("%s (%s vs %s): %s moved against the expected direction: %+.4g [%+.4g, %+.4g]", l.lever, l.arm, l.base, l.kpi, d.Mean, d.Low, d.High)
		case l.sign != 0 && d.Mean == 0 && d.Low == 0 && d.High == 0:
			t.Errorf("%s (%s vs %s): %s did not move at all", l.lever, l.arm, l.base, l.kpi)
		}
	}
	t.Log("\n" + table.String())
}

// armDiff is a paired difference with both arms' means.
type armDiff struct {
	results.Diff
	base, arm float64
}

// pairedDiffs runs, for each baseline the rows name, the baseline and its
// arms as one experiment with common random numbers, and returns each row's
// paired difference.
func pairedDiffs(t *testing.T, src *sim.Experiment, rows []lever) []armDiff {
	t.Helper()
	find := func(name string) sim.Arm {
		for _, a := range src.Arms {
			if a.Name == name {
				return a
			}
		}
		t.Fatalf("the levers example has no arm %q", name)
		return sim.Arm{}
	}
	out := make([]armDiff, len(rows))
	done := map[string]bool{}
	for _, r := range rows {
		if done[r.base] {
			continue
		}
		done[r.base] = true
		exp := *src
		exp.Arms = []sim.Arm{find(r.base)}
		index := map[string]int{}
		for _, s := range rows {
			if _, ok := index[s.arm]; s.base == r.base && !ok {
				index[s.arm] = len(exp.Arms)
				exp.Arms = append(exp.Arms, find(s.arm))
			}
		}
		res, err := sim.RunExperiment(context.Background(), &exp, sim.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range rows {
			if s.base == r.base {
				a := res.Arms[index[s.arm]]
				out[i] = armDiff{Diff: a.Diffs[s.kpi], base: res.Arms[0].KPIs[s.kpi].Mean, arm: a.KPIs[s.kpi].Mean}
			}
		}
	}
	return out
}

func num(x float64) string { return fmt.Sprintf("%.4g", x) }

// TestSweepsHaveInteriorOptimum checks that incremental profit peaks inside
// the bundled face-value and sends-per-day sweeps, not at either end: deeper
// discounts and more pushes bring more, but past a point the subsidy on
// purchases that happen anyway, and the customers lost to fatigue, cost more.
func TestSweepsHaveInteriorOptimum(t *testing.T) {
	skipFullSize(t)
	for _, name := range []string{"face-value-sweep", "sends-sweep"} {
		exp := mustExample(t, name)
		// The shape is the central profile's: with the ensemble, levels
		// carry the parameters' uncertainty, which moves every arm together
		// and says nothing about where the peak is.
		exp.Ensemble = nil
		res, err := sim.RunExperiment(context.Background(), exp, sim.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		best := 0
		profit := func(i int) results.Estimate { return res.Arms[i].KPIs["incremental_profit"] }
		for i := range res.Arms {
			t.Logf("%s %-22s incremental profit %.0f [%.0f, %.0f], ROI %.2f", name, res.Arms[i].Name, profit(i).Mean, profit(i).Low, profit(i).High, res.Arms[i].KPIs["roi"].Mean)
			if profit(i).Mean > profit(best).Mean {
				best = i
			}
		}
		last := len(res.Arms) - 1
		if best == 0 || best == last {
			t.Errorf("%s: incremental profit peaks at the end of the sweep (%s)", name, res.Arms[best].Name)
			continue
		}
		// The peak beats both ends by more than their intervals' overlap.
		for _, end := range []int{0, last} {
			if profit(best).Low <= profit(end).High {
				t.Errorf("%s: the peak %s is not clearly above %s", name, res.Arms[best].Name, res.Arms[end].Name)
			}
		}
	}
}
