package loadgen

import (
	"errors"
	"strings"
	"testing"
)

func TestParseThreshold(t *testing.T) {
	metrics := map[string]float64{
		"sends.accepted": 50000, "codes.FREQUENCY_LIMITED": 5000, "codes.5xx": 0,
		"latency.p99": 0.0032, "rate.achieved": 5400, "rate.target": 5500, "lag.max": 0.2,
	}
	get := func(name string) (float64, bool) { v, ok := metrics[name]; return v, ok }
	tests := []struct {
		in, canon string
		pass      bool
		observed  string
	}{
		{"sends.accepted == 50000", "sends.accepted == 50000", true, "sends.accepted = 50000"},
		{"sends.accepted==50_000", "sends.accepted == 50000", true, "sends.accepted = 50000"},
		{"codes.5xx == 0 && codes.FREQUENCY_LIMITED == 5000", "codes.5xx == 0 && codes.FREQUENCY_LIMITED == 5000", true, "codes.5xx = 0; codes.FREQUENCY_LIMITED = 5000"},
		{"latency.p99 < 50ms", "latency.p99 < 50ms", true, "latency.p99 = 3.2ms"},
		{"latency.p99 < 2ms", "latency.p99 < 2ms", false, "latency.p99 = 3.2ms"},
		{"latency.p99 <= 0.0032s", "latency.p99 <= 0.0032s", true, "latency.p99 = 3.2ms"},
		{"rate.achieved >= 0.95 * rate.target", "rate.achieved >= 0.95 * rate.target", true, "rate.achieved = 5400"},
		{"rate.achieved >= 99% * rate.target", "rate.achieved >= 99% * rate.target", false, "rate.achieved = 5400"},
		{"rate.achieved / rate.target > 0.9", "rate.achieved / rate.target > 0.9", true, "rate.achieved / rate.target = 0.9818"},
		{"(sends.accepted + codes.FREQUENCY_LIMITED) == 55000", "sends.accepted + codes.FREQUENCY_LIMITED == 55000", true, "sends.accepted + codes.FREQUENCY_LIMITED = 55000"},
		{"sends.accepted - (codes.5xx - 1) == 50001", "sends.accepted - (codes.5xx - 1) == 50001", true, "sends.accepted - (codes.5xx - 1) = 50001"},
		{"codes.5xx > 0 or lag.max < 1s", "codes.5xx > 0 || lag.max < 1s", true, "codes.5xx = 0; lag.max = 200ms"},
		{"not (codes.5xx > 0)", "!(codes.5xx > 0)", true, "codes.5xx = 0"},
		{"-codes.5xx == 0", "-codes.5xx == 0", true, "-codes.5xx = 0"},
		{"lag.max * 2 < 1s", "lag.max * 2 < 1s", true, "lag.max * 2 = 400ms"},
		{"latency.p99 < 50µs", "latency.p99 < 50us", false, "latency.p99 = 3.2ms"},
		{"1 < 2", "1 < 2", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			th, err := ParseThreshold(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := th.String(); got != tt.canon {
				t.Errorf("String() = %q, want %q", got, tt.canon)
			}
			pass, obs, err := th.Eval(get)
			if err != nil {
				t.Fatal(err)
			}
			if pass != tt.pass || obs != tt.observed {
				t.Errorf("Eval = %v, %q; want %v, %q", pass, obs, tt.pass, tt.observed)
			}
		})
	}
}

func TestParseThresholdErrors(t *testing.T) {
	tests := []struct {
		in   string
		col  int
		want string
	}{
		{"", 1, "want a number, a metric"},
		{"sends.accepted", 1, "want a condition"},
		{"sends.accepted = 5", 16, "write =="},
		{"latency.p99 < 50", 13, "compares a duration with a number"},
		{"latency.p99 < 50 ms", 13, "compares a duration with a number"},
		{"codes.5xx == 0 ms", 16, "unexpected name"},
		{"latency.p99 < 50xs", 17, "unknown unit \"xs\""},
		{"latncy.p99 < 50ms", 1, "unknown metric \"latncy.p99\""},
		{"latency.p98 < 50ms", 1, "unknown statistic \"p98\""},
		{"sends.acepted == 1", 1, "unknown field \"acepted\""},
		{"1 < 2 < 3", 7, "do not chain"},
		{"(1 < 2", 7, "want \")\""},
		{"1 < 2 && 3", 7, "joins conditions"},
		{"latency.p99 * latency.p50 < 1s", 13, "multiplies two durations"},
		{"1 / latency.p99 < 1", 3, "divides a number by a duration"},
		{"1__0 < 2", 1, "misplaced _"},
		{"codes.5xx == 0 $", 16, "unexpected character"},
		{strings.Repeat("(", 100) + "1 < 2" + strings.Repeat(")", 100), 65, "nested more than"},
		{strings.Repeat("1", MaxExprLen+1), MaxExprLen + 1, "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.in[:min(len(tt.in), 40)], func(t *testing.T) {
			_, err := ParseThreshold(tt.in)
			var ee *ExprError
			if !errors.As(err, &ee) || !errors.Is(err, ErrExpr) {
				t.Fatalf("err = %v, want an *ExprError", err)
			}
			if ee.Pos+1 != tt.col || !strings.Contains(ee.Msg, tt.want) {
				t.Errorf("err = col %d %q, want col %d containing %q", ee.Pos+1, ee.Msg, tt.col, tt.want)
			}
		})
	}
}

func TestThresholdUnavailableMetric(t *testing.T) {
	th := MustParseThreshold("capacity >= 1000")
	pass, _, err := th.Eval(func(string) (float64, bool) { return 0, false })
	if pass || err == nil {
		t.Fatalf("Eval = %v, %v; want a failure with an error", pass, err)
	}
	if got := th.Metrics(); len(got) != 1 || got[0] != "capacity" {
		t.Errorf("Metrics() = %v", got)
	}
}

// FuzzParseThreshold checks that the parser never panics and that the
// canonical form reads back to itself.
func FuzzParseThreshold(f *testing.F) {
	for _, s := range []string{
		"sends.accepted == 50000", "latency.p99 < 50ms", "rate.achieved >= 0.95 * rate.target",
		"codes.5xx == 0 && (lag.max < 1s || !(requests > 1e6))", "-(-1) < 2%", "1e+21 > 1_000.5e-3",
		"latency.p99 < 50µs", ".5 < 1", "not 1 < 2 and 3 > 2 or codes.RULE_LIMIT != 0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		th, err := ParseThreshold(s)
		if err != nil {
			var ee *ExprError
			if !errors.As(err, &ee) || ee.Pos < 0 || ee.Pos > len(s) {
				t.Fatalf("ParseThreshold(%q) = %v: want an *ExprError inside the input", s, err)
			}
			return
		}
		canon := th.String()
		again, err := ParseThreshold(canon)
		if err != nil {
			t.Fatalf("canonical %q of %q does not parse: %v", canon, s, err)
		}
		if got := again.String(); got != canon {
			t.Fatalf("canonical form is not stable: %q → %q → %q", s, canon, got)
		}
		get := func(string) (float64, bool) { return 1, true }
		p1, o1, e1 := th.Eval(get)
		p2, o2, e2 := again.Eval(get)
		if p1 != p2 || o1 != o2 || (e1 == nil) != (e2 == nil) {
			t.Fatalf("%q and its canonical %q judge differently", s, canon)
		}
	})
}
