package results

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// LoadSchemaVersion names the load summary format (the "schema" field of a
// saved Load). Fields added since (seed, phases, interrupted …) are
// optional, so summaries written before them still read.
const LoadSchemaVersion = "giftsim/load/v1"

// The files a load run writes into its output directory.
const (
	LoadRawFile     = "results.bin"  // LoadRawFile holds the raw results in vegeta's binary format.
	LoadSummaryFile = "summary.json" // LoadSummaryFile holds the Load (EncodeLoad).
)

// CodeAccepted is the key in the Codes maps for an operation the platform
// accepted; every other key is the platform's error code (FREQUENCY_LIMITED,
// REQUEST_BLOCKED …) or the driver's name for a transport failure.
const CodeAccepted = "accepted"

// Load is the plain summary of one load run (or of several hosts' runs merged
// by MergeLoad): what was driven, how fast, how the target answered.
type Load struct {
	Schema string `json:"schema"`
	Plan   string `json:"plan"`   // Plan names the load plan (its name or file).
	Target string `json:"target"` // Target is the base URL that was driven.
	// Hosts names the machines whose results are in this summary.
	Hosts   []string  `json:"hosts,omitempty"`
	Started time.Time `json:"started"`
	// Duration is the length of the run in seconds.
	Duration float64 `json:"duration_s"`
	Rate     Rate    `json:"rate"`
	// Seconds is the run second by second, in order of T.
	Seconds []LoadSecond `json:"seconds"`
	// Latency is the latency distribution of the whole run as a percentile
	// curve, in ascending order of Quantile.
	Latency []LoadPercentile `json:"latency"`
	// Codes counts the responses of the whole run by code (see CodeAccepted).
	Codes map[string]int `json:"codes"`
	// Quota is the daily issuing quota used per merchant.
	Quota []QuotaUse `json:"quota,omitempty"`
	// Thresholds are the plan's pass/fail checks as the driver judged them.
	Thresholds []Threshold `json:"thresholds,omitempty"`

	// Seed is the seed of the driver's random choices (0: unknown).
	Seed uint64 `json:"seed,omitempty"`
	// RunTag starts every out_request_no of the run.
	RunTag string `json:"run_tag,omitempty"`
	// Shard and Shards say which share of a sharded run this is (Shard
	// from 1; Shards 0 or 1: not sharded).
	Shard  int `json:"shard,omitempty"`
	Shards int `json:"shards,omitempty"`
	// StartAt is the common start the run was given (load --start-at;
	// zero: none), and StartedAt when its wait for it ended (Started is
	// when its first phase began, after any wait for the platform day).
	StartAt   time.Time `json:"start_at,omitzero"`
	StartedAt time.Time `json:"started_at,omitzero"`
	// Starts are the start times of the shards of a merged run and their
	// spread (nil: not merged from shards' summaries).
	Starts *LoadStarts `json:"starts,omitempty"`
	// Interrupted is set when the run stopped before its schedule ended (a
	// signal or the plan's max_duration): the summary holds what ran.
	Interrupted bool `json:"interrupted,omitempty"`
	// Connection is how the driver spoke to the target, e.g. "HTTP/2.0
	// over TLS 1.3" ("" when not known).
	Connection string `json:"connection,omitempty"`
	// Warnings are sentences a reader must see before trusting the run,
	// e.g. that the server's certificate was not verified (--insecure).
	Warnings []string `json:"warnings,omitempty"`
	// Aborted says which abort threshold stopped the run early (nil: none
	// did).
	Aborted *LoadAbort `json:"aborted,omitempty"`
	// Phases are the plan's phases in the order they ran.
	Phases []LoadPhase `json:"phases,omitempty"`
	// Total is the whole run in the phases' terms.
	Total *LoadStats `json:"total,omitempty"`

	// Unknown lists what this summary does not know (the Unknown*
	// constants): set when it was read from raw vegeta results without the
	// summary.json the load command writes beside them, so a report says
	// "not known" instead of showing zeros or "no thresholds".
	Unknown []string `json:"unknown,omitempty"`
	// Unjudged are the plan's thresholds that were not judged: a shard's
	// share alone cannot be judged against whole-run thresholds (giftsim
	// load --merge judges the shards together).
	Unjudged []string `json:"unjudged,omitempty"`
}

