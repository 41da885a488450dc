package reports

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"giftsim/results"
)

// fixtureKPIs are the KPIs of the test fixtures, in display order.
func fixtureKPIs() []results.KPI {
	return []results.KPI{
		{ID: "claim_rate", Name: "Claim conversion (K1)", Unit: "%", Better: "higher"},
		{ID: "redemption_rate", Name: "Redemption rate (K2)", Unit: "%", Better: "higher"},
		{ID: "viral_coefficient", Name: "Viral coefficient (K3)", Unit: "", Better: "higher"},
		{ID: "fund_float", Name: "Fund float (K4)", Unit: "%", Better: ""},
		{ID: "new_customers", Name: "New customers", Unit: "users", Better: "higher"},
		{ID: "inquiries", Name: "CS inquiries", Unit: "inquiries", Better: "lower"},
		{ID: "cost", Name: "Cost", Unit: "CNY", Better: "lower"},
		{ID: "roi", Name: "ROI", Unit: "", Better: "higher"},
	}
}

// simFixture builds a deterministic simulation of n arms over days days. A
// sweep swaps the arm names for validity values. The numbers follow smooth
// formulas with seeded noise: plausible, not simulated.
func simFixture(n, days int, sweep bool) *results.Simulation {
	rng := rand.New(rand.NewPCG(42, uint64(n*1000+days)))
	noise := func(scale float64) float64 { return (rng.Float64()*2 - 1) * scale }
	validity := []int{1, 3, 7, 14, 21, 30, 45, 60, 75, 90, 120, 150}
	sim := &results.Simulation{
		Schema: results.SchemaVersion,
		Scenario: results.Scenario{
			Name:     "validity-7-vs-30",
			Question: "Does a 7-day validity beat 30 days for a noodle chain?",
			File:     "examples/validity.yaml",
			Start:    "2026-03-02T00:00:00+08:00",
			Horizon:  fmt.Sprintf("%dd", days),
			Days:     days,
			Setup: []results.Setting{
				{Name: "population.users", Value: "200000"},
				{Name: "population.graph", Value: "barabasi-albert (m=5)"},
				{Name: "merchant", Value: "catering, certified"},
				{Name: "coupon", Value: "discount 20 CNY, min spend 60 CNY"},
				{Name: "campaign", Value: "official-account, 3000/day at 10:00, weekdays"},
			},
		},
		Seed:         42,
		Replications: 20,
		KPIs:         fixtureKPIs(),
	}
	if sweep {
		sim.Sweep = []string{"coupon.validity"}
	}
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	for i := range n {
		v := validity[i%len(validity)]
		name := []string{"30-day", "7-day", "14-day", "3-day", "60-day", "1-day", "21-day", "45-day", "90-day", "10-day", "5-day", "2-day"}[i%12]
		arm := results.Arm{Name: name, KPIs: map[string]results.Estimate{}}
		if sweep {
			arm.Name = fmt.Sprintf("validity=%dd", v)
			arm.SweepValues = []string{fmt.Sprintf("%dd", v)}
			arm.Settings = []results.Setting{{Name: "coupon.validity", Value: fmt.Sprintf("%dd", v)}}
		} else if i > 0 {
			arm.Settings = []results.Setting{{Name: "coupon.validity", Value: name[:len(name)-4] + "d"}}
		}
		// Shorter validity: more redemptions, fewer new customers (B1, B2).
		short := 1 / math.Sqrt(float64(v))
		means := map[string]float64{
			"claim_rate":        38 + 4*short + noise(0.5),
			"redemption_rate":   22 + 30*short + noise(0.8),
			"viral_coefficient": 0.6 + 0.02*float64(v)/3 + noise(0.02),
			"fund_float":        70 - 25*short + noise(1),
			"new_customers":     2400 + 40*float64(v) + noise(60),
			"inquiries":         130 + 40*short + noise(5),
			"cost":              52000 + 30000*short + noise(800),
			"roi":               1.8 + 0.6*short + noise(0.05),
		}
		for _, k := range sim.KPIs {
			m := means[k.ID]
			hw := math.Abs(m)*0.03 + 0.01
			arm.KPIs[k.ID] = results.Estimate{Mean: m, Low: m - hw, High: m + hw, SD: hw * 2.2, N: 20}
		}
		for d := range days {
			weekday := int(start.AddDate(0, 0, d).Weekday()+6) % 7
			active := 1.0
			if weekday >= 5 {
				active = 0.25
			}
			claims := (900 + 300*short) * active * (1 + noise(0.05))
			est := func(m float64) results.Estimate {
				hw := math.Abs(m)*0.06 + 1
				return results.Estimate{Mean: m, Low: math.Max(m-hw, 0), High: m + hw, SD: hw, N: 20}
			}
			redemptions := claims * (0.2 + 0.3*short) * (1 + 0.5*math.Exp(-float64(d%v)/3))
			arm.Series = append(arm.Series, results.Day{
				Day: d + 1, Date: start.AddDate(0, 0, d).Format(time.DateOnly),
				Exposed: est(3000 * active), Issued: est(3000 * active), Claims: est(claims),
				Gifts: est(claims * 0.12), Redemptions: est(redemptions),
				Expiries:             est(math.Max(0, claims*0.5*math.Sin(float64(d)/float64(v+1))+noise(20))),
				Float:                est(100 - 50*(1-math.Exp(-float64(d)/20))*(0.6+short)).Within(results.Percentage),
				DashboardRedemptions: est(redemptions * 0.9),
			})
		}
		for w := range 7 {
			for h := range 24 {
				peak := math.Exp(-math.Pow(float64(h-12), 2)/4) + 0.8*math.Exp(-math.Pow(float64(h-19), 2)/3)
				scale := 1.0
				if w >= 5 {
					scale = 0.6
				}
				arm.Heatmap[w][h] = math.Max(0, 40*scale*peak*(0.5+short)+noise(1)+1)
			}
		}
		depth := 4 + i%3
		for d := 0; d <= depth; d++ {
			arm.CascadeDepth = append(arm.CascadeDepth, 30000*math.Pow(0.12+0.01*float64(i%4), float64(d)))
		}
		exposed := 60000.0
		claimed := exposed * means["claim_rate"] / 100
		arm.Funnel = []results.Stage{
			{Name: "exposed", Count: exposed},
			{Name: "claimed", Count: claimed},
			{Name: "gifted on", Count: claimed * 0.12},
			{Name: "redeemed", Count: claimed * means["redemption_rate"] / 100},
		}
		sim.Arms = append(sim.Arms, arm)
	}
	base := sim.Arms[0]
	for i := 1; i < n; i++ {
		sim.Arms[i].Diffs = map[string]results.Diff{}
		for _, k := range sim.KPIs {
			a, b := sim.Arms[i].KPIs[k.ID].Mean, base.KPIs[k.ID].Mean
			d := a - b
			hw := math.Abs(b)*0.015 + 0.005
			ratio := 0.0
			if b != 0 {
				ratio = a / b
			}
			// P is the normal approximation of the paired test, since hw is
			// 1.96 standard errors; the ratio's interval is the delta
			// method's for a baseline known exactly, within its bounds.
			rb := k.Bounds().Ratio()
			sim.Arms[i].Diffs[k.ID] = results.Diff{
				Estimate:    results.Estimate{Mean: d, Low: d - hw, High: d + hw, SD: hw, N: 20},
				Ratio:       ratio,
				P:           math.Erfc(math.Abs(d) / (hw / 1.96) / math.Sqrt2),
				RatioMethod: results.FiellerMethod,
				RatioLow:    rb.Clip(ratio - hw/math.Abs(b)),
				RatioHigh:   rb.Clip(ratio + hw/math.Abs(b)),
			}
		}
	}
	holmFixture(sim)
	return sim
}

