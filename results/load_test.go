package results

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// runOf returns a load run of n seconds from start on host, each second with
// count responses, half of them accepted, and a uniform latency from lo to
// hi ms.
func runOf(host string, start time.Time, n, count int, lo, hi float64) *Load {
	l := &Load{Schema: LoadSchemaVersion, Plan: "burst", Target: "http://127.0.0.1:8080", Hosts: []string{host},
		Started: start, Duration: float64(n), Rate: Rate{Target: float64(count), Achieved: float64(count)},
		Codes: map[string]int{}, Quota: []QuotaUse{{Merchant: "m1", Used: n * count / 2, Quota: 50000}},
		Thresholds: []Threshold{{Expr: "p99 < 100ms", Observed: "90ms", Pass: true}}}
	for t := range n {
		acc := count / 2
		l.Seconds = append(l.Seconds, LoadSecond{T: t, Count: count, Target: float64(count),
			P50: (lo + hi) / 2, P90: lo + 0.9*(hi-lo), P99: lo + 0.99*(hi-lo),
			Codes: map[string]int{CodeAccepted: acc, "FREQUENCY_LIMITED": count - acc}})
		l.Codes[CodeAccepted] += acc
		l.Codes["FREQUENCY_LIMITED"] += count - acc
	}
	for _, q := range []float64{0, 0.5, 0.9, 0.99, 1} {
		l.Latency = append(l.Latency, LoadPercentile{Quantile: q, Ms: lo + q*(hi-lo)})
	}
	return l
}

func TestMergeLoadOne(t *testing.T) {
	in := runOf("h1", time.Unix(1000, 0), 10, 100, 10, 20)
	got, err := MergeLoad(in)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, in) {
		t.Errorf("merging one summary changed it:\n%+v\n%+v", got, in)
	}
	got.Codes[CodeAccepted] = -1
	if in.Codes[CodeAccepted] == -1 {
		t.Error("the merged summary shares its maps with the input")
	}
}

func TestMergeLoadTwoHosts(t *testing.T) {
	start := time.Unix(1000, 0).UTC()
	a := runOf("h1", start, 10, 100, 10, 20)
	b := runOf("h2", start.Add(5*time.Second), 10, 300, 30, 40)
	b.Thresholds[0].Pass = false
	for _, order := range [][]*Load{{a, b}, {b, a}} {
		got, err := MergeLoad(order...)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Started.Equal(start) || got.Duration != 15 {
			t.Errorf("started %v for %v s, want %v for 15 s", got.Started, got.Duration, start)
		}
		if got.Requests() != 1000+3000 || got.Codes[CodeAccepted] != 2000 {
			t.Errorf("codes %v", got.Codes)
		}
		if len(got.Seconds) != 15 {
			t.Fatalf("%d seconds, want 15", len(got.Seconds))
		}
		// Second 7 holds both hosts: 100 at 15 ms median and 300 at 35 ms.
		s := got.Seconds[7]
		if s.T != 7 || s.Count != 400 || s.Codes[CodeAccepted] != 200 || math.Abs(s.P50-30) > 1e-9 {
			t.Errorf("second 7: %+v", s)
		}
		if got.Seconds[2].Count != 100 || got.Seconds[12].Count != 300 {
			t.Errorf("seconds 2 and 12 should hold one host each: %+v %+v", got.Seconds[2], got.Seconds[12])
		}
		if got.Quota[0].Used != 500+1500 || got.Quota[0].Quota != 50000 {
			t.Errorf("quota %+v", got.Quota)
		}
		if len(got.Thresholds) != 2 || got.Thresholds[0].Host != "h1" || got.Thresholds[1].Host != "h2" {
			t.Errorf("thresholds %+v", got.Thresholds)
		}
		if got.Rate.Target != 400 || math.Abs(got.Rate.Achieved-4000.0/15) > 1e-9 {
			t.Errorf("rate %+v", got.Rate)
		}
		if strings.Join(got.Hosts, ",") != "h1,h2" || got.Plan != "burst" {
			t.Errorf("hosts %v plan %q", got.Hosts, got.Plan)
		}
		// A quarter of the responses are uniform on 10–20 ms, three quarters on
		// 30–40 ms: the median lies a third into the second range.
		med := quantile(t, got.Latency, 0.5)
		if math.Abs(med-(30+10.0/3)) > 1e-9 {
			t.Errorf("merged median %v, want %v", med, 30+10.0/3)
		}
		if q := quantile(t, got.Latency, 0); q != 10 {
			t.Errorf("merged minimum %v, want 10", q)
		}
		if q := quantile(t, got.Latency, 1); q != 40 {
			t.Errorf("merged maximum %v, want 40", q)
		}
	}
}