// LoadAbort is the abort threshold that stopped a run: it failed over its
// sliding window during the run (loadgen's abort: true).
type LoadAbort struct {
	Threshold string    `json:"threshold"` // Threshold is the expression, "[phase] " first for a phase's.
	At        time.Time `json:"at"`        // At is when it fired.
	Elapsed   float64   `json:"elapsed_s"` // Elapsed is seconds since the run started.
	Window    float64   `json:"window_s"`  // Window is the sliding window in seconds.
	Observed  string    `json:"observed"`  // Observed is each compared value over the window.
	Requests  int       `json:"requests"`  // Requests counts the answers in the window.
}

// String is the sentence reports show: "aborted by threshold EXPR at TIME:
// VALUE".
func (a *LoadAbort) String() string {
	return fmt.Sprintf("aborted by threshold %s at %s (%s into the run): %s over its %s window (%d answers)",
		a.Threshold, a.At.UTC().Format("15:04:05.000Z"), FormatSeconds(a.Elapsed), a.Observed, FormatSeconds(a.Window), a.Requests)
}

// What a load summary read from raw vegeta results alone cannot know
// (Load.Unknown).
const (
	UnknownPlan       = "plan"
	UnknownTarget     = "target"
	UnknownRate       = "target rate"
	UnknownThresholds = "thresholds"
	UnknownQuota      = "merchants and quota"
)

// Knows reports whether l knows what (one of the Unknown* constants).
func (l *Load) Knows(what string) bool { return !slices.Contains(l.Unknown, what) }

// LoadStats are the headline figures of a phase or a whole run. A nil
// figure was not measured (no responses, or no schedule to compare with).
type LoadStats struct {
	Requests int `json:"requests"`
	// Planned is how many requests the schedule asked for (0: unknown).
	Planned  int      `json:"planned,omitempty"`
	Achieved *float64 `json:"rate_achieved,omitempty"` // Achieved is the rate reached, requests/s.
	Target   *float64 `json:"rate_target,omitempty"`   // Target is the schedule's rate, requests/s.
	P50      *float64 `json:"p50_ms,omitempty"`
	P90      *float64 `json:"p90_ms,omitempty"`
	P99      *float64 `json:"p99_ms,omitempty"`
	Max      *float64 `json:"max_ms,omitempty"`
	// LagP99 is the 99th percentile of how late requests left against the
	// schedule (unknown for results read back from files).
	LagP99 *float64 `json:"lag_p99_ms,omitempty"`
}

// LoadPhase is one phase of a load run.
type LoadPhase struct {
	Name    string    `json:"name"`
	Started time.Time `json:"started"`
	LoadStats
	// Ops counts the phase's responses by operation and code.
	Ops []LoadOp `json:"ops,omitempty"`
	// FellBack counts operations sent as sends because no coupon was there
	// to act on.
	FellBack int `json:"fell_back,omitempty"`
	// Behind says how far the phase fell behind its schedule ("": it kept
	// up).
	Behind string `json:"behind,omitempty"`
	// Capacity is the highest step rate that held (phases with hold:; nil:
	// not measured).
	Capacity *float64 `json:"capacity,omitempty"`
	// Steps are the steps of a capacity search, in order.
	Steps []LoadStep `json:"steps,omitempty"`
}

// CutOff reports whether the phase's bound (its time, or the end of its
// platform day) stopped it before it sent what its schedule asked for, in a
// run that was not interrupted and searched no capacity.
func (p *LoadPhase) CutOff(interrupted bool) bool {
	return p.Planned > 0 && p.Requests < p.Planned && !interrupted && p.Capacity == nil && len(p.Steps) == 0
}

// LoadOp is one operation's responses in a phase.
type LoadOp struct {
	Op       string         `json:"op"` // Op is the operation, e.g. send_v3 ("other" for unknown URLs).
	Total    int            `json:"total"`
	Codes    map[string]int `json:"codes"`
	Replayed int            `json:"replayed,omitempty"` // Replayed counts sends answered with a coupon issued before (idempotent retries).
}

