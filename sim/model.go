package sim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"giftsim/platform"
	"giftsim/sim/engine"
)

// Event kinds of the model.
const (
	evPush          uint8 = iota + 1 // a campaign push fires (ID: push index)
	evExposureClaim                  // an exposed user claims (ID: user, Gen: push index)
	evRedeem                         // the holder redeems (ID: coupon)
	evGift                           // the holder gifts to a friend (ID: coupon)
	evAccept                         // the recipient claims the gift (R9)
	evRefuse                         // the recipient refuses the gift (R15)
	evReturn                         // 48 h pass unclaimed (R9), lane laneReturn
	evExpire                         // validity ends, lane laneExpire
	evPurge                          // 30 days in the bin pass (R14), lane lanePurge
	evRecover                        // the merchant recovers it (R14)
)

// FIFO lanes for fixed delays.
const (
	laneReturn = iota
	laneExpire
	lanePurge
)

// Dynamic user flags.
const (
	uExposed    uint8 = 1 << iota // exposed to the campaign (K1 denominator)
	uClaimed                      // claimed from the campaign (K1 numerator)
	uSensitive                    // refused a coupon: a "sensitive user" (R15)
	uMiniProg                     // received the mini-program coupon (C3)
	uSharer                       // gifted at least once
	uCustomer                     // is a customer (existing, or acquired)
	uVisits                       // visits by themselves (an existing or retained customer)
	uUnfollowed                   // blocked the merchant's pushes (fatigue)
)

// Coupon flags.
const (
	cRecovered uint8 = 1 << iota // recovered from the bin once (R14)
	cNearby                      // claimed near the store (C6)
)

// Redemption routes: what brought the holder to the till.
const (
	routeNone    uint8 = iota
	routeNatural       // a visit that would have happened anyway (cannibalised)
	routeTrip          // a trip the coupon induced
	routeTrial         // a prospect's first visit at an occasion
	routeImpulse       // an impulse purchase just after the coupon arrived
	routeNearby        // a walk-in near the store (C6)
)

// userAt is a user and the simulated second something happened to them.
type userAt struct {
	u int32
	t int32
}

// model is one arm in one replication: the engine, the coupons and the
// users' changing state, all in flat arrays indexed by int32 ids.
type model struct {
	cfg       *Config
	w         *World
	seed      uint64
	rep       int
	clk       *clock
	browse    *profile // when users read, claim and gift
	shop      *profile // when users shop
	flat      *profile // any hour alike
	q         *engine.Queue
	audiences []audience // per push

	// Users' fixed traits (consumer.go) and fatigue.
	intent  []float32 // latent deal-proneness, mean 1
	basket  []float32 // usual spend of a visit, CNY
	visitF  []float32 // own-visit frequency factor, mean 1
	recent  []float32 // recent exposures, faded, as of lastExp
	lastExp []int32

	// The stock's coupons: one, or a combo's sub-coupons (R4).
	subKinds  []platform.Kind
	subFaces  []platform.Money
	subStocks []platform.Stock
	sends     int // sends that issued coupons, for the budget
	horizon   int64
	exp       *stream // exposure draws, keyed by (push, day) and exposure index
	cpn       *stream // coupon draws, keyed by coupon and transition count
	aux       *stream // other draws (reporting delays, baskets), keyed by coupon

	validity int64
	labelled bool
	quota    int
	risk     platform.Risk

	// Coupons, struct of arrays.
	state     []platform.State
	holder    []int32
	from      []int32 // who gifted it to the holder, -1 for the merchant
	pending   []int32 // the recipient while offered
	expires   []int32
	received  []int32 // when the holder got it
	redeemAt  []int32 // the holder's planned redemption, -1 for none
	gen       []uint32
	transfers []uint8
	depth     []uint8
	channel   []platform.Channel
	face      []platform.Money
	sub       []uint8 // index into subStocks
	cflags    []uint8
	route     []uint8 // the route of the planned redemption
	cue       []int32 // when an expiry reminder or recovery notice comes, -1 for none

	// Users.
	uflags       []uint8
	blockedUntil []int32 // R15
	chatDay      []int32 // C1: the day chatCount counts
	chatCount    []uint8
	recvWin      *window // R16: each user's receipts within the receive window
	ipWin        *window // R17: each abnormal IP group's claims within the IP window

	counts     [platform.NumStates]int
	moves      [16]int        // moves counts lifecycle transitions by event
	refused    map[string]int // refused counts refusals by rule id
	quotaDay   int64
	quotaUsed  int
	penaltyDay int // penaltyDay is the first day of the R18 display restriction, -1 before it
	days       int

	redeemedFace, issuedFace, fees platform.Money
	discount, sales, incremental   float64 // CNY
	viaGift, timely                int
	retained, lapsed               []userAt
	out                            *outcome
	err                            error
}

