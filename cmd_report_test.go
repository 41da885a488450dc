package main

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"giftsim/reports"
	"giftsim/results"
)

// writeFile writes data to dir/name and returns the path.
func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// savedResults writes a one-arm simulation's results.json and two hosts'
// load summaries into dir.
func savedResults(t *testing.T, dir string) (sim string, loads []string) {
	t.Helper()
	arm := results.Arm{Name: "7-day", KPIs: map[string]results.Estimate{"redemption_rate": {Mean: 31, Low: 30, High: 32}},
		Series: []results.Day{{Day: 1, Date: "2026-03-02"}, {Day: 2, Date: "2026-03-03"}}}
	var buf bytes.Buffer
	if err := reports.WriteJSON(&buf, &results.Simulation{Scenario: results.Scenario{Name: "tiny"}, Arms: []results.Arm{arm},
		KPIs: []results.KPI{{ID: "redemption_rate", Name: "Redemption rate (K2)", Unit: "%", Better: "higher"}}}); err != nil {
		t.Fatal(err)
	}
	sim = writeFile(t, dir, "results.json", buf.String())
	for _, host := range []string{"h1", "h2"} {
		buf.Reset()
		l := &results.Load{Plan: "smoke", Hosts: []string{host}, Started: time.Unix(1000, 0).UTC(), Duration: 1,
			Seconds: []results.LoadSecond{{T: 0, Count: 5, P50: 2, Codes: map[string]int{results.CodeAccepted: 5}}},
			Codes:   map[string]int{results.CodeAccepted: 5}}
		if err := reports.WriteLoadJSON(&buf, l); err != nil {
			t.Fatal(err)
		}
		loads = append(loads, writeFile(t, dir, host+".json", buf.String()))
	}
	return sim, loads
}

func TestCmdReport(t *testing.T) {
	dir := t.TempDir()
	sim, loads := savedResults(t, dir)
	unknown := writeFile(t, dir, "other.json", `{"schema": "vegeta/v12"}`)
	notJSON := writeFile(t, dir, "notes.txt", "hello")
	empty := writeFile(t, dir, "empty.json", `{"schema": "giftsim/load/v1"}`)
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
		wrote  string
	}{
		{"help", []string{"-h"}, exitOK, "Example:", ""},
		{"no paths", nil, exitBadInput, "give at least one results file", ""},
		{"missing", []string{filepath.Join(dir, "nope.json")}, exitBadInput, "no such file", ""},
		{"unknown schema", []string{unknown}, exitBadInput, `not a giftsim result: schema "vegeta/v12"`, ""},
		{"not JSON", []string{notJSON}, exitBadInput, "not a giftsim result", ""},
		{"empty load summary", []string{empty}, exitBadInput, "the load summary holds no results", ""},
		{"mixed", []string{sim, loads[0]}, exitBadInput, "cannot mix", ""},
		{"two simulations", []string{sim, sim}, exitBadInput, "one at a time", ""},
		{"bad flag", []string{"--nope", sim}, exitBadInput, "flag provided but not defined", ""},
		{"simulation, --out after the path", []string{sim, "--out", filepath.Join(dir, "sim")}, exitOK, "", filepath.Join(dir, "sim", "report.html")},
		{"directory", []string{dir, "--out", filepath.Join(dir, "dir")}, exitOK, "", filepath.Join(dir, "dir", "report.html")},
		{"load summaries merged", append([]string{"--out", filepath.Join(dir, "load")}, loads...), exitOK, "", filepath.Join(dir, "load", "report.html")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runCommand(t, cmdReport, "report", tc.args, &stdout, &stderr)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tc.stderr)
			}
			if tc.wrote != "" {
				if _, err := os.Stat(tc.wrote); err != nil {
					t.Error(err)
				}
				if !strings.Contains(stdout.String(), tc.wrote) {
					t.Errorf("stdout %q does not name %s", stdout.String(), tc.wrote)
				}
			}
		})
	}
	page, err := os.ReadFile(filepath.Join(dir, "load", "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "h1, h2") {
		t.Error("the merged load report does not name both hosts")
	}
}

// loadRun runs a small builtin load with one threshold into dir, as a user
// would, and returns dir.
func loadRun(t *testing.T, dir string) string {
	t.Helper()
	code, stdout, stderr := dispatchArgs(context.Background(), "load", "--requests", "20", "--rate", "200/s",
		"--threshold", "codes.5xx == 0", "--out", dir)
	if code != exitOK {
		t.Fatalf("load: exit %d\n%s\n%s", code, stdout, stderr)
	}
	return dir
}

