package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDataCommandsRefuseBadInput checks the refusals of backtest and
// calibrate --data that come before any simulation, and backtest's -h.
func TestDataCommandsRefuseBadInput(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte("date,hour,channel,sends,claims,redemptions\n2026-03-02,24,api,1,1,0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const m, a, b = "scenarios/data/merchant.yaml", "scenarios/data/campaign-a.csv", "scenarios/data/campaign-b.csv"
	tests := []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"backtest", "-h"}, exitOK, "giftsim backtest --scenario scenarios/data/merchant.yaml --fit scenarios/data/campaign-a.csv"},
		{[]string{"backtest", "--scenario", m, "--fit", a}, exitBadInput, "want --scenario, --fit and --predict"},
		{[]string{"backtest", "--scenario", m, "--fit", a, "--predict", bad}, exitBadInput, "bad.csv:2:12: hour: \"24\" is not an hour"},
		{[]string{"backtest", "--scenario", "nope.yaml", "--fit", a, "--predict", b}, exitBadInput, "nope.yaml"},
		{[]string{"calibrate", "--data", a}, exitBadInput, "--data FILE.csv and --scenario MERCHANT.yaml go together"},
		{[]string{"calibrate", "--data", a, "--scenario", m, "--hold-out", "B1"}, exitBadInput, "--hold-out do not apply with --data"},
		{[]string{"calibrate", "--data", a, "--scenario", m, "targets.csv"}, exitBadInput, "no targets file"},
		{[]string{"calibrate", "--data", bad, "--scenario", m}, exitBadInput, "bad.csv:2:12: hour"},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		code := dispatch(context.Background(), tc.args, &stdout, &stderr)
		if code != tc.code || !strings.Contains(stderr.String(), tc.err) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, stderr.String(), tc.code, tc.err)
		}
	}
}

// TestBacktestExamplePair runs the backtest on the example pair, too small
// to fit well (calibrate's tests check the fit and the prediction), and
// checks that it prints both tables and gives a verdict.
func TestBacktestExamplePair(t *testing.T) {
	if testing.Short() {
		t.Skip("fits the example pair")
	}
	var stdout, stderr bytes.Buffer
	code := dispatch(context.Background(), []string{"backtest", "--scenario", "scenarios/data/merchant.yaml",
		"--fit", "scenarios/data/campaign-a.csv", "--predict", "scenarios/data/campaign-b.csv",
		"--scale", "0.5", "--replications", "4", "--max-evals", "20", "--passes", "1", "--ensemble", "4", "--predict-replications", "20"}, &stdout, &stderr)
	out := stdout.String()
	for _, want := range []string{"figure", "observed [95% CI]", "forget_hours", "predicted [95% PI]", "early share (before 04-17 20:00)"} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks %q", want)
		}
	}
	if code != exitOK && code != exitThresholds || stderr.Len() > 0 {
		t.Errorf("exit %d, stderr %q; want a verdict, 0 or 1", code, stderr.String())
	}
	if (code == exitOK) != strings.Contains(out, "ok: every observed figure") {
		t.Errorf("exit %d does not match the output:\n%s", code, out)
	}
}
