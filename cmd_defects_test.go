package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"giftsim/results"
)

// dispatchArgs runs giftsim with args through dispatch, the one place that
// maps errors to exit codes.
func dispatchArgs(ctx context.Context, args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = dispatch(ctx, args, &o, &e)
	return code, o.String(), e.String()
}

const example = "scenarios/examples/validity-7-vs-30.yaml"

// wantBadInput checks that giftsim args exits 2 (bad input) with want on
// stderr.
func wantBadInput(t *testing.T, want string, args ...string) {
	t.Helper()
	code, _, stderr := dispatchArgs(context.Background(), args...)
	if code != exitBadInput || !strings.Contains(stderr, want) {
		t.Errorf("%q: exit %d, stderr %q; want 2 and %q", args, code, stderr, want)
	}
}

// wantHelp checks that giftsim cmd -h exits 0 and shows an example.
func wantHelp(t *testing.T, cmd string) {
	t.Helper()
	if code, _, stderr := dispatchArgs(context.Background(), cmd, "-h"); code != exitOK || !strings.Contains(stderr, "Example:") {
		t.Errorf("%s -h: exit %d, stderr %q", cmd, code, stderr)
	}
}

// TestRunFlagBounds checks that run's --replications is checked with the
// same bounds and message as --set replications, and --workers likewise,
// before anything runs.
func TestRunFlagBounds(t *testing.T) {
	tests := []struct {
		flag, value, want string
	}{
		{"--replications", "-1", "--replications: want a whole number from 1 to 10,000, got -1"},
		{"--replications", "10001", "--replications: want a whole number from 1 to 10,000, got 10,001"},
		{"--replications", "1e10", "--replications: want a count from 1 to 10,000"},
		{"--replications", "9223372036854775807", "--replications: want a whole number from 1 to 10,000, got 9,223,372,036,854,775,807"},
		{"--workers", "-1", "--workers: want a whole number from 1 to 10,000 (0: all cores), got -1"},
		{"--workers", "10001", "--workers: want a whole number from 1 to 10,000"},
		{"--workers", "1e10", "--workers: want a whole number from 1 to 10,000"},
		{"--workers", "9223372036854775807", "--workers: want a whole number from 1 to 10,000"},
	}
	for _, tt := range tests {
		t.Run(tt.flag+"="+tt.value, func(t *testing.T) {
			wantBadInput(t, tt.want, "run", example, tt.flag, tt.value, "--quiet")
		})
	}
	// --set replications says the same.
	_, _, stderr := dispatchArgs(context.Background(), "run", example, "--set", "replications=-1")
	if !strings.Contains(stderr, "replications: want a whole number from 1 to 10,000, got -1") {
		t.Fatalf("--set replications=-1: %q", stderr)
	}
}

// TestUnwritableOut checks that an --out that cannot be written is refused
// before any work, by every command that writes one.
func TestUnwritableOut(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "plain", "not a directory")
	bad := filepath.Join(file, "out")
	tests := []struct {
		name string
		args []string
	}{
		{"run", []string{"run", example, "--out", bad}},
		{"load", []string{"load", "--requests", "10", "--out", bad}},
		{"calibrate", []string{"calibrate", "--out", filepath.Join(bad, "profile.yaml")}},
		{"sensitivity", []string{"sensitivity", "scenarios/examples/sensitivity-catering.yaml", "--lever", "coupon.validity=3d..30d", "--out", bad}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			began := time.Now()
			code, stdout, stderr := dispatchArgs(context.Background(), tt.args...)
			if code != exitBadInput || !strings.Contains(stderr, "--out "+bad) {
				t.Fatalf("exit %d, stderr %q; want 2 naming --out", code, stderr)
			}
			if stdout != "" {
				t.Fatalf("work was done before the check: stdout %q (%s)", stdout, time.Since(began))
			}
		})
	}
}

// TestServeFixtureLimit checks that serve reads a fixture through the
// strict-YAML kit's size limit: /dev/zero is refused at once, not read
// into memory without end.
func TestServeFixtureLimit(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	code, _, stderr := dispatchArgs(context.Background(), "serve", "--fixture", "/dev/zero", "--addr", "127.0.0.1:0")
	if code != exitBadInput || !strings.Contains(stderr, "larger than") {
		t.Fatalf("exit %d, stderr %q; want 2 and the size limit", code, stderr)
	}
}

// TestLoadPlanSecondDocument checks that load refuses a plan file holding a
// second YAML document.
func TestLoadPlanSecondDocument(t *testing.T) {
	plan := writeFile(t, t.TempDir(), "two.yaml", "name: a\nphases: [{requests: 1}]\n---\nname: b\n")
	code, _, stderr := dispatchArgs(context.Background(), "load", plan)
	if code != exitBadInput || !strings.Contains(stderr, "two.yaml:3: YAML syntax error: a second document starts here") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

// TestLoadInterrupted stops a builtin load run as Ctrl-C does (its context
// ends): the summary, summary.json and report of what ran are written,
// marked interrupted, and the exit code is 130.
func TestLoadInterrupted(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	code, stdout, stderr := dispatchArgs(ctx, "load", "--requests", "4000", "--rate", "200/s", "--out", out)
	if code != exitInterrupted {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitInterrupted, stderr)
	}
	if !strings.Contains(stdout, "the run was interrupted before its schedule ended") || !strings.Contains(stderr, "interrupted") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	l, err := results.ReadLoadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !l.Interrupted || l.Requests() == 0 || l.Requests() >= 4000 || len(l.Phases) != 1 {
		t.Errorf("summary: interrupted %v, %d requests, %d phases", l.Interrupted, l.Requests(), len(l.Phases))
	}
	page, err := os.ReadFile(filepath.Join(out, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "interrupted") {
		t.Error("the report does not say the run was interrupted")
	}
}

// TestReportFromRawKeepsThresholds re-renders a load report from the raw
// results.bin of a run and checks that it keeps the plan's thresholds (from
// the summary.json beside it), and that the terminal summary and the page
// render the same load result.
func TestReportFromRawKeepsThresholds(t *testing.T) {
	dir := t.TempDir()
	run := filepath.Join(dir, "run")
	code, stdout, stderr := dispatchArgs(context.Background(), "load", "--requests", "40", "--rate", "200/s",
		"--threshold", "sends.total == 40", "--threshold", "codes.5xx == 0", "--out", run)
	if code != exitOK {
		t.Fatalf("load: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "PASS  sends.total == 40") || !strings.Contains(stdout, "send_v3 40: accepted 40") {
		t.Errorf("terminal summary:\n%s", stdout)
	}
	again := filepath.Join(dir, "again")
	if code, _, stderr := dispatchArgs(context.Background(), "report", run, "--out", again); code != exitOK {
		t.Fatalf("report: exit %d\n%s", code, stderr)
	}
	page, err := os.ReadFile(filepath.Join(again, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"sends.total == 40", "codes.5xx == 0", "Pass: all 2 thresholds hold", "phase main"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the re-rendered report lacks %q", want)
		}
	}
}
