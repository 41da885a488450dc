package sim

// This file holds redemption: what a holder does next (plan), the routes to
// a visit, the sale and what it adds, and the coupon's end (expiry, R14).

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"giftsim/platform"
)

// plan draws what the holder of c does next: redeem, gift it on, or let it
// expire. Redemption and gifting are competing hazards; the earlier wins.
//
// A coupon is redeemed at a visit, and every route to a visit is a hazard
// weighted by when people shop (RedeemActivity). The holder only uses a
// coupon worth something to them (offerOf, appeal a) and only while they
// think of it: recall fades as e^(−s/ForgetHours) from receipt, s the time
// held, and an expiry reminder or a recovery notice brings ReminderRecall of
// it back. The routes:
//   - natural: an existing customer's own visits, at their visit rate,
//     when they remember the coupon: the discount is given on a purchase
//     that would have happened anyway (cannibalised);
//   - trip: with probability RedeemProb·z·a (÷ ExistingBoost for
//     prospects), the holder means to make a special trip: soon, at
//     RedeemRate·z while recall lasts (LabelUrgency-fold in a labelled
//     coupon's first LabelHours, B5), and at a planned time, U^(1/PlanSkew)
//     of the validity left, if the plan has not lapsed by then
//     (e^(−t/PlanHours)): procrastination and forgetting, so a long validity
//     leaves more plans to lapse (Shu and Gneezy 2010) and redemptions bunch
//     before expiry (Inman and McAlister 1994). Every trip is bounded by the
//     holder's opportunities to go (OpportunityRate), so a short validity is
//     bounded by the chance to visit in it;
//   - trial: a prospect's first visit needs an occasion (a meal with
//     friends, passing by) that makes trying the merchant cheap; they come at
//     TrialRate·a·z and cue the coupon themselves (stochastic redemption
//     costs: Zhang et al. 2019). A longer validity leaves more of them: this
//     is what makes a 30-day coupon win more new customers (B2);
//   - impulse: with probability ImpulseProb·e^(−spend/ImpulseScale), an
//     impulse purchase within ImpulseHours of receipt (low tickets, B4);
//   - nearby: a user reached by geolocation near the store walks in within
//     the hour (C6).
//
// Gifting on has probability GiftProb and hazard GiftRate weighted by
// Activity, without decay: occasions to pass a coupon on come at a steady
// rate, so a longer validity leaves more of them (B2). It is bounded by the
// sub-coupon's transfer limit. The holder's decisions (to make a trip, to
// buy on impulse, to gift) are drawn once per holder, so a returned gift or
// a recovery does not redraw them. Each route's time draws from its own
// stream (rng.go), so a route that draws more, or is not open in one arm,
// does not shift another's.
func (m *model) plan(c int32) {
	now := m.now()
	u := m.holder[c]
	b := &m.cfg.Behaviour
	key, gen := m.key[c], uint64(m.gen[c])
	rd := m.cpn.keyed(key, tagHolder, uint64(m.transfers[c]))
	uTrip, uImpulse, uGift, uPlan, uKeep := rd.Float64(), rd.Float64(), rd.Float64(), rd.Float64(), rd.Float64()
	rt := func(tag uint64) *rand.Rand { return m.cpn.keyed(key, tag, gen) }
	exp := min(int64(m.expires[c]), m.horizon)
	rcv := int64(m.received[c])
	cue := int64(m.cue[c])
	at, route := int64(never), routeNone
	try := func(t int64, r uint8) {
		if t < at {
			at, route = t, r
		}
	}
	o := m.offerOf(m.kind(c), m.face[c], u)
	if a := m.appeal(o, u); a > 0 {
		z := float64(m.intent[u])
		opp := b.OpportunityRate / 24
		tau, recall := b.ForgetHours, b.ReminderRecall
		cued := cue >= 0 && cue < exp && recall > 0
		if lam := m.visitRate(u); lam > 0 {
			try(m.clk.sample(rt(tagNatural), m.shop, lam, tau, rcv, now, exp), routeNatural)
			if cued {
				try(m.clk.sample(rt(tagNaturalCued), m.shop, lam*recall, tau, cue, max(now, cue), exp), routeNatural)
			}
		}
		p := b.RedeemProb * z * a
		if m.uflags[u]&uCustomer == 0 && b.ExistingBoost > 0 {
			p /= b.ExistingBoost // a special trip to a shop they do not know is less likely
		}
		if uTrip < p {
			rate := min(b.RedeemRate*z, opp)
			try(m.clk.sample(rt(tagTrip), m.shop, rate, tau, rcv, now, exp), routeTrip)
			if cued {
				try(m.clk.sample(rt(tagTripCued), m.shop, rate*recall, tau, cue, max(now, cue), exp), routeTrip)
			}
			if b.PlanSkew > 0 {
				// The planned trip: at a time in the validity left, if the
				// holder still remembers then, at the first opportunity to go.
				start := rcv
				if m.cflags[c]&cRecovered != 0 {
					start = cue
				}
				planAt := start + int64(float64(int64(m.expires[c])-start)*math.Pow(uPlan, 1/b.PlanSkew))
				keep := 1.0
				if b.PlanHours > 0 {
					keep = math.Exp(-float64(planAt-rcv) / secondsPerHour / b.PlanHours)
				}
				if cued && planAt >= cue {
					keep += recall * (1 - keep)
				}
				if uKeep < keep {
					try(m.clk.sample(rt(tagPlanned), m.shop, opp, 0, planAt, max(now, planAt), exp), routeTrip)
				}
			}
			if m.labelled && b.LabelUrgency > 0 {
				until := min(exp, rcv+int64(b.LabelHours*secondsPerHour))
				try(m.clk.sample(rt(tagLabel), m.shop, min(rate*b.LabelUrgency, opp), 0, rcv, now, until), routeTrip)
			}
		}
		if m.uflags[u]&uCustomer == 0 && b.TrialRate > 0 {
			try(m.clk.sample(rt(tagTrial), m.shop, min(b.TrialRate/24*a*z, opp), 0, rcv, now, exp), routeTrial)
		}
		if b.ImpulseProb > 0 && now-rcv < int64(b.ImpulseHours*secondsPerHour) {
			pi := b.ImpulseProb
			if b.ImpulseScale > 0 {
				pi *= math.Exp(-max(float64(m.basket[u]), o.minSpend) / b.ImpulseScale.Yuan())
			}
			// B4: an impulse needs a moment of need. A coupon that arrives
			// at a meal or shopping time meets one there and then; one that
			// arrives between them rarely does (Danaher et al., 2015).
			pi *= m.shop.w[m.clk.hourOfWeek(rcv)] / m.shop.max
			if uImpulse < pi {
				until := min(exp, rcv+int64(b.ImpulseHours*secondsPerHour))
				try(m.clk.sample(rt(tagImpulse), m.shop, b.ImpulseRate, 0, rcv, now, until), routeImpulse)
			}
		}
		if m.cflags[c]&cNearby != 0 && m.transfers[c] == 0 {
			try(m.clk.sample(rt(tagNearby), m.flat, nearbyRate, 0, rcv, now, min(exp, rcv+secondsPerHour)), routeNearby)
		}
	}
	giftAt := int64(never)
	if int(m.transfers[c]) < m.subStocks[m.sub[c]].TransferLimit() && uGift < b.GiftProb {
		giftAt = m.clk.sample(rt(tagGiftAt), m.browse, b.GiftRate, 0, rcv, now, exp)
	}
	m.redeemAt[c] = -1
	if at < exp {
		m.redeemAt[c] = int32(at)
		m.route[c] = route
	}
	m.schedule(c, giftAt, at)
}

