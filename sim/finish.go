package sim

// This file holds the end of a run: conservation checks and the KPIs,
// money included.

import (
	"fmt"

	"giftsim/platform"
)

// finish computes the KPIs and checks conservation: every coupon is in
// exactly one state, the incremental counts match a full scan, and face
// value issued equals face redeemed plus face outstanding.
func (m *model) finish() error {
	var scan [platform.NumStates]int
	var outstanding platform.Money
	valid := 0
	for c, s := range m.state {
		scan[s]++
		if s != platform.StateRedeemed {
			outstanding += m.face[c]
		}
		if s.Usable() || s == platform.StateOffered {
			valid++
		}
	}
	issued := len(m.state)
	total := 0
	for s := range scan {
		if scan[s] != m.counts[s] {
			return fmt.Errorf("conservation broken: %d coupons %s by count, %d by scan", m.counts[s], platform.State(s), scan[s])
		}
		total += scan[s]
	}
	if total != issued || m.redeemedFace+outstanding != m.issuedFace {
		return fmt.Errorf("conservation broken: %d issued, %d in states, %s CNY redeemed of %s issued, %s outstanding", issued, total, m.redeemedFace, m.issuedFace, outstanding)
	}
	b := &m.cfg.Behaviour
	k := &m.out.kpi
	exposed, claimed, sharers := 0, 0, 0
	for _, f := range m.uflags {
		if f&uExposed != 0 {
			exposed++
		}
		if f&uClaimed != 0 {
			claimed++
		}
		if f&uSharer != 0 {
			sharers++
		}
	}
	claimedExposed := 0
	for _, f := range m.uflags {
		if f&(uExposed|uClaimed) == uExposed|uClaimed {
			claimedExposed++
		}
	}
	k[kpiExposed] = float64(exposed)
	k[kpiClaimConversion] = pct(float64(claimedExposed), float64(exposed))
	k[kpiRedemptionRate] = pct(k[kpiRedeemed], float64(issued))
	k[kpiTimely] = pct(float64(m.timely), float64(issued))
	if claimed > 0 {
		k[kpiViral] = float64(m.viaGift) / float64(claimed)
	}
	if sharers > 0 {
		k[kpiNewPerSharer] = float64(m.viaGift) / float64(sharers)
	}
	// K4: face value not redeemed over face value issued.
	k[kpiFloat] = pct(float64(m.issuedFace-m.redeemedFace), float64(m.issuedFace))
	k[kpiValidAtEnd] = float64(valid)
	channelCost := 0.0
	for _, p := range m.cfg.Campaign {
		if p.Channel == platform.ChannelMiniProgram {
			// The mini-program's advanced coupon feature costs about 20,000 CNY a year.
			channelCost = 20000 * m.cfg.Horizon.Hours() / (365 * 24)
		}
	}
	// Retained new customers keep visiting to the horizon, and customers
	// lost to over-marketing stop: both counted at their expected visits.
	perDay := func(u int32) float64 { return float64(m.visitF[u]) / b.VisitDays }
	left := func(t int32) float64 { return float64(m.horizon-int64(t)) / secondsPerDay }
	var repeat, repeatSales, lost float64
	for _, e := range m.retained {
		v := perDay(e.u) * left(e.t)
		repeat += v
		repeatSales += v * float64(m.basket[e.u])
	}
	for _, e := range m.lapsed {
		lost += perDay(e.u) * left(e.t) * float64(m.basket[e.u])
	}
	k[kpiRetained] = float64(len(m.retained))
	k[kpiRepeatPurchases] = repeat
	k[kpiLapsed] = float64(len(m.lapsed))
	cost := m.discount + m.fees.Yuan() + channelCost
	k[kpiCost] = cost
	k[kpiRevenue] = m.sales
	k[kpiIncrementalRevenue] = m.incremental + repeatSales - lost
	profit := b.Margin*(m.incremental+repeatSales-lost) - cost
	k[kpiIncrementalProfit] = profit
	if cost > 0 {
		k[kpiROI] = profit / cost
		k[kpiGrossROI] = (m.sales*b.Margin - cost) / cost
	}
	var depthSum float64
	for _, d := range m.depth {
		for int(d) >= len(m.out.depth) {
			m.out.depth = append(m.out.depth, 0)
		}
		m.out.depth[d]++
		depthSum += float64(d)
	}
	if issued > 0 {
		k[kpiCascadeMean] = depthSum / float64(issued)
	}
	var cumIssued, cumRedeemed float64
	for d := range m.out.series {
		s := &m.out.series[d]
		cumIssued += s[seriesIssued]
		cumRedeemed += s[seriesRedemptions]
		s[seriesFloat] = pct(cumIssued-cumRedeemed, cumIssued)
	}
	gifted := 0
	for _, t := range m.transfers {
		if t > 0 {
			gifted++
		}
	}
	m.out.funnel = [4]float64{float64(exposed), float64(claimed), float64(gifted), k[kpiRedeemed]}
	m.finishTargets()
	return nil
}

func pct(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return 100 * a / b
}
