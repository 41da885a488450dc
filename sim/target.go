package sim

// This file holds budget and quota planning's share of the results: the
// time to a target (days_to_holders, days_to_new_customers), censored at
// the horizon when a replication never reaches it, and each day's issuing
// against the day's quota (R11) and the budget.

import (
	"time"

	"giftsim/results"
)

// The targets, in the order of Targets' fields.
const (
	targetHolders = iota
	targetNewCustomers
	numTargets
)

// targetKPIs are the KPIs of the targets, indexed like them.
var targetKPIs = [numTargets]int{kpiDaysToHolders, kpiDaysToNewCustomers}

// target returns target i's count, 0 when not set.
func (t Targets) target(i int) int {
	if i == targetHolders {
		return t.Holders
	}
	return t.NewCustomers
}

// holds counts u as a holder of the campaign's coupons, once.
func (m *model) holds(u int32) {
	w, bit := u/64, uint64(1)<<(u%64)
	if m.held[w]&bit != 0 {
		return
	}
	m.held[w] |= bit
	m.holders++
	m.reach(targetHolders, m.holders)
}

// reach records the time target i is reached when count has just reached it.
func (m *model) reach(i, count int) {
	if want := m.cfg.Targets.target(i); want > 0 && count == want {
		m.out.kpi[targetKPIs[i]] = float64(m.now()) / secondsPerDay
		m.reached[i] = true
	}
}

// finishTargets sets each target not reached by the horizon to the
// horizon's length in days, marked censored: the time to it is longer.
func (m *model) finishTargets() {
	for i, k := range targetKPIs {
		if m.cfg.Targets.target(i) > 0 && !m.reached[i] {
			m.out.kpi[k] = float64(m.horizon) / secondsPerDay
			m.out.censored[i] = true
		}
	}
}

// planning completes the aggregated results with what the generic pass
// over KPIs cannot know: which replications never reached a target
// (Estimate.Censored, the interval within 0 to the horizon), the target
// KPIs left out of arms that set no target (and of the list when no arm
// does), and each arm's days against its quota (Arm.Quota).
func (r *runner) planning(s *results.Simulation) {
	kpis := KPIs()
	used := [numTargets]bool{}
	for a := range s.Arms {
		cfg := &r.exp.Arms[a].Config
		base := &r.exp.Arms[0].Config
		ra := &s.Arms[a]
		h := cfg.Horizon.Hours() / 24
		for i, k := range targetKPIs {
			id := kpis[k].ID
			if cfg.Targets.target(i) == 0 {
				delete(ra.KPIs, id)
				delete(ra.Diffs, id)
				continue
			}
			used[i] = true
			e := ra.KPIs[id]
			e.Censored = 0
			for _, o := range r.outcomes[a] {
				if o.censored[i] {
					e.Censored++
				}
			}
			ra.KPIs[id] = e.Within(results.Bounds{Lo: 0, Hi: h})
			d, ok := ra.Diffs[id]
			if !ok {
				continue
			}
			if base.Targets.target(i) == 0 {
				delete(ra.Diffs, id) // nothing to compare with
				continue
			}
			d.Censored = 0
			for rep, o := range r.outcomes[a] {
				if o.censored[i] || r.outcomes[0][rep].censored[i] {
					d.Censored++
				}
			}
			hb := max(h, base.Horizon.Hours()/24)
			d.Estimate = d.Estimate.Within(results.Bounds{Lo: -hb, Hi: hb})
			ra.Diffs[id] = d
		}
		ra.Quota = r.quotaDays(a)
	}
	out := s.KPIs[:0:0]
	for _, k := range s.KPIs {
		drop := false
		for i, tk := range targetKPIs {
			drop = drop || k.ID == kpis[tk].ID && !used[i]
		}
		if !drop {
			out = append(out, k)
		}
	}
	s.KPIs = out
}

// quotaDays returns arm a's issuing day by day: the day's tier and quota,
// and the sends that reached the issue check, issued, and were refused by
// the quota or the budget, each as a mean over replications.
func (r *runner) quotaDays(a int) []results.QuotaDay {
	cfg := &r.exp.Arms[a].Config
	outs := r.outcomes[a]
	days := len(outs[0].series)
	clk := newClock(cfg.Start)
	xs := make([]float64, len(outs))
	col := func(d, s int) results.Estimate {
		for i, o := range outs {
			xs[i] = o.series[d][s]
		}
		return estimateIn(xs, nonNegative)
	}
	out := make([]results.QuotaDay, days)
	for d := range out {
		out[d] = results.QuotaDay{
			Day: d, Date: cfg.Start.Add(time.Duration(clk.dayStart(d)) * time.Second).Format(time.DateOnly),
			Tier: cfg.Merchant.TierOn(d).String(), Quota: cfg.Merchant.QuotaOn(d),
			Attempted: col(d, seriesAttempts), Issued: col(d, seriesSent),
			QuotaRefused: col(d, seriesQuotaRefused), BudgetRefused: col(d, seriesBudgetRefused),
		}
	}
	return out
}
