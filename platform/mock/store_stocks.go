package mock

import (
	"cmp"
	"context"
	"iter"
	"maps"
	"slices"
	"time"

	"giftsim/platform"
	"giftsim/platform/api"
)

// StockTerms are what a create-stock request says of a stock beyond its
// rule and limits: the stock and coupon views show them, and the items and
// merchants routes page through Items and Merchants.
type StockTerms struct {
	Description        string   `json:"description,omitempty"`
	NoCash             bool     `json:"no_cash,omitempty"`
	GoodsTag           []string `json:"goods_tag,omitempty"`
	TradeType          []string `json:"trade_type,omitempty"`
	CombineUse         bool     `json:"combine_use,omitempty"`
	Items              []string `json:"items,omitempty"`     // Items are coupon_use_rule.available_items.
	Merchants          []string `json:"merchants,omitempty"` // Merchants are coupon_use_rule.available_merchants.
	NaturalPersonLimit bool     `json:"natural_person_limit,omitempty"`
	PreventAPIAbuse    bool     `json:"prevent_api_abuse,omitempty"`
	// Compliance is what the stock declares for R18–R20 (compliance.go).
	Compliance api.StockCompliance `json:"compliance,omitzero"`
}

// key is the terms as text, for the idempotency fingerprint.
func (t StockTerms) key() string { return string(mustJSON(t)) }

// UsableAt reports whether a coupon of a stock of merchant creator with
// these terms may be used at merchant mch: one of Merchants, or the
// creator when the stock names none.
func (t StockTerms) UsableAt(creator, mch string) bool {
	if len(t.Merchants) == 0 {
		return mch == creator
	}
	return slices.Contains(t.Merchants, mch)
}

// dailyIssued is the face value a stock issued on one platform day
// (max_amount_by_day).
type dailyIssued struct {
	day    int32
	amount platform.Money
}

// StockQuery selects a merchant's stocks for a list. Zero fields select
// all; Skip and Limit page the result.
type StockQuery struct {
	MchID                  string
	CreatedFrom, CreatedTo time.Time // CreatedFrom and CreatedTo bound the creation time, inclusive.
	Status                 platform.StockStatus
	Skip, Limit            int
}

// CouponFilter selects coupons of a user's list; zero fields select all.
type CouponFilter struct {
	StockID        string
	Status         string // Status is SENDED, USED or EXPIRED, as the coupon view writes it.
	CreatorMchID   string // CreatorMchID is the stock's creator.
	SenderMchID    string // SenderMchID is the merchant that sent it (the creator: the mock sends no other's stocks).
	AvailableMchID string // AvailableMchID is a merchant the coupon can be used at (StockTerms.UsableAt).
}

// status is s's status; a record written before statuses were kept has
// only Started.
func (s *Stock) status() platform.StockStatus {
	switch {
	case s.Status != 0:
		return s.Status
	case s.Started:
		return platform.StockRunning
	}
	return platform.StockUnactivated
}

// checkStockIssue returns why s issues no coupon to u on day at now under
// its status and own limits, or nil; e.mu is held.
func (e *engine) checkStockIssue(s *Stock, u *user, day int32, now time.Time) error {
	if err := s.status().CheckIssue(); err != nil {
		return err
	}
	var today platform.Money
	if s.Limits.MaxAmountByDay > 0 {
		today = e.issuedOn(s, day)
	}
	return s.Limits.CheckIssue(s.Rule.Face, u.st.fromStock[s.ID], today, now)
}

// issuedOn returns the face value s issued on day, counting its coupons
// once after a restart; e.mu is held.
func (e *engine) issuedOn(s *Stock, day int32) platform.Money {
	if s.daily == nil {
		s.daily = &dailyIssued{day: day}
		for _, c := range e.coupons {
			if c.StockID == s.ID && c.Day == day {
				s.daily.amount += c.Face
			}
		}
	}
	if s.daily.day != day {
		*s.daily = dailyIssued{day: day}
	}
	return s.daily.amount
}

