package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// smallSensitivityScenario writes the bundled sensitivity example at a
// test's size and returns its path.
func smallSensitivityScenario(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("scenarios", "examples", "sensitivity-catering.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(data), "users: 20000", "users: 1500", 1)
	s = strings.Replace(s, "replications: 10", "replications: 2", 1)
	// The example declares its levers; the tests give theirs by flag, and
	// one checks what happens with none.
	s = s[:strings.Index(s, "\nlevers:")+1]
	return writeFile(t, t.TempDir(), "small.yaml", s)
}

// TestSensitivityCommand runs the command at a small size: the sentence
// and the table on stdout, the report's files under --out, and the same
// bytes for the same seed.
func TestSensitivityCommand(t *testing.T) {
	file := smallSensitivityScenario(t)
	first, second := reportTwice(t, []string{"sensitivity", file, "--lever", "coupon.face_value=10..40",
		"--lever", "merchant.tier=certified..filed", "--trajectories", "3", "--method", "all", "--samples", "8"},
		[]string{"merchant.tier does not matter", "Sobol: N = 8 base samples"},
		[]string{"report.html", "sensitivity.csv", "sensitivity.json", "charts/tornado.svg", "charts/morris.png", "charts/sobol.svg"})
	if first != second {
		t.Error("the same seed gave different sensitivity.json")
	}
}

// TestSensitivityBadInput checks that bad levers and flags exit 2 with an
// error naming the lever and what is allowed.
func TestSensitivityBadInput(t *testing.T) {
	file := smallSensitivityScenario(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{file, "--lever", "coupon.validity"}, "want path=low..high"},
		{[]string{file, "--lever", "coupon.validity=3d..120d"}, "lever coupon.validity=3d..120d: its high end 120d is not allowed"},
		{[]string{file, "--lever", "coupon.colour=red..blue"}, "lever coupon.colour=red..blue"},
		{[]string{file}, "no levers"},
		{[]string{file, "--lever", "coupon.face_value=10..40", "--kpi", "nope"}, `--kpi "nope"`},
		{[]string{file, "--lever", "coupon.face_value=10..40", "--method", "sobl"}, "want oat, morris, sobol, both (oat and morris) or all"},
		{[]string{file, "--lever", "coupon.face_value=10..40", "--method", "all", "--samples", "4096", "--replications", "10"},
			"Sobol indices with --samples 4096 need 4096 × (1 lever + 2) × 10 replications = 122,880 arm-replications, more than --budget-evals 20,000 allows: use --samples 512"},
		{[]string{file, "--lever", "coupon.face_value=10..40", "--method", "sobol", "--samples", "2"}, "--samples 2: want 8 to"},
		{[]string{file, "--lever", "coupon.face_value=10..40", "--levels", "3"}, "even number of levels"},
		{[]string{"--lever", "coupon.face_value=10..40"}, "exactly one scenario file"},
	} {
		wantBadInput(t, c.want, append([]string{"sensitivity"}, c.args...)...)
	}
	wantHelp(t, "sensitivity")
}
