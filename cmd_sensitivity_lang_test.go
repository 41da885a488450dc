package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestSensitivityOptimizeLang runs sensitivity and optimize with --lang zh
// and en on small runs: Chinese text in zh, none in en, and an unknown
// language is bad input.
func TestSensitivityOptimizeLang(t *testing.T) {
	sens := []string{"sensitivity", "scenarios/examples/sensitivity-catering.yaml", "--method", "oat", "--replications", "2",
		"--lever", "coupon.face_value=10..40", "--quiet"}
	opt := []string{"optimize", "scenarios/examples/optimize-retail-budget.yaml", "--users", "1000", "--candidates", "4",
		"--budget-evals", "40", "--quiet"}
	for _, tc := range []struct {
		args   []string
		zh, en string
	}{
		{sens, "影响最大", "matters most"},
		{opt, "最佳策略：", "Best strategy:"},
	} {
		for _, lang := range []string{"zh", "en"} {
			var stdout, stderr bytes.Buffer
			if code := dispatch(context.Background(), append(append([]string{}, tc.args...), "--lang", lang), &stdout, &stderr); code != exitOK {
				t.Fatalf("%s --lang %s: exit %d: %s", tc.args[0], lang, code, stderr.String())
			}
			want, not := tc.zh, tc.en
			if lang == "en" {
				want, not = tc.en, tc.zh
			}
			if out := stdout.String(); !strings.Contains(out, want) || strings.Contains(out, not) {
				t.Errorf("%s --lang %s: want %q and not %q in\n%s", tc.args[0], lang, want, not, out)
			}
		}
		var stdout, stderr bytes.Buffer
		if code := dispatch(context.Background(), append(append([]string{}, tc.args...), "--lang", "fr"), &stdout, &stderr); code != exitBadInput {
			t.Errorf("%s --lang fr: exit %d, want %d", tc.args[0], code, exitBadInput)
		}
	}
}
