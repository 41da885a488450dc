package sim

import (
	"context"
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
	uExposed   uint8 = 1 << iota // exposed to the campaign (K1 denominator)
	uClaimed                     // claimed from the campaign (K1 numerator)
	uSensitive                   // refused a coupon: a "sensitive user" (R15)
	uMiniProg                    // received the mini-program coupon (C3)
	uSharer                      // gifted at least once (K3 denominator)
	uCustomer                    // is a customer (existing, or acquired)
)

// model is one arm in one replication: the engine, the coupons and the
// users' changing state, all in flat arrays indexed by int32 ids.
type model struct {
	cfg     *Config
	w       *World
	clk     *clock
	browse  *profile  // when users read, claim and gift
	shop    *profile  // when users redeem
	intent  []float32 // each user's latent intent factor, mean 1
	q       *engine.Queue
	horizon int64
	exp     *stream // exposure draws, keyed by (push, day) and exposure index
	cpn     *stream // coupon draws, keyed by coupon and transition count
	aux     *stream // other draws (reporting delays, baskets), keyed by coupon

	validity    int64
	transferCap int
	labelled    bool
	quota       int
	risk        platform.Risk

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

	// Users.
	uflags       []uint8
	blockedUntil []int32 // R15
	chatDay      []int32 // C1: the day chatCount counts
	chatCount    []uint8
	recvBucket   []int32 // R16: the window recvCount counts
	recvCount    []uint16
	ipDay        []int32 // R17, per abnormal IP group
	ipClaims     []int32

	counts     [platform.NumStates]int
	moves      [16]int        // moves counts lifecycle transitions by event
	refused    map[string]int // refused counts refusals by rule id
	quotaDay   int
	quotaUsed  int
	penaltyDay int // penaltyDay is the first day of the R18 display restriction, -1 before it
	days       int

	redeemedFace, fees, sales platform.Money
	viaGift, timely           int
	out                       *outcome
	err                       error
}

