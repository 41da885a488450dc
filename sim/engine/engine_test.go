package engine

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestQueueOrdersByTimeThenFIFO(t *testing.T) {
	tests := []struct {
		name  string
		lanes []Time
		ops   func(q *Queue)
		want  []int32 // IDs in pop order
	}{
		{"heap by time", nil, func(q *Queue) {
			q.At(30, 0, 3, 0)
			q.At(10, 0, 1, 0)
			q.At(20, 0, 2, 0)
		}, []int32{1, 2, 3}},
		{"ties pop in scheduling order", nil, func(q *Queue) {
			for id := int32(0); id < 5; id++ {
				q.At(7, 0, id, 0)
			}
		}, []int32{0, 1, 2, 3, 4}},
		{"lanes merge with the heap", []Time{10, 5}, func(q *Queue) {
			q.After(0, 0, 1, 0) // at 10
			q.After(1, 0, 2, 0) // at 5
			q.At(10, 0, 3, 0)   // at 10, after 1
			q.At(1, 0, 4, 0)
		}, []int32{4, 2, 1, 3}},
		{"past times clamp to now", nil, func(q *Queue) {
			q.At(-5, 0, 1, 0)
			q.At(0, 0, 2, 0)
		}, []int32{1, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := New(tc.lanes...)
			tc.ops(q)
			var got []int32
			for {
				e, ok := q.Next(MaxTime)
				if !ok {
					break
				}
				got = append(got, e.ID())
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("pop order %v, want %v", got, tc.want)
			}
		})
	}
}

func TestQueueHorizonStopsAndKeepsLaterEvents(t *testing.T) {
	q := New()
	q.At(5, 0, 1, 0)
	q.At(50, 0, 2, 0)
	if e, ok := q.Next(10); !ok || e.ID() != 1 {
		t.Fatalf("first pop = %v %v", e, ok)
	}
	if _, ok := q.Next(10); ok {
		t.Fatal("popped an event beyond the horizon")
	}
	if q.Len() != 1 || q.Now() != 5 {
		t.Fatalf("Len %d Now %d, want 1 and 5", q.Len(), q.Now())
	}
}

// TestQueueMatchesSortedOrder is a property test: random schedules, mixing
// heap and lanes and scheduling while popping, always pop in (time, seq)
// order and never before Now.
func TestQueueMatchesSortedOrder(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		r := rand.New(rand.NewPCG(seed, 99))
		q := New(48, 720)
		pending := 0
		var last uint64
		for step := 0; step < 5000; step++ {
			if pending == 0 || r.IntN(3) > 0 {
				switch r.IntN(3) {
				case 0:
					q.After(r.IntN(2), 0, int32(step), 0)
				default:
					q.At(q.Now()+Time(r.IntN(1000)), 0, int32(step), 0)
				}
				pending++
				continue
			}
			e, ok := q.Next(MaxTime)
			if !ok {
				t.Fatalf("seed %d: queue empty with %d pending", seed, pending)
			}
			pending--
			if e.key < last {
				t.Fatalf("seed %d: popped key %d after %d", seed, e.key, last)
			}
			last = e.key
		}
		if q.Len() != pending {
			t.Fatalf("seed %d: Len %d, want %d", seed, q.Len(), pending)
		}
	}
}

// BenchmarkQueueHold is the classic hold model: 100,000 pending events, each
// pop schedules one new event a random delay ahead. One op is one event.
func BenchmarkQueueHold(b *testing.B) {
	const pending = 100_000
	r := rand.New(rand.NewPCG(1, 2))
	q := New()
	for i := range pending {
		q.At(Time(r.IntN(1_000_000)), 0, int32(i), 0)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		e, _ := q.Next(MaxTime)
		q.At(e.At()+Time(r.IntN(1_000_000)), 0, e.ID(), e.Gen())
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkQueueHoldLanes is the hold model with half the events on a
// fixed-delay lane, as the claim window and validity timers are.
func BenchmarkQueueHoldLanes(b *testing.B) {
	const pending = 100_000
	r := rand.New(rand.NewPCG(1, 2))
	q := New(172800)
	for i := range pending {
		q.At(Time(r.IntN(1_000_000)), 0, int32(i), 0)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		e, _ := q.Next(MaxTime)
		if i&1 == 0 {
			q.After(0, 0, e.ID(), e.Gen())
		} else {
			q.At(e.At()+Time(r.IntN(1_000_000)), 0, e.ID(), e.Gen())
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
