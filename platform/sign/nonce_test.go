package sign

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"
	"time"
)

func TestNonceCacheReplayAndExpiry(t *testing.T) {
	c := NewNonceCache(100)
	const now, skew = 1000, 300
	if err := c.Record("m", "a", now, now, skew); err != nil {
		t.Fatal(err)
	}
	for _, ts := range []int64{now, now - 5, now + 5} {
		if err := c.Record("m", "a", ts, now, skew); !errors.Is(err, ErrReplay) {
			t.Fatalf("replay with timestamp %d: %v", ts, err)
		}
	}
	if err := c.Record("other", "a", now, now, skew); err != nil {
		t.Fatalf("another merchant's equal nonce: %v", err)
	}
	if err := c.Record("m", "late", now-skew-1, now, skew); !errors.Is(err, ErrTimestamp) {
		t.Fatalf("timestamp outside the window: %v", err)
	}
	// The nonce is held for as long as its timestamp is in the window...
	if err := c.Record("m", "a", now, now+skew, skew); !errors.Is(err, ErrReplay) {
		t.Fatalf("replay at the window's end: %v", err)
	}
	// ...and its second is dropped whole once it has left.
	if err := c.Record("m", "b", now+skew+1, now+skew+1, skew); err != nil {
		t.Fatal(err)
	}
	if got := c.Len(); got != 2 {
		t.Fatalf("Len = %d, want 2 (m's b and other's a)", got)
	}
}

// TestNonceCacheFutureNonceLocksOutNoOne is security defect 1: a valid
// request timestamped 299 s ahead, followed by more requests than the
// cache holds, used to raise one shared floor to its timestamp and refuse
// every correctly timed request of every merchant for five minutes.
func TestNonceCacheFutureNonceLocksOutNoOne(t *testing.T) {
	const budget, now, skew = 1000, 1_770_000_000, 300
	c := NewNonceCache(budget)
	if err := c.Record("m1", "future", now+skew-1, now, skew); err != nil {
		t.Fatal(err)
	}
	// Three times the budget of correctly timed requests, one clock second
	// per 100 requests, from the merchant that sent the future one.
	clock := int64(now)
	for i := range 3 * budget {
		if i%100 == 99 {
			clock++
		}
		if err := c.Record("m1", "n"+strconv.Itoa(i), clock, clock, skew); err != nil {
			t.Fatalf("request %d of m1: %v", i, err)
		}
	}
	for _, m := range []string{"m1", "m2", "m3"} {
		for _, ts := range []int64{clock, clock - 1, clock + 1} {
			if err := c.Record(m, fmt.Sprint("fresh", ts), ts, clock, skew); err != nil {
				t.Fatalf("merchant %s, correctly timed request (ts %d): %v", m, ts, err)
			}
		}
	}
	if err := c.Record("m1", "future", now+skew-1, clock, skew); !errors.Is(err, ErrReplay) {
		t.Fatalf("future-dated nonce replayed: %v", err)
	}
	if got := c.Len(); got > budget+6 {
		t.Fatalf("Len = %d, want at most the budget %d plus the other merchants' 6", got, budget)
	}
}

