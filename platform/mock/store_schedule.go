package mock

import (
	"container/heap"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"giftsim/platform"
	"giftsim/platform/api"
)

// ScheduleOp schedules a send of StockID to OpenID in the half-hour slot
// starting at Slot (R12). Now is platform time.
type ScheduleOp struct {
	MchID, AppID, OpenID, StockID, OutRequestNo string
	Slot, Now                                   time.Time
}

// ScheduledSend is a send waiting for its slot, or its outcome (R12).
// Times are platform time.
type ScheduledSend struct {
	ID           string    `json:"id"`
	MchID        string    `json:"mchid"`
	AppID        string    `json:"appid"`
	OpenID       string    `json:"openid"`
	StockID      string    `json:"stock_id"`
	OutRequestNo string    `json:"out_request_no"`
	Slot         time.Time `json:"slot"`
	State        string    `json:"state"` // State is one of api.ScheduleWaiting, …Sent, …Failed, …Cancelled.
	CreatedAt    time.Time `json:"created_at"`
	ExecutedAt   time.Time `json:"executed_at,omitzero"`
	CancelledAt  time.Time `json:"cancelled_at,omitzero"`
	CouponID     string    `json:"coupon_id,omitempty"`
	ErrCode      string    `json:"error_code,omitempty"`
	ErrMsg       string    `json:"error_message,omitempty"`
	Fingerprint  uint64    `json:"fp"`

	inflight bool
}

// MaxWaitingSchedules bounds the sends a merchant may have waiting for
// their slots (giftsim's own bound).
const MaxWaitingSchedules = 10_000

// schedules is the engine's scheduled sends, guarded by engine.mu.
type schedules struct {
	byID    map[string]*ScheduledSend
	byMch   map[string][]*ScheduledSend // byMch lists a merchant's schedules in creation order.
	idem    map[idemKey]*ScheduledSend
	waiting map[string]int
	due     dueHeap
	nextID  uint64
	wake    wakeup
}

func (sc *schedules) init() {
	if sc.byID == nil {
		sc.byID, sc.byMch, sc.idem, sc.waiting = map[string]*ScheduledSend{}, map[string][]*ScheduledSend{}, map[idemKey]*ScheduledSend{}, map[string]int{}
		sc.wake = make(wakeup, 1)
	}
}

// add indexes s; e.mu must be held.
func (sc *schedules) add(s *ScheduledSend) {
	sc.byID[s.ID] = s
	sc.byMch[s.MchID] = append(sc.byMch[s.MchID], s)
	sc.idem[idemKey{s.MchID, "schedule", s.OutRequestNo}] = s
	if s.State == api.ScheduleWaiting {
		sc.waiting[s.MchID]++
		heap.Push(&sc.due, dueItem{s.Slot, s.ID})
	}
	if n, err := strconv.ParseUint(strings.TrimPrefix(s.ID, "SCH-"), 10, 64); err == nil && n > sc.nextID {
		sc.nextID = n
	}
}

func scheduleRec(s *ScheduledSend) record { return record{bucketSchedule, s.ID, mustJSON(s)} }

// ScheduleSend schedules a send (R12): the slot must be a half-hour
// boundary not in the past (platform.CheckSendSlot), the merchant, appid
// and openid must belong together (R13) and the stock must be the
// merchant's; every issuing rule is applied when the slot comes. It is
// idempotent per merchant and out_request_no: the same request returns
// the first schedule with replayed true, another one ErrAlreadyExists.
func (e *engine) ScheduleSend(ctx context.Context, op ScheduleOp) (ScheduledSend, bool, error) {
	fp := fingerprint(op.AppID, op.OpenID, op.StockID, op.Slot.UTC().Format(time.RFC3339Nano))
	if err := e.lockMutable(); err != nil {
		return ScheduledSend{}, false, err
	}
	s, replayed, err := e.schedule(op, fp)
	if err != nil || replayed {
		e.mu.Unlock()
		return s, replayed, err
	}
	g := e.persist(scheduleRec(e.sch.byID[s.ID]))
	e.mu.Unlock()
	if err := e.finish(ctx, g); err != nil {
		return ScheduledSend{}, false, err
	}
	return s, false, nil
}

// schedule checks and records a scheduled send; e.mu must be held.
func (e *engine) schedule(op ScheduleOp, fp uint64) (ScheduledSend, bool, error) {
	sc := &e.sch
	sc.init()
	if prev := sc.idem[idemKey{op.MchID, "schedule", op.OutRequestNo}]; prev != nil {
		if prev.Fingerprint != fp {
			return ScheduledSend{}, false, fmt.Errorf("%w: out_request_no %q was used for another scheduled send", platform.ErrAlreadyExists, op.OutRequestNo)
		}
		return *prev, true, nil
	}
	if _, _, err := e.binding(op.MchID, op.AppID, op.OpenID); err != nil {
		return ScheduledSend{}, false, err
	}
	if _, err := e.stockOf(op.StockID, op.MchID); err != nil {
		return ScheduledSend{}, false, err
	}
	if err := platform.CheckSendSlot(op.Slot, op.Now); err != nil {
		return ScheduledSend{}, false, fmt.Errorf("send_time: %w", err)
	}
	if _, used := e.idem[idemKey{op.MchID, "send", op.OutRequestNo}]; used {
		return ScheduledSend{}, false, fmt.Errorf("%w: out_request_no %q was already used by a send", platform.ErrAlreadyExists, op.OutRequestNo)
	}
	if sc.waiting[op.MchID] >= MaxWaitingSchedules {
		return ScheduledSend{}, false, fmt.Errorf("%w: at most %d scheduled sends may wait per merchant", platform.ErrInvalid, MaxWaitingSchedules)
	}
	sc.nextID++
	s := &ScheduledSend{ID: fmt.Sprintf("SCH-%012d", sc.nextID), MchID: op.MchID, AppID: op.AppID, OpenID: op.OpenID,
		StockID: op.StockID, OutRequestNo: op.OutRequestNo, Slot: op.Slot.In(platform.Beijing), State: api.ScheduleWaiting,
		CreatedAt: op.Now, Fingerprint: fp}
	sc.add(s)
	sc.wake.fire()
	return *s, false, nil
}

