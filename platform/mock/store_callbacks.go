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

// NotifySetting is a merchant's notify URL (POST /v3/marketing/favor/callbacks).
type NotifySetting struct {
	MchID     string    `json:"mchid"`
	URL       string    `json:"url"`
	On        bool      `json:"on"`
	UpdatedAt time.Time `json:"updated_at"` // UpdatedAt is platform time.
}

// DeliveryState is where a notification is on its way to the merchant.
type DeliveryState string

// The delivery states. Delivered and given-up deliveries leave the store.
const (
	DeliveryWatch   DeliveryState = "watch"    // DeliveryWatch waits for an offer's 48 hours to end (R9); a claim or refusal cancels it.
	DeliveryPending DeliveryState = "pending"  // DeliveryPending waits for its next attempt at NextAt.
	DeliveryDone    DeliveryState = "done"     // DeliveryDone: the merchant answered 200 or 204.
	DeliveryGivenUp DeliveryState = "given_up" // DeliveryGivenUp: every attempt of the schedule failed.
)

// Delivery is one notification and its delivery state. Times are
// platform time.
type Delivery struct {
	ID        string        `json:"id"`
	MchID     string        `json:"mchid"`
	EventType string        `json:"event_type"`
	At        time.Time     `json:"at"`     // At is when the event happened.
	Coupon    Coupon        `json:"coupon"` // Coupon is the coupon as the event left it.
	State     DeliveryState `json:"state"`
	Attempts  int           `json:"attempts"`
	NextAt    time.Time     `json:"next_at"`
	LastError string        `json:"last_error,omitempty"`

	inflight bool
}

// DefaultCallbackQueue is the default bound on a merchant's pending
// notifications; events beyond it are dropped and counted.
const DefaultCallbackQueue = 10_000

// callbacks is the engine's notification state, guarded by engine.mu.
type callbacks struct {
	urls    map[string]*NotifySetting
	pending map[string]*Delivery
	watches map[string]*Delivery // watches maps a coupon id to its open offer's watch.
	due     dueHeap
	perMch  map[string]int
	nextID  uint64
	limit   int
	dropped uint64
	wake    wakeup
}

// init makes the maps; e.mu must be held.
func (cb *callbacks) init() {
	if cb.urls == nil {
		cb.urls, cb.pending, cb.watches, cb.perMch = map[string]*NotifySetting{}, map[string]*Delivery{}, map[string]*Delivery{}, map[string]int{}
		cb.wake = make(wakeup, 1)
	}
	if cb.limit <= 0 {
		cb.limit = DefaultCallbackQueue
	}
}

// Keys of the callbacks bucket: "url/MCHID" holds a NotifySetting,
// "ev/ID" a waiting Delivery, "seq" the last id given out.
const (
	cbURLPrefix = "url/"
	cbEvPrefix  = "ev/"
	cbSeqKey    = "seq" // cbSeqKey holds the last notification id, so ids never repeat after a restart.
)

// deliveryRec persists d, or deletes it once it is finished (a nil value
// deletes).
func deliveryRec(d *Delivery) record {
	if d.State == DeliveryDone || d.State == DeliveryGivenUp {
		return record{bucketCallbacks, cbEvPrefix + d.ID, nil}
	}
	return record{bucketCallbacks, cbEvPrefix + d.ID, mustJSON(d)}
}

