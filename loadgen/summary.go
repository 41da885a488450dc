package loadgen

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"giftsim/results"
)

// Summary is what a run measured and how its thresholds were judged.
type Summary struct {
	Plan     string    // Plan names the plan.
	Target   string    // Target is the base URL driven.
	Host     string    // Host names the machine (and shard) that ran it.
	Seed     uint64    // Seed is the seed of the driver's random choices.
	RunTag   string    // RunTag starts every out_request_no of the run.
	Shard    int       // Shard is this host's shard (from 0).
	Shards   int       // Shards is the number of shards (1: not sharded).
	Started  time.Time // Started is when the first phase began.
	Merchant string    // Merchant is the signing merchant.
	Quota    int       // Quota is its daily quota (0: unknown).
	// StartAt is the common start the run was given (WithStartAt; zero:
	// none) and StartedAt when its wait for it ended (start.go).
	StartAt, StartedAt time.Time
	// Protocol is what the target spoke to the first probe, e.g.
	// "HTTP/2.0 over TLS 1.3" (tls.go).
	Protocol string
	// Warnings are sentences a reader must see before trusting the run,
	// e.g. that the server's certificate was not verified (--insecure).
	Warnings []string
	// Interrupted is set when the run stopped before its schedule ended
	// (a signal or the plan's max_duration).
	Interrupted bool
	// Aborted is the abort threshold that stopped the run (nil: none).
	Aborted *Abort
	Phases  []*PhaseSummary
	// Verdicts are the thresholds as judged: each phase's, then the plan's.
	Verdicts []Verdict

	total   *stats
	hosts   []string            // hosts name the machines of merged results.
	targetR float64             // targetR is a merged run's target rate from its hosts' summaries.
	saved   []results.Threshold // saved are the thresholds the summaries beside read-back results were judged on.
	sources []results.LoadRun   // sources identify the files of read-back results.
	quota   []results.QuotaUse  // quota is read-back results' quota use per run and merchant.
	unknown []string            // unknown is what read-back results do not know (results.Load.Unknown).
	// savedAbort is the abort that stopped a read-back run.
	savedAbort *results.LoadAbort
	// unjudged are the thresholds left unjudged (results.Load.Unjudged).
	unjudged []string
	// starts are the start times of merged shards (results.Load.Starts).
	starts *results.LoadStarts
}

// PhaseSummary is one phase's results.
type PhaseSummary struct {
	Name    string
	Started time.Time
	// Capacity is the highest step rate that held (phases with hold:);
	// HasCapacity says it was measured.
	Capacity    float64
	HasCapacity bool
	Steps       []StepSummary
	// FellBack counts operations sent as sends because no coupon was there
	// to act on.
	FellBack int

	stats *stats
}

// StepSummary is one step of a phase with hold:.
type StepSummary struct {
	Rate     float64 // Rate is the step's target rate.
	Judged   bool    // Judged says the step ran to its end.
	Held     bool
	Observed string
}

// Verdict is one threshold as judged.
type Verdict struct {
	Phase    string // Phase is the phase it judges ("" for the whole run).
	Expr     string
	Observed string
	Pass     bool
	Err      error // Err says why the threshold could not be judged.
}

// String formats the verdict as PASS or FAIL, the expression and what was
// observed.
func (v Verdict) String() string {
	s := "FAIL"
	if v.Pass {
		s = "PASS"
	}
	return fmt.Sprintf("%s  %s  (%s)", s, v.label(), v.observed())
}

// label is the expression, prefixed with its phase in brackets.
func (v Verdict) label() string {
	if v.Phase != "" {
		return "[" + v.Phase + "] " + v.Expr
	}
	return v.Expr
}

// observed is what was measured, or why it could not be judged.
func (v Verdict) observed() string {
	if v.Err != nil {
		return v.Err.Error()
	}
	return v.Observed
}

// Passed reports whether every threshold passed and the run was not
// interrupted.
func (s *Summary) Passed() bool {
	return !s.Interrupted && s.Aborted == nil && s.savedAbort == nil && !slices.ContainsFunc(s.Verdicts, func(v Verdict) bool { return !v.Pass })
}

