package loadgen

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"giftsim/platform"
	"giftsim/results"
)

// Defaults and bounds of abort thresholds (k6's abortOnFail): a threshold
// marked abort: true is also judged during the run over a sliding window
// of its last Window, once the window holds MinRequests answers.
const (
	DefaultAbortWindow      = 10 * time.Second // DefaultAbortWindow is the sliding window unless the plan says otherwise.
	DefaultAbortMinRequests = 100              // DefaultAbortMinRequests is how many answers a window needs before it can fire.
	minAbortWindow          = time.Second
	maxAbortWindow          = 10 * time.Minute
	// abortEvery is how often the windows are judged.
	abortEvery = 250 * time.Millisecond
)

// ErrAborted is a run stopped by an abort threshold; the summary holds what
// ran and says which threshold stopped it (Summary.Aborted).
var ErrAborted = errors.New("run aborted by threshold")

// windowMetric says why a metric cannot be judged over a sliding window,
// or "" when it can: requests, rates, latency statistics and counts can;
// duration, capacity and lag are whole-phase figures.
func windowMetric(name string) string {
	switch name {
	case "requests", "rate.target", "rate.achieved":
		return ""
	case "duration", "capacity":
		return name + " is a whole-run figure"
	}
	group, _, _ := strings.Cut(name, ".")
	if group == "lag" {
		return "lag is a whole-run figure"
	}
	return ""
}

// Abort says which threshold stopped a run, when, and what it observed.
type Abort struct {
	Phase    string        // Phase is the phase whose threshold fired ("" for the plan's).
	Expr     string        // Expr is the threshold as written in canonical form.
	Window   time.Duration // Window is the sliding window it was judged over.
	At       time.Time     // At is when it fired.
	Elapsed  time.Duration // Elapsed is the time since the run started.
	Observed string        // Observed is each compared value over the window.
	Requests int           // Requests counts the answers in the window.
}

// Load returns the abort as the load result records it.
func (a *Abort) Load() *results.LoadAbort {
	label := a.Expr
	if a.Phase != "" {
		label = "[" + a.Phase + "] " + a.Expr
	}
	return &results.LoadAbort{Threshold: label, At: a.At, Elapsed: a.Elapsed.Seconds(), Window: a.Window.Seconds(),
		Observed: a.Observed, Requests: a.Requests}
}

// String is the sentence the summary and report show.
func (a *Abort) String() string { return a.Load().String() }

// Latency histogram of a window bucket: exact below 64 µs, then 32
// buckets per doubling (at most 1.6% from the bucket's middle), up to
// the largest uint32 microseconds.
const (
	histExact   = 64
	histPerStep = 32
	histBuckets = histExact + 26*histPerStep
)

// histIndex returns the bucket of v microseconds.
func histIndex(v uint32) int {
	if v < histExact {
		return int(v)
	}
	e := bits.Len32(v) - 6 // v >> e is in [32, 64)
	return histExact + (e-1)*histPerStep + int(v>>e) - histPerStep
}

// histValue returns the middle of bucket i in microseconds.
func histValue(i int) float64 {
	if i < histExact {
		return float64(i)
	}
	e := (i-histExact)/histPerStep + 1
	m := (i-histExact)%histPerStep + histPerStep
	lo := float64(uint64(m) << e)
	return lo + float64(uint64(1)<<e-1)/2
}

// bucket is one second of results in a sliding window.
type bucket struct {
	sec int64 // sec is the second since the window's origin it holds (-1: empty).
	n   int
	t   tally
	lat [histBuckets]uint32
}

// slidingWindow counts results in per-second buckets in a ring, so judging
// the last W seconds reads W buckets, never the results themselves.
type slidingWindow struct {
	origin time.Time     // origin is second 0.
	size   time.Duration // size is the window's length.
	from   time.Time     // from is when the window began to fill (its scope's start).
	ring   []bucket
}

func newSlidingWindow(origin time.Time, size time.Duration) *slidingWindow {
	n := int((size+time.Second-1)/time.Second) + 1 // the seconds it spans, and the one filling
	w := &slidingWindow{origin: origin, size: size, from: origin, ring: make([]bucket, n)}
	for i := range w.ring {
		w.ring[i].sec = -1
	}
	return w
}

// second returns the second of t since the origin.
func (w *slidingWindow) second(t time.Time) int64 {
	d := t.Sub(w.origin)
	if d < 0 {
		return -1
	}
	return int64(d / time.Second)
}

