package sim

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

// naiveWindow counts like the mock's userState.receivedIn: per key, the
// times after now−span, the older ones dropped from the front.
type naiveWindow struct {
	span  int64
	times map[int32][]int64
}

func (w *naiveWindow) count(key int32, now int64) int {
	ts := w.times[key]
	i := 0
	for i < len(ts) && ts[i] <= now-w.span {
		i++
	}
	w.times[key] = ts[i:]
	return len(ts) - i
}

func (w *naiveWindow) add(key int32, now int64) { w.times[key] = append(w.times[key], now) }

// TestRiskWindowBoundary checks R16's boundary: a receipt exactly the
// window ago no longer counts, one a second younger still does.
func TestRiskWindowBoundary(t *testing.T) {
	w := newWindow(2, time.Hour)
	w.add(1, 100)
	w.add(1, 200)
	for _, c := range []struct {
		now  int64
		want int
	}{{100, 2}, {3699, 2}, {3700, 1}, {3799, 1}, {3800, 0}} {
		if got := w.count(1, c.now); got != c.want {
			t.Fatalf("count at %d = %d, want %d", c.now, got, c.want)
		}
	}
	if got := w.count(0, 3800); got != 0 {
		t.Fatalf("key 0 counts %d", got)
	}
	// An event older than the newest is recorded at the newest time.
	w.add(0, 5000)
	w.add(1, 4000)
	if got := w.count(1, 8599); got != 1 {
		t.Fatalf("late event: count at 8599 = %d, want 1", got)
	}
	if got := w.count(1, 8600); got != 0 {
		t.Fatalf("late event: count at 8600 = %d, want 0", got)
	}
}

// TestRiskWindowMatchesMock drives random receipts and claims, many at the
// same second and on the boundary, through window and through the mock's
// way of counting, with limits like R16's and R17's (a refused event is not
// recorded) and one above the byte counter's range.
func TestRiskWindowMatchesMock(t *testing.T) {
	for _, tc := range []struct {
		name  string
		keys  int
		span  int64
		limit int
		steps int
		jumps int   // jumps is one in how many steps moves a window or more on.
		drift int64 // drift bounds the other steps' moves, in seconds.
	}{
		{"R16 50 an hour", 4, 3600, 50, 100_000, 500, 60},
		{"R17 3 a day", 5, 86400, 3, 20_000, 5, 3600},
		{"burst above 255", 3, 3600, 600, 50_000, 2000, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, uint64(tc.limit)))
			w := newWindow(tc.keys, time.Duration(tc.span)*time.Second)
			ref := &naiveWindow{span: tc.span, times: map[int32][]int64{}}
			now, peak := int64(0), 0
			for i := range tc.steps {
				switch x := r.IntN(2 * tc.jumps); {
				case x == 0:
					now += tc.span // exactly one window on
				case x == 1:
					now += int64(r.IntN(int(2 * tc.span)))
				case x < tc.jumps: // same second
				default:
					now += r.Int64N(tc.drift)
				}
				k := int32(r.IntN(tc.keys))
				got, want := w.count(k, now), ref.count(k, now)
				peak = max(peak, got)
				if got != want {
					t.Fatalf("step %d key %d at %d: count %d, mock %d", i, k, now, got, want)
				}
				if got < tc.limit {
					w.add(k, now)
					ref.add(k, now)
				}
			}
			total := 0
			for k := range tc.keys {
				total += ref.count(int32(k), now)
			}
			if w.events() != total {
				t.Fatalf("ring holds %d events, the window %d", w.events(), total)
			}
			if peak < tc.limit {
				t.Fatalf("no key reached the limit %d (peak %d)", tc.limit, peak)
			}
		})
	}
}

// BenchmarkRiskWindow1M measures the R16 counter for a million users over
// a week: most receive 0–3 coupons (a quarter none, the rest 1–3 at random
// times), and a campaign push at hour 34 reaches every tenth user within
// the hour. It reports the heap the window keeps per user at the end and
// at the push's peak, and the bytes the fixed buckets it replaced took.
func BenchmarkRiskWindow1M(b *testing.B) {
	const users = 1_000_000
	const week = 7 * secondsPerDay
	r := rand.New(rand.NewPCG(3, 4))
	var evs []stamp
	for u := range int32(users) {
		for range r.IntN(4) {
			evs = append(evs, stamp{u, int32(r.IntN(week))})
		}
		if u%10 == 0 {
			evs = append(evs, stamp{u, int32(34*secondsPerHour + r.IntN(secondsPerHour))})
		}
	}
	sortStamps(evs)
	b.ResetTimer()
	var peak, end float64
	peakEvents := 0
	for range b.N {
		b.StopTimer()
		before := heapInUse()
		b.StartTimer()
		w := newWindow(users, time.Hour)
		measured := false
		for _, e := range evs {
			if !measured && e.t >= 35*secondsPerHour {
				b.StopTimer()
				measured, peak = true, float64(heapInUse()-before)/users
				peakEvents = max(peakEvents, w.events())
				b.StartTimer()
			}
			if w.count(e.key, int64(e.t)) < 50 {
				w.add(e.key, int64(e.t))
			}
		}
		b.StopTimer()
		end = float64(heapInUse()-before) / users
		runtime.KeepAlive(w)
		b.StartTimer()
	}
	b.ReportMetric(end, "B/user")
	b.ReportMetric(peak, "peakB/user")
	b.ReportMetric(float64(peakEvents), "peakEvents")
	b.ReportMetric(6, "oldB/user") // recvBucket int32 + recvCount uint16
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/receipt")
}

// heapInUse returns the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// sortStamps orders events by time (a counting sort: times are seconds of
// a week).
func sortStamps(evs []stamp) {
	var maxT int32
	for _, e := range evs {
		maxT = max(maxT, e.t)
	}
	start := make([]int, maxT+2)
	for _, e := range evs {
		start[e.t+1]++
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	out := make([]stamp, len(evs))
	for _, e := range evs {
		out[start[e.t]] = e
		start[e.t]++
	}
	copy(evs, out)
}