// holmFixture adjusts the fixture's paired differences by Holm's step-down
// over all of them, as package sim does.
func holmFixture(sim *results.Simulation) {
	type at struct {
		arm int
		id  string
	}
	var all []at
	for i := 1; i < len(sim.Arms); i++ {
		for _, k := range sim.KPIs {
			all = append(all, at{i, k.ID})
		}
	}
	p := func(w at) float64 { return sim.Arms[w.arm].Diffs[w.id].P }
	sort.SliceStable(all, func(a, b int) bool { return p(all[a]) < p(all[b]) })
	run := 0.0
	for j, w := range all {
		d := sim.Arms[w.arm].Diffs[w.id]
		run = math.Max(run, math.Min(1, float64(len(all)-j)*d.P))
		d.PAdjusted, d.Significant = run, run < 0.05
		d.Adjustment, d.Comparisons = "holm", len(all)
		sim.Arms[w.arm].Diffs[w.id] = d
	}
}

// loadFixture builds a deterministic load run of secs seconds on host: a
// ramp to 500/s that exhausts a merchant's quota and trips risk control.
func loadFixture(secs int, host string, start time.Time) *results.Load {
	rng := rand.New(rand.NewPCG(7, uint64(secs)))
	l := &results.Load{
		Schema: results.LoadSchemaVersion, Plan: "quota-burst", Target: "http://127.0.0.1:8080",
		Hosts: []string{host}, Started: start, Duration: float64(secs),
		Codes: map[string]int{},
		Quota: []results.QuotaUse{
			{Merchant: "1900000001", Used: 0, Quota: 50000},
			{Merchant: "1900000002", Used: 0, Quota: 5000},
			{Merchant: "1900000003", Used: 0, Quota: 500},
		},
	}
	sent := 0
	for t := range secs {
		target := math.Min(500, 50+float64(t)*10)
		count := int(target * (0.97 + 0.03*rng.Float64()))
		codes := map[string]int{}
		for range count {
			sent++
			switch {
			case sent%97 == 0:
				codes["REQUEST_BLOCKED"]++
			case sent > 20000 && sent%3 != 0:
				codes["FREQUENCY_LIMITED"]++
			case sent%1009 == 0:
				codes["SYSTEM_ERROR"]++
			default:
				codes[results.CodeAccepted]++
			}
		}
		for code, c := range codes {
			l.Codes[code] += c
		}
		base := 8 + 4*math.Sin(float64(t)/9) + target/100
		l.Seconds = append(l.Seconds, results.LoadSecond{
			T: t, Count: count, Target: target, Codes: codes,
			P50: base, P90: base * 2.1, P99: base*4 + 10*rng.Float64(),
		})
	}
	accepted := l.Codes[results.CodeAccepted]
	l.Quota[1].Used = min(accepted/2, 5000)
	l.Quota[2].Used = min(accepted/10, 600) // beyond its quota of 500
	l.Quota[0].Used = accepted - l.Quota[1].Used - l.Quota[2].Used
	l.Rate = results.Rate{Target: 500, Achieved: float64(l.Requests()) / float64(secs)}
	for _, q := range []float64{0, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9999, 1} {
		ms := 6 + 10*q + 0.05/math.Max(1-q, 0.0001)
		l.Latency = append(l.Latency, results.LoadPercentile{Quantile: q, Ms: ms})
	}
	l.Thresholds = []results.Threshold{
		{Expr: "accepted == quota", Observed: fmt.Sprint(accepted), Pass: false},
		{Expr: "p99 < 200ms", Observed: "38ms", Pass: true},
		{Expr: "rate(5xx) == 0", Observed: fmt.Sprint(l.Codes["SYSTEM_ERROR"]), Pass: l.Codes["SYSTEM_ERROR"] == 0},
	}
	return l
}

