package loadgen

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// latencyStats are the statistics latency.X and lag.X accept, with their
// quantiles (negative: min, mean, max).
var latencyStats = []struct {
	name string
	q    float64
}{{"min", -1}, {"mean", -2}, {"max", -3}, {"p50", 0.5}, {"p75", 0.75}, {"p90", 0.9}, {"p95", 0.95}, {"p99", 0.99}, {"p999", 0.999}, {"p9999", 0.9999}}

// countFields are the lower-case fields of an operation group; upper-case
// fields are codes.
var countFields = []string{"total", "accepted", "replayed", "issued", "1xx", "2xx", "3xx", "4xx", "5xx"}

// groupNames are the operation groups metrics read: codes (every
// operation), sends (send_v3 and send_card) and each wire operation.
func groupNames() []string {
	g := []string{"codes", "sends"}
	for _, o := range wireOps {
		g = append(g, o.String())
	}
	return g
}

// MetricNames describes the metrics thresholds may read.
func MetricNames() []string {
	var lat []string
	for _, s := range latencyStats {
		lat = append(lat, s.name)
	}
	return []string{
		"requests (every answer and failure)",
		"duration (from the start to the last answer)",
		"rate.target, rate.achieved (requests per second: the schedule's and what was sent)",
		"latency.{" + strings.Join(lat, ",") + "} (durations)",
		"lag.{" + strings.Join(lat, ",") + "} (how late requests left against the schedule)",
		"capacity (the highest step rate that held, with hold:)",
		"GROUP.FIELD with GROUP one of " + strings.Join(groupNames(), ", ") +
			" and FIELD one of " + strings.Join(countFields, ", ") + " or a code such as FREQUENCY_LIMITED, TIMEOUT, TRANSPORT, HTTP_502",
	}
}

// metricDim checks a metric name and returns its dimension.
func metricDim(name string) (dim, error) {
	switch name {
	case "requests", "capacity", "rate.target", "rate.achieved":
		return dimNumber, nil
	case "duration":
		return dimTime, nil
	}
	group, field, ok := strings.Cut(name, ".")
	if !ok || strings.Contains(field, ".") {
		return 0, fmt.Errorf("unknown metric %q (allowed: %s)", name, strings.Join(MetricNames(), "; "))
	}
	switch group {
	case "latency", "lag":
		for _, s := range latencyStats {
			if s.name == field {
				return dimTime, nil
			}
		}
		var names []string
		for _, s := range latencyStats {
			names = append(names, s.name)
		}
		return 0, fmt.Errorf("unknown statistic %q in %s (allowed: %s)", field, name, strings.Join(names, ", "))
	case "rate":
		return 0, fmt.Errorf("unknown metric %q (allowed: rate.target, rate.achieved)", name)
	}
	if !slices.Contains(groupNames(), group) {
		return 0, fmt.Errorf("unknown metric %q (allowed: %s)", name, strings.Join(MetricNames(), "; "))
	}
	if slices.Contains(countFields, field) || isCodeName(field) {
		return dimNumber, nil
	}
	return 0, fmt.Errorf("unknown field %q in %s (allowed: %s, or an upper-case code such as FREQUENCY_LIMITED)", field, name, strings.Join(countFields, ", "))
}