// noteIssued counts c against its stock's day (max_amount_by_day); e.mu is
// held. A stock not counted yet counts c when it first needs the day.
func (s *Stock) noteIssued(c *Coupon) {
	if s.daily != nil && s.daily.day == c.Day {
		s.daily.amount += c.Face
	}
	if s.own != nil {
		*s.own = append(*s.own, c)
	}
}

// couponsOf lists s's coupons, gathered once from all coupons the first time
// they are needed (after a start or restart); e.mu is held.
func (e *engine) couponsOf(s *Stock) []*Coupon {
	if s.own == nil {
		var own []*Coupon
		for _, c := range e.coupons {
			if c.StockID == s.ID {
				own = append(own, c)
			}
		}
		s.own = &own
	}
	return *s.own
}

// StockCounts are a stock's coupons issued and redeemed as the merchant's
// dashboard shows them (B8).
type StockCounts struct {
	Distributed, Used int
}

// StockReport counts the stock's coupons whose issue, and redemption,
// reached the dashboard by op.Now: each event arrives after its channel's
// delay (platform.Channel.ReportedAt), spread by a number drawn from the
// coupon's id, so the same coupon always arrives at the same time.
func (e *engine) StockReport(ctx context.Context, op StockOp) (StockCounts, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, err := e.stockOf(op.StockID, op.MchID)
	if err != nil {
		return StockCounts{}, err
	}
	var out StockCounts
	for _, c := range e.couponsOf(s) {
		if !s.Channel.ReportedAt(c.IssuedAt, unit(c.ID, "issue")).After(op.Now) {
			out.Distributed++
		}
		if c.State == platform.StateRedeemed && !s.Channel.ReportedAt(c.UsedAt, unit(c.ID, "use")).After(op.Now) {
			out.Used++
		}
	}
	return out, nil
}

// unit is a number in [0, 1) drawn from a coupon id and an event.
func unit(id, event string) float64 { return float64(fingerprint(id, event)>>11) / (1 << 53) }

// snapshot is a copy of s for a caller outside the lock.
func (s *Stock) snapshot() Stock {
	out := *s
	out.commit, out.daily = nil, nil
	return out
}

// StockStep applies a status change to a merchant's stock (start, pause,
// restart, stop: platform.NextStockStatus) and persists it through the
// stock's record, so the status survives a restart.
func (e *engine) StockStep(ctx context.Context, op StockOp, ev platform.StockEvent) (Stock, error) {
	if err := e.lockMutable(); err != nil {
		return Stock{}, err
	}
	s, err := e.stockOf(op.StockID, op.MchID)
	if err != nil {
		e.mu.Unlock()
		return Stock{}, err
	}
	from := s.status()
	next, err := platform.NextStockStatus(from, ev)
	if err != nil {
		e.mu.Unlock()
		return Stock{}, err
	}
	if next == from { // starting a running stock again changes nothing
		return e.stockDone(ctx, s, nil)
	}
	s.step(next, ev, op.Now)
	return e.stockDone(ctx, s, e.persist(stockRec(s)))
}

// step sets s's status to next, reached by ev at now, and the time of ev.
func (s *Stock) step(next platform.StockStatus, ev platform.StockEvent, now time.Time) {
	s.Status = next
	switch ev {
	case platform.StockStart:
		s.Started, s.StartedAt = true, now
	case platform.StockPause:
		s.PausedAt = now
	case platform.StockRestart:
		s.RestartedAt = now
	case platform.StockStop:
		s.StoppedAt = now
	}
}

// Stocks lists the stocks q selects, oldest first (by creation, then id).
func (e *engine) Stocks(ctx context.Context, q StockQuery) ([]Stock, int, error) {
	e.mu.Lock()
	sel, total := q.page(maps.Values(e.stocks))
	out := make([]Stock, 0, len(sel))
	var groups []*group
	for _, s := range sel {
		out = append(out, s.snapshot())
		if s.commit != nil {
			groups = append(groups, s.commit)
		}
	}
	e.mu.Unlock()
	if err := e.finishAll(ctx, groups); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// page returns the stocks of all that q selects, oldest first (by
// creation, then id), skipping q.Skip, at most q.Limit, and how many q
// selects.
func (q StockQuery) page(all iter.Seq[*Stock]) ([]*Stock, int) {
	var sel []*Stock
	for s := range all {
		if s.MchID != q.MchID || (q.Status != 0 && s.status() != q.Status) ||
			(!q.CreatedFrom.IsZero() && s.CreatedAt.Before(q.CreatedFrom)) || (!q.CreatedTo.IsZero() && s.CreatedAt.After(q.CreatedTo)) {
			continue
		}
		sel = append(sel, s)
	}
	slices.SortFunc(sel, func(a, b *Stock) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(len(a.ID), len(b.ID)), cmp.Compare(a.ID, b.ID))
	})
	total := len(sel)
	sel = sel[min(q.Skip, total):]
	return sel[:min(max(q.Limit, 0), len(sel))], total
}

