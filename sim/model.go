package sim

import (
	"context"
	"fmt"
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
	exp       *stream // whom a send reaches, keyed by (push, day) and send index
	resp      *stream // how a reached user responds, keyed likewise
	cpn       *stream // coupon decisions, keyed by couponKey, tag and step
	aux       *stream // other draws (spends, report delays, recovery, inquiries), keyed likewise

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
	route     []uint8  // the route of the planned redemption
	cue       []int32  // when an expiry reminder or recovery notice comes, -1 for none
	key       []uint64 // couponKey at issue: whom it was issued to, and which of theirs

	// Users.
	uflags       []uint8
	blockedUntil []int32 // R15
	chatDay      []int32 // C1: the day chatCount counts
	chatCount    []uint8
	recvWin      *window  // R16: each user's receipts within the receive window
	ipWin        *window  // R17: each abnormal IP group's claims within the IP window
	issues       []uint32 // each user's attempts to be issued coupons, for couponKey
	held         []uint64 // held marks, a bit per user, who has held a coupon of the campaign
	holders      int      // holders counts them
	reached      [numTargets]bool

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
		resp:     newStream(seed, rep, purposeResponse),
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
	m.issues = make([]uint32, n)
	m.held = make([]uint64, (n+63)/64)
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
func (m *model) run(ctx context.Context) (*outcome, error) { return m.runWatched(ctx, nil) }

// watcher sees each event just before and just after the model handles it.
type watcher interface {
	before(m *model, e engine.Event)
	after(m *model, e engine.Event)
}

// runWatched is run with w (nil: none) watching every event.
func (m *model) runWatched(ctx context.Context, w watcher) (*outcome, error) {
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
		if w != nil {
			w.before(m, e)
		}
		m.handle(e)
		if m.err != nil {
			return nil, m.err
		}
		if w != nil {
			w.after(m, e)
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

// nearbyRate is the hazard, per hour, of walking in when near the store.
const nearbyRate = 3
