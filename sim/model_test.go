package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"testing"
	"time"

	"giftsim/platform"
	"giftsim/sim/graph"
)

// tinyConfig is a fast scenario for rule tests.
func tinyConfig() Config {
	cfg := DefaultConfig()
	cfg.Population.Users = 2000
	cfg.Horizon = 20 * platform.Day
	cfg.Coupon.Validity = 7 * platform.Day
	cfg.Campaign[0].SendsPerDay = 300
	return cfg
}

// runModel runs one arm for one replication and returns the model for
// inspection.
func runModel(t *testing.T, cfg Config, seed uint64) *model {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config: %v", err)
	}
	w, err := NewWorld(context.Background(), cfg.Population, seed, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	return runOnWorld(t, cfg, w, seed)
}

func runOnWorld(t *testing.T, cfg Config, w *World, seed uint64) *model {
	t.Helper()
	m := newModel(&cfg, w, seed, 0)
	if _, err := m.run(context.Background()); err != nil {
		t.Fatalf("run: %v", err)
	}
	return m
}

// TestConservation is a property test: across kinds, validities, recovery
// policies and seeds, every coupon ends in exactly one state and face value
// is conserved (the run itself returns an error otherwise), and the state
// counts add up to the coupons issued.
func TestConservation(t *testing.T) {
	for seed := uint64(1); seed <= 12; seed++ {
		cfg := tinyConfig()
		cfg.Coupon.Validity = time.Duration(1+seed%10) * platform.Day
		cfg.Recovery = Recovery{Share: float64(seed%3) / 2, After: time.Duration(seed%5) * platform.Day}
		if seed%4 == 0 {
			cfg.Coupon.Kind, cfg.Coupon.Face, cfg.Coupon.MinSpend = platform.KindPointsExchange, platform.CNY(30), 0
		}
		cfg.Behaviour.GiftProb = 0.5
		m := runModel(t, cfg, seed)
		total := 0
		for _, n := range m.counts {
			total += n
		}
		if total != len(m.state) || total == 0 {
			t.Fatalf("seed %d: %d coupons in states, %d issued", seed, total, len(m.state))
		}
		for c, s := range m.state {
			if s == 0 || int(s) >= platform.NumStates {
				t.Fatalf("seed %d: coupon %d in no state", seed, c)
			}
			if int(m.transfers[c]) > platform.RuleOfKind(cfg.Coupon.Kind).Transfers {
				t.Fatalf("seed %d: coupon %d transferred %d times, kind %s allows %d", seed, c, m.transfers[c], cfg.Coupon.Kind, platform.RuleOfKind(cfg.Coupon.Kind).Transfers)
			}
		}
	}
}