// event records a coupon event for the merchant's notify URL and returns
// recs with the records that make it durable; e.mu must be held. Without
// a notify URL switched on it adds nothing; with a full queue it drops
// the event and counts it. An offer also starts a watch that becomes a
// return event if its 48 hours end unclaimed (R9); a claim or refusal
// ends the watch.
func (e *engine) event(typ string, c *Coupon, now time.Time, recs ...record) []record {
	cb := &e.cb
	if cb.urls == nil {
		return recs
	}
	if typ == api.EventCouponGiftClaim || typ == api.EventCouponGiftRefuse {
		if w := cb.watches[c.ID]; w != nil {
			delete(cb.watches, c.ID)
			delete(cb.pending, w.ID)
			cb.perMch[w.MchID]--
			w.State = DeliveryDone
			recs = append(recs, deliveryRec(w))
		}
	}
	set := cb.urls[c.MchID]
	if set == nil || !set.On {
		return recs
	}
	add := func(typ string, state DeliveryState, at time.Time) {
		if cb.perMch[c.MchID] >= cb.limit {
			cb.dropped++
			return
		}
		cb.nextID++
		d := &Delivery{ID: eventID(cb.nextID), MchID: c.MchID, EventType: typ, At: now, Coupon: *c, State: state, NextAt: at}
		d.Coupon.commit = nil
		cb.pending[d.ID] = d
		cb.perMch[c.MchID]++
		heap.Push(&cb.due, dueItem{at, d.ID})
		if state == DeliveryWatch {
			cb.watches[c.ID] = d
		}
		if e.j != nil {
			recs = append(recs, deliveryRec(d), record{bucketCallbacks, cbSeqKey, []byte(strconv.FormatUint(cb.nextID, 10))})
		}
	}
	add(typ, DeliveryPending, now)
	if typ == api.EventCouponGiftOffer {
		add(api.EventCouponGiftReturn, DeliveryWatch, c.OfferedAt.Add(platform.ClaimWindow))
	}
	cb.wake.fire()
	return recs
}

// eventID formats a notification id in the platform's style.
func eventID(n uint64) string { return fmt.Sprintf("EV-%020d", n) }

// SetNotify sets a merchant's notify URL.
func (e *engine) SetNotify(ctx context.Context, set NotifySetting) (NotifySetting, error) {
	if err := e.lockMutable(); err != nil {
		return NotifySetting{}, err
	}
	if e.merchants[set.MchID] == nil {
		e.mu.Unlock()
		return NotifySetting{}, &platform.RuleError{Rule: "R13", Err: platform.ErrNotFound, Msg: fmt.Sprintf("merchant %q is not registered", set.MchID)}
	}
	e.cb.init()
	s := set
	e.cb.urls[set.MchID] = &s
	g := e.persist(record{bucketCallbacks, cbURLPrefix + set.MchID, mustJSON(&s)})
	e.mu.Unlock()
	return set, e.finish(ctx, g)
}

// Notify returns a merchant's notify setting; ok is false if it has none.
func (e *engine) Notify(ctx context.Context, mchID string) (NotifySetting, bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.merchants[mchID] == nil {
		return NotifySetting{}, false, &platform.RuleError{Rule: "R13", Err: platform.ErrNotFound, Msg: fmt.Sprintf("merchant %q is not registered", mchID)}
	}
	if s := e.cb.urls[mchID]; s != nil {
		return *s, true, nil
	}
	return NotifySetting{}, false, nil
}

// DueDeliveries claims up to max deliveries due at now (a watch whose
// offer returned becomes a return notification) and returns them with
// the time the next one is due (zero: none).
func (e *engine) DueDeliveries(ctx context.Context, now time.Time, max int) ([]Delivery, time.Time, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	cb := &e.cb
	var out []Delivery
	var recs []record
	for len(cb.due) > 0 && len(out) < max {
		it := cb.due[0]
		d := cb.pending[it.id]
		if d == nil || d.inflight || !d.NextAt.Equal(it.at) {
			heap.Pop(&cb.due) // stale
			continue
		}
		if it.at.After(now) {
			break
		}
		heap.Pop(&cb.due)
		if d.State == DeliveryWatch {
			delete(cb.watches, d.Coupon.ID)
			if !d.Coupon.ExpiresAt.IsZero() && !d.Coupon.ExpiresAt.After(d.NextAt) {
				// The coupon expired before the 48 hours ended: no return (R9, R14).
				d.State = DeliveryDone
				delete(cb.pending, d.ID)
				cb.perMch[d.MchID]--
				recs = append(recs, deliveryRec(d))
				continue
			}
			d.State, d.At = DeliveryPending, d.NextAt
			d.Coupon.State, d.Coupon.Recipient = platform.StateReturned, ""
			recs = append(recs, deliveryRec(d))
		}
		d.inflight = true
		out = append(out, *d)
	}
	var next time.Time
	for len(cb.due) > 0 {
		it := cb.due[0]
		if d := cb.pending[it.id]; d != nil && !d.inflight && d.NextAt.Equal(it.at) {
			next = it.at
			break
		}
		heap.Pop(&cb.due)
	}
	if len(recs) > 0 {
		e.persist(recs...) // A lost write only repeats the watch after a crash.
	}
	return out, next, nil
}

