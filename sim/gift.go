package sim

// This file holds gifting: a holder passes a coupon to the friend likely to
// value it most, who claims, refuses (R15) or lets it return (R9).

import (
	"time"

	"giftsim/platform"
)

// gift offers c to a friend of its holder, if the rules allow (R2, R3, R5,
// R6, R8, R10, R15, C1). The holder considers up to GiftChoice friends and
// picks the one likely to value it most (appeal × intent, customers by
// ExistingBoost): homophily and the graph's degree decide how good that
// friend is.
func (m *model) gift(c int32) {
	now := m.now()
	u := m.holder[c]
	friends := m.w.Graph.Neighbors(u)
	if len(friends) == 0 {
		m.fallBack(c)
		return
	}
	b := &m.cfg.Behaviour
	r := m.cpn.keyed(m.key[c], tagFriend, uint64(m.gen[c]))
	kind, face := m.kind(c), m.face[c]
	score := func(v int32) float64 {
		s := m.appeal(m.offerOf(kind, face, v), v) * float64(m.intent[v])
		if m.uflags[v]&uCustomer != 0 {
			s *= b.ExistingBoost
		}
		if m.uflags[v]&uSensitive != 0 {
			s *= b.SensitiveClaim
		}
		return s
	}
	v, best := friends[0], -1.0
	k := max(int(b.GiftChoice), 1)
	for i := range min(k, len(friends)) {
		f := friends[i]
		if len(friends) > k {
			f = friends[r.IntN(len(friends))]
		}
		if s := score(f); s > best {
			v, best = f, s
		}
	}
	day := int32(m.clk.day(now))
	if pd := int32(m.clk.platformDay(now)); m.chatDay[u] != pd {
		m.chatDay[u], m.chatCount[u] = pd, 0
	}
	at := m.clk.start.Add(time.Duration(now) * time.Second)
	err := platform.CheckGift(platform.GiftCheck{
		Stock: m.subStocks[m.sub[c]], Transfers: int(m.transfers[c]),
		SenderBankCard: m.w.flags[u]&flagBankCard != 0, SenderChatToday: int(m.chatCount[u]),
		RecipientRealName:     m.w.flags[v]&flagRealName != 0,
		RecipientBlockedUntil: m.clk.start.Add(time.Duration(m.blockedUntil[v]) * time.Second), Now: at,
	})
	if err != nil {
		m.refuse1(platform.RuleOf(err), kpiRuleRefused)
		m.fallBack(c)
		return
	}
	m.chatCount[u]++
	m.uflags[u] |= uSharer
	m.move(c, platform.EventGift)
	m.pending[c] = v
	m.out.kpi[kpiGifts]++
	m.out.series[day][seriesGifts]++
	g := m.gen[c]
	m.q.After(laneReturn, evReturn, c, g)
	window := now + int64(platform.ClaimWindow/time.Second)
	pa := b.AcceptProb * m.appeal(m.offerOf(kind, face, v), v)
	if m.uflags[v]&uSensitive != 0 {
		pa *= b.SensitiveClaim
	}
	r = m.cpn.keyed(m.key[c], tagAnswer, uint64(m.gen[c]))
	x := r.Float64()
	switch {
	case x < pa:
		if t := m.clk.sample(r, m.browse, b.AcceptRate, 0, now, now, window); t < window {
			m.q.At(t, evAccept, c, g)
		}
	case x < pa+b.RefuseProb:
		if t := m.clk.sample(r, m.browse, b.AcceptRate, 0, now, now, window); t < window {
			m.q.At(t, evRefuse, c, g)
		}
	}
}

// accept is the recipient claiming a gift within 48 hours (R9), subject to
// risk control (R16, R17).
func (m *model) accept(c int32) {
	v := m.pending[c]
	if !m.ipClaimAllowed(v) || !m.receiveAllowed(v) {
		return // stays offered and returns after 48 h
	}
	m.ipClaimed(v)
	sender := m.holder[c]
	m.move(c, platform.EventClaim)
	m.holder[c], m.from[c], m.pending[c] = v, sender, -1
	m.holds(v)
	m.received[c] = int32(m.now())
	m.transfers[c]++
	if m.depth[c] < 255 {
		m.depth[c]++
	}
	m.out.kpi[kpiClaims]++
	m.out.series[m.clk.day(m.now())][seriesClaims]++
	m.inquiry(m.key[c], m.transfers[c])
	m.plan(c)
}

// refuse is the recipient refusing a gift: it goes back to the sender, and
// the recipient is blocked from this kind for 24 hours and marked sensitive
// (R15).
func (m *model) refuse(c int32) {
	v := m.pending[c]
	m.move(c, platform.EventRefuse)
	m.pending[c] = -1
	m.blockedUntil[v] = int32(m.now() + int64(platform.RefusalBlock/time.Second))
	m.uflags[v] |= uSensitive
	m.plan(c)
}
