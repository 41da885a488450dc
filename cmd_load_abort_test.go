package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"giftsim/loadgen"
	"giftsim/platform/mock"
	"giftsim/results"
)

// TestLoadAbortExit drives a mock that answers half its calls 5xx with a
// plan whose abort threshold watches the 5xx share: giftsim load stops
// early, says which threshold stopped it, writes the summary marked
// aborted and exits 1. The metrics endpoint is served meanwhile.
func TestLoadAbortExit(t *testing.T) {
	dir := t.TempDir()
	planPath := filepath.Join(dir, "abort.yaml")
	if err := os.WriteFile(planPath, []byte(`name: abort-cmd
day: 1m
merchant: {tier: filed}
phases: [{name: sends, requests: 2000, rate: 200/s}]
thresholds:
  - {expr: "codes.5xx <= 1% * requests", abort: true, window: 2s, min_requests: 50}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	plan, err := loadgen.LoadPlanFile(planPath)
	if err != nil {
		t.Fatal(err)
	}
	fix, err := loadgen.BuiltinFixture(plan)
	if err != nil {
		t.Fatal(err)
	}
	st, err := mock.NewMemoryStore(fix)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(context.Background())
	cfg := mock.DefaultConfig()
	cfg.Day, cfg.Fault = plan.Day, mock.Fault{Share5xx: 0.5}
	srv, err := mock.New(context.Background(), cfg, fix, st)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()

	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	code := dispatch(context.Background(), []string{"load", planPath, "--target", hs.URL, "--out", out, "--metrics-addr", "127.0.0.1:0"}, &stdout, &stderr)
	if code != exitThresholds {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitThresholds, stdout.String(), stderr.String())
	}
	for _, w := range []string{"aborted by threshold codes.5xx <= 1% * requests at "} {
		if !strings.Contains(stdout.String(), w) || !strings.Contains(stderr.String(), w) {
			t.Errorf("stdout and stderr should both say %q\nstdout:\n%s\nstderr:\n%s", w, stdout.String(), stderr.String())
		}
	}
	if !strings.Contains(stderr.String(), "metrics on http://127.0.0.1:") {
		t.Errorf("stderr does not say where the metrics are:\n%s", stderr.String())
	}
	l, err := results.ReadLoadFile(filepath.Join(out, results.LoadSummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	if l.Aborted == nil || l.Aborted.Threshold != "codes.5xx <= 1% * requests" || l.Passed() {
		t.Errorf("summary.json aborted %+v, passed %v", l.Aborted, l.Passed())
	}
	// giftsim report re-renders it, still marked aborted.
	stdout.Reset()
	if code := dispatch(context.Background(), []string{"report", out, "--out", filepath.Join(dir, "again")}, &stdout, &stderr); code != exitOK {
		t.Fatalf("report: exit %d: %s", code, stderr.String())
	}
	page, err := os.ReadFile(filepath.Join(dir, "again", "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "aborted by threshold codes.5xx &lt;= 1% * requests") {
		t.Error("the re-rendered report does not mark the run aborted")
	}
}

// TestLoadMetricsAddrRefused checks an address that cannot be listened on
// is bad input, said before any load.
func TestLoadMetricsAddrRefused(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := dispatch(context.Background(), []string{"load", "scenarios/loadplans/quota-new-merchant.yaml", "--metrics-addr", "256.0.0.1:9102"}, &stdout, &stderr)
	if code != exitBadInput || !strings.Contains(stderr.String(), "--metrics-addr") || strings.Contains(stdout.String(), "thresholds") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
}