func newModel(cfg *Config, w *World, seed uint64, rep int) *model {
	clk := newClock(cfg.Start)
	// The model reads the behaviour as shaped by the merchant's industry.
	own := *cfg
	own.Behaviour = IndustryPreset(cfg.Merchant.Industry).apply(cfg.Behaviour)
	cfg = &own
	b := &cfg.Behaviour
	validity := int64(cfg.Coupon.Validity / time.Second)
	var ones [24]float64
	for h := range ones {
		ones[h] = 1
	}
	m := &model{
		cfg: cfg, w: w, seed: seed, rep: rep, clk: clk,
		browse: newProfile(b.Activity, b.WeekendActivity), shop: newProfile(b.RedeemActivity, b.RedeemActivity), flat: newProfile(ones, ones),
		q:        engine.New(int64(platform.ClaimWindow/time.Second), validity, int64(platform.RecycleRetention/time.Second)),
		horizon:  int64(cfg.Horizon / time.Second),
		exp:      newStream(seed, rep, purposeExposure),
		cpn:      newStream(seed, rep, purposeCoupon),
		aux:      newStream(seed, rep, purposeReport),
		validity: validity,
		labelled: cfg.Coupon.Label == LabelLimited24h,
		quota:    cfg.Merchant.Quota(), risk: cfg.Risk, quotaDay: -1, penaltyDay: -1,
		refused: map[string]int{},
	}
	m.splitStock()
	n := w.N()
	m.initUsers()
	m.uflags = make([]uint8, n)
	for u := range n {
		if w.flags[u]&flagExisting != 0 {
			m.uflags[u] = uCustomer | uVisits
		}
	}
	m.blockedUntil = make([]int32, n)
	m.chatDay = make([]int32, n)
	m.chatCount = make([]uint8, n)
	m.recvWin = newWindow(n, m.risk.ReceiveWindow)
	m.ipWin = newWindow(max(w.groups, 1), m.risk.IPWindow)
	m.days = clk.day(m.horizon-1) + 1
	m.out = &outcome{series: make([][numSeries]float64, m.days)}
	m.audiences = make([]audience, len(cfg.Campaign))
	for i := range cfg.Campaign {
		m.audiences[i] = m.audienceOf(&cfg.Campaign[i])
	}
	return m
}

// splitStock lists the coupons one send issues: the stock itself, or a
// combo's sub-coupons, each of its own kind under its own rules (R4), with
// the face value shared equally (the first takes the odd fen).
func (m *model) splitStock() {
	st := m.cfg.Coupon.Stock
	if st.Kind != platform.KindCombo {
		m.subKinds, m.subFaces, m.subStocks = []platform.Kind{st.Kind}, []platform.Money{st.Face}, []platform.Stock{st}
		return
	}
	k := platform.Money(len(st.SubKinds))
	for i, kind := range st.SubKinds {
		face := st.Face / k
		if i == 0 {
			face += st.Face % k
		}
		sub := st
		sub.Kind, sub.Face, sub.SubKinds = kind, face, nil
		if kind == platform.KindDiscount {
			sub.MinSpend = max(st.MinSpend, platform.RuleOfKind(platform.KindDiscount).MinSpend)
		}
		m.subKinds = append(m.subKinds, kind)
		m.subFaces = append(m.subFaces, face)
		m.subStocks = append(m.subStocks, sub)
	}
}

// run simulates to the horizon and fills m.out.
func (m *model) run(ctx context.Context) (*outcome, error) {
	for i, p := range m.cfg.Campaign {
		t := m.clk.dayStart(p.FirstDay) + int64(p.PushAt/time.Second)
		for t < 0 {
			t += secondsPerDay
		}
		m.q.At(t, evPush, int32(i), 0)
	}
	for n := 0; ; n++ {
		if n&0xffff == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		e, ok := m.q.Next(m.horizon - 1)
		if !ok {
			break
		}
		m.handle(e)
		if m.err != nil {
			return nil, m.err
		}
	}
	m.out.events = m.q.Popped()
	if err := m.finish(); err != nil {
		return nil, err
	}
	return m.out, nil
}

