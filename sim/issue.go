package sim

// This file holds issuing: a claim or an API send becomes coupons when the
// platform's rules allow (platform.CheckIssue, R16, R17).

import (
	"errors"
	"time"

	"giftsim/platform"
)

// exposureClaim is an exposed user claiming the campaign's coupon; R17
// applies to abnormal IPs. K1 counts the claim only if it got a coupon.
func (m *model) exposureClaim(u int32, gen int) {
	if !m.ipClaimAllowed(u) {
		return
	}
	push := gen &^ nearbyBit
	if m.issueAt(u, m.cfg.Campaign[push].Channel, gen&nearbyBit != 0) {
		m.ipClaimed(u)
		m.inquiry(couponKey(u, m.issues[u]-1, 0), 0)
	}
}

// issueAt issues the campaign's coupons (one, or a combo's sub-coupons) to u
// now if the platform's rules allow it, checked by platform.CheckIssue in
// the mock's order (budget, R11, C3, R15, R16), and reports whether it did.
// Every attempt counts in u's issue ordinal, so a refusal in one arm does
// not shift the keys of u's later coupons.
func (m *model) issueAt(u int32, ch platform.Channel, nearby bool) bool {
	t := m.now()
	ord := m.issues[u]
	m.issues[u]++
	if d := m.clk.platformDay(t); d != m.quotaDay {
		// R11: a new day's quota, at the tier of the campaign day.
		m.quotaDay, m.quotaUsed = d, 0
		m.quota = m.cfg.Merchant.QuotaOn(m.clk.day(t))
	}
	day := m.clk.day(t)
	m.out.series[day][seriesAttempts]++
	maxSends := m.cfg.Coupon.MaxSends()
	var once int
	if m.uflags[u]&uMiniProg != 0 && ch == platform.ChannelMiniProgram {
		once = 1
	}
	now := m.clk.start.Add(time.Duration(t) * time.Second)
	err := platform.CheckIssue(platform.IssueCheck{
		Stock: m.cfg.Coupon.Stock, Channel: ch, Started: true,
		Issued: m.sends, MaxCoupons: max(maxSends, 0), UsedToday: m.quotaUsed, Quota: m.quota,
		UserFromStock:         once,
		RecipientBlockedUntil: m.clk.start.Add(time.Duration(m.blockedUntil[u]) * time.Second),
		ReceivedInWindow:      m.recvWin.count(u, t), Risk: m.risk, Now: now,
	})
	if err == nil && maxSends < 0 {
		err = platform.ErrStockExhausted
	}
	if err != nil {
		switch rule := platform.RuleOf(err); {
		case errors.Is(err, platform.ErrStockExhausted):
			m.refused["budget"]++
			m.out.kpi[kpiBudgetRefused]++
			m.out.series[day][seriesBudgetRefused]++
		case rule == "R11":
			m.refuse1(rule, kpiQuotaRefused)
			m.out.series[day][seriesQuotaRefused]++
		case rule == "R16" || rule == "R17":
			m.refuse1(rule, kpiRiskBlocked)
		default:
			m.refuse1(rule, kpiRuleRefused)
		}
		return false
	}
	m.quotaUsed++
	m.sends++
	m.recvWin.add(u, t)
	if ch == platform.ChannelMiniProgram {
		m.uflags[u] |= uMiniProg
	}
	m.uflags[u] |= uClaimed
	m.out.kpi[kpiClaims]++
	m.out.series[day][seriesClaims]++
	m.out.series[day][seriesSent]++
	for i := range m.subKinds {
		c := m.newCoupon(u, ch, uint8(i), couponKey(u, ord, uint8(i)))
		if nearby {
			m.cflags[c] |= cNearby
		}
		m.plan(c)
	}
	return true
}

// newCoupon appends one coupon of sub-coupon i, issued now to u, with its
// couponKey key.
func (m *model) newCoupon(u int32, ch platform.Channel, i uint8, key uint64) int32 {
	t := m.now()
	c := int32(len(m.state))
	exp := t + m.validity
	cue := int32(-1)
	if r := int64(m.cfg.Coupon.Reminder / time.Second); r > 0 {
		cue = int32(exp - r)
	}
	m.state = append(m.state, platform.StateIssued)
	m.holder = append(m.holder, u)
	m.from = append(m.from, -1)
	m.pending = append(m.pending, -1)
	m.expires = append(m.expires, int32(exp))
	m.received = append(m.received, int32(t))
	m.redeemAt = append(m.redeemAt, -1)
	m.gen = append(m.gen, 0)
	m.transfers = append(m.transfers, 0)
	m.depth = append(m.depth, 0)
	m.channel = append(m.channel, ch)
	m.face = append(m.face, m.subFaces[i])
	m.sub = append(m.sub, i)
	m.cflags = append(m.cflags, 0)
	m.route = append(m.route, routeNone)
	m.cue = append(m.cue, cue)
	m.key = append(m.key, key)
	m.counts[platform.StateIssued]++
	m.holds(u)
	m.issuedFace += m.subFaces[i]
	m.out.kpi[kpiIssued]++
	m.out.series[m.clk.day(t)][seriesIssued]++
	m.q.After(laneExpire, evExpire, c, 0)
	return c
}

// receiveAllowed applies R16 to a gift's recipient: an account receiving
// more than the burst in the window must pass face verification, which the
// simulation counts as a blocked receipt. The window slides as the mock's
// does; an allowed receipt counts in it.
func (m *model) receiveAllowed(u int32) bool {
	if err := m.risk.CheckReceive(m.recvWin.count(u, m.now())); err != nil {
		m.refuse1(platform.RuleOf(err), kpiRiskBlocked)
		return false
	}
	m.recvWin.add(u, m.now())
	return true
}

// ipClaimAllowed applies R17 to a claim by u, counting the claims of u's
// abnormal IP group within the sliding IP window as the mock does.
func (m *model) ipClaimAllowed(u int32) bool {
	g := m.w.ipGroup[u]
	if g < 0 {
		return true
	}
	if err := m.risk.CheckIPClaim(true, m.ipWin.count(g, m.now())); err != nil {
		m.refuse1(platform.RuleOf(err), kpiRiskBlocked)
		return false
	}
	return true
}

// ipClaimed counts a claim by u that went through against u's abnormal IP
// group (R17); like the mock, a claim another rule refused is not counted.
func (m *model) ipClaimed(u int32) {
	if g := m.w.ipGroup[u]; g >= 0 {
		m.ipWin.add(g, m.now())
	}
}

// refuse1 counts one refusal under its rule id and KPI.
func (m *model) refuse1(rule string, kpi int) {
	m.refused[rule]++
	m.out.kpi[kpi]++
}

// inquiry draws whether a claim leads to a customer-service inquiry (B6),
// keyed by the coupon claimed and its transfer count.
func (m *model) inquiry(key uint64, transfers uint8) {
	p := m.cfg.Behaviour.InquiryProb
	if m.labelled {
		p += m.cfg.Behaviour.LabelInquiryProb
	}
	if p > 0 && m.aux.keyed(key, tagInquiry, uint64(transfers)).Float64() < p {
		m.out.kpi[kpiInquiries]++
	}
}
