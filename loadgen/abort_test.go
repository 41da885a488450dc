package loadgen

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestHistogramBuckets checks the window histogram: exact below 64 µs,
// within 1.6% above, and in order.
func TestHistogramBuckets(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	prev := -1
	for v := uint32(0); v < 5000; v++ {
		i := histIndex(v)
		if i < prev || i > prev+1 {
			t.Fatalf("histIndex(%d) = %d after %d: not contiguous", v, i, prev)
		}
		prev = i
	}
	for range 100_000 {
		v := rng.Uint32()
		i := histIndex(v)
		if i < 0 || i >= histBuckets {
			t.Fatalf("histIndex(%d) = %d, out of [0, %d)", v, i, histBuckets)
		}
		if got := histValue(i); math.Abs(got-float64(v)) > float64(v)/64+0.5 {
			t.Fatalf("histValue(histIndex(%d)) = %v, more than 1.6%% off", v, got)
		}
	}
	if got := histIndex(math.MaxUint32); got != histBuckets-1 {
		t.Errorf("histIndex(max) = %d, want the last bucket %d", got, histBuckets-1)
	}
}

// event is one answer fed to a window: when its request left (seconds
// from the start), its status and its latency.
type event struct {
	at      float64
	status  uint16
	latency time.Duration
}

// series makes n events from at, every step seconds.
func series(n int, at, step float64, status uint16, lat time.Duration) []event {
	out := make([]event, n)
	for i := range out {
		out[i] = event{at + float64(i)*step, status, lat}
	}
	return out
}

// abortPlan parses a plan with one abort threshold.
func abortPlan(t *testing.T, check string) *Plan {
	t.Helper()
	p, err := ParsePlan(strings.NewReader("name: abort-table\nday: 10s\nphases: [{name: p, requests: 100000, rate: 1000/s}]\nthresholds:\n  - "+check+"\n"), "abort.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestAbortWindow feeds answers one by one and judges after each: the
// threshold must fire at exactly the answer where it first fails over its
// window with enough answers there, never before the minimum count, and
// answers older than the window must not count.
func TestAbortWindow(t *testing.T) {
	ok, fail := uint16(200), uint16(503)
	ms := time.Millisecond
	cases := []struct {
		name   string
		check  string
		events []event
		want   int // want is the index of the answer after which it fires (-1: never).
	}{
		{"ratio passes 1% at the third 5xx",
			`{expr: "codes.5xx / requests <= 1%", abort: true, window: 10s, min_requests: 100}`,
			append(series(200, 0, 0.01, ok, ms), series(10, 2, 0.01, fail, ms)...), 202},
		{"every answer 5xx: not before the 100th",
			`{expr: "codes.5xx / requests <= 1%", abort: true, window: 10s, min_requests: 100}`,
			series(150, 0, 0.01, fail, ms), 99},
		{"default minimum is 100",
			`{expr: "codes.5xx == 0", abort: true}`,
			series(150, 0, 0.01, fail, ms), DefaultAbortMinRequests - 1},
		{"too few answers never fire",
			`{expr: "codes.5xx == 0", abort: true, min_requests: 100}`,
			series(99, 0, 0.01, fail, ms), -1},
		{"5xx older than the window slide out",
			`{expr: "codes.5xx / requests <= 1%", abort: true, window: 5s, min_requests: 100}`,
			append(series(50, 0, 0.01, fail, ms), series(300, 7, 0.01, ok, ms)...), -1},
		{"5xx inside the window count",
			`{expr: "codes.5xx / requests <= 1%", abort: true, window: 10s, min_requests: 100}`,
			append(series(50, 0, 0.01, fail, ms), series(300, 7, 0.01, ok, ms)...), 99},
		{"p99 over 2s fires when the second slow answer makes the rank",
			`{expr: "latency.p99 < 2s", abort: true, window: 10s, min_requests: 100}`,
			append(series(98, 0, 0.01, ok, ms), series(2, 1, 0.01, ok, 3*time.Second)...), 99},
		{"one slow answer in 100 keeps p99 fast",
			`{expr: "latency.p99 < 2s", abort: true, window: 10s, min_requests: 100}`,
			append(series(99, 0, 0.01, ok, ms), series(1, 1, 0.01, ok, 3*time.Second)...), -1},
		{"timeouts count by code",
			`{expr: "codes.TIMEOUT + codes.TRANSPORT < 5", abort: true, min_requests: 10}`,
			append(series(20, 0, 0.01, ok, ms), series(10, 1, 0.01, 0, 5*time.Second)...), 24},
		{"keeping the schedule's rate",
			`{expr: "rate.achieved >= 0.5 * rate.target", abort: true, window: 2s, min_requests: 10}`,
			series(400, 0, 0.001, ok, ms), -1},
		{"falling behind the schedule's rate",
			`{expr: "rate.achieved >= 0.5 * rate.target", abort: true, window: 2s, min_requests: 10}`,
			series(400, 0, 0.01, ok, ms), 9},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := abortPlan(t, tc.check)
			start := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
			a := newAborter(p, start)
			if a == nil {
				t.Fatal("no abort threshold read")
			}
			sched, err := p.Phases[0].Schedule(p.Day, 0, 1)
			if err != nil {
				t.Fatal(err)
			}
			a.startPhase("p", sched, start)
			got := -1
			for i, e := range tc.events {
				at := start.Add(time.Duration(e.at * float64(time.Second)))
				code := CodeAccepted
				switch {
				case e.status == 0:
					code = CodeTimeout
				case e.status >= 500:
					code = "HTTP_503"
				}
				a.add(at, OpSendV3, code, e.status, e.latency)
				if ab := a.judge(at.Add(e.latency)); ab != nil {
					got = i
					if ab.Requests < a.watches[0].check.minRequests() || !strings.Contains(ab.Observed, "=") {
						t.Errorf("abort %+v: fewer answers than the minimum, or nothing observed", ab)
					}
					break
				}
			}
			if got != tc.want {
				t.Errorf("fired after answer %d, want %d", got, tc.want)
			}
		})
	}
}