// LoadStep is one step of a capacity search (a steps profile with hold:).
type LoadStep struct {
	Rate     float64 `json:"rate"`   // Rate is the step's target rate.
	Judged   bool    `json:"judged"` // Judged says the step ran to its end.
	Held     bool    `json:"held"`
	Observed string  `json:"observed,omitempty"`
}

// Issued returns the sends the platform accepted against a merchant's
// quota in the run (the first quota row), and whether there is one.
func (l *Load) Issued() (QuotaUse, bool) {
	if len(l.Quota) == 0 {
		return QuotaUse{}, false
	}
	return l.Quota[0], true
}

// Passed reports whether the run was neither interrupted nor aborted and
// every threshold passed (a run without thresholds passes).
func (l *Load) Passed() bool {
	return !l.Interrupted && l.Aborted == nil && !slices.ContainsFunc(l.Thresholds, func(t Threshold) bool { return !t.Pass })
}

// EncodeLoad writes l as indented JSON, with the schema set to
// LoadSchemaVersion when it is empty.
func EncodeLoad(w io.Writer, l *Load) error {
	if l == nil {
		return errors.New("results: no load summary")
	}
	c := *l
	if c.Schema == "" {
		c.Schema = LoadSchemaVersion
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&c); err != nil {
		return fmt.Errorf("results: write load summary: %w", err)
	}
	return nil
}

// MaxLoadSummary bounds a load summary read back, in bytes.
const MaxLoadSummary = 256 << 20

// DecodeLoad reads a load summary written by EncodeLoad and checks its
// schema.
func DecodeLoad(r io.Reader) (*Load, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxLoadSummary+1))
	if err != nil {
		return nil, fmt.Errorf("results: read load summary: %w", err)
	}
	if len(data) > MaxLoadSummary {
		return nil, fmt.Errorf("results: load summary larger than %d bytes", MaxLoadSummary)
	}
	var l Load
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, fmt.Errorf("results: load summary: %w", err)
	}
	if l.Schema != LoadSchemaVersion {
		return nil, fmt.Errorf("results: load summary has schema %q, want %q", l.Schema, LoadSchemaVersion)
	}
	return &l, nil
}

// WriteLoadFile writes l to LoadSummaryFile in dir, which must exist.
func WriteLoadFile(dir string, l *Load) error {
	f, err := os.Create(filepath.Join(dir, LoadSummaryFile))
	if err != nil {
		return err
	}
	err = EncodeLoad(f, l)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// ReadLoadFile reads a load summary; a directory stands for its
// LoadSummaryFile.
func ReadLoadFile(path string) (*Load, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, LoadSummaryFile)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return DecodeLoad(f)
}

// Rate is a request rate in requests per second.
type Rate struct {
	Target   float64 `json:"target"`
	Achieved float64 `json:"achieved"`
}

// LoadSecond is one second of a load run.
type LoadSecond struct {
	T     int `json:"t"`     // T is the second since Load.Started.
	Count int `json:"count"` // Count is the number of responses in the second.
	// Target is the rate the pacer aimed at in this second (0 when unknown).
	Target float64 `json:"target,omitempty"`
	P50    float64 `json:"p50_ms"`
	P90    float64 `json:"p90_ms"`
	P99    float64 `json:"p99_ms"`
	// Codes counts the second's responses by code; they add up to Count.
	Codes map[string]int `json:"codes,omitempty"`
}

// LoadPercentile is one point of a latency percentile curve: Quantile (0–1)
// of the responses took at most Ms milliseconds.
type LoadPercentile struct {
	Quantile float64 `json:"quantile"`
	Ms       float64 `json:"ms"`
}

// QuotaUse is one merchant's daily quota and the sends of the run that the
// platform accepted against it.
type QuotaUse struct {
	// Run is the run tag of the run that used it (hosts of a sharded run
	// each have their own); quota is attributed per run and merchant.
	Run      string `json:"run,omitempty"`
	Merchant string `json:"merchant"`
	Used     int    `json:"used"`
	Quota    int    `json:"quota"`
}

