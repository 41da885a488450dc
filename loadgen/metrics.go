package loadgen

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	vegeta "github.com/tsenart/vegeta/v12/lib"
	vegprom "github.com/tsenart/vegeta/v12/lib/prom"
)

// maxCodeLabels caps the distinct platform codes the metrics label: codes
// come from the target's bodies, so a misbehaving target could otherwise
// grow the series without bound. Further codes count as OTHER.
const maxCodeLabels = 64

// latencyBuckets are the histogram buckets of the driver's latency, the
// mock's own (giftsim_mock_request_duration_seconds), so the dashboard
// shows both sides on one scale.
var latencyBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5}

// Metrics are a run's live Prometheus metrics, for a scrape while the run
// goes (giftsim load --metrics-addr). Answers are counted by operation,
// HTTP status and the platform's code read from the body, which vegeta's
// own lib/prom does not know; vegeta's Metrics are not used since they
// label by URL, and the driver's URLs carry openids and coupon ids (one
// series per user). Build it with NewMetrics; a Driver feeds it through
// WithMetrics.
type Metrics struct {
	reg       *prometheus.Registry
	start     time.Time
	responses *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	target    prometheus.Gauge
	achieved  prometheus.Gauge
	quotaUsed *prometheus.GaugeVec
	quotaMax  *prometheus.GaugeVec
	phase     *prometheus.GaugeVec
	aborted   prometheus.Gauge

	// The rest is the feeding side's, under mu.
	mu     sync.Mutex
	byKey  map[respKey]prometheus.Counter // byKey caches the counters by answer, codes as seen
	byOp   [numOps]prometheus.Observer
	codes  map[string]bool // codes are the code labels in use
	phases []string
	used   prometheus.Gauge
}

// respKey is one series of giftsim_load_responses_total.
type respKey struct {
	op     Op
	status uint16
	code   string
}

// The names of the driver's metrics (the dashboard's test reads them).
const (
	MetricResponses  = "giftsim_load_responses_total"
	MetricLatency    = "giftsim_load_request_duration_seconds"
	MetricTargetRate = "giftsim_load_target_requests_per_second"
	MetricAchieved   = "giftsim_load_achieved_requests_per_second"
	MetricQuotaUsed  = "giftsim_load_quota_used"
	MetricQuotaLimit = "giftsim_load_quota_limit"
	MetricPhase      = "giftsim_load_phase"
	MetricAbortedRun = "giftsim_load_aborted"
	otherCode        = "OTHER" // otherCode labels codes past maxCodeLabels and malformed ones.
)

// NewMetrics returns the driver's metrics in a registry of their own.
func NewMetrics() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), start: time.Now(), byKey: map[respKey]prometheus.Counter{}, codes: map[string]bool{}}
	m.responses = prometheus.NewCounterVec(prometheus.CounterOpts{Name: MetricResponses,
		Help: "Answers and failures by operation, HTTP status (0: no answer) and the platform code read from the body (accepted, FREQUENCY_LIMITED, HTTP_502, TIMEOUT, TRANSPORT ...)."},
		[]string{"op", "status", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: MetricLatency,
		Help: "Time from sending a request to its answer, by operation.", Buckets: latencyBuckets}, []string{"op"})
	m.target = prometheus.NewGauge(prometheus.GaugeOpts{Name: MetricTargetRate,
		Help: "The schedule's rate in the last full second (the rate profile of the running phase)."})
	m.achieved = prometheus.NewGauge(prometheus.GaugeOpts{Name: MetricAchieved,
		Help: "Requests sent in the last full second whose answers have come."})
	m.quotaUsed = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: MetricQuotaUsed,
		Help: "Coupons issued to the driver's sends in this run (accepted sends that were not replays), per merchant (R11)."}, []string{"mchid"})
	m.quotaMax = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: MetricQuotaLimit,
		Help: "The merchant's daily issuing quota as the driver knows it (0: unknown; R11)."}, []string{"mchid"})
	m.phase = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: MetricPhase,
		Help: "1 for the running phase, 0 for the others."}, []string{"phase"})
	m.aborted = prometheus.NewGauge(prometheus.GaugeOpts{Name: MetricAbortedRun,
		Help: "1 once an abort threshold stopped the run."})
	m.reg.MustRegister(m.responses, m.latency, m.target, m.achieved, m.quotaUsed, m.quotaMax, m.phase, m.aborted)
	return m
}

// Registry returns the registry the metrics are in.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in Prometheus's text format, or OpenMetrics
// when the scraper asks for it (vegeta's lib/prom handler).
func (m *Metrics) Handler() http.Handler { return vegprom.NewHandler(m.reg, m.start) }

// opLabel names an operation in labels ("other": not classified).
func opLabel(op Op) string {
	if op == 0 {
		return "other"
	}
	return op.String()
}