// TestNonceCacheOverBudget: a merchant over its budget loses its oldest
// seconds (its floor rises) and nobody else's; replays stay refused.
func TestNonceCacheOverBudget(t *testing.T) {
	c := NewNonceCache(3)
	const now, skew = 100, 300
	for i, ts := range []int64{90, 91, 92} {
		if err := c.Record("m", strconv.Itoa(i), ts, now, skew); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Record("quiet", "q", 80, now, skew); err != nil {
		t.Fatal(err)
	}
	if err := c.Record("m", "3", 100, now, skew); err != nil {
		t.Fatal(err)
	}
	if err := c.Record("m", "0", 90, now, skew); !errors.Is(err, ErrReplay) {
		t.Fatalf("dropped nonce replayed: %v", err)
	}
	if err := c.Record("m", "new", 90, now, skew); !errors.Is(err, ErrReplay) {
		t.Fatalf("timestamp at the floor accepted: %v", err)
	}
	if err := c.Record("quiet", "q2", 80, now, skew); err != nil {
		t.Fatalf("another merchant's old timestamp: %v", err)
	}
	if err := c.Record("quiet", "q", 80, now, skew); !errors.Is(err, ErrReplay) {
		t.Fatalf("another merchant's replay: %v", err)
	}
}

// TestNonceCacheProperty checks the cache against an unbounded model on
// random traffic: a replay of a nonce whose timestamp is in the window is
// never accepted, and a merchant that never holds more than its budget
// gets exactly the model's answers.
func TestNonceCacheProperty(t *testing.T) {
	for seed := range uint64(12) {
		r := rand.New(rand.NewPCG(seed, 7))
		budget := 5 + r.IntN(40)
		skew := int64(3 + r.IntN(10))
		c := NewNonceCache(budget)
		type key struct{ mch, nonce string }
		model := map[key]int64{} // accepted nonces → timestamp
		now := int64(1000)
		heavy := "m0" // heavy may exceed its budget; the others stay under.
		for step := range 2000 {
			if r.IntN(20) == 0 {
				now += int64(r.IntN(3))
			}
			mch := "m" + strconv.Itoa(r.IntN(3))
			ts := now - skew + r.Int64N(2*skew+1)
			nonce := strconv.Itoa(r.IntN(400))
			inWindow := func(k key) bool { t, ok := model[k]; return ok && now-t <= skew && t-now <= skew }
			if mch != heavy {
				held := 0
				for k := range model {
					if k.mch == mch && inWindow(k) {
						held++
					} else if !inWindow(k) {
						delete(model, k) // out of the window: refused by timestamp, not tracked
					}
				}
				if held >= budget {
					continue // keep the light merchants under budget
				}
			}
			k := key{mch, nonce}
			replay := inWindow(k)
			exact := replay && r.IntN(2) == 0
			if exact {
				ts = model[k] // the captured request itself: its signature covers ts
			}
			err := c.Record(mch, nonce, ts, now, skew)
			// An exact replay is always refused; a merchant under its budget
			// also never gets a nonce back with another timestamp.
			if err == nil && (exact || replay && mch != heavy) {
				t.Fatalf("seed %d step %d: replay of %v (ts %d, now %d) accepted", seed, step, k, model[k], now)
			}
			if mch != heavy && !replay && err != nil {
				t.Fatalf("seed %d step %d: %s under budget refused a fresh nonce: %v", seed, step, mch, err)
			}
			if err == nil {
				model[k] = ts
			}
		}
	}
}

// BenchmarkNonceCacheRecord measures Record at the budget, one merchant,
// timestamps advancing a second every 47,000 nonces.
func BenchmarkNonceCacheRecord(b *testing.B) {
	c := NewNonceCache(1 << 20)
	nonces := make([]string, 1<<16)
	for i := range nonces {
		nonces[i] = fmt.Sprintf("%032x", i)
	}
	now := time.Now().Unix()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ts := now + int64(i/47000)
		n := nonces[i%len(nonces)] + strconv.Itoa(i/len(nonces))
		if err := c.Record("1900000001", n, ts, ts, 300); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkNonceCacheMemory reports the heap bytes per held nonce with the
// cache at its budget.
func BenchmarkNonceCacheMemory(b *testing.B) {
	const n = 1 << 20
	for b.Loop() {
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		c := NewNonceCache(n)
		for i := range n {
			ts := int64(1000 + i/47000)
			if err := c.Record("1900000001", strconv.Itoa(i), ts, ts, 300); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&m1)
		b.ReportMetric(float64(m1.HeapAlloc-m0.HeapAlloc)/n, "B/nonce")
		runtime.KeepAlive(c)
	}
}
