package loadgen_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"giftsim/loadgen"
	"giftsim/results"
)

// writeRaw writes n send_v3 results into dir/results.bin, starting at
// start 10 ms apart: the first accepted sends answer coupons c0, c1 … (so
// two runs against fresh mocks answer the same ids), the rest
// FREQUENCY_LIMITED. With l, it writes l beside them as summary.json.
func writeRaw(t *testing.T, dir string, start time.Time, n, accepted int, l *results.Load) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, results.LoadRawFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	enc := vegeta.NewEncoder(f)
	for i := range n {
		r := vegeta.Result{Attack: "sends", Seq: uint64(i), Code: http.StatusOK, Method: http.MethodPost,
			URL:       fmt.Sprintf("http://127.0.0.1:1/v3/marketing/favor/users/u%d/coupons", i),
			Timestamp: start.Add(time.Duration(i) * 10 * time.Millisecond), Latency: 2 * time.Millisecond,
			Body: fmt.Appendf(nil, `{"coupon_id":"c%d"}`, i)}
		if i >= accepted {
			r.Code, r.Body = http.StatusTooManyRequests, []byte(`{"code":"FREQUENCY_LIMITED"}`)
		}
		if err := enc.Encode(&r); err != nil {
			t.Fatal(err)
		}
	}
	if l != nil {
		if err := results.WriteLoadFile(dir, l); err != nil {
			t.Fatal(err)
		}
	}
}

// TestReadResultsWithoutSummary reads raw vegeta results with no
// summary.json beside them: the summary says what it does not know
// instead of an empty plan, a zero target rate and no thresholds.
func TestReadResultsWithoutSummary(t *testing.T) {
	dir := t.TempDir()
	writeRaw(t, dir, time.Unix(1000, 0).UTC(), 60, 50, nil)
	l, err := loadgen.SummarizeFiles(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, what := range []string{results.UnknownPlan, results.UnknownTarget, results.UnknownRate, results.UnknownThresholds, results.UnknownQuota} {
		if l.Knows(what) {
			t.Errorf("the summary claims to know the %s (unknown: %v)", what, l.Unknown)
		}
	}
	if l.Requests() != 60 || l.Codes[results.CodeAccepted] != 50 || len(l.Quota) != 0 || l.Rate.Target != 0 {
		t.Errorf("requests %d, codes %v, quota %v, target rate %v", l.Requests(), l.Codes, l.Quota, l.Rate.Target)
	}
}

// TestReadResultsQuotaPerRun reads two runs of a plan one day apart, each
// using a new merchant's 500 a day, whose mocks answered the same coupon
// ids: each run's sends are credited to its own run and merchant (500 of
// 500 twice, not 1,000 of 500, and not counted as replays of each other),
// the files are told apart as two runs, and two shards of one run add up
// per merchant.
func TestReadResultsQuotaPerRun(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	summary := func(tag string, start time.Time, shard, shards int) *results.Load {
		return &results.Load{Schema: results.LoadSchemaVersion, Plan: "quota-new-merchant", Target: "http://127.0.0.1:1",
			Hosts: []string{"h-" + tag}, Started: start, Duration: 6, Rate: results.Rate{Target: 100}, Seed: 1, RunTag: tag,
			Shard: shard, Shards: shards, Quota: []results.QuotaUse{{Merchant: "m1", Used: 500, Quota: 500}}}
	}
	a, b := t.TempDir(), t.TempDir()
	writeRaw(t, a, t0, 600, 500, summary("ra", t0, 0, 0))
	writeRaw(t, b, t0.Add(24*time.Hour), 600, 500, summary("rb", t0.Add(24*time.Hour), 0, 0))
	s, err := loadgen.ReadResults(context.Background(), a, b)
	if err != nil {
		t.Fatal(err)
	}
	var ue *results.UnrelatedError
	if err := results.CheckRelated(s.Sources()...); !errors.As(err, &ue) {
		t.Errorf("two runs a day apart pass as one: %v", err)
	}
	l := s.Load()
	want := []results.QuotaUse{{Run: "ra", Merchant: "m1", Used: 500, Quota: 500}, {Run: "rb", Merchant: "m1", Used: 500, Quota: 500}}
	if !slices.Equal(l.Quota, want) {
		t.Errorf("quota %+v, want %+v", l.Quota, want)
	}
	if n, _ := s.Metric("", "sends.replayed"); n != 0 {
		t.Errorf("%v sends of one run counted as replays of the other's", n)
	}

	s1, s2 := t.TempDir(), t.TempDir()
	writeRaw(t, s1, t0, 300, 250, summary("x1", t0, 1, 2))
	writeRaw(t, s2, t0.Add(5*time.Millisecond), 300, 250, summary("x2", t0, 2, 2))
	s, err = loadgen.ReadResults(context.Background(), s1, s2)
	if err != nil {
		t.Fatal(err)
	}
	if err := results.CheckRelated(s.Sources()...); err != nil {
		t.Errorf("two shards of one run: %v", err)
	}
	l = s.Load()
	want = []results.QuotaUse{{Merchant: "m1", Used: 500, Quota: 500}}
	if !slices.Equal(l.Quota, want) {
		t.Errorf("shards' quota %+v, want %+v", l.Quota, want)
	}
	if len(l.Unknown) != 0 || l.Rate.Target != 200 {
		t.Errorf("unknown %v, target rate %v", l.Unknown, l.Rate.Target)
	}
}
