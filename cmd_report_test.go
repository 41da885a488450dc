package main

import (
	"bytes"
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