func TestMergeLoadSameCurve(t *testing.T) {
	a := runOf("h1", time.Unix(1000, 0), 5, 100, 10, 20)
	b := runOf("h2", time.Unix(1000, 0), 5, 50, 10, 20)
	b.Latency = []LoadPercentile{{0, 10}, {0.5, 12}, {0.9, 19}, {0.99, 19.9}, {1, 20}}
	a.Latency = b.Latency
	got, err := MergeLoad(a, b)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range got.Latency {
		if math.Abs(p.Ms-b.Latency[i].Ms) > 1e-9 || p.Quantile != b.Latency[i].Quantile {
			t.Errorf("merging equal curves changed point %d: %+v, want %+v", i, p, b.Latency[i])
		}
	}
}

func TestMergeLoadErrors(t *testing.T) {
	ok := runOf("h1", time.Unix(1000, 0), 5, 100, 10, 20)
	tests := []struct {
		name string
		in   []*Load
		want string
	}{
		{"none", nil, "no summaries"},
		{"nil", []*Load{ok, nil}, "summary 1 is nil"},
		{"schema", []*Load{ok, {Schema: "giftsim/results/v1"}}, `has schema "giftsim/results/v1"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := MergeLoad(tc.in...); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}

// quantile returns the latency at quantile q of a curve, failing when the
// curve has no such point.
func quantile(t *testing.T, curve []LoadPercentile, q float64) float64 {
	t.Helper()
	for _, p := range curve {
		if p.Quantile == q {
			return p.Ms
		}
	}
	t.Fatalf("no point at quantile %v in %v", q, curve)
	return 0
}

// TestLoadEncodeRoundTrip checks that a load result with phases, steps and
// the interrupt flag reads back as written, and that a summary of another
// schema is refused.
func TestLoadEncodeRoundTrip(t *testing.T) {
	p99, capacity := 12.5, 400.0
	l := runOf("h1", time.Unix(1000, 0).UTC(), 3, 10, 1, 20)
	l.Seed, l.RunTag, l.Interrupted = 7, "abc", true
	l.Phases = []LoadPhase{{Name: "steps", Started: l.Started, LoadStats: LoadStats{Requests: 30, Planned: 60, P99: &p99},
		Ops:      []LoadOp{{Op: "send_v3", Total: 30, Codes: map[string]int{CodeAccepted: 30}}},
		Capacity: &capacity, Steps: []LoadStep{{Rate: 400, Judged: true, Held: true, Observed: "p99 12ms"}, {Rate: 800}}}}
	l.Total = &l.Phases[0].LoadStats
	dir := t.TempDir()
	if err := WriteLoadFile(dir, l); err != nil {
		t.Fatal(err)
	}
	back, err := ReadLoadFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(l, back) {
		t.Fatalf("round trip changed the load result:\n%+v\n%+v", l, back)
	}
	if back.Passed() || back.Phases[0].CutOff(false) {
		t.Errorf("an interrupted run passed, or a capacity search counted as cut off")
	}
	if _, err := DecodeLoad(strings.NewReader(`{"schema": "giftsim/results/v1"}`)); err == nil {
		t.Error("a simulation's schema was read as a load summary")
	}
}

// TestMergeLoadPhases checks that merging hosts adds their phases by name:
// requests and rates add up, latency percentiles are weighted by requests,
// the maximum is the largest, codes add per operation, and an interrupted
// host marks the merged run.
func TestMergeLoadPhases(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	a := runOf("h1", time.Unix(1000, 0).UTC(), 2, 10, 1, 20)
	b := runOf("h2", time.Unix(1000, 0).UTC(), 2, 10, 1, 20)
	a.Phases = []LoadPhase{{Name: "main", LoadStats: LoadStats{Requests: 10, Achieved: f(5), P50: f(2), P90: f(4), P99: f(10), Max: f(11)},
		Ops: []LoadOp{{Op: "send_v3", Total: 10, Codes: map[string]int{CodeAccepted: 10}}}}}
	b.Phases = []LoadPhase{{Name: "main", LoadStats: LoadStats{Requests: 30, Achieved: f(15), P50: f(6), P90: f(8), P99: f(20), Max: f(30)},
		Ops: []LoadOp{{Op: "send_v3", Total: 30, Codes: map[string]int{CodeAccepted: 20, "FREQUENCY_LIMITED": 10}}}}}
	b.Interrupted = true
	m, err := MergeLoad(a, b)
	if err != nil {
		t.Fatal(err)
	}
	p := m.Phases[0]
	if len(m.Phases) != 1 || p.Requests != 40 || *p.Achieved != 20 || *p.P50 != 5 || *p.P99 != 17.5 || *p.Max != 30 || !m.Interrupted {
		t.Fatalf("merged phase %+v (interrupted %v)", p, m.Interrupted)
	}
	if c := p.Ops[0].Codes; c[CodeAccepted] != 30 || c["FREQUENCY_LIMITED"] != 10 || p.Ops[0].Total != 40 {
		t.Fatalf("merged ops %+v", p.Ops)
	}
}