// kind is the kind of coupon c.
func (m *model) kind(c int32) platform.Kind { return m.subKinds[m.sub[c]] }

// schedule sets the holder's next action: the gift if it comes before the
// redemption, else the redemption, if either comes before expiry.
func (m *model) schedule(c int32, giftAt, redeemAt int64) {
	exp := int64(m.expires[c])
	g := m.gen[c]
	switch {
	case giftAt < redeemAt && giftAt < exp && giftAt < m.horizon:
		m.q.At(giftAt, evGift, c, g)
	case redeemAt < exp && redeemAt < m.horizon:
		m.q.At(redeemAt, evRedeem, c, g)
	}
}

// fallBack schedules the holder's planned redemption after a gift that did
// not happen.
func (m *model) fallBack(c int32) {
	if m.redeemAt[c] >= 0 {
		m.schedule(c, never, max(int64(m.redeemAt[c]), m.now()))
	}
}

// redeem is the holder using c at a visit. The sale counts at the spend the
// visit reaches (the usual spend, topped up to min_spend if need be); what
// the coupon adds depends on the route: on a natural visit only the top-up,
// on a customer's induced trip the spend less the share brought forward
// (Acceleration), on a prospect's visit all of it. A prospect who redeems
// becomes a new customer and stays with probability
// RetainProb·e^(−depth/RetainDepth), depth the discount over the spend.
func (m *model) redeem(c int32) {
	now := m.now()
	u := m.holder[c]
	if err := m.kind(c).CheckRedeemer(m.w.flags[u]&flagMember != 0); err != nil {
		m.err = fmt.Errorf("coupon %d: a holder redeemed what the rules forbid: %w", c, err)
		return
	}
	m.move(c, platform.EventRedeem)
	b := &m.cfg.Behaviour
	o := m.offerOf(m.kind(c), m.face[c], u)
	r := m.aux.keyed(m.key[c], tagRedeem, uint64(m.transfers[c]))
	uSpend, uRetain, uDelay := r.Float64(), r.Float64(), r.Float64()
	usual := float64(m.basket[u]) * (0.75 + 0.5*uSpend)
	spend := max(usual, o.minSpend)
	m.redeemedFace += m.face[c]
	m.discount += o.face
	m.sales += spend
	if spend > usual {
		m.out.kpi[kpiTopUps]++
	}
	customer := m.uflags[u]&uCustomer != 0
	switch {
	case m.route[c] == routeNatural:
		m.incremental += spend - usual
		m.out.kpi[kpiRedeemedNatural]++
	case customer:
		m.incremental += spend - b.Acceleration*usual
	default:
		m.incremental += spend
	}
	m.out.kpi[kpiRedeemed]++
	reward := false
	if !customer {
		m.uflags[u] |= uCustomer
		m.out.kpi[kpiNewCustomers]++
		m.reach(targetNewCustomers, int(m.out.kpi[kpiNewCustomers]))
		if m.from[c] >= 0 {
			m.viaGift++
			reward = m.cfg.ReferralReward
		}
		if b.RetainProb > 0 && uRetain < b.RetainProb*math.Exp(-o.face/spend/b.RetainDepth) {
			m.uflags[u] |= uVisits
			m.retained = append(m.retained, userAt{u, int32(now)})
		}
	}
	if now-int64(m.received[c]) <= secondsPerDay {
		m.timely++
	}
	day := m.clk.day(now)
	m.out.series[day][seriesRedemptions]++
	wd, h := m.clk.weekdayHour(now)
	m.out.heat[wd][h]++
	// B8: the record reaches the merchant's dashboard after the channel's
	// reporting delay, on the day it arrives.
	cr := platform.RuleOfChannel(m.channel[c])
	delay := int64(cr.ReportDelayMin/time.Second) + int64(uDelay*float64((cr.ReportDelayMax-cr.ReportDelayMin)/time.Second))
	if d := m.clk.day(now + delay); d < m.days {
		m.out.series[d][seriesDashboard]++
	}
	if reward {
		first := len(m.state)
		if m.issueAt(u, m.channel[c], false) {
			// The reward coupons continue the cascade one generation deeper.
			for k := first; k < len(m.state); k++ {
				m.depth[k] = m.depth[c]
			}
		}
	}
}