// finishAll waits for every group (finish).
func (e *engine) finishAll(ctx context.Context, groups []*group) error {
	for _, g := range groups {
		if err := e.finish(ctx, g); err != nil {
			return err
		}
	}
	return nil
}

// FilterCoupons lists the coupons op.OpenID holds that f selects, as of
// op.Now, in the order received, skipping skip, at most limit, and how
// many f selects.
func (e *engine) FilterCoupons(ctx context.Context, op CouponOp, f CouponFilter, skip, limit int) ([]Coupon, int, error) {
	e.mu.Lock()
	_, u, err := e.binding(op.MchID, op.AppID, op.OpenID)
	if err != nil {
		e.mu.Unlock()
		return nil, 0, err
	}
	var out []Coupon
	var groups []*group
	total := 0
	seen := map[*Coupon]bool{}
	for _, c := range u.st.coupons {
		if c.Holder != op.OpenID || seen[c] {
			continue
		}
		seen[c] = true
		cc := *c
		cc.commit = nil
		cc.settle(op.Now)
		if !e.selects(f, &cc) {
			continue
		}
		if total >= skip && len(out) < limit {
			out = append(out, cc)
			if c.commit != nil {
				groups = append(groups, c.commit)
			}
		}
		total++
	}
	e.mu.Unlock()
	if err := e.finishAll(ctx, groups); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// selects reports whether f selects c; e.mu is held.
func (e *engine) selects(f CouponFilter, c *Coupon) bool {
	switch {
	case f.StockID != "" && c.StockID != f.StockID,
		f.Status != "" && statusOf(c.State) != f.Status,
		f.CreatorMchID != "" && c.MchID != f.CreatorMchID,
		f.SenderMchID != "" && c.MchID != f.SenderMchID:
		return false
	case f.AvailableMchID != "":
		s := e.stocks[c.StockID]
		return s != nil && s.Terms.UsableAt(s.MchID, f.AvailableMchID)
	}
	return true
}

// Redemptions lists the coupons of a merchant's stock redeemed at or
// before asOf, in order of redemption (then id): the use flow. Redemptions
// are final, so the list for a past asOf never changes.
func (e *engine) Redemptions(ctx context.Context, op StockOp, asOf time.Time) ([]Coupon, error) {
	e.mu.Lock()
	if _, err := e.stockOf(op.StockID, op.MchID); err != nil {
		e.mu.Unlock()
		return nil, err
	}
	var out []Coupon
	var groups []*group
	for _, c := range e.coupons {
		if c.StockID != op.StockID || c.State != platform.StateRedeemed || c.UsedAt.After(asOf) {
			continue
		}
		cc := *c
		cc.commit = nil
		out = append(out, cc)
		if c.commit != nil {
			groups = append(groups, c.commit)
		}
	}
	e.mu.Unlock()
	slices.SortFunc(out, func(a, b Coupon) int {
		return cmp.Or(a.UsedAt.Compare(b.UsedAt), cmp.Compare(len(a.ID), len(b.ID)), cmp.Compare(a.ID, b.ID))
	})
	if err := e.finishAll(ctx, groups); err != nil {
		return nil, err
	}
	return out, nil
}

// bornAt dates the fixture's stocks, which have no creation time, at the
// platform clock's start; e.mu is held.
func (e *engine) bornAt(start time.Time) {
	for _, s := range e.stocks {
		if s.CreatedAt.IsZero() {
			s.CreatedAt = start
		}
	}
}