// Threshold is one pass/fail check of a load plan, e.g. "p99 < 200ms".
type Threshold struct {
	Expr     string `json:"expr"`
	Observed string `json:"observed"` // Observed is the measured value as shown to people.
	Pass     bool   `json:"pass"`
	// Host names the machine whose results were judged, when merged.
	Host string `json:"host,omitempty"`
}

// Requests returns the number of responses in the run: the sum of Codes, or
// of the seconds' counts when Codes is empty.
func (l *Load) Requests() int {
	n := 0
	for _, c := range l.Codes {
		n += c
	}
	if n > 0 {
		return n
	}
	for _, s := range l.Seconds {
		n += s.Count
	}
	return n
}

// MergeLoad merges the summaries of hosts that ran a plan at the same time
// into one. Seconds are aligned on wall-clock time and their counts added;
// per-second percentiles become the count-weighted mean of the hosts'
// (an approximation); the latency curve is the exact mixture of the hosts'
// curves (each read as a piecewise-linear distribution); rates add up;
// quota is kept per run and merchant (mergeQuota); what any summary does
// not know the merge does not know; thresholds are kept per host, since
// the driver judged them. The result does not depend on the order of
// loads. MergeLoad does not check that the runs belong together: call
// CheckRelated first.
func MergeLoad(loads ...*Load) (*Load, error) {
	if len(loads) == 0 {
		return nil, errors.New("merge load: no summaries")
	}
	in := make([]*Load, 0, len(loads))
	for i, l := range loads {
		if l == nil {
			return nil, fmt.Errorf("merge load: summary %d is nil", i)
		}
		if l.Schema != LoadSchemaVersion {
			return nil, fmt.Errorf("merge load: summary %d has schema %q, want %q", i, l.Schema, LoadSchemaVersion)
		}
		in = append(in, l)
	}
	if len(in) == 1 {
		return in[0].clone(), nil
	}
	slices.SortStableFunc(in, func(a, b *Load) int {
		if c := a.Started.Compare(b.Started); c != 0 {
			return c
		}
		return strings.Compare(strings.Join(a.Hosts, ","), strings.Join(b.Hosts, ","))
	})

	out := &Load{Schema: LoadSchemaVersion, Started: in[0].Started, Codes: map[string]int{}}
	var plans, targets []string
	var end time.Time
	for _, l := range in {
		plans = appendUnique(plans, l.Plan)
		targets = appendUnique(targets, l.Target)
		for _, h := range l.Hosts {
			out.Hosts = appendUnique(out.Hosts, h)
		}
		if e := l.Started.Add(time.Duration(l.Duration * float64(time.Second))); e.After(end) {
			end = e
		}
		out.Rate.Target += l.Rate.Target
		for code, n := range l.Codes {
			out.Codes[code] += n
		}
	}
	out.Plan = strings.Join(plans, ", ")
	out.Target = strings.Join(targets, ", ")
	out.Duration = end.Sub(out.Started).Seconds()
	if out.Duration > 0 {
		out.Rate.Achieved = float64(out.Requests()) / out.Duration
	}
	out.Seconds = mergeSeconds(in, out.Started)
	out.Latency = mergeLatency(in)
	out.Quota = mergeQuota(in)
	mergeRun(out, in)
	for _, l := range in {
		for _, u := range l.Unknown {
			out.Unknown = appendUnique(out.Unknown, u)
		}
		for _, u := range l.Unjudged {
			out.Unjudged = appendUnique(out.Unjudged, u)
		}
	}
	for _, l := range in {
		for _, th := range l.Thresholds {
			if th.Host == "" && len(l.Hosts) == 1 {
				th.Host = l.Hosts[0]
			}
			out.Thresholds = append(out.Thresholds, th)
		}
	}
	return out, nil
}