// expire ends a coupon's validity and puts it in the recycle bin (R14);
// the merchant's recovery policy decides whether it comes back, once.
func (m *model) expire(c int32) {
	s := m.state[c]
	if int64(m.expires[c]) != m.now() || !(s.Usable() || s == platform.StateOffered) {
		return // redeemed, or the expiry of an earlier life
	}
	m.move(c, platform.EventExpire)
	m.move(c, platform.EventRecycle)
	m.out.series[m.clk.day(m.now())][seriesExpiries]++
	rec := m.cfg.Recovery
	if rec.Share > 0 && m.cflags[c]&cRecovered == 0 && m.aux.keyed(m.key[c], tagRecover, 0).Float64() < rec.Share {
		m.q.At(m.now()+int64(rec.After/time.Second), evRecover, c, m.gen[c])
		return
	}
	m.q.After(lanePurge, evPurge, c, m.gen[c])
}

// recover revives a recycled coupon for 1% of its face value with a fresh
// validity (R14). It is a second chance for a holder who already let it
// lapse: their memory of it still dates from when they got it, and the
// recovery notice brings back ReminderRecall of it.
func (m *model) recover(c int32) {
	m.move(c, platform.EventRecover)
	m.cflags[c] |= cRecovered
	m.fees += platform.RecoveryFee(m.face[c])
	m.out.kpi[kpiRecovered]++
	m.expires[c] = int32(m.now() + m.validity)
	m.cue[c] = int32(m.now())
	m.q.After(laneExpire, evExpire, c, 0)
	m.plan(c)
}
