package mock

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"time"

	"giftsim/platform"
	"giftsim/platform/api"
	"giftsim/platform/fixture"
)

// Store holds the platform's mutable state (quota counters, stocks,
// coupons, per-user and per-IP risk counters) and applies every operation
// atomically, enforcing the rules by calling package platform. A method
// returns only once its effect is durable for a durable store.
//
// Two implementations exist: NewMemoryStore and OpenFileStore (bbolt with
// group commit). A store shared by several mock instances (Redis) would
// implement the same methods: the idempotency key with SET NX, the quota
// and risk counters with INCR/EXPIRE or a Lua script that reads the
// counters, calls nothing but compares them against the thresholds that
// the Go side obtains from platform (CheckIssue's inputs), and writes the
// coupon in the same script, so quotas hold across instances.
type Store interface {
	// Send issues a coupon (R11, R13, C3, R15, R16), idempotent per merchant
	// and out_request_no: a retry with the same request returns the first
	// coupon with replayed true, a different request ErrAlreadyExists.
	Send(ctx context.Context, op SendOp) (c Coupon, replayed bool, err error)
	// Gift offers the holder's coupon to a friend (R2–R6, R8, R10, R15, C1).
	Gift(ctx context.Context, op GiftOp) (Coupon, error)
	// Claim accepts an offer within 48 hours (R9, R16, R17).
	Claim(ctx context.Context, op ClaimOp) (Coupon, error)
	// Refuse declines an offer; the coupon returns to the sender and the
	// refuser is blocked from that kind for 24 hours (R15).
	Refuse(ctx context.Context, op CouponOp) (Coupon, error)
	// Redeem uses the holder's coupon (R3).
	Redeem(ctx context.Context, op CouponOp) (Coupon, error)
	// Recover revives a recycled coupon for 1% of face value (R14).
	Recover(ctx context.Context, op CouponOp) (Coupon, error)
	// Coupon returns a coupon held by op.OpenID as of op.Now.
	Coupon(ctx context.Context, op CouponOp) (Coupon, error)
	// Coupons lists the coupons op.OpenID holds, from offset, at most limit,
	// and the total.
	Coupons(ctx context.Context, op CouponOp, offset, limit int) ([]Coupon, int, error)
	// CreateStock creates an unstarted stock (R1–R7, R10, C1–C4),
	// idempotent per merchant and out_request_no.
	CreateStock(ctx context.Context, op StockOp) (Stock, error)
	// StartStock starts a stock so coupons can be issued from it.
	StartStock(ctx context.Context, op StockOp) (Stock, error)
	// Stock returns a merchant's stock.
	Stock(ctx context.Context, op StockOp) (Stock, error)
	// Usage returns each merchant's quota use on the platform day of now.
	Usage(ctx context.Context, now time.Time) ([]Usage, error)
	// Anchor returns the clock anchor: the stored one if the store has one,
	// else proposed, which it then keeps.
	Anchor(ctx context.Context, proposed Anchor) (Anchor, error)
	// Close flushes pending writes and releases the store.
	Close(ctx context.Context) error

	// Callbacks (store_callbacks.go) and scheduled sends (R12,
	// store_schedule.go), which the server's background workers run.

	// SetNotify sets a merchant's notify URL; Notify reads it (ok false:
	// none set).
	SetNotify(ctx context.Context, set NotifySetting) (NotifySetting, error)
	Notify(ctx context.Context, mchID string) (set NotifySetting, ok bool, err error)
	// DueDeliveries claims up to max notifications due at now and returns
	// when the next is due; FinishDelivery records an attempt's outcome and
	// ReleaseDelivery hands a claimed one back unattempted.
	DueDeliveries(ctx context.Context, now time.Time, max int) ([]Delivery, time.Time, error)
	FinishDelivery(ctx context.Context, d Delivery) error
	ReleaseDelivery(ctx context.Context, id string)
	// CallbackQueue counts the notifications waiting and those dropped.
	CallbackQueue(ctx context.Context) (pending int, dropped uint64, err error)
	// ScheduleSend schedules a send in a half-hour slot (R12), idempotent
	// per merchant and out_request_no; ScheduledSends lists a merchant's,
	// ScheduledSendOf reads one, CancelScheduledSend cancels one.
	ScheduleSend(ctx context.Context, op ScheduleOp) (s ScheduledSend, replayed bool, err error)
	ScheduledSends(ctx context.Context, mchID, state string, offset, limit int) ([]ScheduledSend, int, error)
	ScheduledSendOf(ctx context.Context, mchID, id string) (ScheduledSend, error)
	CancelScheduledSend(ctx context.Context, mchID, id string, now time.Time) (ScheduledSend, error)
	// DueSends claims up to max sends whose slot has come and returns the
	// next slot; FinishScheduledSend records the outcome.
	DueSends(ctx context.Context, now time.Time, max int) ([]ScheduledSend, time.Time, error)
	FinishScheduledSend(ctx context.Context, s ScheduledSend) error

	// The voucher API's stock routes and coupon filters (store_stocks.go).

	// Stocks lists the merchant's stocks q selects, oldest first, and how
	// many it selects.
	Stocks(ctx context.Context, q StockQuery) ([]Stock, int, error)
	// StockStep applies a status change (start, pause, restart, stop:
	// platform.NextStockStatus) to a merchant's stock; durable on return.
	StockStep(ctx context.Context, op StockOp, ev platform.StockEvent) (Stock, error)
	// FilterCoupons lists the coupons op.OpenID holds that f selects,
	// skipping skip, at most limit, and how many f selects.
	FilterCoupons(ctx context.Context, op CouponOp, f CouponFilter, skip, limit int) ([]Coupon, int, error)
	// Redemptions lists the coupons of a merchant's stock redeemed at or
	// before asOf, in order of redemption (the use flow).
	Redemptions(ctx context.Context, op StockOp, asOf time.Time) ([]Coupon, error)
	// StockReport counts a merchant's stock's coupons issued and redeemed
	// as its dashboard shows them at op.Now, each after its channel's
	// reporting delay (B8).
	StockReport(ctx context.Context, op StockOp) (StockCounts, error)

	// Request nonces (security defect 3, nonces.go) and the clock's day
	// length (defect 7).

	// RecordNonce keeps an accepted request's nonce until its window ends,
	// without waiting: the commit of the request's own writes, or the next,
	// covers it. keepFrom > 0 lets the store forget the merchant's nonces
	// timestamped below keepFrom (the verifier refuses those anyway).
	RecordNonce(mchID, nonce string, ts, keepFrom int64)
	// Nonces calls floor with each merchant's keepFrom and nonce with each
	// nonce kept (a durable store's, from before a restart).
	Nonces(ctx context.Context, floor func(mchID string, keepFrom int64), nonce func(mchID, nonce string, ts int64)) error
	// SetAnchor replaces the clock anchor (a changed day length, converted).
	SetAnchor(ctx context.Context, a Anchor) error
}

