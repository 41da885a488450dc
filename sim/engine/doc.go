// Package engine is the simulator's discrete-event core: a queue of small
// value events ordered by simulated time, first in first out on ties.
//
// Events are plain structs (time, sequence, kind, entity, generation): no
// closure, interface or goroutine per event. Arbitrary delays go through a
// radix heap (a monotone priority queue: no event is scheduled before the
// last one popped); fixed delays (the 48-hour claim window, a validity, the
// 30-day recycle bin) may use FIFO lanes, which cost O(1) and are merged
// with the heap on every pop. A timer is cancelled by bumping the entity's generation:
// the stale event still pops and the caller skips it.
package engine