func TestDeterministicWhateverTheWorkers(t *testing.T) {
	cfg := tinyConfig()
	arm2 := cfg
	arm2.Coupon.Validity = 3 * platform.Day
	exp := &Experiment{Name: "det", Seed: 7, Replications: 5, Arms: []Arm{{Name: "a", Config: cfg}, {Name: "b", Config: arm2}}}
	var outs [][]byte
	for _, workers := range []int{1, 2, 3} {
		res, err := RunExperiment(context.Background(), exp, RunOptions{Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(res)
		outs = append(outs, b)
	}
	if !bytes.Equal(outs[0], outs[1]) || !bytes.Equal(outs[0], outs[2]) {
		t.Fatal("results differ with the worker count")
	}
	exp.Seed = 8
	res, _ := RunExperiment(context.Background(), exp, RunOptions{})
	if b, _ := json.Marshal(res); bytes.Equal(b, outs[0]) {
		t.Fatal("a different seed gave the same results")
	}
}

func TestR11QuotaBinds(t *testing.T) {
	cfg := tinyConfig()
	cfg.Population.Users = 5000
	cfg.Merchant = Merchant{Industry: platform.IndustryCatering, Tier: platform.TierCertified, DailyQuota: 400}
	cfg.Campaign[0].SendsPerDay = 3000
	cfg.Behaviour.ClaimProb, cfg.Behaviour.ClaimRate = 1, 20
	m := runModel(t, cfg, 1)
	for d, s := range m.out.series {
		if s[seriesIssued] > 400 {
			t.Fatalf("R11: day %d issued %g, quota 400", d, s[seriesIssued])
		}
	}
	if m.refused["R11"] == 0 || m.out.kpi[kpiQuotaRefused] == 0 {
		t.Fatal("R11: the quota never bound")
	}
}

func TestR9UnclaimedGiftsReturn(t *testing.T) {
	cfg := tinyConfig()
	cfg.Behaviour.GiftProb, cfg.Behaviour.GiftRate = 1, 1
	cfg.Behaviour.AcceptProb, cfg.Behaviour.RefuseProb = 0, 0
	m := runModel(t, cfg, 2)
	if m.moves[platform.EventGift] == 0 || m.moves[platform.EventReturn] == 0 {
		t.Fatalf("R9: gifts %d, returns %d", m.moves[platform.EventGift], m.moves[platform.EventReturn])
	}
	if m.moves[platform.EventClaim] != 0 {
		t.Fatalf("R9: %d gifts claimed with accept_prob 0", m.moves[platform.EventClaim])
	}
}

func TestR15RefusalBlocks(t *testing.T) {
	cfg := tinyConfig()
	cfg.Behaviour.GiftProb, cfg.Behaviour.GiftRate = 1, 1
	cfg.Behaviour.AcceptProb, cfg.Behaviour.RefuseProb, cfg.Behaviour.AcceptRate = 0, 1, 5
	m := runModel(t, cfg, 3)
	if m.moves[platform.EventRefuse] == 0 || m.refused["R15"] == 0 {
		t.Fatalf("R15: refusals %d, blocked sends %d", m.moves[platform.EventRefuse], m.refused["R15"])
	}
	sensitive := 0
	for _, f := range m.uflags {
		if f&uSensitive != 0 {
			sensitive++
		}
	}
	if sensitive == 0 {
		t.Fatal("R15: no user marked sensitive")
	}
}

func TestGiftRules(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		rule string // the rule that must refuse gifts ("" = none may be made)
	}{
		{"R8 no bank card, no gift", func(c *Config) { c.Population.BankCard = 0 }, "R8"},
		{"R6 education needs verified recipients", func(c *Config) {
			c.Coupon.Category, c.Population.RealName = platform.CategoryEducation, 0
		}, "R6"},
		{"R3 points coupons never transfer", func(c *Config) {
			c.Coupon.Kind, c.Coupon.MinSpend = platform.KindPointsExchange, 0
		}, ""},
		{"R10 stock without allow transfer", func(c *Config) { c.Coupon.AllowTransfer = false }, ""},
		{"R5 tobacco is never gifted", func(c *Config) { c.Coupon.Category, c.Coupon.AllowTransfer = platform.CategoryTobacco, false }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tinyConfig()
			cfg.Behaviour.GiftProb, cfg.Behaviour.GiftRate = 1, 1
			tc.edit(&cfg)
			m := runModel(t, cfg, 4)
			if m.moves[platform.EventGift] != 0 {
				t.Fatalf("%d gifts made", m.moves[platform.EventGift])
			}
			if tc.rule != "" && m.refused[tc.rule] == 0 {
				t.Fatalf("no refusal under %s: %v", tc.rule, m.refused)
			}
		})
	}
	t.Run("R2 discount transfers once", func(t *testing.T) {
		cfg := tinyConfig()
		cfg.Behaviour.GiftProb, cfg.Behaviour.GiftRate, cfg.Behaviour.AcceptProb, cfg.Behaviour.RefuseProb = 1, 1, 1, 0
		m := runModel(t, cfg, 5)
		if m.moves[platform.EventClaim] == 0 {
			t.Fatal("no gift claimed")
		}
		for c, d := range m.depth {
			if d > 1 {
				t.Fatalf("coupon %d reached depth %d", c, d)
			}
		}
	})
}