func newModel(cfg *Config, w *World, seed uint64, rep int) *model {
	clk := newClock(cfg.Start)
	// The model reads the behaviour as shaped by the merchant's industry.
	own := *cfg
	own.Behaviour = IndustryPreset(cfg.Merchant.Industry).apply(cfg.Behaviour)
	cfg = &own
	b := &cfg.Behaviour
	validity := int64(cfg.Coupon.Validity / time.Second)
	m := &model{
		cfg: cfg, w: w, clk: clk,
		browse: newProfile(b.Activity, b.WeekendActivity), shop: newProfile(b.RedeemActivity, b.RedeemActivity),
		q:        engine.New(int64(platform.ClaimWindow/time.Second), validity, int64(platform.RecycleRetention/time.Second)),
		horizon:  int64(cfg.Horizon / time.Second),
		exp:      newStream(seed, rep, purposeExposure),
		cpn:      newStream(seed, rep, purposeCoupon),
		aux:      newStream(seed, rep, purposeReport),
		validity: validity, transferCap: cfg.Coupon.TransferLimit(),
		labelled: cfg.Coupon.Label == LabelLimited24h,
		quota:    cfg.Merchant.Quota(), risk: cfg.Risk, quotaDay: -1, penaltyDay: -1,
		refused: map[string]int{},
	}
	n := w.N()
	m.intent = make([]float32, n)
	is := newStream(seed, rep, purposeIntent)
	shape := 0.0
	if b.IntentSpread > 0 {
		shape = 1 / (b.IntentSpread * b.IntentSpread)
	}
	for u := range n {
		m.intent[u] = 1
		if shape > 0 {
			m.intent[u] = float32(gammaDraw(is.at(uint64(u), 0), shape) / shape)
		}
	}
	m.uflags = make([]uint8, n)
	for u := range n {
		if w.flags[u]&flagExisting != 0 {
			m.uflags[u] = uCustomer
		}
	}
	m.blockedUntil = make([]int32, n)
	m.chatDay = make([]int32, n)
	m.chatCount = make([]uint8, n)
	m.recvBucket = make([]int32, n)
	m.recvCount = make([]uint16, n)
	m.ipDay = make([]int32, max(w.groups, 1))
	m.ipClaims = make([]int32, max(w.groups, 1))
	m.days = clk.day(m.horizon-1) + 1
	m.out = &outcome{series: make([][numSeries]float64, m.days)}
	return m
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

// push exposes the day's users to one campaign push, or sends API coupons
// straight to them, then schedules the next day's push.
func (m *model) push(i int) {
	p := &m.cfg.Campaign[i]
	now := m.now()
	day := m.clk.day(now)
	if next := now + secondsPerDay; p.Days == 0 || day+1 < p.FirstDay+p.Days {
		m.q.At(next, evPush, int32(i), 0)
	}
	if wd, _ := m.clk.weekdayHour(now); p.WeekdaysOnly && wd >= 5 {
		return
	}
	if m.cfg.Compliance.ForceFollow {
		// R18: forcing a follow is induced sharing. The platform notices it
		// on the first push day and restricts coupon display for the 7 days
		// after, so pushes in that window reach nobody.
		if m.penaltyDay < 0 {
			m.penaltyDay = day + 1
		}
		if day >= m.penaltyDay && day < m.penaltyDay+int(platform.DisplayPenalty/platform.Day) {
			m.refused["R18"] += p.SendsPerDay
			m.out.kpi[kpiRuleRefused] += float64(p.SendsPerDay)
			return
		}
	}
	var pool []int32
	targeted := p.Target == "customers" || p.Target == "non-customers"
	if p.Target == "customers" {
		pool = m.w.customers
	} else {
		pool = m.w.prospects
	}
	if targeted && len(pool) == 0 {
		return // nobody to target
	}
	n := m.w.N()
	b := &m.cfg.Behaviour
	window := now + int64(platform.ClaimWindow/time.Second)
	for k := range p.SendsPerDay {
		r := m.exp.at(uint64(i)<<24|uint64(day), uint64(k))
		var u int32
		if targeted {
			u = pool[r.IntN(len(pool))]
		} else {
			u = int32(r.IntN(n))
		}
		m.out.series[day][seriesExposed]++
		m.uflags[u] |= uExposed
		if p.Channel == platform.ChannelAPI {
			if m.issue(u, p.Channel) {
				m.uflags[u] |= uClaimed
			}
			continue
		}
		// B7: a channel that takes effort selects keen users.
		pc := b.ClaimProb
		if k := b.Selection[p.Channel]; k != 0 {
			pc *= math.Pow(float64(m.intent[u]), k)
		}
		if r.Float64() >= pc {
			continue
		}
		// B3: the push's salience decays while users are (in)active.
		t := m.clk.sample(r, m.browse, b.ClaimRate, b.AttentionHours, now, now, window+1)
		if t < m.horizon {
			m.q.At(t, evExposureClaim, u, uint32(i))
		}
	}
}

// exposureClaim is an exposed user claiming the campaign's coupon; R17
// applies to abnormal IPs.
func (m *model) exposureClaim(u int32, push int) {
	if !m.ipClaimAllowed(u) {
		return
	}
	m.uflags[u] |= uClaimed
	m.out.kpi[kpiClaims]++
	m.out.series[m.clk.day(m.now())][seriesClaims]++
	m.inquiry(u)
	m.issue(u, m.cfg.Campaign[push].Channel)
}

// issue creates a coupon for u if the platform's rules allow it (R11, R15,
// R16, C3), and reports whether it did.
func (m *model) issue(u int32, ch platform.Channel) bool {
	now := m.now()
	if int32(now) < m.blockedUntil[u] {
		m.refuse1("R15", kpiRuleRefused) // no coupon of this kind for 24 h
		return false
	}
	if ch == platform.ChannelMiniProgram {
		if err := ch.CheckOncePerUser(int(m.uflags[u]&uMiniProg) / int(uMiniProg)); err != nil {
			m.refuse1(platform.RuleOf(err), kpiRuleRefused)
			return false
		}
	}
	if d := m.clk.day(now); d != m.quotaDay {
		m.quotaDay, m.quotaUsed = d, 0
	}
	if err := platform.CheckQuota(m.quotaUsed, m.quota); err != nil {
		m.refuse1(platform.RuleOf(err), kpiQuotaRefused)
		return false
	}
	if !m.receiveAllowed(u) {
		return false
	}
	m.quotaUsed++
	if ch == platform.ChannelMiniProgram {
		m.uflags[u] |= uMiniProg
	}
	c := int32(len(m.state))
	m.state = append(m.state, platform.StateIssued)
	m.holder = append(m.holder, u)
	m.from = append(m.from, -1)
	m.pending = append(m.pending, -1)
	m.expires = append(m.expires, int32(now+m.validity))
	m.received = append(m.received, int32(now))
	m.redeemAt = append(m.redeemAt, -1)
	m.gen = append(m.gen, 0)
	m.transfers = append(m.transfers, 0)
	m.depth = append(m.depth, 0)
	m.channel = append(m.channel, ch)
	m.counts[platform.StateIssued]++
	m.out.kpi[kpiIssued]++
	m.out.series[m.clk.day(now)][seriesIssued]++
	m.q.After(laneExpire, evExpire, c, 0)
	m.plan(c)
	return true
}

// receiveAllowed applies R16: an account receiving more than the burst in
// the window must pass face verification, which the simulation counts as a
// blocked receipt.
func (m *model) receiveAllowed(u int32) bool {
	bucket := int32(m.now() / int64(m.risk.ReceiveWindow/time.Second))
	if m.recvBucket[u] != bucket {
		m.recvBucket[u], m.recvCount[u] = bucket, 0
	}
	if err := m.risk.CheckReceive(int(m.recvCount[u])); err != nil {
		m.refuse1(platform.RuleOf(err), kpiRiskBlocked)
		return false
	}
	if m.recvCount[u] < 1<<16-1 {
		m.recvCount[u]++
	}
	return true
}

// ipClaimAllowed applies R17 to a claim by u.
func (m *model) ipClaimAllowed(u int32) bool {
	g := m.w.ipGroup[u]
	if g < 0 {
		return true
	}
	win := int32(m.now() / int64(m.risk.IPWindow/time.Second))
	if m.ipDay[g] != win {
		m.ipDay[g], m.ipClaims[g] = win, 0
	}
	if err := m.risk.CheckIPClaim(true, int(m.ipClaims[g])); err != nil {
		m.refuse1(platform.RuleOf(err), kpiRiskBlocked)
		return false
	}
	m.ipClaims[g]++
	return true
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
// Redemption (K2) is the first event of several processes, all weighted by
// when people shop (RedeemActivity):
//   - intent: with probability RedeemProb·z (z the holder's intent factor,
//     times ExistingBoost for customers), hazard RedeemRate·z·e^(−s/ForgetHours)
//     where s is the time held: the need fades;
//   - deadline: in the last DeadlineHours before expiry the intent hazard is
//     raised by DeadlineBoost, acting on what is left of the intent — with a
//     short validity the deadline comes while the need is fresh (B1);
//   - label: a "limited 24 hours" label adds RedeemRate·LabelUrgency in its
//     first LabelHours (B5);
//   - impulse: with probability ImpulseProb·e^(−face/ImpulseScale), an
//     impulse redemption at ImpulseRate within ImpulseHours (B4).
//
// Gifting on has probability GiftProb and hazard GiftRate weighted by
// Activity, without decay: occasions to pass a coupon on (a friend's visit,
// a meal together) come at a steady rate, so a longer validity leaves more of
// them (B2). It is bounded by the transfer limit.
func (m *model) plan(c int32) {
	now := m.now()
	u := m.holder[c]
	b := &m.cfg.Behaviour
	r := m.cpn.at(uint64(c), uint64(m.gen[c]))
	exp := min(int64(m.expires[c]), m.horizon)
	rcv := int64(m.received[c])
	redeemAt := int64(never)
	intent := b.RedeemProb * float64(m.intent[u])
	if m.w.flags[u]&flagExisting != 0 {
		intent *= b.ExistingBoost
	}
	if r.Float64() < intent {
		rate := b.RedeemRate * float64(m.intent[u])
		redeemAt = m.clk.sample(r, m.shop, rate, b.ForgetHours, rcv, now, exp)
		if b.DeadlineBoost > 0 {
			from := max(now, int64(m.expires[c])-int64(b.DeadlineHours*secondsPerHour))
			redeemAt = min(redeemAt, m.clk.sample(r, m.shop, rate*b.DeadlineBoost, b.ForgetHours, rcv, from, exp))
		}
		if m.labelled && b.LabelUrgency > 0 {
			until := min(exp, rcv+int64(b.LabelHours*secondsPerHour))
			redeemAt = min(redeemAt, m.clk.sample(r, m.shop, rate*b.LabelUrgency, 0, rcv, now, until))
		}
	}
	if b.ImpulseProb > 0 && now-rcv < int64(b.ImpulseHours*secondsPerHour) {
		p := b.ImpulseProb
		if b.ImpulseScale > 0 {
			p *= math.Exp(-float64(m.cfg.Coupon.Face) / float64(b.ImpulseScale))
		}
		if r.Float64() < p {
			until := min(exp, rcv+int64(b.ImpulseHours*secondsPerHour))
			redeemAt = min(redeemAt, m.clk.sample(r, m.shop, b.ImpulseRate, 0, rcv, now, until))
		}
	}
	giftAt := int64(never)
	if int(m.transfers[c]) < m.transferCap && r.Float64() < b.GiftProb {
		giftAt = m.clk.sample(r, m.browse, b.GiftRate, 0, rcv, now, exp)
	}
	m.redeemAt[c] = -1
	if redeemAt < exp {
		m.redeemAt[c] = int32(redeemAt)
	}
	m.schedule(c, giftAt, redeemAt)
}

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

func (m *model) redeem(c int32) {
	now := m.now()
	m.move(c, platform.EventRedeem)
	u := m.holder[c]
	face := m.cfg.Coupon.Face
	m.redeemedFace += face
	r := m.aux.at(uint64(c), 1)
	basket := max(m.cfg.Coupon.MinSpend, platform.Money(float64(m.cfg.Behaviour.Basket)*(0.5+r.Float64())))
	m.sales += basket
	m.out.kpi[kpiRedeemed]++
	reward := false
	if m.uflags[u]&uCustomer == 0 {
		m.uflags[u] |= uCustomer
		m.out.kpi[kpiNewCustomers]++
		if m.from[c] >= 0 {
			m.viaGift++
			reward = m.cfg.ReferralReward
		}
	}
	if now-int64(m.received[c]) <= secondsPerDay {
		m.timely++
	}
	day := m.clk.day(now)
	m.out.series[day][seriesRedemptions]++
	wd, h := m.clk.weekdayHour(now)
	m.out.heat[wd][h]++
	// B8: the channel's reporting delay decides whether the dashboard shows
	// this redemption by the end of its day.
	cr := platform.RuleOfChannel(m.channel[c])
	delay := int64(cr.ReportDelayMin/time.Second) + int64(r.Float64()*float64((cr.ReportDelayMax-cr.ReportDelayMin)/time.Second))
	if m.clk.day(now+delay) == day {
		m.out.series[day][seriesDashboard]++
	}
	if reward && m.issue(u, m.channel[c]) {
		// The reward coupon continues the cascade one generation deeper.
		m.depth[len(m.depth)-1] = m.depth[c]
	}
}

// gift offers c to a random friend of its holder, if the rules allow (R2,
// R3, R5, R6, R8, R10, R15, C1).
func (m *model) gift(c int32) {
	now := m.now()
	u := m.holder[c]
	friends := m.w.Graph.Neighbors(u)
	if len(friends) == 0 {
		m.fallBack(c)
		return
	}
	r := m.cpn.at(uint64(c), uint64(m.gen[c])|1<<40)
	v := friends[r.IntN(len(friends))]
	day := int32(m.clk.day(now))
	if m.chatDay[u] != day {
		m.chatDay[u], m.chatCount[u] = day, 0
	}
	at := m.clk.start.Add(time.Duration(now) * time.Second)
	err := platform.CheckGift(platform.GiftCheck{
		Stock: m.cfg.Coupon.Stock, Transfers: int(m.transfers[c]),
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
	b := &m.cfg.Behaviour
	window := now + int64(platform.ClaimWindow/time.Second)
	x := r.Float64()
	switch {
	case x < b.AcceptProb:
		if t := m.clk.sample(r, m.browse, b.AcceptRate, 0, now, now, window); t < window {
			m.q.At(t, evAccept, c, g)
		}
	case x < b.AcceptProb+b.RefuseProb:
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
// the merchant's recovery policy decides whether it comes back.
func (m *model) expire(c int32) {
	s := m.state[c]
	if int64(m.expires[c]) != m.now() || !(s.Usable() || s == platform.StateOffered) {
		return // redeemed, or the expiry of an earlier life
	}
	m.move(c, platform.EventExpire)
	m.move(c, platform.EventRecycle)
	m.out.series[m.clk.day(m.now())][seriesExpiries]++
	rec := m.cfg.Recovery
	if rec.Share > 0 && m.aux.at(uint64(c), uint64(m.gen[c])).Float64() < rec.Share {
		m.q.At(m.now()+int64(rec.After/time.Second), evRecover, c, m.gen[c])
		return
	}
	m.q.After(lanePurge, evPurge, c, m.gen[c])
}

// recover revives a recycled coupon for 1% of its face value with a fresh
// validity (R14).
func (m *model) recover(c int32) {
	m.move(c, platform.EventRecover)
	m.fees += platform.RecoveryFee(m.cfg.Coupon.Face)
	m.out.kpi[kpiRecovered]++
	m.expires[c] = int32(m.now() + m.validity)
	m.received[c] = int32(m.now())
	m.q.After(laneExpire, evExpire, c, 0)
	m.plan(c)
}

// finish computes the KPIs and checks conservation: every coupon is in
// exactly one state, the incremental counts match a full scan, and face
// value issued equals face redeemed plus face outstanding.
func (m *model) finish() error {
	var scan [platform.NumStates]int
	for _, s := range m.state {
		scan[s]++
	}
	issued := len(m.state)
	total := 0
	for s := range scan {
		if scan[s] != m.counts[s] {
			return fmt.Errorf("conservation broken: %d coupons %s by count, %d by scan", m.counts[s], platform.State(s), scan[s])
		}
		total += scan[s]
	}
	face := m.cfg.Coupon.Face
	if total != issued || m.redeemedFace+face*platform.Money(issued-scan[platform.StateRedeemed]) != face*platform.Money(issued) {
		return fmt.Errorf("conservation broken: %d issued, %d in states, %s CNY redeemed", issued, total, m.redeemedFace)
	}
	k := &m.out.kpi
	exposed, claimed, sharers := 0, 0, 0
	for _, f := range m.uflags {
		if f&uExposed != 0 {
			exposed++
			if f&uClaimed != 0 {
				claimed++
			}
		}
		if f&uSharer != 0 {
			sharers++
		}
	}
	k[kpiExposed] = float64(exposed)
	k[kpiClaimConversion] = pct(float64(claimed), float64(exposed))
	k[kpiRedemptionRate] = pct(k[kpiRedeemed], float64(issued))
	k[kpiTimely] = pct(float64(m.timely), float64(issued))
	if sharers > 0 {
		k[kpiViral] = float64(m.viaGift) / float64(sharers)
	}
	k[kpiFloat] = pct(float64(issued)-k[kpiRedeemed], float64(issued))
	channelCost := 0.0
	for _, p := range m.cfg.Campaign {
		if p.Channel == platform.ChannelMiniProgram {
			// The mini-program's advanced coupon feature costs about 20,000 CNY a year.
			channelCost = 20000 * m.cfg.Horizon.Hours() / (365 * 24)
		}
	}
	cost := m.redeemedFace.Yuan() + m.fees.Yuan() + channelCost
	k[kpiCost] = cost
	k[kpiRevenue] = m.sales.Yuan()
	if cost > 0 {
		k[kpiROI] = (m.sales.Yuan()*m.cfg.Behaviour.Margin - cost) / cost
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