// TestReportRawWithoutSummary renders a report from vegeta's own file
// alone (no summary.json beside it): the page says what it does not know
// (plan, target, target rate, thresholds, merchants) instead of an empty
// plan, "0/s targeted" and a green "The plan set no thresholds".
func TestReportRawWithoutSummary(t *testing.T) {
	dir := t.TempDir()
	run := loadRun(t, filepath.Join(dir, "run"))
	if err := os.Remove(filepath.Join(run, results.LoadSummaryFile)); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "report")
	if code, _, stderr := dispatchArgs(context.Background(), "report", filepath.Join(run, results.LoadRawFile), "--out", out); code != exitOK {
		t.Fatalf("report: exit %d\n%s", code, stderr)
	}
	data, err := os.ReadFile(filepath.Join(out, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	page := html.UnescapeString(string(data))
	for _, want := range []string{"Not judged: the plan's thresholds are not known", "the target rate is not known",
		"plan, target, target rate, thresholds, merchants and quota: read from raw vegeta results without the summary.json"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, bad := range []string{"0/s targeted", "The plan set no thresholds", `class="answer verdict-pass"`} {
		if strings.Contains(page, bad) {
			t.Errorf("the page says %q", bad)
		}
	}
}

// TestReportUnrelatedRuns gives report two runs made one after the other:
// it refuses to merge them unless --merge-unrelated is given, and then
// credits each run's quota to its own run and merchant.
func TestReportUnrelatedRuns(t *testing.T) {
	dir := t.TempDir()
	a := loadRun(t, filepath.Join(dir, "a"))
	time.Sleep(1100 * time.Millisecond) // the runs must not overlap (a run takes about 0.1 s)
	b := loadRun(t, filepath.Join(dir, "b"))
	la, err := results.ReadLoadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	lb, err := results.ReadLoadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	code, _, stderr := dispatchArgs(context.Background(), "load", "--merge", "scenarios/loadplans/quota-new-merchant.yaml", a, b)
	if code != exitBadInput || !strings.Contains(stderr, "are not one run") {
		t.Errorf("load --merge of two runs: exit %d, %s", code, stderr)
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"raw results", []string{a, b}, exitBadInput, "are not one run: they ran one after the other"},
		{"summaries", []string{filepath.Join(a, results.LoadSummaryFile), filepath.Join(b, results.LoadSummaryFile)}, exitBadInput, "--merge-unrelated"},
		{"the same run twice", []string{a, filepath.Join(a, results.LoadSummaryFile)}, exitBadInput, "the same results given twice"},
		{"asked to merge", []string{"--merge-unrelated", a, b}, exitOK, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "report")
			code, _, stderr := dispatchArgs(context.Background(), append([]string{"report", "--out", out}, tc.args...)...)
			if code != tc.code || !strings.Contains(stderr, tc.stderr) {
				t.Fatalf("exit %d, want %d; stderr %q lacks %q", code, tc.code, stderr, tc.stderr)
			}
			if code != exitOK {
				return
			}
			data, err := os.ReadFile(filepath.Join(out, "report.html"))
			if err != nil {
				t.Fatal(err)
			}
			page := string(data)
			for _, l := range []*results.Load{la, lb} {
				row := fmt.Sprintf("<td>%s (run %s)</td><td class=\"num\">20</td><td class=\"num\">%s</td>", l.Quota[0].Merchant, l.RunTag, formatInt(l.Quota[0].Quota))
				if !strings.Contains(page, row) {
					t.Errorf("the quota table lacks %s", row)
				}
			}
		})
	}
}

// TestReportQuotaPerRun merges five days' summaries of a plan that used a
// new merchant's 500 a day: the quota table shows each run's 500 of 500,
// never "2,500 of 500 (500%)".
func TestReportQuotaPerRun(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for i := range 5 {
		l := &results.Load{Plan: "quota-new-merchant", Hosts: []string{"h1"}, RunTag: fmt.Sprintf("r%d", i),
			Started: time.Unix(1000, 0).UTC().Add(time.Duration(i) * 24 * time.Hour), Duration: 6,
			Seconds: []results.LoadSecond{{T: 0, Count: 600, Codes: map[string]int{results.CodeAccepted: 500, "FREQUENCY_LIMITED": 100}}},
			Codes:   map[string]int{results.CodeAccepted: 500, "FREQUENCY_LIMITED": 100},
			Quota:   []results.QuotaUse{{Merchant: "m1", Used: 500, Quota: 500}}}
		var buf bytes.Buffer
		if err := reports.WriteLoadJSON(&buf, l); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, writeFile(t, dir, fmt.Sprintf("day%d.json", i), buf.String()))
	}
	out := filepath.Join(dir, "report")
	if code, _, stderr := dispatchArgs(context.Background(), append([]string{"report", "--out", out}, paths...)...); code != exitBadInput {
		t.Fatalf("five days' runs merged without --merge-unrelated: exit %d, %s", code, stderr)
	}
	if code, _, stderr := dispatchArgs(context.Background(), append([]string{"report", "--merge-unrelated", "--out", out}, paths...)...); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(filepath.Join(out, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	page := string(data)
	for i := range 5 {
		row := fmt.Sprintf(`<td>m1 (run r%d)</td><td class="num">500</td><td class="num">500</td><td class="num">100%%</td>`, i)
		if !strings.Contains(page, row) {
			t.Errorf("the quota table lacks %s", row)
		}
	}
	if strings.Contains(page, `<td class="num">2,500</td><td class="num">500</td>`) || strings.Contains(page, "(500%)") {
		t.Error("the report adds five days' use of one merchant into one quota")
	}
}

// formatInt formats n with thousands separators, as the report does.
func formatInt(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