// starWorld is a star: user 0 is everyone's friend, the only existing
// customer, with a bank card.
func starWorld(t *testing.T, n int) *World {
	edges := make([][2]int32, 0, n-1)
	for v := 1; v < n; v++ {
		edges = append(edges, [2]int32{0, int32(v)})
	}
	g, err := graph.FromEdges(n, edges)
	if err != nil {
		t.Fatal(err)
	}
	w := &World{Graph: g, flags: make([]uint8, n), ipGroup: make([]int32, n), customers: []int32{0}}
	for u := range n {
		w.flags[u] = flagBankCard | flagRealName
		w.ipGroup[u] = -1
		if u > 0 {
			w.prospects = append(w.prospects, int32(u))
		}
	}
	w.flags[0] |= flagExisting
	return w
}

func TestC1ChatLimitAndR16Burst(t *testing.T) {
	cfg := tinyConfig()
	cfg.Population.Users = 500
	cfg.Merchant = Merchant{Industry: platform.IndustryRetail, Tier: platform.TierFiled}
	cfg.Campaign = []Push{{Channel: platform.ChannelAPI, SendsPerDay: 200, PushAt: 10 * time.Hour, Target: "customers"}}
	cfg.Behaviour.GiftProb, cfg.Behaviour.GiftRate, cfg.Behaviour.RedeemProb = 1, 0.5, 0
	cfg.Behaviour.UnfollowProb = 0 // the hub takes 200 sends a day without blocking the merchant
	t.Run("C1 at most 50 chat gifts a day", func(t *testing.T) {
		c := cfg
		c.Risk.ReceiveBurst = 1000
		m := runOnWorld(t, c, starWorld(t, 500), 6)
		if m.refused["C1"] == 0 {
			t.Fatalf("C1 never refused: %v", m.refused)
		}
		for d, s := range m.out.series {
			if s[seriesGifts] > platform.ChatGiftsPerDay {
				t.Fatalf("C1: day %d had %g chat gifts from one account", d, s[seriesGifts])
			}
		}
	})
	t.Run("R16 more than 50 in an hour needs face verification", func(t *testing.T) {
		m := runOnWorld(t, cfg, starWorld(t, 500), 6)
		if m.refused["R16"] == 0 {
			t.Fatalf("R16 never fired: %v", m.refused)
		}
		for d, s := range m.out.series {
			if s[seriesIssued] > 50 {
				t.Fatalf("R16: day %d delivered %g coupons to one account within an hour", d, s[seriesIssued])
			}
		}
	})
}

func TestR17AbnormalIPBlocked(t *testing.T) {
	cfg := tinyConfig()
	cfg.Population.AbnormalIPShare, cfg.Population.AbnormalIPGroups = 1, 1
	cfg.Behaviour.ClaimProb, cfg.Behaviour.ClaimRate, cfg.Behaviour.GiftProb = 1, 5, 0
	m := runModel(t, cfg, 7)
	if m.refused["R17"] == 0 {
		t.Fatal("R17 never fired")
	}
	for d, s := range m.out.series {
		if s[seriesClaims] > 3 {
			t.Fatalf("R17: day %d had %g claims from one abnormal IP", d, s[seriesClaims])
		}
	}
}

func TestC3OneMiniProgramCouponPerUser(t *testing.T) {
	cfg := tinyConfig()
	cfg.Population.Users = 300
	cfg.Campaign = []Push{{Channel: platform.ChannelMiniProgram, SendsPerDay: 300, PushAt: 12 * time.Hour}}
	cfg.Behaviour.ClaimProb, cfg.Behaviour.ClaimRate = 1, 5
	m := runModel(t, cfg, 8)
	if got := len(m.state); got > 300 || got == 0 {
		t.Fatalf("C3: %d coupons for 300 users", got)
	}
	if m.refused["C3"] == 0 {
		t.Fatal("C3 never refused a second coupon")
	}
}