// clone copies l deeply enough that the copy shares no slice or map with it.
func (l *Load) clone() *Load {
	c := *l
	c.Hosts = slices.Clone(l.Hosts)
	c.Seconds = slices.Clone(l.Seconds)
	for i := range c.Seconds {
		c.Seconds[i].Codes = maps.Clone(c.Seconds[i].Codes)
	}
	c.Latency = slices.Clone(l.Latency)
	c.Codes = maps.Clone(l.Codes)
	c.Quota = slices.Clone(l.Quota)
	c.Thresholds = slices.Clone(l.Thresholds)
	c.Unknown = slices.Clone(l.Unknown)
	c.Unjudged = slices.Clone(l.Unjudged)
	c.Warnings = slices.Clone(l.Warnings)
	c.Phases = slices.Clone(l.Phases)
	for i := range c.Phases {
		p := &c.Phases[i]
		p.Ops = slices.Clone(p.Ops)
		for j := range p.Ops {
			p.Ops[j].Codes = maps.Clone(p.Ops[j].Codes)
		}
		p.Steps = slices.Clone(p.Steps)
	}
	if l.Total != nil {
		t := *l.Total
		c.Total = &t
	}
	if l.Aborted != nil {
		a := *l.Aborted
		c.Aborted = &a
	}
	return &c
}

// mergeRun merges what describes the runs as a whole: the seed and run tag
// when every host shares them, the interrupt flag when any host was
// interrupted, and the phases by name (see mergeStats; a capacity search
// is per host and is not merged).
func mergeRun(out *Load, in []*Load) {
	out.Seed, out.RunTag = in[0].Seed, in[0].RunTag
	var totals []LoadStats
	for _, l := range in {
		if l.Seed != out.Seed {
			out.Seed = 0
		}
		if l.RunTag != out.RunTag {
			out.RunTag = ""
		}
		out.Interrupted = out.Interrupted || l.Interrupted
		for _, w := range l.Warnings {
			if !slices.Contains(out.Warnings, w) {
				out.Warnings = append(out.Warnings, w)
			}
		}
		if out.Aborted == nil && l.Aborted != nil {
			a := *l.Aborted
			out.Aborted = &a
		}
		if l.Total != nil {
			totals = append(totals, *l.Total)
		}
	}
	if len(totals) > 0 {
		t := mergeStats(totals)
		out.Total = &t
	}
	var names []string
	byName := map[string][]LoadPhase{}
	for _, l := range in {
		for _, p := range l.Phases {
			if _, ok := byName[p.Name]; !ok {
				names = append(names, p.Name)
			}
			byName[p.Name] = append(byName[p.Name], p)
		}
	}
	for _, n := range names {
		ps := byName[n]
		m := LoadPhase{Name: n, Started: ps[0].Started}
		var st []LoadStats
		var behind []string
		ops := map[string]*LoadOp{}
		var opOrder []string
		for _, p := range ps {
			if p.Started.Before(m.Started) {
				m.Started = p.Started
			}
			st = append(st, p.LoadStats)
			m.FellBack += p.FellBack
			behind = appendUnique(behind, p.Behind)
			for _, o := range p.Ops {
				a := ops[o.Op]
				if a == nil {
					a = &LoadOp{Op: o.Op, Codes: map[string]int{}}
					ops[o.Op] = a
					opOrder = append(opOrder, o.Op)
				}
				a.Total += o.Total
				a.Replayed += o.Replayed
				for c, k := range o.Codes {
					a.Codes[c] += k
				}
			}
		}
		m.LoadStats = mergeStats(st)
		m.Behind = strings.Join(behind, "; ")
		for _, o := range opOrder {
			m.Ops = append(m.Ops, *ops[o])
		}
		out.Phases = append(out.Phases, m)
	}
}