// TestAbortPhaseWindow checks a phase's abort threshold watches only its
// phase, with a window that starts empty.
func TestAbortPhaseWindow(t *testing.T) {
	p, err := ParsePlan(strings.NewReader(`name: two
day: 10s
phases:
  - {name: first, requests: 100, rate: 100/s}
  - name: second
    requests: 100
    rate: 100/s
    thresholds: [{expr: "codes.5xx == 0", abort: true, min_requests: 10}]
`), "two.yaml")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	a := newAborter(p, start)
	// fail adds n 503 answers a millisecond apart from at.
	fail := func(at time.Time, n int) {
		for i := range n {
			a.add(at.Add(time.Duration(i)*time.Millisecond), OpSendV3, "HTTP_503", 503, time.Millisecond)
		}
	}
	s1, _ := p.Phases[0].Schedule(p.Day, 0, 1)
	a.startPhase("first", s1, start)
	fail(start, 50)
	if ab := a.judge(start.Add(100 * time.Millisecond)); ab != nil {
		t.Fatalf("the second phase's threshold fired in the first: %v", ab)
	}
	t2 := start.Add(time.Second)
	s2, _ := p.Phases[1].Schedule(p.Day, 0, 1)
	a.startPhase("second", s2, t2)
	fail(t2, 9)
	if ab := a.judge(t2.Add(10 * time.Millisecond)); ab != nil {
		t.Fatalf("fired with 9 answers of the phase (the first phase's 50 must not count): %v", ab)
	}
	fail(t2.Add(10*time.Millisecond), 1)
	ab := a.judge(t2.Add(20 * time.Millisecond))
	if ab == nil || ab.Phase != "second" || ab.Requests != 10 {
		t.Fatalf("judge = %+v, want the second phase's threshold over its 10 answers", ab)
	}
	if got := a.status(t2.Add(20 * time.Millisecond)); len(got) != 1 || got[0] != "codes.5xx == 0 over 10s: 10 (watching)" {
		t.Errorf("status = %q", got)
	}
	if got := ab.String(); !strings.Contains(got, "aborted by threshold [second] codes.5xx == 0 at 10:00:01.020Z") || !strings.Contains(got, "codes.5xx = 10") {
		t.Errorf("String() = %q", got)
	}
}