// SendOp issues a coupon of StockID to OpenID.
type SendOp struct {
	MchID, AppID, OpenID, StockID, OutRequestNo string
	Now                                         time.Time // Now is platform time.
}

// GiftOp offers CouponID from OpenID to ToOpenID (a chat gift, C1).
type GiftOp struct {
	MchID, AppID, OpenID, CouponID, ToOpenID string
	Now                                      time.Time
}

// ClaimOp claims CouponID for OpenID from address IP.
type ClaimOp struct {
	MchID, AppID, OpenID, CouponID string
	IP                             netip.Addr
	Now                            time.Time
}

// CouponOp names a coupon and who acts on it. OpenID may be empty where
// the merchant acts alone (Recover).
type CouponOp struct {
	MchID, AppID, OpenID, CouponID string
	StockID                        string // StockID, if set, must match the coupon's.
	Now                            time.Time
}

// StockOp creates, starts or reads a stock.
type StockOp struct {
	MchID, StockID, OutRequestNo, Name string
	Rule                               platform.Stock
	Channel                            platform.Channel
	MaxCoupons                         int
	Limits                             platform.StockLimits // Limits are the stock's own issuing limits (create).
	Terms                              StockTerms           // Terms are the rest of the create request.
	Now                                time.Time
}

// Usage is one merchant's quota use on a day (R11).
type Usage struct {
	MchID string
	Tier  platform.Tier
	Used  int
	Quota int
}

// Anchor ties platform time to wall time: platform time is Start plus the
// wall time since Wall, scaled by the day length.
type Anchor struct {
	Start time.Time     `json:"start"`
	Wall  time.Time     `json:"wall"`
	Day   time.Duration `json:"day,omitempty"` // Day is the day length the anchor was taken with (0: not recorded).
}

// ErrStoreFailed marks a store that could not persist a write; it answers
// SYSTEM_ERROR from then on.
var ErrStoreFailed = errors.New("store failed")

// merchant is a fixture merchant with its parsed tier and quota.
type merchant struct {
	id    string
	tier  platform.Tier
	quota int
	sched platform.TierSchedule // sched raises tier and quota during a run (R11, tiers.go).
}