func TestR14RecoveryPaysOnePercent(t *testing.T) {
	cfg := tinyConfig()
	cfg.Horizon = 40 * platform.Day
	cfg.Campaign[0].Days = 5
	cfg.Coupon.Validity = 2 * platform.Day
	cfg.Behaviour.RedeemProb = 0.2
	cfg.Recovery = Recovery{Share: 1, After: platform.Day}
	m := runModel(t, cfg, 9)
	rec := m.moves[platform.EventRecover]
	once := 0
	for c := range m.state {
		if m.cflags[c]&cRecovered != 0 {
			once++
		}
	}
	// Every lapsed coupon is recovered, once: the second lapse is purged.
	if rec == 0 || rec != once || m.moves[platform.EventPurge] == 0 || m.moves[platform.EventPurge] > rec {
		t.Fatalf("R14: %d recoveries of %d coupons, %d purged with share 1", rec, once, m.moves[platform.EventPurge])
	}
	if m.fees != platform.Money(rec)*platform.RecoveryFee(cfg.Coupon.Face) {
		t.Fatalf("R14: fees %s for %d recoveries", m.fees, rec)
	}
	cfg.Recovery.Share = 0
	m = runModel(t, cfg, 9)
	if m.moves[platform.EventPurge] == 0 || m.moves[platform.EventRecover] != 0 {
		t.Fatalf("R14: without recovery, %d purged after 30 days", m.moves[platform.EventPurge])
	}
}

// TestRedemptionMatchesConstantHazard is an analytic check: with gifting off
// and a constant hazard h per active hour, a 7-day validity spans exactly one
// week of active time (168 h), so P(redeem) = 1 − exp(−168h).
func TestRedemptionMatchesConstantHazard(t *testing.T) {
	cfg := tinyConfig()
	cfg.Population.Users = 20000
	cfg.Horizon = 30 * platform.Day
	cfg.Campaign[0].Days = 10
	cfg.Campaign[0].SendsPerDay = 2000
	b := &cfg.Behaviour
	b.GiftProb, b.RedeemProb, b.ExistingBoost, b.RedeemRate = 0, 1, 1, 0.01
	b.IntentSpread, b.ImpulseProb, b.ForgetHours = 0, 0, 0
	// Only the soon-trip route: offers fully appealing, no planned trips,
	// own visits or trials, and opportunities never binding.
	b.ValueScale, b.PlanSkew, b.TrialRate, b.OpportunityRate = 0.001, 0, 0, 1e5
	cfg.Population.ExistingCustomers = 0
	exp := &Experiment{Seed: 3, Replications: 8, Arms: []Arm{{Name: "h", Config: cfg}}}
	res, err := RunExperiment(context.Background(), exp, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := res.Arms[0].KPIs["redemption_rate"]
	want := 100 * (1 - math.Exp(-168*0.01))
	if want < got.Low-0.3 || want > got.High+0.3 {
		t.Fatalf("redemption rate %.2f%% [%.2f, %.2f], theory %.2f%%", got.Mean, got.Low, got.High, want)
	}
}

func TestValidateRefuses(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		rule string
	}{
		{"R12 API pushes on half-hour slots", func(c *Config) {
			c.Merchant.Tier = platform.TierFiled
			c.Campaign = []Push{{Channel: platform.ChannelAPI, SendsPerDay: 10, PushAt: 10*time.Hour + 15*time.Minute}}
		}, "R12"},
		{"R11 API plan above the quota", func(c *Config) {
			c.Merchant.Tier = platform.TierFiled
			c.Campaign = []Push{{Channel: platform.ChannelAPI, SendsPerDay: 60000, PushAt: 10 * time.Hour}}
		}, "R11"},
		{"C4 API needs a filed merchant", func(c *Config) {
			c.Campaign = []Push{{Channel: platform.ChannelAPI, SendsPerDay: 10, PushAt: 10 * time.Hour}}
		}, "C4"},
		{"C3 mini-program validity 7-15 days", func(c *Config) {
			c.Campaign = []Push{{Channel: platform.ChannelMiniProgram, SendsPerDay: 10}}
		}, "C3"},
		{"R1 cash red packet not giftable", func(c *Config) {
			c.Coupon.Kind, c.Coupon.MinSpend = platform.KindCashRedPacket, 0
		}, "R1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tc.edit(&cfg)
			err := cfg.Validate()
			if err == nil || !containsRule(err, tc.rule) {
				t.Fatalf("Validate() = %v, want a %s error", err, tc.rule)
			}
		})
	}
}