// ScheduledSends lists a merchant's scheduled sends in creation order,
// those in state (all if ""), from offset, at most limit, and the total.
func (e *engine) ScheduledSends(ctx context.Context, mchID, state string, offset, limit int) ([]ScheduledSend, int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.merchants[mchID] == nil {
		return nil, 0, &platform.RuleError{Rule: "R13", Err: platform.ErrNotFound, Msg: fmt.Sprintf("merchant %q is not registered", mchID)}
	}
	var out []ScheduledSend
	total := 0
	for _, s := range e.sch.byMch[mchID] {
		if state != "" && s.State != state {
			continue
		}
		if total >= offset && len(out) < limit {
			out = append(out, *s)
		}
		total++
	}
	return out, total, nil
}

// ScheduledSendOf returns one of a merchant's scheduled sends.
func (e *engine) ScheduledSendOf(ctx context.Context, mchID, id string) (ScheduledSend, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.sch.byID[id]
	if s == nil || s.MchID != mchID {
		return ScheduledSend{}, fmt.Errorf("%w: scheduled send %q of merchant %q", platform.ErrNotFound, id, mchID)
	}
	return *s, nil
}

// CancelScheduledSend cancels a send still waiting for its slot;
// cancelling a cancelled one is harmless, one already executed (or
// executing) is refused.
func (e *engine) CancelScheduledSend(ctx context.Context, mchID, id string, now time.Time) (ScheduledSend, error) {
	if err := e.lockMutable(); err != nil {
		return ScheduledSend{}, err
	}
	s := e.sch.byID[id]
	if s == nil || s.MchID != mchID {
		e.mu.Unlock()
		return ScheduledSend{}, fmt.Errorf("%w: scheduled send %q of merchant %q", platform.ErrNotFound, id, mchID)
	}
	var g *group
	switch {
	case s.State == api.ScheduleCancelled:
	case s.State != api.ScheduleWaiting || s.inflight:
		e.mu.Unlock()
		return ScheduledSend{}, &platform.RuleError{Rule: "R12", Err: platform.ErrIllegalState,
			Msg: fmt.Sprintf("scheduled send %s is %s: only a send waiting for its slot can be cancelled", id, strings.ToLower(s.State))}
	default:
		s.State, s.CancelledAt = api.ScheduleCancelled, now
		e.sch.waiting[s.MchID]--
		g = e.persist(scheduleRec(s))
	}
	out := *s
	e.mu.Unlock()
	return out, e.finish(ctx, g)
}

// DueSends claims up to max sends whose slot has come by now and returns
// them with the next slot (zero: none waiting).
func (e *engine) DueSends(ctx context.Context, now time.Time, max int) ([]ScheduledSend, time.Time, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	sc := &e.sch
	var out []ScheduledSend
	var next time.Time
	for len(sc.due) > 0 {
		it := sc.due[0]
		s := sc.byID[it.id]
		if s == nil || s.State != api.ScheduleWaiting || s.inflight {
			heap.Pop(&sc.due)
			continue
		}
		if it.at.After(now) || len(out) >= max {
			next = it.at
			break
		}
		heap.Pop(&sc.due)
		s.inflight = true
		out = append(out, *s)
	}
	return out, next, nil
}

// FinishScheduledSend records a claimed send's outcome (State, CouponID,
// ErrCode, ErrMsg, ExecutedAt); a send left in api.ScheduleWaiting is
// released for a later try.
func (e *engine) FinishScheduledSend(ctx context.Context, r ScheduledSend) error {
	e.mu.Lock()
	s := e.sch.byID[r.ID]
	if s == nil || !s.inflight {
		e.mu.Unlock()
		return nil
	}
	s.inflight = false
	if r.State == api.ScheduleWaiting {
		heap.Push(&e.sch.due, dueItem{s.Slot, s.ID})
		e.mu.Unlock()
		return nil
	}
	s.State, s.CouponID, s.ErrCode, s.ErrMsg, s.ExecutedAt = r.State, r.CouponID, r.ErrCode, r.ErrMsg, r.ExecutedAt
	e.sch.waiting[s.MchID]--
	g := e.persist(scheduleRec(s))
	e.mu.Unlock()
	return e.finish(ctx, g)
}

// restoreSchedules reads the scheduled sends back.
func (e *engine) restoreSchedules(tx *bolt.Tx) error {
	b := tx.Bucket(bucketNames[bucketSchedule])
	if b == nil {
		return nil
	}
	e.sch.init()
	return b.ForEach(func(k, v []byte) error {
		s := &ScheduledSend{}
		if err := json.Unmarshal(v, s); err != nil {
			return fmt.Errorf("scheduled send %s: %w", k, err)
		}
		e.sch.add(s)
		return nil
	})
}