// isCodeName reports whether s looks like a platform code: upper-case
// letters, digits and underscores, starting with a letter.
func isCodeName(s string) bool {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// opTally counts one operation's answers.
type opTally struct {
	total    int
	replayed int            // replayed counts accepted sends that answered a coupon already issued.
	codes    map[string]int // codes counts answers by code (CodeAccepted for success).
	class    [6]int         // class counts answers by HTTP status class; 0 is no answer.
}

// tally counts answers by wire operation; index 0 holds requests the driver
// could not classify.
type tally [numOps]opTally

func (t *tally) add(op Op, code string, status uint16, replayed bool) {
	o := &t[op]
	o.total++
	if o.codes == nil {
		o.codes = map[string]int{}
	}
	o.codes[code]++
	o.class[min(int(status)/100, 5)]++
	if replayed {
		o.replayed++
	}
}

// count returns field for the operations ops.
func (t *tally) count(ops []Op, field string) int {
	n := 0
	for _, op := range ops {
		o := &t[op]
		switch field {
		case "total":
			n += o.total
		case "replayed":
			n += o.replayed
		case "issued":
			n += o.codes[CodeAccepted] - o.replayed
		case "1xx", "2xx", "3xx", "4xx", "5xx":
			n += o.class[field[0]-'0']
		default:
			n += o.codes[field]
		}
	}
	return n
}

// codes returns the counts by code over every operation.
func (t *tally) codes() map[string]int {
	out := map[string]int{}
	for i := range t {
		for k, v := range t[i].codes {
			out[k] += v
		}
	}
	return out
}

// second is one second of a scope's results.
type second struct {
	count int
	codes map[string]int
	lat   []uint32 // lat holds latencies in microseconds.
}

// stats are the results of a scope: a phase, a capacity step or the whole
// run. Latencies and lags are kept whole (4 bytes per request), so
// quantiles are exact; runs are bounded by MaxRequests.
type stats struct {
	tally
	start     time.Time     // start is when the scope's schedule began.
	schedule  *Schedule     // schedule is the scope's pacer (nil: unknown or several).
	sched     time.Duration // sched is when the schedule's last request was due (0: unknown).
	active    time.Duration // active is the time spent sending, for a scope of several phases (0: lastStart).
	planned   int           // planned is how many requests the schedule held.
	hits      int           // hits counts requests sent.
	lastStart time.Duration // lastStart is when the last request left, after start.
	lastEnd   time.Duration // lastEnd is when the last answer came, after start.
	seconds   []second
	lags      []uint32 // lags hold how late requests left, in microseconds (nil: unknown).
	sorted    []uint32 // sorted caches every latency in order.
}

// micros converts d to whole microseconds, saturating.
func micros(d time.Duration) uint32 {
	switch {
	case d <= 0:
		return 0
	case d >= time.Duration(math.MaxUint32)*time.Microsecond:
		return math.MaxUint32
	}
	return uint32(d / time.Microsecond)
}

// add records one result; lag < 0 means unknown.
func (s *stats) add(r *vegeta.Result, op Op, code string, replayed bool, lag time.Duration) {
	s.tally.add(op, code, r.Code, replayed)
	s.hits++
	at := r.Timestamp.Sub(s.start)
	s.lastStart = max(s.lastStart, at)
	s.lastEnd = max(s.lastEnd, at+r.Latency)
	sec := max(int(at/time.Second), 0)
	for len(s.seconds) <= sec {
		s.seconds = append(s.seconds, second{})
	}
	x := &s.seconds[sec]
	x.count++
	if x.codes == nil {
		x.codes = map[string]int{}
	}
	x.codes[code]++
	x.lat = append(x.lat, micros(r.Latency))
	if lag >= 0 {
		s.lags = append(s.lags, micros(lag))
	}
	s.sorted = nil
}

// latencies returns every latency in ascending order.
func (s *stats) latencies() []uint32 {
	if s.sorted == nil {
		n := 0
		for _, x := range s.seconds {
			n += len(x.lat)
		}
		all := make([]uint32, 0, n)
		for _, x := range s.seconds {
			all = append(all, x.lat...)
		}
		slices.Sort(all)
		s.sorted = all
	}
	return s.sorted
}

// quantile returns statistic q of sorted microseconds in seconds (q < 0:
// min, mean, max as in latencyStats); ok is false for no values.
func quantile(sorted []uint32, q float64) (float64, bool) {
	n := len(sorted)
	if n == 0 {
		return 0, false
	}
	switch q {
	case -1:
		return float64(sorted[0]) / 1e6, true
	case -3:
		return float64(sorted[n-1]) / 1e6, true
	case -2:
		sum := 0.0
		for _, v := range sorted {
			sum += float64(v)
		}
		return sum / float64(n) / 1e6, true
	}
	i := int(math.Ceil(q*float64(n))) - 1 // nearest rank
	return float64(sorted[min(max(i, 0), n-1)]) / 1e6, true
}

// targetRate is the schedule's mean rate: planned requests over the time
// the last was due.
func (s *stats) targetRate() (float64, bool) {
	if s.sched <= 0 || s.planned == 0 {
		return 0, false
	}
	return float64(s.planned) / s.sched.Seconds(), true
}

// achievedRate is requests sent over the time the last one left.
func (s *stats) achievedRate() (float64, bool) {
	if s.hits == 0 {
		return 0, false
	}
	t := s.lastStart
	if s.active > 0 {
		t = s.active
	}
	return float64(s.hits) / max(t, time.Microsecond).Seconds(), true
}

// groupOps returns the wire operations a metric group covers.
func groupOps(group string) []Op {
	switch group {
	case "codes":
		return append([]Op{0}, wireOps...)
	case "sends":
		return []Op{OpSendV3, OpSendCard}
	}
	for _, o := range wireOps {
		if o.String() == group {
			return []Op{o}
		}
	}
	return nil
}

// metric returns a named metric of s (see MetricNames); capacity is
// answered by the caller.
func (s *stats) metric(name string) (float64, bool) {
	switch name {
	case "requests":
		return float64(s.tally.count(groupOps("codes"), "total")), true
	case "duration":
		return s.lastEnd.Seconds(), true
	case "rate.target":
		return s.targetRate()
	case "rate.achieved":
		return s.achievedRate()
	}
	group, field, _ := strings.Cut(name, ".")
	switch group {
	case "latency", "lag":
		src := s.latencies()
		if group == "lag" {
			if s.lags == nil {
				return 0, false
			}
			src = slices.Sorted(slices.Values(s.lags))
		}
		for _, st := range latencyStats {
			if st.name == field {
				return quantile(src, st.q)
			}
		}
		return 0, false
	}
	ops := groupOps(group)
	if ops == nil {
		return 0, false
	}
	return float64(s.tally.count(ops, field)), true
}