func (m *model) now() int64 { return m.q.Now() }

func (m *model) handle(e engine.Event) {
	id := e.ID()
	switch e.Kind() {
	case evPush:
		m.push(int(id))
	case evExposureClaim:
		m.exposureClaim(id, int(e.Gen()))
	case evExpire:
		m.expire(id)
	default:
		if m.gen[id]&engine.GenMask != e.Gen() {
			return // a cancelled timer
		}
		switch e.Kind() {
		case evRedeem:
			m.redeem(id)
		case evGift:
			m.gift(id)
		case evAccept:
			m.accept(id)
		case evRefuse:
			m.refuse(id)
		case evReturn:
			m.move(id, platform.EventReturn)
			m.plan(id)
		case evPurge:
			m.move(id, platform.EventPurge)
		case evRecover:
			m.recover(id)
		}
	}
}

// move applies a lifecycle event through the platform's state machine; an
// illegal transition is a bug and stops the run.
func (m *model) move(c int32, ev platform.Event) {
	from := m.state[c]
	to, err := platform.Next(from, ev)
	if err != nil {
		if m.err == nil {
			m.err = fmt.Errorf("coupon %d at t=%ds: %w", c, m.now(), err)
		}
		return
	}
	m.state[c] = to
	m.moves[ev]++
	m.counts[from]--
	m.counts[to]++
	m.gen[c]++
}

// exposureClaim is an exposed user claiming the campaign's coupon; R17
// applies to abnormal IPs. K1 counts the claim only if it got a coupon.
func (m *model) exposureClaim(u int32, gen int) {
	if !m.ipClaimAllowed(u) {
		return
	}
	push := gen &^ nearbyBit
	if m.issueAt(u, m.cfg.Campaign[push].Channel, gen&nearbyBit != 0, m.now()) {
		m.ipClaimed(u)
		m.inquiry(u)
	}
}

// issueAt issues the campaign's coupons (one, or a combo's sub-coupons) to u
// at t if the platform's rules allow it, checked by platform.CheckIssue in
// the mock's order (budget, R11, C3, R15, R16), and reports whether it did.
func (m *model) issueAt(u int32, ch platform.Channel, nearby bool, t int64) bool {
	if d := m.clk.platformDay(t); d != m.quotaDay {
		m.quotaDay, m.quotaUsed = d, 0
	}
	maxSends := 0
	if m.cfg.Budget > 0 {
		maxSends = max(int(m.cfg.Budget/m.cfg.Coupon.Face), 0)
		if maxSends == 0 {
			maxSends = -1 // not even one fits
		}
	}
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
		case rule == "R11":
			m.refuse1(rule, kpiQuotaRefused)
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
	day := m.clk.day(t)
	m.out.series[day][seriesClaims]++
	for i := range m.subKinds {
		c := m.newCoupon(u, ch, uint8(i), t)
		if nearby {
			m.cflags[c] |= cNearby
		}
		m.plan(c)
	}
	return true
}