// Phase returns the named phase's summary, or nil.
func (s *Summary) Phase(name string) *PhaseSummary {
	for _, p := range s.Phases {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Metric returns a metric (see MetricNames) of a phase, or of the whole run
// for phase "".
func (s *Summary) Metric(phase, name string) (float64, bool) {
	if phase != "" {
		p := s.Phase(phase)
		if p == nil {
			return 0, false
		}
		if name == "capacity" {
			return p.Capacity, p.HasCapacity
		}
		return p.stats.metric(name)
	}
	switch name {
	case "capacity":
		for i := len(s.Phases) - 1; i >= 0; i-- {
			if s.Phases[i].HasCapacity {
				return s.Phases[i].Capacity, true
			}
		}
		return 0, false
	case "rate.target":
		if s.targetR > 0 {
			return s.targetR, true
		}
	}
	return s.total.metric(name)
}

// checks returns the plan's thresholds as Judge labels them.
func checks(p *Plan) []string {
	var out []string
	for _, ph := range p.Phases {
		for _, c := range ph.Thresholds {
			out = append(out, Verdict{Phase: ph.Name, Expr: c.String()}.label())
		}
	}
	for _, c := range p.Thresholds {
		out = append(out, Verdict{Expr: c.String()}.label())
	}
	return out
}

// Judge evaluates the plan's thresholds against the summary (Run does for
// a whole run; call it for results merged from several hosts) and returns
// the verdicts, which it also keeps in Verdicts.
func (s *Summary) Judge(p *Plan) []Verdict {
	s.Verdicts = nil
	eval := func(phase string, c Check) {
		v := Verdict{Phase: phase, Expr: c.String()}
		if phase != "" && s.Phase(phase) == nil {
			v.Err = fmt.Errorf("no results for phase %s", phase)
		} else {
			v.Pass, v.Observed, v.Err = c.Eval(func(name string) (float64, bool) { return s.Metric(phase, name) })
			if v.Err != nil {
				v.Pass = false
			}
		}
		s.Verdicts = append(s.Verdicts, v)
	}
	for _, ph := range p.Phases {
		for _, c := range ph.Thresholds {
			eval(ph.Name, c)
		}
	}
	for _, c := range p.Thresholds {
		eval("", c)
	}
	return s.Verdicts
}

// latencyCurve are the quantiles of the latency curve in a results.Load.
var latencyCurve = []float64{0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.975, 0.99, 0.995, 0.999, 0.9999, 1}

// Load returns the plain summary the reports render (results.Load).
func (s *Summary) Load() *results.Load {
	t := s.total
	l := &results.Load{
		Schema: results.LoadSchemaVersion, Plan: s.Plan, Target: s.Target, Started: s.Started,
		Duration: t.lastEnd.Seconds(), Codes: t.codes(),
	}
	host := s.Host // the host that judged the thresholds; none for merged results
	switch {
	case len(s.hosts) > 0:
		l.Hosts, host = slices.Clone(s.hosts), ""
	case s.Host != "":
		l.Hosts = []string{s.Host}
	}
	l.Rate.Target, _ = s.Metric("", "rate.target")
	l.Rate.Achieved, _ = s.Metric("", "rate.achieved")
	targets := make([]float64, len(t.seconds))
	for _, p := range s.Phases {
		ps := p.stats
		if ps.schedule == nil {
			continue
		}
		off := ps.start.Sub(s.Started).Seconds()
		for i := range targets {
			a, b := float64(i)-off, float64(i+1)-off
			if b <= 0 {
				continue
			}
			targets[i] += ps.schedule.Hits(secs(b)) - ps.schedule.Hits(secs(max(a, 0)))
		}
	}
	for i, x := range t.seconds {
		if x.count == 0 && targets[i] == 0 {
			continue
		}
		sorted := slices.Sorted(slices.Values(x.lat))
		q := func(f float64) float64 { v, _ := quantile(sorted, f); return v * 1e3 }
		l.Seconds = append(l.Seconds, results.LoadSecond{T: i, Count: x.count, Target: targets[i],
			P50: q(0.5), P90: q(0.9), P99: q(0.99), Codes: maps.Clone(x.codes)})
	}
	if lat := t.latencies(); len(lat) > 0 {
		for _, f := range latencyCurve {
			v, _ := quantile(lat, f)
			l.Latency = append(l.Latency, results.LoadPercentile{Quantile: f, Ms: v * 1e3})
		}
	}
	switch {
	case s.quota != nil:
		l.Quota = slices.Clone(s.quota)
	case s.Merchant != "":
		l.Quota = []results.QuotaUse{{Run: s.RunTag, Merchant: s.Merchant, Used: t.count(groupOps("sends"), "issued"), Quota: s.Quota}}
	}
	l.Unknown = slices.Clone(s.unknown)
	for _, v := range s.Verdicts {
		l.Thresholds = append(l.Thresholds, results.Threshold{Expr: v.label(), Observed: v.observed(), Pass: v.Pass, Host: host})
	}
	if len(s.Verdicts) == 0 {
		// Results read back from files keep the thresholds their run was
		// judged on, and say which were left unjudged.
		l.Thresholds = slices.Clone(s.saved)
		l.Unjudged = slices.Clone(s.unjudged)
	}
	l.Seed, l.RunTag, l.Interrupted = s.Seed, s.RunTag, s.Interrupted
	l.StartAt, l.StartedAt, l.Starts = s.StartAt, s.StartedAt, s.starts
	l.Connection, l.Warnings = s.Protocol, slices.Clone(s.Warnings)
	switch {
	case s.Aborted != nil:
		l.Aborted = s.Aborted.Load()
	case s.savedAbort != nil:
		a := *s.savedAbort
		l.Aborted = &a
	}
	if s.Shards > 1 {
		l.Shard, l.Shards = s.Shard+1, s.Shards
	}
	for _, p := range s.Phases {
		lp := results.LoadPhase{Name: p.Name, Started: p.Started, LoadStats: p.stats.loadStats(), FellBack: p.FellBack, Behind: p.behind()}
		for _, op := range append([]Op{0}, wireOps...) {
			if o := p.stats.tally[op]; o.total > 0 {
				lp.Ops = append(lp.Ops, results.LoadOp{Op: op.String(), Total: o.total, Codes: maps.Clone(o.codes), Replayed: o.replayed})
			}
		}
		if p.HasCapacity {
			c := p.Capacity
			lp.Capacity = &c
		}
		for _, st := range p.Steps {
			lp.Steps = append(lp.Steps, results.LoadStep{Rate: st.Rate, Judged: st.Judged, Held: st.Held, Observed: st.Observed})
		}
		l.Phases = append(l.Phases, lp)
	}
	if t != nil && len(s.Phases) > 0 {
		ts := t.loadStats()
		l.Total = &ts
	}
	return l
}

// loadStats are the headline figures of st, latencies in milliseconds.
func (st *stats) loadStats() results.LoadStats {
	get := func(name string, scale float64) *float64 {
		v, ok := st.metric(name)
		if !ok {
			return nil
		}
		v *= scale
		return &v
	}
	out := results.LoadStats{Requests: st.hits, Achieved: get("rate.achieved", 1), Target: get("rate.target", 1),
		P50: get("latency.p50", 1e3), P90: get("latency.p90", 1e3), P99: get("latency.p99", 1e3), Max: get("latency.max", 1e3),
		LagP99: get("lag.p99", 1e3)}
	if st.schedule != nil {
		out.Planned = st.planned
	}
	return out
}

// sortedCodes returns the codes of counts, accepted first, then by name.
func sortedCodes(counts map[string]int) []string {
	codes := slices.Sorted(maps.Keys(counts))
	slices.SortStableFunc(codes, func(a, b string) int { return cmp.Compare(btoi(b == CodeAccepted), btoi(a == CodeAccepted)) })
	return codes
}

// ms formats seconds as milliseconds.
func ms(v float64, ok bool) string {
	if !ok {
		return "-"
	}
	return formatValue(v, dimTime)
}

// behind says how far a phase fell behind its schedule, or "" when it kept
// up: at least 95% of the target rate, or its last request left less than
// 50 ms late (a short phase's rate says little).
func (p *PhaseSummary) behind() string {
	tgt, ok1 := p.stats.targetRate()
	ach, ok2 := p.stats.achievedRate()
	if !ok1 || !ok2 || ach >= 0.95*tgt || p.stats.lastStart-p.stats.sched < 50*time.Millisecond {
		return ""
	}
	lag, _ := p.stats.metric("lag.max")
	return fmt.Sprintf("fell behind its schedule: %.0f/s of the target %.0f/s (lag up to %s); raise http.max_workers or lower the rate",
		ach, tgt, formatValue(lag, dimTime))
}

// collector classifies results into stats. It keeps the coupon ids that
// sends answered, to tell a replayed send (an idempotent retry) from a
// new issue.
type collector struct {
	seen  map[couponKey]struct{}
	total *stats
	// src is the input the next results come from: replays are told
	// within one driver's results, since separate runs (or mocks) may
	// answer the same coupon ids.
	src int
}

// couponKey is a coupon id as answered to one input.
type couponKey struct {
	src int
	id  string
}

func newCollector(start time.Time) *collector {
	return &collector{seen: map[couponKey]struct{}{}, total: &stats{start: start}}
}

// add records r in the phase's stats, the step's (if any) and the total,
// and returns how it classified r.
func (c *collector) add(r *vegeta.Result, scopes []*stats, lag time.Duration) (op Op, code string, replayed bool) {
	op = classifyURL(r.Method, r.URL)
	rep := parseReply(r.Body)
	code = codeOf(r, rep)
	if (op == OpSendV3 || op == OpSendCard) && code == CodeAccepted && rep.CouponID != "" {
		k := couponKey{c.src, rep.CouponID}
		if _, dup := c.seen[k]; dup {
			replayed = true
		} else {
			c.seen[k] = struct{}{}
		}
	}
	for _, s := range scopes {
		s.add(r, op, code, replayed, lag)
	}
	c.total.add(r, op, code, replayed, lag)
	return op, code, replayed
}

// ErrResults marks a results file that cannot be read.
var ErrResults = errors.New("results file")

// ReadResults reads raw result files in vegeta's binary format, from one
// host or several that ran a plan together, into one summary: phases are
// the attacks' names. A summary.json beside a file supplies the plan's
// name, the target, the target rate, the merchant and its quota, and the
// thresholds the run was judged on; what no summary.json supplies is
// listed in the results.Load's Unknown, never shown as zero. Quota use is
// counted per file and credited to that file's run and merchant.
// Sources identifies each file for results.CheckRelated; ReadResults does
// not check that the files belong together. Thresholds are not judged;
// call Judge with the plan.
func ReadResults(ctx context.Context, paths ...string) (*Summary, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("%w: no files", ErrResults)
	}
	var all []vegeta.Result
	var from []int // from[i] is the index in paths of all[i]'s file
	sum := &Summary{Shards: 1}
	var plans, targets []string
	saved := make([]*results.Load, len(paths))
	for i, p := range paths {
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			p = filepath.Join(p, results.LoadRawFile)
		}
		n := len(all)
		if err := readResultFile(ctx, p, &all); err != nil {
			return nil, err
		}
		for range len(all) - n {
			from = append(from, i)
		}
		src := results.LoadRun{Source: paths[i]}
		for _, r := range all[n:] {
			if src.Started.IsZero() || r.Timestamp.Before(src.Started) {
				src.Started = r.Timestamp
			}
			if e := r.Timestamp.Add(r.Latency); e.After(src.End) {
				src.End = e
			}
		}
		l, err := results.ReadLoadFile(filepath.Join(filepath.Dir(p), results.LoadSummaryFile))
		if err != nil {
			sum.unknown = appendNew(sum.unknown, results.UnknownPlan)
			sum.unknown = appendNew(sum.unknown, results.UnknownTarget)
			sum.unknown = appendNew(sum.unknown, results.UnknownRate)
			sum.unknown = appendNew(sum.unknown, results.UnknownThresholds)
			sum.unknown = appendNew(sum.unknown, results.UnknownQuota)
			sum.sources = append(sum.sources, src)
			continue
		}
		saved[i] = l
		id := l.Run(paths[i])
		id.Started, id.End = src.Started, src.End // the results read, not the summary's claim
		sum.sources = append(sum.sources, id)
		plans = appendNew(plans, l.Plan)
		targets = appendNew(targets, l.Target)
		for _, h := range l.Hosts {
			sum.hosts = appendNew(sum.hosts, h)
		}
		sum.targetR += l.Rate.Target
		for _, u := range l.Unknown {
			sum.unknown = appendNew(sum.unknown, u)
		}
		for _, u := range l.Unjudged {
			sum.unjudged = appendNew(sum.unjudged, u)
		}
		for _, w := range l.Warnings {
			sum.Warnings = appendNew(sum.Warnings, w)
		}
		if !strings.Contains(sum.Protocol, l.Connection) {
			sum.Protocol = strings.TrimPrefix(sum.Protocol+", "+l.Connection, ", ")
		}
		for _, th := range l.Thresholds {
			if th.Host == "" && len(l.Hosts) == 1 && len(paths) > 1 {
				th.Host = l.Hosts[0]
			}
			sum.saved = append(sum.saved, th)
		}
		if len(paths) == 1 {
			sum.Seed, sum.RunTag, sum.Interrupted = l.Seed, l.RunTag, l.Interrupted
			sum.StartAt, sum.StartedAt = l.StartAt, l.StartedAt
		}
		if sum.savedAbort == nil {
			sum.savedAbort = l.Aborted // a shard that aborted fails the merged run too
		}
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("%w: %s hold no results", ErrResults, strings.Join(paths, ", "))
	}
	sum.Plan, sum.Target, sum.Host = strings.Join(plans, ", "), strings.Join(targets, ", "), strings.Join(sum.hosts, ", ")
	if sum.starts = results.NewLoadStarts(paths, saved); sum.starts != nil {
		sum.Warnings = appendNew(sum.Warnings, sum.starts.Warning())
	}
	if slices.Contains(sum.unknown, results.UnknownRate) {
		sum.targetR = 0 // a sum over some files only would understate it
	}
	order := make([]int, len(all))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return all[a].Timestamp.Compare(all[b].Timestamp) })
	sum.Started = all[order[0]].Timestamp
	col := newCollector(sum.Started)
	files := make([]tally, len(paths)) // files[i] counts the answers of paths[i], for its quota
	for _, i := range order {
		r := &all[i]
		p := sum.Phase(r.Attack)
		if p == nil {
			p = &PhaseSummary{Name: r.Attack, Started: r.Timestamp, stats: &stats{start: r.Timestamp}}
			sum.Phases = append(sum.Phases, p)
		}
		col.src = from[i]
		op, code, replayed := col.add(r, []*stats{p.stats}, -1)
		files[from[i]].add(op, code, r.Code, replayed)
	}
	for _, p := range sum.Phases {
		col.total.active += p.stats.lastStart
	}
	sum.total = col.total
	// Quota use is the issued sends of each file, credited to the run and
	// merchant of the summary beside it (R11: the quota is a merchant's);
	// the files of one run add up per merchant.
	for i, l := range saved {
		if l == nil || len(l.Quota) == 0 {
			continue
		}
		q := l.Quota[0]
		if q.Run == "" {
			q.Run = l.RunTag
		}
		q.Used = files[i].count(groupOps("sends"), "issued")
		sum.quota = append(sum.quota, q)
	}
	sum.quota = results.MergeQuota(results.CheckRelated(sum.sources...) == nil, sum.quota)
	return sum, nil
}

// Sources identifies each file ReadResults read, in the order given, for
// results.CheckRelated (nil for a summary of a run).
func (s *Summary) Sources() []results.LoadRun { return slices.Clone(s.sources) }

// SummarizeFiles reads raw result files (or directories written with
// --out) from one or several hosts and returns their merged plain summary.
func SummarizeFiles(ctx context.Context, paths ...string) (*results.Load, error) {
	s, err := ReadResults(ctx, paths...)
	if err != nil {
		return nil, err
	}
	return s.Load(), nil
}

func readResultFile(ctx context.Context, path string, dst *[]vegeta.Result) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrResults, err)
	}
	defer f.Close()
	dec := vegeta.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		var r vegeta.Result
		if err := dec.Decode(&r); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("%w: %s: result %d: %w", ErrResults, path, n+1, err)
		}
		if len(*dst) >= 10*MaxRequests {
			return fmt.Errorf("%w: more than %d results", ErrResults, 10*MaxRequests)
		}
		*dst = append(*dst, r)
	}
}

func appendNew(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
