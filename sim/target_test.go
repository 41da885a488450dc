package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"math/bits"
	"testing"

	"giftsim/platform"
)

// busyConfig is a live-stream campaign (a channel every tier may use) that
// wants far more coupons a day than a new merchant's quota.
func busyConfig() Config {
	cfg := tinyConfig()
	cfg.Population.Users = 5000
	cfg.Merchant = Merchant{Industry: platform.IndustryCatering, Tier: platform.TierNew}
	cfg.Campaign[0] = Push{Channel: platform.ChannelLiveStream, SendsPerDay: 3000, PushAt: cfg.Campaign[0].PushAt, Target: "all"}
	cfg.Behaviour.ClaimProb, cfg.Behaviour.ClaimRate = 1, 20
	return cfg
}

// TestQuotaSchedule is a property test: on every day the sends issued stay
// within that day's quota (R11), every send that reached the issue check
// was issued or refused by one rule, and the quota binds before the tier
// rises and lets more through after.
func TestQuotaSchedule(t *testing.T) {
	tests := []struct {
		name     string
		merchant Merchant
		riseDay  int // riseDay is the first day of a larger quota
	}{
		{"new, certified on day 5", Merchant{Tier: platform.TierNew, CertifiedFrom: 5}, 5},
		{"new, certified 3, filed 8", Merchant{Tier: platform.TierNew, CertifiedFrom: 3, FiledFrom: 8}, 3},
		{"certified at 300 a day, filed on day 4", Merchant{Tier: platform.TierCertified, DailyQuota: 300, FiledFrom: 4}, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := busyConfig()
			tc.merchant.Industry = platform.IndustryCatering
			cfg.Merchant = tc.merchant
			m := runModel(t, cfg, 3)
			boundBefore, moreAfter := false, false
			for d, s := range m.out.series {
				q := float64(cfg.Merchant.QuotaOn(d))
				if s[seriesSent] > q {
					t.Fatalf("day %d: %g sends issued, quota %g", d, s[seriesSent], q)
				}
				if s[seriesSent]+s[seriesQuotaRefused]+s[seriesBudgetRefused] > s[seriesAttempts] {
					t.Fatalf("day %d: more issued and refused than attempted", d)
				}
				if d < tc.riseDay && s[seriesQuotaRefused] > 0 && s[seriesSent] == q {
					boundBefore = true
				}
				if d >= tc.riseDay && s[seriesSent] > float64(cfg.Merchant.QuotaOn(0)) {
					moreAfter = true
				}
			}
			if !boundBefore || !moreAfter {
				t.Fatalf("the schedule did not act: quota bound before day %d %v, more issued after %v", tc.riseDay, boundBefore, moreAfter)
			}
		})
	}
}

// TestScheduleUnlocksChannels checks that a channel a later tier unlocks
// (C2) may start on that day, not before.
func TestScheduleUnlocksChannels(t *testing.T) {
	cfg := busyConfig()
	cfg.Merchant.CertifiedFrom = 6
	cfg.Campaign = append(cfg.Campaign, Push{Channel: platform.ChannelOfficialAccount, SendsPerDay: 100, PushAt: cfg.Campaign[0].PushAt, Target: "all", FirstDay: 5})
	if err := cfg.Validate(); !containsRule(err, "C2") {
		t.Fatalf("an official-account push before certification: got %v, want a C2 error", err)
	}
	cfg.Campaign[1].FirstDay = 6
	if err := cfg.Validate(); err != nil {
		t.Fatalf("an official-account push from certification: %v", err)
	}
}

// TestBudgetStopsIssuing is a property test: whichever way the budget is
// given, no more sends issue than it allows, and once a send is refused for
// the budget none issues after it.
func TestBudgetStopsIssuing(t *testing.T) {
	tests := []struct {
		name          string
		budget        platform.Money
		coupons, want int
	}{
		{"in CNY", platform.CNY(20 * 700), 0, 700},
		{"in CNY, not a whole number of coupons", platform.CNY(20*700 + 19), 0, 700},
		{"as a count", 0, 650, 650},
		{"both: the count binds", platform.CNY(20 * 700), 650, 650},
		{"both: the CNY binds", platform.CNY(20 * 600), 650, 600},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := busyConfig()
			cfg.Merchant.Tier = platform.TierCertified
			cfg.Coupon.Budget, cfg.Coupon.BudgetCoupons = tc.budget, tc.coupons
			m := runModel(t, cfg, 4)
			if m.sends != tc.want {
				t.Fatalf("issued %d sends, want the budget's %d", m.sends, tc.want)
			}
			if m.issuedFace > platform.Money(tc.want)*cfg.Coupon.Face {
				t.Fatalf("issued %s CNY of face value, budget allows %d coupons", m.issuedFace, tc.want)
			}
			stopped := false
			for d, s := range m.out.series {
				if stopped && s[seriesSent] > 0 {
					t.Fatalf("day %d: %g sends issued after the budget was spent", d, s[seriesSent])
				}
				stopped = stopped || s[seriesBudgetRefused] > 0
			}
			if !stopped || m.out.kpi[kpiBudgetRefused] == 0 {
				t.Fatal("the budget never refused a send")
			}
		})
	}
}

