package engine

import (
	"fmt"
	"math/bits"
)

// Time is simulated time in seconds from the scenario's start.
type Time = int64

// MaxTime is the latest time an event may be scheduled at (about 34 years).
const MaxTime Time = 1<<30 - 1

const seqBits = 33

// Event is one scheduled occurrence. Its key packs the time and a sequence
// number, so comparing keys orders events by time and then by scheduling
// order (FIFO on ties).
type Event struct {
	key uint64
	val uint64 // val packs the ID (high 32 bits), the generation (24) and the kind (8).
}

// GenMask is the range of generations an event carries: generations are
// compared modulo 2^24.
const GenMask = 1<<24 - 1

func pack(kind uint8, id int32, gen uint32) uint64 {
	return uint64(uint32(id))<<32 | uint64(gen&GenMask)<<8 | uint64(kind)
}

// ID is the entity the event concerns (a coupon, a user, a push).
func (e Event) ID() int32 { return int32(e.val >> 32) }

// Gen is the entity's timer generation when the event was scheduled, modulo 2^24.
func (e Event) Gen() uint32 { return uint32(e.val>>8) & GenMask }

// Kind is the caller's event type.
func (e Event) Kind() uint8 { return uint8(e.val) }

// At is the event's time.
func (e Event) At() Time { return Time(e.key >> seqBits) }

// Seq is the event's sequence number, unique within a queue.
func (e Event) Seq() uint64 { return e.key & (1<<seqBits - 1) }

// Queue is a priority queue of events with FIFO lanes for fixed delays. The
// zero value is not usable; call New.
type Queue struct {
	heap  radix
	lanes []lane
	seq   uint64
	now   Time
	pops  uint64
}

// lane is a FIFO of events scheduled with one fixed delay, hence already in
// time order.
type lane struct {
	delay Time
	buf   []Event
	head  int
}

// New returns an empty queue at time 0 with one FIFO lane per fixed delay.
func New(laneDelays ...Time) *Queue {
	q := &Queue{}
	for _, d := range laneDelays {
		if d < 0 {
			panic(fmt.Sprintf("engine: negative lane delay %d", d))
		}
		q.lanes = append(q.lanes, lane{delay: d})
	}
	return q
}

// Now is the time of the last event popped.
func (q *Queue) Now() Time { return q.now }

// Popped counts the events popped so far.
func (q *Queue) Popped() uint64 { return q.pops }

// Len is the number of pending events.
func (q *Queue) Len() int {
	n := q.heap.n
	for i := range q.lanes {
		n += len(q.lanes[i].buf) - q.lanes[i].head
	}
	return n
}

func (q *Queue) makeKey(at Time) uint64 {
	if at < q.now {
		at = q.now
	}
	if at > MaxTime {
		at = MaxTime
	}
	q.seq++
	return uint64(at)<<seqBits | q.seq&(1<<seqBits-1)
}

// At schedules an event at time at; a time in the past is clamped to Now.
func (q *Queue) At(at Time, kind uint8, id int32, gen uint32) {
	q.heap.push(Event{key: q.makeKey(at), val: pack(kind, id, gen)})
}

// After schedules an event on lane i, at Now plus the lane's delay.
func (q *Queue) After(i int, kind uint8, id int32, gen uint32) {
	l := &q.lanes[i]
	if l.head > 0 && l.head == len(l.buf) {
		l.buf, l.head = l.buf[:0], 0
	} else if l.head > 4096 && l.head*2 > len(l.buf) {
		n := copy(l.buf, l.buf[l.head:])
		l.buf, l.head = l.buf[:n], 0
	}
	l.buf = append(l.buf, Event{key: q.makeKey(q.now + l.delay), val: pack(kind, id, gen)})
}

// Next pops the earliest event at or before horizon and advances Now to
// its time. It returns false when no such event is pending.
func (q *Queue) Next(horizon Time) (Event, bool) {
	best, from := uint64(1<<64-1), -1
	if k, ok := q.heap.min(); ok {
		best = k
	}
	for i := range q.lanes {
		l := &q.lanes[i]
		if l.head < len(l.buf) && l.buf[l.head].key < best {
			best, from = l.buf[l.head].key, i
		}
	}
	if best == 1<<64-1 || Time(best>>seqBits) > horizon {
		return Event{}, false
	}
	var e Event
	if from >= 0 {
		l := &q.lanes[from]
		e = l.buf[l.head]
		l.head++
	} else {
		e = q.heap.pop()
	}
	q.now = e.At()
	q.pops++
	return e, true
}

// The pending events outside the lanes live in a radix heap (Ahuja,
// Mehlhorn, Orlin and Tarjan, 1990): a monotone priority queue, which fits
// discrete-event simulation because no event is ever scheduled before the
// last one popped. Bucket i holds the events whose key first differs from
// the last popped key at bit i−1 (bucket 0: equal to it). A push is an
// append; a pop that finds bucket 0 empty takes the smallest non-empty
// bucket, makes its minimum the new last key, and spreads the bucket's
// events over lower buckets. Each event moves down at most 64 times, and
// the work is sequential appends, which caches love.
type radix struct {
	buckets [64][]Event // keys are below 2^63, so 64 buckets cover every difference
	full    uint64      // full has bit i set when bucket i is not empty
	last    uint64      // last is the key of the last event popped from the heap
	n       int
	// peek caches the smallest key while peekOK. Peeking must not move
	// last: a lane event may pop first and schedule keys below the heap's
	// minimum, which must still land in the right bucket.
	peek   uint64
	peekOK bool
}

// push adds e, whose key must not be below the last popped key.
func (h *radix) push(e Event) {
	b := bits.Len64(e.key ^ h.last)
	h.buckets[b] = append(h.buckets[b], e)
	h.full |= 1 << b
	h.n++
	if h.peekOK && e.key < h.peek {
		h.peek = e.key
	}
}

// min returns the smallest key without removing it; false when empty.
func (h *radix) min() (uint64, bool) {
	if h.n == 0 {
		return 0, false
	}
	if !h.peekOK {
		h.peek, h.peekOK = minKey(h.buckets[h.lowest()]), true
	}
	return h.peek, true
}

// lowest is the index of the smallest non-empty bucket, which holds the
// smallest keys.
func (h *radix) lowest() int { return bits.TrailingZeros64(h.full) }

func minKey(b []Event) uint64 {
	m := b[0].key
	for _, e := range b[1:] {
		if e.key < m {
			m = e.key
		}
	}
	return m
}

// refill makes the smallest key the new last key and spreads its bucket
// over lower buckets, so that the smallest event lands in bucket 0.
func (h *radix) refill() {
	i := h.lowest()
	if i == 0 {
		return
	}
	b := h.buckets[i]
	m := h.peek
	if !h.peekOK {
		m = minKey(b)
	}
	h.last = m
	for _, e := range b {
		j := bits.Len64(e.key ^ m)
		h.buckets[j] = append(h.buckets[j], e)
		h.full |= 1 << j
	}
	h.buckets[i] = b[:0]
	h.full &^= 1 << i
}

// pop removes and returns the smallest event; the heap must not be empty.
func (h *radix) pop() Event {
	if len(h.buckets[0]) == 0 {
		h.refill()
	}
	h.peekOK = false
	e := h.buckets[0][len(h.buckets[0])-1]
	h.buckets[0] = h.buckets[0][:len(h.buckets[0])-1]
	if len(h.buckets[0]) == 0 {
		h.full &^= 1
	}
	h.n--
	return e
}