func containsRule(err error, rule string) bool {
	if platform.RuleOf(err) == rule {
		return true
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			if containsRule(e, rule) {
				return true
			}
		}
	}
	return false
}

func TestClockCalendar(t *testing.T) {
	start := time.Date(2026, 3, 4, 13, 20, 0, 0, time.FixedZone("CST", 8*3600))
	c := newClock(start)
	if wd, h := c.weekdayHour(0); wd != 2 || h != 13 {
		t.Errorf("weekdayHour(0) = %d, %d; want Wednesday (2) 13h", wd, h)
	}
	if d := c.day(38399); d != 0 { // 10 h 40 min to midnight
		t.Errorf("day before midnight = %d", d)
	}
	if d := c.day(38400); d != 1 {
		t.Errorf("day after midnight = %d", d)
	}
	if got := start.Add(time.Duration(c.dayStart(3)) * time.Second); got.Format("2006-01-02 15:04") != "2026-03-07 00:00" {
		t.Errorf("dayStart(3) = %s", got)
	}
}

// TestSampleMatchesHazard checks the thinning sampler against closed forms:
// P(event before T) = 1 − exp(−∫hazard), for a flat and a weekly profile,
// with and without decay.
func TestSampleMatchesHazard(t *testing.T) {
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	c := newClock(start)
	var flat [24]float64
	for h := range flat {
		flat[h] = 1
	}
	b := DefaultBehaviour()
	week := int64(secondsPerWeek)
	tests := []struct {
		name       string
		p          *profile
		rate, tau  float64
		from, till int64
		mass       float64 // the integrated hazard
	}{
		{"flat, no decay, 10 h", newProfile(flat, flat), 0.1, 0, 0, 10 * 3600, 1},
		{"weekly profile over a whole week", newProfile(b.Activity, b.WeekendActivity), 0.01, 0, 0, week, 1.68},
		{"weekly profile from mid-week over a week", newProfile(b.RedeemActivity, b.RedeemActivity), 0.005, 0, 3*86400 + 7*3600, 10*86400 + 7*3600, 0.84},
		{"flat with decay", newProfile(flat, flat), 0.2, 5, 0, 20 * 3600, 0.2 * 5 * (1 - math.Exp(-4))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const n = 40000
			r := newStream(1, 0, 99)
			hits := 0
			for i := range n {
				if c.sample(r.at(uint64(i), 0), tc.p, tc.rate, tc.tau, tc.from, tc.from, tc.till) < tc.till {
					hits++
				}
			}
			want := 1 - math.Exp(-tc.mass)
			got := float64(hits) / n
			se := math.Sqrt(want * (1 - want) / n)
			if math.Abs(got-want) > 4*se {
				t.Fatalf("P(event) = %.4f, want %.4f ± %.4f", got, want, 4*se)
			}
		})
	}
}