// mergeStats adds up the hosts' figures: requests and rates add, the
// latency percentiles become their request-weighted mean (an
// approximation, as for seconds), the maximum and the lag are the largest.
func mergeStats(in []LoadStats) LoadStats {
	var out LoadStats
	sum := func(dst **float64, v *float64) {
		if v != nil {
			*dst = ptr(deref(*dst) + *v)
		}
	}
	most := func(dst **float64, v *float64) {
		if v != nil && (*dst == nil || *v > **dst) {
			*dst = ptr(*v)
		}
	}
	var w, w50, w90, w99 float64
	for _, s := range in {
		out.Requests += s.Requests
		out.Planned += s.Planned
		sum(&out.Achieved, s.Achieved)
		sum(&out.Target, s.Target)
		most(&out.Max, s.Max)
		most(&out.LagP99, s.LagP99)
		if s.P50 != nil && s.P90 != nil && s.P99 != nil {
			n := float64(s.Requests)
			w += n
			w50 += n * *s.P50
			w90 += n * *s.P90
			w99 += n * *s.P99
		}
	}
	if w > 0 {
		out.P50, out.P90, out.P99 = ptr(w50/w), ptr(w90/w), ptr(w99/w)
	}
	return out
}

func ptr(v float64) *float64 { return &v }

func deref(v *float64) float64 {
	if v == nil {
		return 0
	}
	return *v
}

func appendUnique(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// mergeSeconds aligns the seconds of every summary on start and adds them up.
func mergeSeconds(in []*Load, start time.Time) []LoadSecond {
	type acc struct {
		LoadSecond
		w50, w90, w99, w float64
	}
	byT := map[int]*acc{}
	for _, l := range in {
		offset := int(math.Round(l.Started.Sub(start).Seconds()))
		for _, s := range l.Seconds {
			t := s.T + offset
			a := byT[t]
			if a == nil {
				a = &acc{LoadSecond: LoadSecond{T: t}}
				byT[t] = a
			}
			a.Count += s.Count
			a.Target += s.Target
			w := float64(s.Count)
			a.w50 += w * s.P50
			a.w90 += w * s.P90
			a.w99 += w * s.P99
			a.w += w
			for code, n := range s.Codes {
				if a.Codes == nil {
					a.Codes = map[string]int{}
				}
				a.Codes[code] += n
			}
		}
	}
	ts := make([]int, 0, len(byT))
	for t := range byT {
		ts = append(ts, t)
	}
	slices.Sort(ts)
	out := make([]LoadSecond, 0, len(ts))
	for _, t := range ts {
		a := byT[t]
		if a.w > 0 {
			a.P50, a.P90, a.P99 = a.w50/a.w, a.w90/a.w, a.w99/a.w
		}
		out = append(out, a.LoadSecond)
	}
	return out
}

// mergeQuota attributes the summaries' quota use per run and merchant: a
// row without a run takes its summary's run tag (or its one host); when
// the summaries are one run (CheckRelated), its hosts drew on the same
// daily quota, so their rows add up per merchant (MergeQuota).
func mergeQuota(in []*Load) []QuotaUse {
	var rows []QuotaUse
	runs := make([]LoadRun, len(in))
	for i, l := range in {
		runs[i] = l.Run(fmt.Sprint(i))
		for _, q := range l.Quota {
			if q.Run == "" {
				q.Run = l.RunTag
				if q.Run == "" && len(l.Hosts) == 1 {
					q.Run = l.Hosts[0]
				}
			}
			rows = append(rows, q)
		}
	}
	return MergeQuota(CheckRelated(runs...) == nil, rows)
}

// MergeQuota adds up quota rows of the same run and merchant, taking the
// largest quota; with oneRun (the rows are the hosts of one run) rows of
// the same merchant add up whatever their run. Sends of one run are never
// credited against another run's or merchant's quota (R11: the quota is a
// merchant's, per day). Rows come out by merchant, then run.
func MergeQuota(oneRun bool, rows []QuotaUse) []QuotaUse {
	type key struct{ run, merchant string }
	byKey := map[key]*QuotaUse{}
	var keys []key
	for _, q := range rows {
		if oneRun {
			q.Run = ""
		}
		k := key{q.Run, q.Merchant}
		m := byKey[k]
		if m == nil {
			m = &QuotaUse{Run: q.Run, Merchant: q.Merchant}
			byKey[k] = m
			keys = append(keys, k)
		}
		m.Used += q.Used
		m.Quota = max(m.Quota, q.Quota)
	}
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(strings.Compare(a.merchant, b.merchant), strings.Compare(a.run, b.run))
	})
	var out []QuotaUse
	for _, k := range keys {
		out = append(out, *byKey[k])
	}
	return out
}