// TestHoldersCounted checks the holders count: once per user, at least
// everyone who claimed from the merchant and everyone holding a coupon at
// the end, and more than the claimers when gifts reach others.
func TestHoldersCounted(t *testing.T) {
	cfg := tinyConfig()
	cfg.Behaviour.GiftProb, cfg.Behaviour.GiftRate = 1, 1
	cfg.Behaviour.AcceptProb, cfg.Behaviour.RefuseProb = 1, 0
	m := runModel(t, cfg, 5)
	marked := 0
	for _, w := range m.held {
		marked += bits.OnesCount64(w)
	}
	final := map[int32]bool{}
	for c := range m.state {
		final[m.holder[c]] = true
	}
	claimers := 0
	for _, f := range m.uflags {
		if f&uClaimed != 0 {
			claimers++
		}
	}
	if marked != m.holders || m.holders < len(final) || m.holders <= claimers {
		t.Fatalf("holders %d, marked %d, final holders %d, claimers %d", m.holders, marked, len(final), claimers)
	}
}

// TestTimeToTarget checks days_to_* when the target is reached, when it
// never is (censored at the horizon, within bounds) and when none is set.
func TestTimeToTarget(t *testing.T) {
	cfg := tinyConfig()
	reach := cfg
	reach.Targets = Targets{Holders: 50}
	never := cfg
	never.Targets = Targets{Holders: 50, NewCustomers: cfg.Population.Users + 1}
	exp := &Experiment{Name: "ttt", Seed: 3, Replications: 4, Arms: []Arm{{Name: "reach", Config: reach}, {Name: "never", Config: never}}}
	res, err := RunExperiment(context.Background(), exp, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h := cfg.Horizon.Hours() / 24
	got := res.Arms[0].KPIs["days_to_holders"]
	if got.Censored != 0 || !(got.Mean > 0 && got.Mean < h) || got.Low < 0 || got.High > h {
		t.Fatalf("a reachable target: %+v", got)
	}
	if _, ok := res.Arms[0].KPIs["days_to_new_customers"]; ok {
		t.Fatal("an arm without a new-customers target reports days to it")
	}
	cens := res.Arms[1].KPIs["days_to_new_customers"]
	if cens.Censored != 4 || cens.N != 4 || cens.Mean != h || cens.High > h {
		t.Fatalf("a target never reached: %+v, want censored 4 of 4 at the horizon %g", cens, h)
	}
	if d, ok := res.Arms[1].Diffs["days_to_holders"]; !ok || d.Censored != 0 {
		t.Fatalf("the paired difference of a reached target: %+v", d)
	}
	if _, ok := res.Arms[1].Diffs["days_to_new_customers"]; ok {
		t.Fatal("a difference against a baseline without the target")
	}
	ids := map[string]bool{}
	for _, k := range res.KPIs {
		ids[k.ID] = true
	}
	if !ids["days_to_holders"] || !ids["days_to_new_customers"] {
		t.Fatal("target KPIs missing from the list")
	}
	exp.Arms = exp.Arms[:1]
	exp.Arms[0].Config = cfg
	res, err = RunExperiment(context.Background(), exp, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range res.KPIs {
		if k.ID == "days_to_holders" || k.ID == "days_to_new_customers" {
			t.Fatalf("%s listed without a target", k.ID)
		}
	}
}

// TestPlanningDeterministic checks that a run with a tier schedule, a
// budget and targets gives the same bytes whatever the worker count, and
// reports each day's quota.
func TestPlanningDeterministic(t *testing.T) {
	cfg := busyConfig()
	cfg.Merchant.CertifiedFrom = 4
	cfg.Coupon.BudgetCoupons = 9000
	cfg.Targets = Targets{Holders: 1500, NewCustomers: 40}
	exp := &Experiment{Name: "plan", Seed: 11, Replications: 3, Arms: []Arm{{Name: "a", Config: cfg}}}
	var outs [][]byte
	for _, workers := range []int{1, 2} {
		res, err := RunExperiment(context.Background(), exp, RunOptions{Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		q := res.Arms[0].Quota
		if len(q) != len(res.Arms[0].Series) || q[3].Quota != 500 || q[4].Quota != 5000 || q[4].Tier != "certified" {
			t.Fatalf("quota days: %d days, day 3 %+v, day 4 %+v", len(q), q[3], q[4])
		}
		b, _ := json.Marshal(res)
		outs = append(outs, b)
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Fatal("results differ with the worker count")
	}
}