// user is a fixture user with its mutable state.
type user struct {
	appID    string
	bankCard bool
	realName bool
	member   bool
	st       userState
}

// quotaKey is a merchant's quota counter for one platform day (R11).
type quotaKey struct {
	mch string
	day int32
}

// idemKey is a merchant's out_request_no in one namespace (send, stock).
type idemKey struct {
	mch, ns, no string
}

// record is one write for the journal.
type record struct {
	bucket byte
	key    string
	val    []byte
}

// The journal's buckets.
const (
	bucketCoupons byte = iota + 1
	bucketStocks
	bucketUsers
	bucketQuota
	bucketIPs
	bucketMeta
	bucketNonces    // bucketNonces holds request nonces until their window ends (security: replay after restart).
	bucketCallbacks // bucketCallbacks holds notify URLs and callback delivery state.
	bucketSchedule  // bucketSchedule holds scheduled sends (R12).
)

// journal persists records; append is called with the engine's lock held
// and never blocks on I/O. The returned group is done once the records are
// durable.
type journal interface {
	append(recs ...record) *group
	close(ctx context.Context) error
}

// group is one group commit: every write appended before it closes shares
// its fsync.
type group struct {
	done chan struct{}
	err  error
}

func newGroup() *group { return &group{done: make(chan struct{})} }