// TestCascadeMatchesBranchingProcess is an analytic check. With the
// referral reward on, every new customer acquired through a gift gets a
// coupon of their own to pass on. With every gift claimed at once, each
// coupon gifted (before any redemption) with probability g and the gift
// redeemed with probability r,
// a coupon begets another with probability K = g·r, so a cascade (the
// coupons descending from one campaign coupon) has mean size 1/(1 − K). On a
// sparse, tree-like graph (a rewired ring of degree 40 among 60,000 users)
// a friend is rarely a customer already, so the theory applies.
func TestCascadeMatchesBranchingProcess(t *testing.T) {
	for _, tc := range []struct{ g, r float64 }{{0.6, 0.5}, {0.9, 0.8}} {
		cfg := tinyConfig()
		cfg.Population = Population{Users: 60000, Graph: GraphSpec{Model: "watts-strogatz", K: 40, Beta: 1}, BankCard: 1, RealName: 1}
		cfg.ReferralReward = true
		cfg.Horizon = 150 * platform.Day
		cfg.Coupon.Validity = 30 * platform.Day
		cfg.Campaign[0].Days, cfg.Campaign[0].SendsPerDay = 3, 400
		b := &cfg.Behaviour
		b.ClaimProb, b.ImpulseProb, b.IntentSpread, b.ExistingBoost = 1, 0, 0, 1
		b.RedeemProb, b.RedeemRate, b.ForgetHours = tc.r, 2, 0
		b.GiftProb, b.GiftRate, b.AcceptProb, b.RefuseProb, b.AcceptRate = tc.g, 2000, 1, 0, 2000
		m := runModel(t, cfg, 5)
		// Campaign coupons are the cascades' roots; a root is redeemed by its
		// first holder or gifted; only gifted coupons make new customers.
		roots := float64(m.out.kpi[kpiClaims]) - float64(m.moves[platform.EventClaim])
		size := float64(len(m.state)) / roots
		k := tc.g * tc.r
		// The size of a cascade is geometric: variance K/(1−K)².
		se := math.Sqrt(k) / (1 - k) / math.Sqrt(roots)
		t.Logf("K=%.2f: mean cascade size %.3f over %g roots, theory %.3f", k, size, roots, 1/(1-k))
		if want := 1 / (1 - k); math.Abs(size-want) > 4*se {
			t.Errorf("K=%.2f: mean cascade size %.3f (%g roots), theory %.3f ± %.3f", k, size, roots, want, 4*se)
		}
	}
}

func TestR18PenaltyRestrictsDisplay(t *testing.T) {
	cfg := tinyConfig()
	cfg.Campaign[0].WeekdaysOnly = false
	fair := runModel(t, cfg, 10)
	cfg.Compliance.ForceFollow = true
	penalised := runModel(t, cfg, 10)
	if got, want := penalised.refused["R18"], 7*cfg.Campaign[0].SendsPerDay; got != want {
		t.Fatalf("R18: %d sends suppressed, want 7 days of %d", got, cfg.Campaign[0].SendsPerDay)
	}
	for d := 1; d <= 7; d++ {
		if penalised.out.series[d][seriesExposed] != 0 {
			t.Fatalf("R18: day %d exposed %g users during the restriction", d, penalised.out.series[d][seriesExposed])
		}
	}
	if penalised.out.kpi[kpiIssued] >= fair.out.kpi[kpiIssued] {
		t.Fatalf("R18: the penalty cost nothing (%g vs %g coupons)", penalised.out.kpi[kpiIssued], fair.out.kpi[kpiIssued])
	}
}

func TestIdentityIsStableAndFake(t *testing.T) {
	cfg := tinyConfig()
	w1, err := NewWorld(context.Background(), cfg.Population, 3, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	w2, _ := NewWorld(context.Background(), cfg.Population, 3, 0, "")
	a, b := w1.Identity(42), w2.Identity(42)
	if a != b {
		t.Fatalf("identity of user 42 differs between builds: %+v vs %+v", a, b)
	}
	if c := w1.Identity(43); c.OpenID == a.OpenID || c.Name == "" || c.City == "" || c.Device == "" {
		t.Fatalf("identities not distinct or incomplete: %+v %+v", a, c)
	}
	if len(a.OpenID) != 28 || a.OpenID[0] != 'o' {
		t.Fatalf("openid %q: want 'o' and 27 characters, as WeChat's", a.OpenID)
	}
}

func TestTargetingCustomersWithoutCustomersExposesNobody(t *testing.T) {
	cfg := tinyConfig()
	cfg.Population.ExistingCustomers = 0
	cfg.Campaign[0].Target = "customers"
	m := runModel(t, cfg, 11)
	if m.out.kpi[kpiIssued] != 0 {
		t.Fatalf("%g coupons issued to customers who do not exist", m.out.kpi[kpiIssued])
	}
}
