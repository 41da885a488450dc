package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestOptimizeCommand runs the bundled example at a small size: the answer
// on stdout, the report's files under --out, the same bytes for the same
// seed, and a rerun on the state file that simulates nothing new.
func TestOptimizeCommand(t *testing.T) {
	file := filepath.Join("scenarios", "examples", "optimize-retail-budget.yaml")
	state := filepath.Join(t.TempDir(), "state.json")
	first, second := reportTwice(t, []string{"optimize", file, "--users", "400", "--budget-evals", "400", "--candidates", "16", "--state", state},
		[]string{"Best strategy: coupon.face_value=", "best and runners-up:"},
		[]string{"report.html", "optimize.csv", "optimize.json", "charts/candidates.svg", "charts/candidates.png"})
	if first != second {
		t.Error("the rerun on the state file gave a different optimize.json")
	}
}

// TestOptimizeBadInput checks that bad scenarios and flags exit 2 with an
// error that says where and what is allowed.
func TestOptimizeBadInput(t *testing.T) {
	dir := t.TempDir()
	base := "horizon: 30d\ncoupon: {validity: 7d}\n"
	noObjective := writeFile(t, dir, "no-objective.yaml", base+"levers: {coupon.validity: 3d..30d}\n")
	badKPI := writeFile(t, dir, "bad-kpi.yaml", base+"levers: {coupon.validity: 3d..30d}\nobjective: {maximize: proft}\n")
	good := writeFile(t, dir, "good.yaml", base+"levers: {coupon.validity: 3d..30d}\nobjective: {maximize: redeemed}\n")
	junk := writeFile(t, dir, "junk.json", "not json")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{noObjective}, "no objective"},
		{[]string{badKPI}, "bad-kpi.yaml:4:23: objective.maximize"},
		{[]string{filepath.Join(dir, "missing.yaml")}, "cannot open"},
		{[]string{good, "--alpha", "0.7"}, "alpha 0.7"},
		{[]string{good, "--replications", "1"}, "at least 2 replications"},
		{[]string{good, "--candidates", "5000"}, "at most 400"},
		{[]string{good, "--delta", "-1"}, "delta -1"},
		{[]string{good, "--users", "-5"}, "must not be negative"},
		{[]string{good, "--bogus"}, "flag provided but not defined"},
		{[]string{}, "exactly one scenario file"},
		{[]string{good, "--budget-evals", "10"}, "cannot screen"},
		{[]string{good, "--state", junk}, "is not a giftsim optimize state file"},
	} {
		wantBadInput(t, c.want, append([]string{"optimize"}, c.args...)...)
	}
	wantHelp(t, "optimize")
}

// TestSensitivityLeversFromFile runs sensitivity without --lever on a
// scenario that declares its levers.
func TestSensitivityLeversFromFile(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "s.yaml", "horizon: 30d\nreplications: 2\npopulation: {users: 600}\ncoupon: {validity: 7d}\n"+
		"levers:\n  coupon.validity: 3d..20d\n  merchant.tier: [certified, filed]\n")
	var stdout, stderr bytes.Buffer
	code := dispatch(context.Background(), []string{"sensitivity", file, "--method", "oat"}, &stdout, &stderr)
	if code != exitOK || !strings.Contains(stdout.String(), "coupon.validity") || !strings.Contains(stdout.String(), "merchant.tier") {
		t.Errorf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	three := writeFile(t, dir, "three.yaml", "horizon: 30d\ncoupon: {validity: 7d}\nlevers:\n  campaign[0].channel: [official-account, payment-popup, geo]\n")
	stderr.Reset()
	code = dispatch(context.Background(), []string{"sensitivity", three}, &stdout, &stderr)
	if code != exitBadInput || !strings.Contains(stderr.String(), "three.yaml:4:24: levers.campaign[0].channel: sensitivity varies a category between two levels") {
		t.Errorf("three levels: exit %d, %s", code, stderr.String())
	}
}