// add records one answer to a request sent at at.
func (w *slidingWindow) add(at time.Time, op Op, code string, status uint16, latency time.Duration) {
	s := w.second(at)
	if s < 0 {
		return
	}
	b := &w.ring[s%int64(len(w.ring))]
	if b.sec != s {
		if b.sec > s {
			return // older than the ring holds
		}
		b.sec, b.n, b.t, b.lat = s, 0, tally{}, [histBuckets]uint32{}
	}
	b.n++
	b.t.add(op, code, status, false)
	b.lat[histIndex(micros(latency))]++
}

// view returns the window ending at now: its answers, and the time it
// spans (less than size while its scope is younger than that).
func (w *slidingWindow) view(now time.Time) windowView {
	start := now.Add(-w.size)
	if start.Before(w.from) {
		start = w.from
	}
	v := windowView{start: start, end: now}
	lo, hi := w.second(start), w.second(now)
	for i := range w.ring {
		b := &w.ring[i]
		if b.sec < 0 || b.sec < lo || b.sec > hi {
			continue
		}
		v.buckets = append(v.buckets, b)
		v.requests += b.n
	}
	return v
}

// windowView is a window's buckets at one moment.
type windowView struct {
	start, end time.Time
	buckets    []*bucket
	requests   int
	// target returns the requests the schedule had due between two times
	// (nil: no schedule).
	target func(from, to time.Time) float64
}

// span is the time the view covers.
func (v windowView) span() time.Duration { return max(v.end.Sub(v.start), time.Millisecond) }

// metric returns a metric (see MetricNames) over the window.
func (v windowView) metric(name string) (float64, bool) {
	switch name {
	case "requests":
		return float64(v.requests), true
	case "rate.achieved":
		return float64(v.requests) / v.span().Seconds(), true
	case "rate.target":
		if v.target == nil {
			return 0, false
		}
		return v.target(v.start, v.end) / v.span().Seconds(), true
	}
	group, field, _ := strings.Cut(name, ".")
	if group == "latency" {
		return v.latency(field)
	}
	ops := groupOps(group)
	if ops == nil {
		return 0, false
	}
	n := 0
	for _, b := range v.buckets {
		n += b.t.count(ops, field)
	}
	return float64(n), true
}

// latency returns a latency statistic over the window, in seconds, from
// the buckets' histograms.
func (v windowView) latency(stat string) (float64, bool) {
	var h [histBuckets]uint64
	total := uint64(0)
	for _, b := range v.buckets {
		for i, c := range b.lat {
			h[i] += uint64(c)
		}
		total += uint64(b.n)
	}
	if total == 0 {
		return 0, false
	}
	var q float64
	for _, s := range latencyStats {
		if s.name == stat {
			q = s.q
		}
	}
	switch q {
	case -1, -3: // min, max
		for k := range h {
			i := k
			if q == -3 {
				i = len(h) - 1 - k
			}
			if h[i] > 0 {
				return histValue(i) / 1e6, true
			}
		}
	case -2: // mean
		sum := 0.0
		for i, c := range h {
			sum += float64(c) * histValue(i)
		}
		return sum / float64(total) / 1e6, true
	}
	rank := uint64(max(math.Ceil(q*float64(total)), 1)) // nearest rank, as quantile does
	seen := uint64(0)
	for i, c := range h {
		seen += c
		if seen >= rank {
			return histValue(i) / 1e6, true
		}
	}
	return histValue(len(h)-1) / 1e6, true
}

// abortWatch is one abort threshold and its window.
type abortWatch struct {
	check  Check
	phase  string // phase is the phase it belongs to ("" for the plan's).
	win    *slidingWindow
	active bool
}

// aborter judges a run's abort thresholds over their sliding windows.
type aborter struct {
	watches []*abortWatch
	start   time.Time // start is when the run began.
	// The current phase's schedule and start, for rate.target.
	sched      *Schedule
	phaseStart time.Time
}

// newAborter returns the plan's abort thresholds ready to watch a run that
// starts at start, or nil when the plan has none.
func newAborter(p *Plan, start time.Time) *aborter {
	a := &aborter{start: start}
	add := func(phase string, cs []Check) {
		for _, c := range cs {
			if c.Abort {
				a.watches = append(a.watches, &abortWatch{check: c, phase: phase, win: newSlidingWindow(start, c.window()), active: phase == ""})
			}
		}
	}
	for _, ph := range p.Phases {
		add(ph.Name, ph.Thresholds)
	}
	add("", p.Thresholds)
	if len(a.watches) == 0 {
		return nil
	}
	return a
}