// mergeLatency returns the mixture of the summaries' latency curves,
// weighted by their request counts, at the union of their quantiles.
func mergeLatency(in []*Load) []LoadPercentile {
	var curves []cdf
	var weights []float64
	var qs []float64
	total := 0.0
	for _, l := range in {
		if len(l.Latency) == 0 {
			continue
		}
		c := newCDF(l.Latency)
		w := float64(l.Requests())
		curves = append(curves, c)
		weights = append(weights, w)
		total += w
		for _, p := range l.Latency {
			qs = append(qs, p.Quantile)
		}
	}
	if len(curves) == 0 {
		return nil
	}
	for i := range weights {
		if total > 0 {
			weights[i] /= total
		} else {
			weights[i] = 1 / float64(len(weights))
		}
	}
	slices.Sort(qs)
	qs = slices.Compact(qs)

	// The mixture G(x) = Σ w·F(x) is piecewise linear between the union of
	// the curves' latencies, with jumps where a curve starts.
	var xs []float64
	for _, c := range curves {
		xs = append(xs, c.ms...)
	}
	slices.Sort(xs)
	xs = slices.Compact(xs)
	at := make([]float64, len(xs))     // G(x)
	before := make([]float64, len(xs)) // G(x−), the left limit
	for j, x := range xs {
		for i, c := range curves {
			at[j] += weights[i] * c.at(x)
			before[j] += weights[i] * c.before(x)
		}
	}
	const eps = 1e-12
	out := make([]LoadPercentile, 0, len(qs))
	for _, q := range qs {
		j := sort.Search(len(at), func(j int) bool { return at[j] >= q-eps })
		var ms float64
		switch {
		case j >= len(xs):
			ms = xs[len(xs)-1]
		case j == 0 || q >= before[j]-eps:
			ms = xs[j]
		default:
			lo, hi := at[j-1], before[j]
			ms = xs[j-1] + (xs[j]-xs[j-1])*(q-lo)/(hi-lo)
		}
		out = append(out, LoadPercentile{Quantile: q, Ms: ms})
	}
	return out
}

// cdf is a latency distribution read from a percentile curve: linear between
// its points, zero below the first and one above the last.
type cdf struct {
	ms, q []float64
}

func newCDF(points []LoadPercentile) cdf {
	p := slices.Clone(points)
	slices.SortStableFunc(p, func(a, b LoadPercentile) int { return cmp.Compare(a.Quantile, b.Quantile) })
	c := cdf{ms: make([]float64, len(p)), q: make([]float64, len(p))}
	for i, pt := range p {
		c.q[i] = pt.Quantile
		c.ms[i] = pt.Ms
		if i > 0 && c.ms[i] < c.ms[i-1] {
			c.ms[i] = c.ms[i-1] // a percentile curve never falls
		}
	}
	return c
}

// at returns F(x): the share of responses that took at most x ms.
func (c cdf) at(x float64) float64 {
	n := len(c.ms)
	switch {
	case x < c.ms[0]:
		return 0
	case x > c.ms[n-1]:
		return 1
	}
	k := sort.SearchFloat64s(c.ms, math.Nextafter(x, math.Inf(1))) - 1 // the last point at or below x
	if c.ms[k] == x {
		return c.q[k]
	}
	return c.q[k] + (c.q[k+1]-c.q[k])*(x-c.ms[k])/(c.ms[k+1]-c.ms[k])
}

// before returns F(x−), the limit of F from the left at x.
func (c cdf) before(x float64) float64 {
	n := len(c.ms)
	switch {
	case x <= c.ms[0]:
		return 0
	case x > c.ms[n-1]:
		return 1
	}
	k := sort.SearchFloat64s(c.ms, x) // ms[k-1] < x <= ms[k]
	return c.q[k-1] + (c.q[k]-c.q[k-1])*(x-c.ms[k-1])/(c.ms[k]-c.ms[k-1])
}
