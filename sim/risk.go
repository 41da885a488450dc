package sim

import (
	"math"
	"time"
)

// window counts events per key over a sliding window, as the mock platform
// counts a user's receipts (R16, userState.receivedIn) and an abnormal IP's
// claims (R17): an event at t counts at now while t > now−span, so an event
// exactly span ago no longer counts.
//
// window keeps each event once, in a ring ordered by time, and per key only
// a count: one byte per key plus eight bytes per event still in the window,
// however many events a key had before. Times are expected not to decrease,
// as the engine's clock does not; an event older than the newest is
// recorded at the newest time, which keeps the ring in order.
type window struct {
	span int64           // span is the window's length in seconds.
	n    []uint8         // n counts each key's events in the window; nSat means over holds it.
	over map[int32]int32 // over holds the count of each key with nSat or more events.
	ring []stamp         // ring holds the events in the window, oldest at head.
	head int
	size int
	last int32 // last is the newest event's time.
}

// stamp is one event: its key and its time in seconds.
type stamp struct{ key, t int32 }

// nSat is the count at which a key's count moves to the over map.
const nSat = 255

// minRing is the ring's smallest capacity once it has grown.
const minRing = 64

// newWindow returns a window of length span for keys 0 to keys−1.
func newWindow(keys int, span time.Duration) *window {
	return &window{span: int64(span / time.Second), n: make([]uint8, keys), over: map[int32]int32{}, last: math.MinInt32}
}

// count returns the events of key within the window ending at now.
func (w *window) count(key int32, now int64) int {
	w.prune(now)
	if c := w.n[key]; c < nSat {
		return int(c)
	}
	return int(w.over[key])
}

// add records an event of key at now.
func (w *window) add(key int32, now int64) {
	w.prune(now)
	if w.size == len(w.ring) {
		w.resize(max(2*len(w.ring), minRing))
	}
	w.last = max(w.last, int32(now))
	w.ring[(w.head+w.size)%len(w.ring)] = stamp{key, w.last}
	w.size++
	switch c := w.n[key]; {
	case c < nSat-1:
		w.n[key]++
	case c == nSat-1:
		w.n[key], w.over[key] = nSat, nSat
	default:
		w.over[key]++
	}
}

// prune drops the events at or before now−span, as the mock does, and
// shrinks the ring once it is mostly empty.
func (w *window) prune(now int64) {
	cut := now - w.span
	for w.size > 0 && int64(w.ring[w.head].t) <= cut {
		k := w.ring[w.head].key
		switch c := w.n[k]; {
		case c < nSat:
			w.n[k]--
		case w.over[k] <= nSat:
			w.n[k] = nSat - 1
			delete(w.over, k)
		default:
			w.over[k]--
		}
		w.head = (w.head + 1) % len(w.ring)
		w.size--
	}
	if len(w.ring) > minRing && w.size < len(w.ring)/4 {
		w.resize(len(w.ring) / 2)
	}
}

// resize moves the events into a ring of capacity c.
func (w *window) resize(c int) {
	ring := make([]stamp, c)
	n := copy(ring, w.ring[w.head:min(w.head+w.size, len(w.ring))])
	copy(ring[n:], w.ring[:w.size-n])
	w.ring, w.head = ring, 0
}

// events is the number of events in the ring, for tests and benchmarks.
func (w *window) events() int { return w.size }