// FinishDelivery records the outcome of an attempt on d: its new state,
// attempts, next attempt and last error.
func (e *engine) FinishDelivery(ctx context.Context, d Delivery) error {
	e.mu.Lock()
	cb := &e.cb
	cur := cb.pending[d.ID]
	if cur == nil {
		e.mu.Unlock()
		return nil
	}
	cur.inflight = false
	cur.State, cur.Attempts, cur.NextAt, cur.LastError = d.State, d.Attempts, d.NextAt, d.LastError
	if d.State == DeliveryDone || d.State == DeliveryGivenUp {
		delete(cb.pending, d.ID)
		cb.perMch[d.MchID]--
	} else {
		heap.Push(&cb.due, dueItem{cur.NextAt, cur.ID})
	}
	g := e.persist(deliveryRec(cur))
	e.mu.Unlock()
	return e.finish(ctx, g)
}

// ReleaseDelivery returns a claimed delivery unattempted (the server is
// stopping).
func (e *engine) ReleaseDelivery(ctx context.Context, id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if d := e.cb.pending[id]; d != nil && d.inflight {
		d.inflight = false
		heap.Push(&e.cb.due, dueItem{d.NextAt, d.ID})
	}
}

// CallbackQueue returns the notifications waiting (pending or watching)
// and how many were dropped on a full queue since the store opened.
func (e *engine) CallbackQueue(ctx context.Context) (pending int, dropped uint64, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.cb.pending), e.cb.dropped, nil
}

// setCallbackQueue bounds each merchant's pending notifications.
func (e *engine) setCallbackQueue(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.cb.limit = n
	e.cb.init()
}

// wakes returns the channels that fire when a notification is queued
// and when a send is scheduled.
func (e *engine) wakes() (callbacks, schedules <-chan struct{}) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.cb.init()
	e.sch.init()
	return e.cb.wake, e.sch.wake
}

// wakeup is a wake-up signal that never blocks its sender.
type wakeup chan struct{}

// fire signals w unless a signal is already waiting.
func (w wakeup) fire() {
	select {
	case w <- struct{}{}:
	default:
	}
}

// restoreCallbacks reads notify URLs and pending deliveries back.
func (e *engine) restoreCallbacks(tx *bolt.Tx) error {
	b := tx.Bucket(bucketNames[bucketCallbacks])
	if b == nil {
		return nil
	}
	e.cb.init()
	cb := &e.cb
	return b.ForEach(func(k, v []byte) error {
		key := string(k)
		switch {
		case key == cbSeqKey:
			if n, err := strconv.ParseUint(string(v), 10, 64); err == nil && n > cb.nextID {
				cb.nextID = n
			}
		case strings.HasPrefix(key, cbURLPrefix):
			var s NotifySetting
			if err := json.Unmarshal(v, &s); err != nil {
				return fmt.Errorf("notify url %s: %w", k, err)
			}
			cb.urls[s.MchID] = &s
		case strings.HasPrefix(key, cbEvPrefix):
			d := &Delivery{}
			if err := json.Unmarshal(v, d); err != nil {
				return fmt.Errorf("delivery %s: %w", k, err)
			}
			cb.pending[d.ID] = d
			cb.perMch[d.MchID]++
			heap.Push(&cb.due, dueItem{d.NextAt, d.ID})
			if d.State == DeliveryWatch {
				cb.watches[d.Coupon.ID] = d
			}
			if n, err := strconv.ParseUint(strings.TrimPrefix(d.ID, "EV-"), 10, 64); err == nil && n > cb.nextID {
				cb.nextID = n
			}
		}
		return nil
	})
}

// dueItem is an entry of a dueHeap: an id due at a platform time.
type dueItem struct {
	at time.Time
	id string
}

// dueHeap orders ids by due time; entries go stale when their item
// changes, and are skipped then.
type dueHeap []dueItem

func (h dueHeap) Len() int           { return len(h) }
func (h dueHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h dueHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *dueHeap) Push(x any)        { *h = append(*h, x.(dueItem)) }
func (h *dueHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}

// restoreBackground reads back what the background workers need: notify
// URLs, pending deliveries and scheduled sends.
func (e *engine) restoreBackground(tx *bolt.Tx) error {
	if err := e.restoreCallbacks(tx); err != nil {
		return err
	}
	return e.restoreSchedules(tx)
}
