package engine

import "fmt"

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
	heap  []Event
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
	q := &Queue{heap: make([]Event, heapBase, 1024)}
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
	n := q.heapLen()
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
	q.push(Event{key: q.makeKey(at), val: pack(kind, id, gen)})
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
	if q.heapLen() > 0 {
		best = q.heap[heapBase].key
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
		e = q.pop()
	}
	q.now = e.At()
	q.pops++
	return e, true
}

// The heap is 4-ary and stored from index heapBase, so that the four
// children of a node (16 bytes each) share one 64-byte cache line.
const heapBase = 3

func (q *Queue) heapLen() int { return len(q.heap) - heapBase }

// push adds e to the heap.
func (q *Queue) push(e Event) {
	h := append(q.heap, e)
	i := len(h) - 1 - heapBase
	for i > 0 {
		p := (i - 1) >> 2
		if h[p+heapBase].key <= e.key {
			break
		}
		h[i+heapBase] = h[p+heapBase]
		i = p
	}
	h[i+heapBase] = e
	q.heap = h
}

// pop removes and returns the heap's minimum. It walks the hole down along
// the smallest children to a leaf, then sifts the last element up from there
// (Floyd's method), which saves a comparison per level.
func (q *Queue) pop() Event {
	h := q.heap[heapBase:]
	top := h[0]
	n := len(h) - 1
	last := h[n]
	q.heap = q.heap[:n+heapBase]
	if n == 0 {
		return top
	}
	h = h[:n]
	i := 0
	for {
		c := 4*i + 1
		if c+3 < n {
			m, mk := c, h[c].key
			if k := h[c+1].key; k < mk {
				m, mk = c+1, k
			}
			if k := h[c+2].key; k < mk {
				m, mk = c+2, k
			}
			if k := h[c+3].key; k < mk {
				m = c + 3
			}
			h[i] = h[m]
			i = m
			continue
		}
		if c < n {
			m, mk := c, h[c].key
			for j := c + 1; j < n; j++ {
				if h[j].key < mk {
					m, mk = j, h[j].key
				}
			}
			h[i] = h[m]
			i = m
		}
		break
	}
	for i > 0 {
		p := (i - 1) >> 2
		if h[p].key <= last.key {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = last
	return top
}