// wait blocks until g is durable; a nil group is durable.
func (g *group) wait(ctx context.Context) error {
	if g == nil {
		return nil
	}
	select {
	case <-g.done:
		if g.err != nil {
			return fmt.Errorf("%w: %w", ErrStoreFailed, g.err)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// engine is the in-memory state with the rules; a journal makes it
// durable. One mutex guards everything: an operation holds it for a few
// microseconds and never across I/O.
type engine struct {
	mu        sync.Mutex
	merchants map[string]*merchant
	order     []*merchant
	apps      map[string]string // appid → mchid (R13)
	users     map[string]*user
	abnormal  []netip.Prefix
	risk      platform.Risk

	stocks  map[string]*Stock
	coupons map[string]*Coupon
	idem    map[idemKey]any // *Coupon or *Stock
	quota   map[quotaKey]int
	ips     map[netip.Addr]*ipState

	nextCoupon uint64
	nextStock  uint64
	anchor     *Anchor

	j      journal
	failed error

	cb  callbacks  // cb holds notify URLs and deliveries (store_callbacks.go).
	sch schedules  // sch holds scheduled sends (R12, store_schedule.go).
	nf  nonceFlush // nf schedules the commit of nonces no write carries (nonces.go).
	cmp compliance // cmp holds industries, commitments and R18 penalties (compliance.go).
}

// firstCouponID and firstStockID start the id sequences.
const (
	firstCouponID = 10_000_000_000
	firstStockID  = 20_000_000
)

// NewMemoryStore returns a Store that keeps everything in memory.
func NewMemoryStore(f *fixture.Fixture) (Store, error) {
	return newEngine(f)
}

func newEngine(f *fixture.Fixture) (*engine, error) {
	if f == nil {
		return nil, fmt.Errorf("%w: nil fixture", platform.ErrInvalid)
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	risk, _ := f.Risk.Platform()
	e := &engine{
		merchants: map[string]*merchant{}, apps: map[string]string{}, users: make(map[string]*user, len(f.Users)),
		risk: risk, stocks: map[string]*Stock{}, coupons: map[string]*Coupon{}, idem: map[idemKey]any{},
		quota: map[quotaKey]int{}, ips: map[netip.Addr]*ipState{},
		nextCoupon: firstCouponID, nextStock: firstStockID,
	}
	for _, m := range f.Merchants {
		t, _ := platform.ParseTier(m.Tier)
		sched, _ := m.Schedule()
		mm := &merchant{id: m.MchID, tier: t, quota: t.Quota(m.Quota), sched: sched}
		e.merchants[m.MchID] = mm
		e.order = append(e.order, mm)
		for _, a := range m.AppIDs {
			e.apps[a] = m.MchID
		}
	}
	for _, u := range f.Users {
		e.users[u.OpenID] = &user{appID: u.AppID, bankCard: u.BankCard, realName: u.RealName, member: u.Member}
	}
	for _, a := range f.AbnormalIPs {
		p, _ := fixture.ParsePrefix(a)
		e.abnormal = append(e.abnormal, p)
	}
	for _, s := range f.Stocks {
		rule, ch := s.Platform()
		e.stocks[s.StockID] = &Stock{ID: s.StockID, MchID: s.MchID, Name: s.Name, Rule: rule, Channel: ch, MaxCoupons: s.MaxCoupons, Started: s.Started,
			Terms: StockTerms{Compliance: fixtureStatement(s)}}
	}
	e.cmp = newCompliance(f)
	e.fillStatements() // R19 (compliance.go)
	return e, nil
}

// binding checks the R13 triple and returns the merchant and user.
func (e *engine) binding(mch, app, openid string) (*merchant, *user, error) {
	m := e.merchants[mch]
	if m == nil {
		return nil, nil, &platform.RuleError{Rule: "R13", Err: platform.ErrNotFound, Msg: fmt.Sprintf("merchant %q is not registered", mch)}
	}
	b := platform.Binding{MchID: mch, AppID: app, OpenID: openid, AppMerchant: e.apps[app]}
	u := e.users[openid]
	if u != nil {
		b.UserApp = u.appID
	}
	if err := platform.CheckBinding(b); err != nil {
		return nil, nil, err
	}
	return m, u, nil
}

// lockMutable takes the lock for a change; if the store takes no changes
// (mutable) it lets go again and says why.
func (e *engine) lockMutable() error {
	e.mu.Lock()
	if err := e.mutable(); err != nil {
		e.mu.Unlock()
		return err
	}
	return nil
}

// mutable refuses writes once the journal failed.
func (e *engine) mutable() error {
	if e.failed != nil {
		return fmt.Errorf("%w: %w", ErrStoreFailed, e.failed)
	}
	return nil
}

// persist appends the records of a mutation; it returns nil for a memory
// store.
func (e *engine) persist(recs ...record) *group {
	if e.j == nil {
		return nil
	}
	return e.j.append(recs...)
}

// finish waits for g outside the lock and marks the engine failed if the
// write did not make it.
func (e *engine) finish(ctx context.Context, g *group) error {
	err := g.wait(ctx)
	if err != nil && errors.Is(err, ErrStoreFailed) {
		e.mu.Lock()
		if e.failed == nil {
			e.failed = err
		}
		e.mu.Unlock()
	}
	return err
}

func (e *engine) Send(ctx context.Context, op SendOp) (Coupon, bool, error) {
	fp := fingerprint(op.AppID, op.OpenID, op.StockID)
	if err := e.lockMutable(); err != nil {
		return Coupon{}, false, err
	}
	m, u, err := e.binding(op.MchID, op.AppID, op.OpenID)
	if err != nil {
		e.mu.Unlock()
		return Coupon{}, false, err
	}
	key := idemKey{op.MchID, "send", op.OutRequestNo}
	if prev, ok := e.idem[key].(*Coupon); ok {
		c, g := *prev, prev.commit
		e.mu.Unlock()
		if prev.Fingerprint != fp {
			return Coupon{}, false, fmt.Errorf("%w: out_request_no %q was used for another request (openid, appid or stock_id differ)", platform.ErrAlreadyExists, op.OutRequestNo)
		}
		if err := e.finish(ctx, g); err != nil {
			return Coupon{}, false, err
		}
		c.commit = nil
		c.settle(op.Now)
		return c, true, nil
	}
	if err := e.checkDisplay(op.MchID, op.Now); err != nil { // R18 (compliance.go)
		e.mu.Unlock()
		return Coupon{}, false, err
	}
	s, err := e.stockOf(op.StockID, op.MchID)
	if err != nil {
		e.mu.Unlock()
		return Coupon{}, false, err
	}
	day := dayOf(op.Now)
	qk := quotaKey{m.id, day}
	if err := e.checkStockIssue(s, u, day, op.Now); err != nil {
		e.mu.Unlock()
		return Coupon{}, false, err
	}
	if err := platform.CheckIssue(platform.IssueCheck{
		Stock: s.Rule, Channel: s.Channel, Started: s.Started, Issued: s.Issued, MaxCoupons: s.MaxCoupons,
		UsedToday: e.quota[qk], Quota: e.quotaOn(m, day),
		UserFromStock:         u.st.fromStock[s.ID],
		RecipientBlockedUntil: u.st.BlockedUntil[s.Rule.Kind],
		ReceivedInWindow:      u.st.receivedIn(op.Now, e.risk.ReceiveWindow),
		Risk:                  e.risk, Now: op.Now,
	}); err != nil {
		e.mu.Unlock()
		return Coupon{}, false, err
	}
	c := &Coupon{
		ID: strconv.FormatUint(e.nextCoupon, 10), StockID: s.ID, MchID: m.id, AppID: op.AppID,
		Owner: op.OpenID, Holder: op.OpenID, State: platform.StateIssued, Kind: s.Rule.Kind, Face: s.Rule.Face,
		IssuedAt: op.Now, ExpiresAt: s.Limits.Expiry(op.Now, s.Rule.Validity),
		OutRequestNo: op.OutRequestNo, Fingerprint: fp, Day: day,
	}
	e.nextCoupon++
	e.coupons[c.ID] = c
	e.idem[key] = c
	e.quota[qk]++
	s.Issued++
	s.noteIssued(c)
	u.receive(c, op.Now)
	if platformOncePerUser(s) {
		if u.st.fromStock == nil {
			u.st.fromStock = map[string]int{}
		}
		u.st.fromStock[s.ID]++
	}
	var g *group
	if e.j != nil {
		// The user's receive times (R16) and C3 counts are restored from the
		// coupons, so a send writes only the coupon and the quota counter.
		g = e.persist(couponRec(c), quotaRec(qk, e.quota[qk]))
		c.commit = g
	}
	out := *c
	e.mu.Unlock()
	if err := e.finish(ctx, g); err != nil {
		return Coupon{}, false, err
	}
	out.commit = nil
	return out, false, nil
}

// receive records that u received c at now (R16, listing).
func (u *user) receive(c *Coupon, now time.Time) {
	u.st.Received = append(u.st.Received, now)
	u.st.coupons = append(u.st.coupons, c)
}

// coupon finds a coupon of the merchant and settles it at now.
func (e *engine) coupon(mch, id, stockID string, now time.Time) (*Coupon, error) {
	c := e.coupons[id]
	if c == nil || c.MchID != mch || (stockID != "" && stockID != c.StockID) {
		return nil, fmt.Errorf("%w: coupon %q of merchant %q", platform.ErrNotFound, id, mch)
	}
	c.settle(now)
	return c, nil
}

func (e *engine) Gift(ctx context.Context, op GiftOp) (Coupon, error) {
	if err := e.lockMutable(); err != nil {
		return Coupon{}, err
	}
	if err := e.checkDisplay(op.MchID, op.Now); err != nil { // R18 (compliance.go)
		e.mu.Unlock()
		return Coupon{}, err
	}
	_, from, err := e.binding(op.MchID, op.AppID, op.OpenID)
	if err != nil {
		e.mu.Unlock()
		return Coupon{}, err
	}
	_, to, err := e.binding(op.MchID, op.AppID, op.ToOpenID)
	if err != nil {
		e.mu.Unlock()
		return Coupon{}, err
	}
	c, err := e.coupon(op.MchID, op.CouponID, "", op.Now)
	var next platform.State
	if err == nil {
		next, err = giftStep(c, op)
	}
	if err == nil {
		s := e.stocks[c.StockID]
		day := dayOf(op.Now)
		err = platform.CheckGift(platform.GiftCheck{
			Stock: s.Rule, Transfers: c.Transfers, SenderBankCard: from.bankCard, SenderChatToday: from.st.chatToday(day),
			RecipientRealName: to.realName, RecipientBlockedUntil: to.st.BlockedUntil[c.Kind], Now: op.Now,
		})
		if err == nil {
			c.State, c.Recipient, c.OfferedAt = next, op.ToOpenID, op.Now
			if from.st.ChatDay != day {
				from.st.ChatDay, from.st.ChatCount = day, 0
			}
			from.st.ChatCount++
			g := e.persist(e.event(api.EventCouponGiftOffer, c, op.Now, couponRec(c), userRec(op.OpenID, from))...)
			return e.done(ctx, c, g)
		}
	}
	e.mu.Unlock()
	return Coupon{}, err
}

// done copies c, unlocks, waits for g and returns the copy.
func (e *engine) done(ctx context.Context, c *Coupon, g *group) (Coupon, error) {
	if g != nil {
		c.commit = g
	}
	out := *c
	e.mu.Unlock()
	if err := e.finish(ctx, g); err != nil {
		return Coupon{}, err
	}
	out.commit = nil
	return out, nil
}

// offer finds a coupon offered to op.OpenID, refusing a closed claim
// window (R9) before the return is applied.
func (e *engine) offer(op CouponOp) (*Coupon, *user, error) {
	_, u, err := e.binding(op.MchID, op.AppID, op.OpenID)
	if err != nil {
		return nil, nil, err
	}
	c := e.coupons[op.CouponID]
	if c == nil || c.MchID != op.MchID {
		return nil, nil, fmt.Errorf("%w: coupon %q of merchant %q", platform.ErrNotFound, op.CouponID, op.MchID)
	}
	if c.State == platform.StateOffered && c.Recipient == op.OpenID {
		if err := platform.CheckClaim(c.OfferedAt, op.Now); err != nil {
			c.settle(op.Now)
			return nil, nil, err
		}
	}
	c.settle(op.Now)
	if c.State != platform.StateOffered || c.Recipient != op.OpenID {
		return nil, nil, fmt.Errorf("%w: coupon %q is not offered to openid %q", platform.ErrNotFound, op.CouponID, op.OpenID)
	}
	return c, u, nil
}

func (e *engine) Claim(ctx context.Context, op ClaimOp) (Coupon, error) {
	if err := e.lockMutable(); err != nil {
		return Coupon{}, err
	}
	if err := e.checkDisplay(op.MchID, op.Now); err != nil { // R18: the gift page (compliance.go)
		e.mu.Unlock()
		return Coupon{}, err
	}
	c, u, err := e.offer(CouponOp{MchID: op.MchID, AppID: op.AppID, OpenID: op.OpenID, CouponID: op.CouponID, Now: op.Now})
	if err != nil {
		e.mu.Unlock()
		return Coupon{}, err
	}
	abnormal := e.isAbnormal(op.IP)
	ip := e.ips[op.IP]
	claims := 0
	if ip != nil {
		cut := op.Now.Add(-e.risk.IPWindow)
		ip.Claims = slices.DeleteFunc(ip.Claims, func(t time.Time) bool { return !t.After(cut) })
		claims = len(ip.Claims)
	}
	if err := e.risk.CheckIPClaim(abnormal, claims); err != nil {
		e.mu.Unlock()
		return Coupon{}, err
	}
	if err := e.risk.CheckReceive(u.st.receivedIn(op.Now, e.risk.ReceiveWindow)); err != nil {
		e.mu.Unlock()
		return Coupon{}, err
	}
	next, err := platform.Next(c.State, platform.EventClaim)
	if err != nil {
		e.mu.Unlock()
		return Coupon{}, err
	}
	c.State, c.Holder, c.Recipient, c.ClaimedAt = next, op.OpenID, "", op.Now
	c.Transfers++
	u.receive(c, op.Now)
	recs := []record{couponRec(c)}
	if abnormal {
		if ip == nil {
			ip = &ipState{}
			e.ips[op.IP] = ip
		}
		ip.Claims = append(ip.Claims, op.Now)
		recs = append(recs, ipRec(op.IP, ip))
	}
	return e.done(ctx, c, e.persist(e.event(api.EventCouponGiftClaim, c, op.Now, recs...)...))
}

// isAbnormal reports whether risk control flags ip (R17).
func (e *engine) isAbnormal(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range e.abnormal {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

func (e *engine) Refuse(ctx context.Context, op CouponOp) (Coupon, error) {
	if err := e.lockMutable(); err != nil {
		return Coupon{}, err
	}
	c, u, err := e.offer(op)
	if err != nil {
		e.mu.Unlock()
		return Coupon{}, err
	}
	next, err := platform.Next(c.State, platform.EventRefuse)
	if err != nil {
		e.mu.Unlock()
		return Coupon{}, err
	}
	c.State, c.Recipient = next, ""
	u.st.BlockedUntil[c.Kind] = op.Now.Add(platform.RefusalBlock)
	u.st.Sensitive = true
	return e.done(ctx, c, e.persist(e.event(api.EventCouponGiftRefuse, c, op.Now, couponRec(c), userRec(op.OpenID, u))...))
}

func (e *engine) Redeem(ctx context.Context, op CouponOp) (Coupon, error) {
	if err := e.lockMutable(); err != nil {
		return Coupon{}, err
	}
	_, u, err := e.binding(op.MchID, op.AppID, op.OpenID)
	if err == nil {
		err = e.checkPayment(op.MchID, op.Now) // R18 (compliance.go)
	}
	var c *Coupon
	if err == nil {
		c, err = e.coupon(op.MchID, op.CouponID, op.StockID, op.Now)
	}
	if err == nil {
		err = redeem(c, op.OpenID, u.member, op.Now)
	}
	if err != nil {
		e.mu.Unlock()
		return Coupon{}, err
	}
	return e.done(ctx, c, e.persist(e.event(api.EventCouponUse, c, op.Now, couponRec(c))...))
}

// holds refuses c unless openID holds it.
func holds(c *Coupon, openID string) error {
	if c.Holder != openID {
		return fmt.Errorf("%w: coupon %q is not held by openid %q", platform.ErrNotFound, c.ID, openID)
	}
	return nil
}

// giftStep checks that op's holder may offer c to op.ToOpenID and returns
// the state the offer moves c to: the check both stores make before their
// own limits (C1, R15).
func giftStep(c *Coupon, op GiftOp) (platform.State, error) {
	if err := holds(c, op.OpenID); err != nil {
		return 0, err
	}
	if op.ToOpenID == op.OpenID {
		return 0, fmt.Errorf("%w: to_openid: a holder cannot gift a coupon to itself", platform.ErrInvalid)
	}
	return platform.Next(c.State, platform.EventGift)
}

// redeem uses c for openID, a member or not (R3), at now: the step both
// stores take once they hold the coupon.
func redeem(c *Coupon, openID string, member bool, now time.Time) error {
	if err := holds(c, openID); err != nil {
		return err
	}
	if err := c.Kind.CheckRedeemer(member); err != nil {
		return err
	}
	next, err := platform.Next(c.State, platform.EventRedeem)
	if err != nil {
		return err
	}
	c.State, c.UsedAt = next, now
	return nil
}

func (e *engine) Recover(ctx context.Context, op CouponOp) (Coupon, error) {
	if err := e.lockMutable(); err != nil {
		return Coupon{}, err
	}
	c, err := e.coupon(op.MchID, op.CouponID, op.StockID, op.Now)
	if err == nil && c.State == platform.StatePurged {
		err = platform.CheckRecover(c.RecycledAt, op.Now)
	}
	var next platform.State
	if err == nil {
		next, err = platform.Next(c.State, platform.EventRecover)
	}
	if err != nil {
		e.mu.Unlock()
		return Coupon{}, err
	}
	s := e.stocks[c.StockID]
	c.State, c.RecoveredAt, c.Fee = next, op.Now, c.Fee+platform.RecoveryFee(c.Face)
	c.ExpiresAt = op.Now.Add(s.Rule.Validity)
	return e.done(ctx, c, e.persist(couponRec(c)))
}

func (e *engine) Coupon(ctx context.Context, op CouponOp) (Coupon, error) {
	e.mu.Lock()
	_, _, err := e.binding(op.MchID, op.AppID, op.OpenID)
	var c *Coupon
	if err == nil {
		c = e.coupons[op.CouponID]
		if c == nil || c.MchID != op.MchID || (c.Holder != op.OpenID && c.Recipient != op.OpenID) {
			err = fmt.Errorf("%w: coupon %q of openid %q", platform.ErrNotFound, op.CouponID, op.OpenID)
		}
	}
	if err != nil {
		e.mu.Unlock()
		return Coupon{}, err
	}
	out, g := *c, c.commit
	e.mu.Unlock()
	if err := e.finish(ctx, g); err != nil {
		return Coupon{}, err
	}
	out.commit = nil
	out.settle(op.Now)
	return out, nil
}

func (e *engine) Coupons(ctx context.Context, op CouponOp, offset, limit int) ([]Coupon, int, error) {
	return e.FilterCoupons(ctx, op, CouponFilter{}, offset, limit)
}

func (e *engine) CreateStock(ctx context.Context, op StockOp) (Stock, error) {
	parts := []string{op.Name, fmt.Sprint(op.Rule), op.Channel.String(), strconv.Itoa(op.MaxCoupons)}
	if op.Limits != (platform.StockLimits{}) || op.Terms.key() != (StockTerms{}).key() { // stocks created before limits keep their fingerprint
		parts = append(parts, op.Limits.Begin.String(), op.Limits.End.String(), strconv.Itoa(op.Limits.MaxPerUser), op.Limits.MaxAmountByDay.String(), op.Terms.key())
	}
	fp := fingerprint(parts...)
	if err := e.lockMutable(); err != nil {
		return Stock{}, err
	}
	m := e.merchants[op.MchID]
	if m == nil {
		e.mu.Unlock()
		return Stock{}, &platform.RuleError{Rule: "R13", Err: platform.ErrNotFound, Msg: fmt.Sprintf("merchant %q is not registered", op.MchID)}
	}
	key := idemKey{op.MchID, "stock", op.OutRequestNo}
	if prev, ok := e.idem[key].(*Stock); ok {
		if prev.Fingerprint != fp {
			e.mu.Unlock()
			return Stock{}, fmt.Errorf("%w: out_request_no %q was used for another stock", platform.ErrAlreadyExists, op.OutRequestNo)
		}
		return e.stockDone(ctx, prev, nil)
	}
	err := errors.Join(op.Rule.Validate(), op.Channel.CheckValidity(op.Rule.Validity), op.Channel.CheckTier(e.tierOn(m, dayOf(op.Now))), op.Limits.Validate(op.Rule.Face, op.MaxCoupons))
	if op.MaxCoupons < 0 {
		err = errors.Join(err, fmt.Errorf("%w: stock_use_rule.max_coupons must not be negative", platform.ErrInvalid))
	}
	pen, cerr := e.checkCompliance(op) // R18–R20 (compliance.go)
	err = errors.Join(err, cerr)
	if err != nil {
		e.mu.Unlock()
		return Stock{}, err
	}
	s := &Stock{ID: strconv.FormatUint(e.nextStock, 10), MchID: op.MchID, Name: op.Name, Rule: op.Rule, Channel: op.Channel,
		MaxCoupons: op.MaxCoupons, CreatedAt: op.Now, OutRequestNo: op.OutRequestNo, Fingerprint: fp,
		Status: platform.StockUnactivated, Limits: op.Limits, Terms: op.Terms, daily: &dailyIssued{day: dayOf(op.Now)}}
	for e.stocks[s.ID] != nil {
		e.nextStock++
		s.ID = strconv.FormatUint(e.nextStock, 10)
	}
	e.nextStock++
	e.stocks[s.ID] = s
	e.idem[key] = s
	return e.stockDone(ctx, s, e.persist(append(e.penalize(op.MchID, pen, s.ID, op.Now), stockRec(s))...))
}

// stockDone is done for stocks: it records g (if any) as s's pending
// commit, copies s, unlocks, waits for s's commit and returns the copy.
func (e *engine) stockDone(ctx context.Context, s *Stock, g *group) (Stock, error) {
	if g != nil {
		s.commit = g
	}
	out := *s
	e.mu.Unlock()
	if err := e.finish(ctx, out.commit); err != nil {
		return Stock{}, err
	}
	out.commit = nil
	return out, nil
}

// stockOf returns the merchant's stock id; e.mu must be held.
func (e *engine) stockOf(id, mchID string) (*Stock, error) {
	s := e.stocks[id]
	if s == nil || s.MchID != mchID {
		return nil, fmt.Errorf("%w: stock_id %q is not a stock of merchant %q", platform.ErrNotFound, id, mchID)
	}
	return s, nil
}

func (e *engine) StartStock(ctx context.Context, op StockOp) (Stock, error) {
	return e.StockStep(ctx, op, platform.StockStart)
}

func (e *engine) Stock(ctx context.Context, op StockOp) (Stock, error) {
	e.mu.Lock()
	s, err := e.stockOf(op.StockID, op.MchID)
	if err != nil {
		e.mu.Unlock()
		return Stock{}, err
	}
	return e.stockDone(ctx, s, nil)
}

func (e *engine) Usage(ctx context.Context, now time.Time) ([]Usage, error) {
	day := dayOf(now)
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Usage, 0, len(e.order))
	for _, m := range e.order {
		out = append(out, Usage{MchID: m.id, Tier: e.tierOn(m, day), Used: e.quota[quotaKey{m.id, day}], Quota: e.quotaOn(m, day)})
	}
	return out, nil
}

func (e *engine) Anchor(ctx context.Context, proposed Anchor) (Anchor, error) {
	e.mu.Lock()
	if e.anchor != nil {
		a := *e.anchor
		e.bornAt(a.Start)
		e.mu.Unlock()
		return a, nil
	}
	e.anchor = &proposed
	e.bornAt(proposed.Start)
	g := e.persist(anchorRec(proposed))
	e.mu.Unlock()
	return proposed, e.finish(ctx, g)
}

func (e *engine) SetAnchor(ctx context.Context, a Anchor) error {
	if err := e.lockMutable(); err != nil {
		return err
	}
	e.anchor = &a
	g := e.persist(anchorRec(a))
	e.mu.Unlock()
	return e.finish(ctx, g)
}

func (e *engine) Close(ctx context.Context) error {
	if e.j == nil {
		return nil
	}
	return e.j.close(ctx)
}

// platformOncePerUser reports whether the platform counts s's coupons per
// user: its channel gives each user one (C3), or the stock sets
// max_coupons_per_user.
func platformOncePerUser(s *Stock) bool {
	return s.Limits.MaxPerUser > 0 || platform.RuleOfChannel(s.Channel).OncePerUser
}