// TestAbortPlanErrors checks the long form of a threshold is read strictly
// and the old forms stay valid.
func TestAbortPlanErrors(t *testing.T) {
	head := "name: x\nday: 10s\nphases: [{requests: 10, rate: 10/s}]\nthresholds:\n"
	for _, tc := range []struct{ yaml, want string }{
		{`  - {expr: "duration < 1s", abort: true}`, "duration is a whole-run figure"},
		{`  - {expr: "lag.p99 < 1s", abort: true}`, "lag is a whole-run figure"},
		{`  - {expr: "codes.5xx == 0", window: 5s}`, "set abort: true"},
		{`  - {abort: true}`, "needs expr"},
		{`  - {expr: "codes.5xx == 0", abort: yes}`, "want true or false"},
		{`  - {expr: "codes.5xx == 0", abort: true, window: 100ms}`, "window"},
		{`  - {expr: "codes.5xx == 0", abort: true, min_requests: 0}`, "min_requests"},
		{`  - {expr: "codes.5xx == 0", abort: true, when: now}`, `unknown field "when"`},
		{`  - {expr: "codes.5xx =! 0", abort: true}`, `threshold "codes.5xx =! 0"`},
	} {
		_, err := ParsePlan(strings.NewReader(head+tc.yaml+"\n"), "bad.yaml")
		if err == nil || !errors.Is(err, ErrPlan) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one naming %q", tc.yaml, err, tc.want)
		}
		if err != nil && !strings.Contains(err.Error(), "bad.yaml:5:") {
			t.Errorf("%s: error %v does not name the line", tc.yaml, err)
		}
	}
	p, err := ParsePlan(strings.NewReader(head+"  - codes.5xx == 0\n  - {expr: \"latency.p99 < 2s\", abort: true, window: 30s, min_requests: 500}\n  - {expr: sends.accepted == 10}\n"), "ok.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got := slices.Collect(func(yield func(string) bool) {
		for _, c := range p.Thresholds {
			yield(c.String())
		}
	})
	if want := []string{"codes.5xx == 0", "latency.p99 < 2s", "sends.accepted == 10"}; !slices.Equal(got, want) {
		t.Errorf("thresholds %q, want %q", got, want)
	}
	c := p.Thresholds[1]
	if !c.Abort || c.window() != 30*time.Second || c.minRequests() != 500 || p.Thresholds[0].Abort || p.Thresholds[2].Abort {
		t.Errorf("abort fields %+v", p.Thresholds)
	}
}

// TestWindowMatchesScan checks the ring against a scan of every answer: at
// any moment the window counts exactly the answers whose request left in
// the seconds from now less its size to now, whatever their order within
// the ring's reach.
func TestWindowMatchesScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	origin := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	for trial := range 50 {
		size := time.Duration(1+rng.IntN(8)) * time.Second
		w := newSlidingWindow(origin, size)
		type ans struct {
			at   time.Time
			fail bool
		}
		var seen []ans
		now := origin
		for range 400 {
			now = now.Add(time.Duration(rng.IntN(80)) * time.Millisecond)
			// Answers come late by up to a second, as slow ones do.
			at := now.Add(-time.Duration(rng.IntN(1000)) * time.Millisecond)
			if at.Before(origin) {
				at = origin
			}
			fail := rng.IntN(4) == 0
			code, status := CodeAccepted, uint16(200)
			if fail {
				code, status = "SYSTEM_ERROR", 500
			}
			w.add(at, OpSendV3, code, status, time.Millisecond)
			seen = append(seen, ans{at, fail})
			v := w.view(now)
			lo, hi := w.second(now.Add(-size)), w.second(now)
			wantN, wantFail := 0, 0
			for _, a := range seen {
				if s := w.second(a.at); s >= lo && s <= hi {
					wantN++
					if a.fail {
						wantFail++
					}
				}
			}
			gotFail, _ := v.metric("codes.5xx")
			if v.requests != wantN || int(gotFail) != wantFail {
				t.Fatalf("trial %d at %s: window holds %d answers, %v 5xx; a scan finds %d, %d", trial, now.Sub(origin), v.requests, gotFail, wantN, wantFail)
			}
		}
	}
}