// newCoupon appends one issued coupon of sub-coupon i held by u.
func (m *model) newCoupon(u int32, ch platform.Channel, i uint8, t int64) int32 {
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
	m.counts[platform.StateIssued]++
	m.issuedFace += m.subFaces[i]
	m.out.kpi[kpiIssued]++
	m.out.series[m.clk.day(t)][seriesIssued]++
	if t == m.now() {
		m.q.After(laneExpire, evExpire, c, 0)
	} else {
		m.q.At(exp, evExpire, c, 0)
	}
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

// inquiry draws whether a claim leads to a customer-service inquiry (B6).
func (m *model) inquiry(u int32) {
	p := m.cfg.Behaviour.InquiryProb
	if m.labelled {
		p += m.cfg.Behaviour.LabelInquiryProb
	}
	if p > 0 && m.aux.at(uint64(u)<<8|0xA, uint64(m.now())).Float64() < p {
		m.out.kpi[kpiInquiries]++
	}
}

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
// a recovery does not redraw them.
func (m *model) plan(c int32) {
	now := m.now()
	u := m.holder[c]
	b := &m.cfg.Behaviour
	rt := m.cpn.at(uint64(c), uint64(m.gen[c]))
	rd := m.cpn.at(uint64(c)|1<<40, uint64(m.transfers[c]))
	uTrip, uImpulse, uGift, uPlan, uKeep := rd.Float64(), rd.Float64(), rd.Float64(), rd.Float64(), rd.Float64()
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
			try(m.clk.sample(rt, m.shop, lam, tau, rcv, now, exp), routeNatural)
			if cued {
				try(m.clk.sample(rt, m.shop, lam*recall, tau, cue, max(now, cue), exp), routeNatural)
			}
		}
		p := b.RedeemProb * z * a
		if m.uflags[u]&uCustomer == 0 && b.ExistingBoost > 0 {
			p /= b.ExistingBoost // a special trip to a shop they do not know is less likely
		}
		if uTrip < p {
			rate := min(b.RedeemRate*z, opp)
			try(m.clk.sample(rt, m.shop, rate, tau, rcv, now, exp), routeTrip)
			if cued {
				try(m.clk.sample(rt, m.shop, rate*recall, tau, cue, max(now, cue), exp), routeTrip)
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
					try(m.clk.sample(rt, m.shop, opp, 0, planAt, max(now, planAt), exp), routeTrip)
				}
			}
			if m.labelled && b.LabelUrgency > 0 {
				until := min(exp, rcv+int64(b.LabelHours*secondsPerHour))
				try(m.clk.sample(rt, m.shop, min(rate*b.LabelUrgency, opp), 0, rcv, now, until), routeTrip)
			}
		}
		if m.uflags[u]&uCustomer == 0 && b.TrialRate > 0 {
			try(m.clk.sample(rt, m.shop, min(b.TrialRate/24*a*z, opp), 0, rcv, now, exp), routeTrial)
		}
		if b.ImpulseProb > 0 && now-rcv < int64(b.ImpulseHours*secondsPerHour) {
			pi := b.ImpulseProb
			if b.ImpulseScale > 0 {
				pi *= math.Exp(-max(float64(m.basket[u]), o.minSpend) / b.ImpulseScale.Yuan())
			}
			if uImpulse < pi {
				until := min(exp, rcv+int64(b.ImpulseHours*secondsPerHour))
				try(m.clk.sample(rt, m.shop, b.ImpulseRate, 0, rcv, now, until), routeImpulse)
			}
		}
		if m.cflags[c]&cNearby != 0 && m.transfers[c] == 0 {
			try(m.clk.sample(rt, m.flat, nearbyRate, 0, rcv, now, min(exp, rcv+secondsPerHour)), routeNearby)
		}
	}
	giftAt := int64(never)
	if int(m.transfers[c]) < m.subStocks[m.sub[c]].TransferLimit() && uGift < b.GiftProb {
		giftAt = m.clk.sample(rt, m.browse, b.GiftRate, 0, rcv, now, exp)
	}
	m.redeemAt[c] = -1
	if at < exp {
		m.redeemAt[c] = int32(at)
		m.route[c] = route
	}
	m.schedule(c, giftAt, at)
}

// nearbyRate is the hazard, per hour, of walking in when near the store.
const nearbyRate = 3

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
	r := m.aux.at(uint64(c), 1)
	usual := float64(m.basket[u]) * (0.75 + 0.5*r.Float64())
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
		if m.from[c] >= 0 {
			m.viaGift++
			reward = m.cfg.ReferralReward
		}
		if b.RetainProb > 0 && r.Float64() < b.RetainProb*math.Exp(-o.face/spend/b.RetainDepth) {
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
	delay := int64(cr.ReportDelayMin/time.Second) + int64(r.Float64()*float64((cr.ReportDelayMax-cr.ReportDelayMin)/time.Second))
	if d := m.clk.day(now + delay); d < m.days {
		m.out.series[d][seriesDashboard]++
	}
	if reward {
		first := len(m.state)
		if m.issueAt(u, m.channel[c], false, now) {
			// The reward coupons continue the cascade one generation deeper.
			for k := first; k < len(m.state); k++ {
				m.depth[k] = m.depth[c]
			}
		}
	}
}

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
	r := m.cpn.at(uint64(c), uint64(m.gen[c])|1<<40)
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
	m.received[c] = int32(m.now())
	m.transfers[c]++
	if m.depth[c] < 255 {
		m.depth[c]++
	}
	m.out.kpi[kpiClaims]++
	m.out.series[m.clk.day(m.now())][seriesClaims]++
	m.inquiry(v)
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
	if rec.Share > 0 && m.cflags[c]&cRecovered == 0 && m.aux.at(uint64(c), uint64(m.gen[c])).Float64() < rec.Share {
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
	k[kpiFloat] = pct(float64(issued)-k[kpiRedeemed], float64(issued))
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
	return nil
}

func pct(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return 100 * a / b
}
