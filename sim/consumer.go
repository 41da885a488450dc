package sim

import (
	"math"

	"giftsim/platform"
)

// This file holds the consumer: who a user is to the merchant (their usual
// spend, how often they come by themselves, how deal-prone they are) and
// what an offer is worth to them.

// initUsers draws every user's fixed traits from streams keyed by the user,
// so arms that share a population see the same people:
//   - intent z ~ Gamma, mean 1, CV IntentSpread: deal-proneness, which scales
//     interest in offers and the intent to make a trip for one;
//   - the usual spend of a visit (客单价), lognormal with mean Basket and CV
//     BasketSpread;
//   - a visit factor ~ Gamma, mean 1, CV VisitSpread: an existing
//     customer's own visits come every VisitDays/factor days on average.
func (m *model) initUsers() {
	b := &m.cfg.Behaviour
	n := m.w.N()
	m.intent = make([]float32, n)
	m.basket = make([]float32, n)
	m.visitF = make([]float32, n)
	m.recent = make([]float32, n)
	m.lastExp = make([]int32, n)
	is := newStream(m.seed, m.rep, purposeIntent)
	us := newStream(m.seed, m.rep, purposeUser)
	kz := shapeOf(b.IntentSpread)
	kv := shapeOf(b.VisitSpread)
	// A lognormal with mean μ and CV c has σ² = ln(1+c²) and location ln μ − σ²/2.
	s2 := math.Log1p(b.BasketSpread * b.BasketSpread)
	sigma, loc := math.Sqrt(s2), math.Log(b.Basket.Yuan())-s2/2
	for u := range n {
		m.intent[u] = 1
		if kz > 0 {
			m.intent[u] = float32(gammaDraw(is.at(uint64(u), 0), kz) / kz)
		}
		r := us.at(uint64(u), 0)
		m.basket[u] = float32(math.Exp(loc + sigma*r.NormFloat64()))
		m.visitF[u] = 1
		if kv > 0 {
			m.visitF[u] = float32(gammaDraw(r, kv) / kv)
		}
	}
}

// shapeOf is the gamma shape of a mean-1 factor with coefficient of
// variation cv; 0 means no spread.
func shapeOf(cv float64) float64 {
	if cv <= 0 {
		return 0
	}
	return 1 / (cv * cv)
}

// offer is what a coupon is worth to one holder: the perceived value in
// CNY, the discount it gives and the spend it requires, for the tier the
// holder would use.
type offer struct {
	value    float64 // value is the discount less the top-up the holder counts against it
	face     float64 // face is the discount given at redemption
	minSpend float64 // minSpend is the spend it requires
}

// offerOf is what a coupon of kind with face value face is worth to user u.
// A points-exchange coupon is worth nothing to a non-member, who cannot
// redeem it (R3). A discount coupon needs min_spend: below their usual spend
// it costs nothing more; above it the holder must top up, and counts
// TopUpAversion of the top-up against the discount. With tiers the holder
// picks the tier worth most to them.
func (m *model) offerOf(kind platform.Kind, face platform.Money, u int32) offer {
	if kind.CheckRedeemer(m.w.flags[u]&flagMember != 0) != nil {
		return offer{}
	}
	if kind != platform.KindDiscount {
		return offer{value: face.Yuan(), face: face.Yuan()}
	}
	basket := float64(m.basket[u])
	aversion := m.cfg.Behaviour.TopUpAversion
	at := func(f, spend float64) offer {
		return offer{value: f - aversion*max(0, spend-basket), face: f, minSpend: spend}
	}
	st := &m.cfg.Coupon
	if st.Kind != platform.KindDiscount {
		// A combo's discount sub-coupon: its share of the face, over the
		// stock's threshold and never below R2's least threshold.
		return at(face.Yuan(), max(st.MinSpend, platform.RuleOfKind(platform.KindDiscount).MinSpend).Yuan())
	}
	best := at(face.Yuan(), st.MinSpend.Yuan())
	for _, t := range st.Tiers {
		if o := at(t.Face.Yuan(), t.MinSpend.Yuan()); o.value > best.value {
			best = o
		}
	}
	return best
}

// appeal is how attractive an offer of perceived value v is to user u, 0–1:
// 1 − exp(−(v/spend)/ValueScale), a saturating response to the discount's
// depth against the user's usual spend (deeper discounts attract more, with
// diminishing returns).
func (m *model) appeal(o offer, u int32) float64 {
	if o.value <= 0 {
		return 0
	}
	return -math.Expm1(-o.value / float64(m.basket[u]) / m.cfg.Behaviour.ValueScale)
}

// stockAppeal is the appeal of the campaign's stock to u before it is
// issued: for a combo, of all its sub-coupons together.
func (m *model) stockAppeal(u int32) float64 {
	var o offer
	for i, k := range m.subKinds {
		s := m.offerOf(k, m.subFaces[i], u)
		o.value += max(s.value, 0)
		o.face += s.face
	}
	return m.appeal(o, u)
}

// visitRate is u's rate of own visits per hour (0 for non-customers).
func (m *model) visitRate(u int32) float64 {
	if m.uflags[u]&uVisits == 0 {
		return 0
	}
	return float64(m.visitF[u]) / m.cfg.Behaviour.VisitDays / 24
}

// fatigue updates u's count of recent exposures for one more at now and
// returns how many came before it, faded with the time constant FatigueDays.
func (m *model) fatigue(u int32, now int64) float64 {
	n := float64(m.recent[u])
	if n > 0 {
		if tau := m.cfg.Behaviour.FatigueDays * secondsPerDay; tau > 0 {
			// A popup's exposure may be dated later in the day than another
			// push's: an earlier one does not fade what comes after it.
			n *= math.Exp(-float64(max(now-int64(m.lastExp[u]), 0)) / tau)
		} else {
			n = 0
		}
	}
	m.recent[u], m.lastExp[u] = float32(n+1), int32(max(now, int64(m.lastExp[u])))
	return n
}