// startPhase begins watching a phase: its own abort thresholds start with
// an empty window, the plan's keep theirs.
func (a *aborter) startPhase(name string, sched *Schedule, start time.Time) {
	a.sched, a.phaseStart = sched, start
	for _, w := range a.watches {
		if w.phase == "" {
			continue
		}
		w.active = w.phase == name
		if w.active {
			w.win = newSlidingWindow(start, w.check.window())
		}
	}
}

// add records one answer in every active window.
func (a *aborter) add(at time.Time, op Op, code string, status uint16, latency time.Duration) {
	for _, w := range a.watches {
		if w.active {
			w.win.add(at, op, code, status, latency)
		}
	}
}

// due returns the requests the current phase's schedule had due between
// two times.
func (a *aborter) due(from, to time.Time) float64 {
	if a.sched == nil {
		return 0
	}
	return max(a.sched.Hits(to.Sub(a.phaseStart))-a.sched.Hits(from.Sub(a.phaseStart)), 0)
}

// judge returns the first abort threshold that fails over its window at
// now, or nil. A window with fewer answers than its minimum never fires,
// nor does one whose metrics are not available (no latency yet).
func (a *aborter) judge(now time.Time) *Abort {
	for _, w := range a.watches {
		if !w.active {
			continue
		}
		v := w.win.view(now)
		v.target = a.due
		if v.requests < w.check.minRequests() {
			continue
		}
		pass, obs, err := w.check.Eval(v.metric)
		if err != nil || pass {
			continue
		}
		return &Abort{Phase: w.phase, Expr: w.check.String(), Window: w.check.window(), At: now, Elapsed: now.Sub(a.start),
			Observed: obs, Requests: v.requests}
	}
	return nil
}

// status sums up each active abort threshold's window for the live view.
func (a *aborter) status(now time.Time) []string {
	var out []string
	for _, w := range a.watches {
		if !w.active {
			continue
		}
		v := w.win.view(now)
		v.target = a.due
		_, obs, err := w.check.Eval(v.metric)
		// The expression is shown whole; of what was observed, the values.
		var vals []string
		for _, o := range strings.Split(obs, "; ") {
			if _, val, ok := strings.Cut(o, " = "); ok {
				vals = append(vals, val)
			}
		}
		obs = strings.Join(vals, ", ")
		if err != nil || obs == "" {
			obs = "not yet measured"
		}
		state := "watching"
		if v.requests < w.check.minRequests() {
			state = fmt.Sprintf("%d of %d answers", v.requests, w.check.minRequests())
		}
		out = append(out, fmt.Sprintf("%s over %s: %s (%s)", w.check.String(), platform.FormatDuration(w.check.window()), obs, state))
	}
	return out
}

// window is the check's sliding window (DefaultAbortWindow unless set).
func (c Check) window() time.Duration {
	if c.Window > 0 {
		return c.Window
	}
	return DefaultAbortWindow
}

// minRequests is the answers a window needs before the check can fire.
func (c Check) minRequests() int {
	if c.MinRequests > 0 {
		return c.MinRequests
	}
	return DefaultAbortMinRequests
}

// abortCheck reads a threshold in its long form: {expr: "codes.5xx /
// requests <= 1%", abort: true, window: 10s, min_requests: 100}.
func (d *decoder) abortCheck(n *yaml.Node, path string, dst *Check) {
	var c Check
	var exprNode *yaml.Node
	var hasWindow, hasMin bool
	d.mapping(n, path, fields{
		"expr": func(v *yaml.Node, path string) {
			exprNode = v
			d.check(v, path, &c)
		},
		"abort": func(v *yaml.Node, path string) { d.boolean(v, path, &c.Abort) },
		"window": func(v *yaml.Node, path string) {
			hasWindow = true
			d.duration(v, path, minAbortWindow, maxAbortWindow, &c.Window)
		},
		"min_requests": func(v *yaml.Node, path string) {
			hasMin = true
			d.integer(v, path, 1, MaxRequests, &c.MinRequests)
		},
	})
	switch {
	case exprNode == nil:
		d.errf(n, path, "a threshold needs expr, e.g. {expr: \"codes.5xx / requests <= 1%%\", abort: true, window: 30s}")
		return
	case c.Threshold == nil:
		return
	case !c.Abort && (hasWindow || hasMin):
		d.errf(n, path, "window and min_requests judge an abort threshold during the run; set abort: true")
		return
	}
	if c.Abort {
		for _, m := range c.Metrics() {
			if why := windowMetric(m); why != "" {
				d.errf(exprNode, path+".expr", "abort thresholds are judged over a sliding window; %s (allowed: requests, rate.target, rate.achieved, latency.*, GROUP.FIELD)", why)
				return
			}
		}
	}
	c.Line, c.Col = n.Line, n.Column
	*dst = c
}