// observe counts one answer.
func (m *Metrics) observe(op Op, status uint16, code string, latency time.Duration, issued bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := respKey{op, status, code}
	c, ok := m.byKey[k]
	if !ok {
		label := code
		if !m.codes[label] && (!isCodeName(label) && label != CodeAccepted || len(label) > 64 || len(m.codes) >= maxCodeLabels) {
			label = otherCode
		}
		m.codes[label] = true
		c = m.responses.WithLabelValues(opLabel(op), strconv.Itoa(int(status)), label)
		if len(m.byKey) < 4*maxCodeLabels*int(numOps) {
			m.byKey[k] = c // an OTHER code is looked up afresh once the cache is full
		}
	}
	c.Inc()
	h := m.byOp[op]
	if h == nil {
		h = m.latency.WithLabelValues(opLabel(op))
		m.byOp[op] = h
	}
	h.Observe(latency.Seconds())
	if issued && m.used != nil {
		m.used.Inc()
	}
}

// setMerchant names the signing merchant and its quota.
func (m *Metrics) setMerchant(mchID string, quota int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.used = m.quotaUsed.WithLabelValues(mchID)
	m.quotaMax.WithLabelValues(mchID).Set(float64(quota))
}

// setPhases lists the plan's phases, none running yet.
func (m *Metrics) setPhases(names []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.phases = names
	for _, n := range names {
		m.phase.WithLabelValues(n).Set(0)
	}
}

// setPhase marks the running phase ("" for none).
func (m *Metrics) setPhase(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, n := range m.phases {
		v := 0.0
		if n == name {
			v = 1
		}
		m.phase.WithLabelValues(n).Set(v)
	}
}

// watch feeds a run's answers to its abort thresholds, its live metrics
// and its live view. Every method is safe on a watch with none of them.
type watch struct {
	d     *Driver
	ab    *aborter
	m     *Metrics
	view  *liveView
	fired *Abort // fired is the abort threshold that stopped the run.
	tick  *time.Ticker
	phase int // phase is the running phase's index.
	start time.Time
}

// newWatch returns the run's watch.
func (d *Driver) newWatch() *watch {
	w := &watch{d: d, m: d.metrics}
	if d.progress != nil {
		w.view = &liveView{w: d.progress, width: d.width}
	}
	if w.m != nil {
		var names []string
		for _, ph := range d.plan.Phases {
			names = append(names, ph.Name)
		}
		w.m.setPhases(names)
		w.m.setMerchant(d.cred.mchID, d.cred.quota)
	}
	return w
}

// startPhase begins phase i of the plan at start (the run starts with the
// first).
func (w *watch) startPhase(i int, pr *phaseRun, start time.Time) {
	if w.start.IsZero() {
		w.start = start
		w.ab = newAborter(w.d.plan, start)
	}
	w.phase = i
	if w.ab != nil {
		w.ab.startPhase(pr.ph.Name, pr.sched, start)
	}
	if w.m != nil {
		w.m.setPhase(pr.ph.Name)
	}
}

// observe takes one answer.
func (w *watch) observe(r *vegeta.Result, op Op, code string, replayed bool) {
	if w.ab != nil {
		w.ab.add(r.Timestamp, op, code, r.Code, r.Latency)
	}
	if w.m != nil {
		issued := (op == OpSendV3 || op == OpSendCard) && code == CodeAccepted && !replayed
		w.m.observe(op, r.Code, code, r.Latency, issued)
	}
}

// judgeEvery returns the channel on which the abort thresholds are due to
// be judged (nil when there are none).
func (w *watch) judgeEvery() <-chan time.Time {
	if w.ab == nil {
		return nil
	}
	w.tick = time.NewTicker(abortEvery)
	return w.tick.C
}

// stopJudging stops the ticker judgeEvery started.
func (w *watch) stopJudging() {
	if w.tick != nil {
		w.tick.Stop()
		w.tick = nil
	}
}

// judge judges the abort thresholds at now and reports whether one fired.
func (w *watch) judge(now time.Time) bool {
	if w.ab == nil || w.fired != nil {
		return false
	}
	w.fired = w.ab.judge(now)
	if w.fired != nil && w.m != nil {
		w.m.aborted.Set(1)
	}
	return w.fired != nil
}

// second runs once a second during a phase: the rate gauges and the live
// view.
func (w *watch) second(pr *phaseRun, ps *PhaseSummary, col *collector) {
	if w.m == nil && w.view == nil {
		return
	}
	s := w.d.snapshot(w, pr, ps, col)
	if w.m != nil {
		w.m.target.Set(s.Target)
		w.m.achieved.Set(float64(s.Rate))
	}
	if w.view != nil {
		w.view.show(s)
	}
}

// end marks the run over: no phase runs.
func (w *watch) end() {
	w.stopJudging()
	if w.m != nil {
		w.m.setPhase("")
		w.m.target.Set(0)
	}
	if w.view != nil {
		w.view.done()
	}
}