// hostile is an arm name that HTML, SVG and CSV must all escape.
const hostile = `<script>alert("7 & 30")</script>'x'`

// reportFixture is a small simulation for tests that render whole reports
// (PNG rendering is slow under -race): 3 arms over 14 days, three KPIs, and
// names that must be escaped.
func reportFixture() *results.Simulation {
	sim := simFixture(3, 14, false)
	keep := map[string]bool{"claim_rate": true, "redemption_rate": true, "new_customers": true}
	var kpis []results.KPI
	for _, k := range sim.KPIs {
		if keep[k.ID] {
			kpis = append(kpis, k)
		}
	}
	sim.KPIs = kpis
	for i := range sim.Arms {
		for id := range sim.Arms[i].KPIs {
			if !keep[id] {
				delete(sim.Arms[i].KPIs, id)
				delete(sim.Arms[i].Diffs, id)
			}
		}
	}
	holmFixture(sim)
	sim.Arms[1].Name = hostile
	sim.Scenario.Question = `Does <b>7-day</b> beat "30-day" & by how much?`
	return sim
}

// pairFixture is a two-arm run with an ensemble, 30-day against 7-day,
// whose question asks about 7-day: all 10 parameter sets agree on the
// direction of every difference but cost's, on which 7 do.
func pairFixture() *results.Simulation {
	sim := simFixture(2, 30, false)
	sim.EnsembleSets = 10
	for i := range sim.Arms {
		for id, e := range sim.Arms[i].KPIs {
			e.ModelSD, e.NoiseSD = e.SD*0.8, e.SD*0.6
			sim.Arms[i].KPIs[id] = e
		}
	}
	for id, d := range sim.Arms[1].Diffs {
		d.Members, d.Agree = 10, 10
		if id == "cost" {
			d.Agree = 7
		}
		sim.Arms[1].Diffs[id] = d
	}
	return sim
}
