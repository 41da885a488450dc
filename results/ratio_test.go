package results

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestDiffJSON(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		name string
		d    Diff
		want string // want is a part of the JSON
	}{
		{"bounded", Diff{Ratio: 1.25, RatioMethod: FiellerMethod, RatioLow: 1.1, RatioHigh: 1.4},
			`"ratio_method":"fieller","ratio_low":1.1,"ratio_high":1.4}`},
		{"unbounded above", Diff{Ratio: 4, RatioMethod: FiellerMethod, RatioLow: 2.5, RatioHigh: inf},
			`"ratio_method":"fieller","ratio_low":2.5,"ratio_high":null}`},
		{"unbounded", Diff{Ratio: -2, RatioMethod: FiellerMethod, RatioLow: -inf, RatioHigh: inf},
			`"ratio_low":null,"ratio_high":null}`},
		{"zero-width at zero", Diff{RatioMethod: FiellerMethod},
			`"ratio":0,`},
		{"saved before ratio intervals", Diff{Ratio: 1.5}, `"ratio":1.5,`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.d.Estimate = Estimate{Mean: 1, Low: 0.5, High: 1.5, SD: 0.3, N: 10}
			b, err := json.Marshal(tc.d)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), tc.want) || !strings.HasPrefix(string(b), `{"mean":1,"ci_low":0.5,`) {
				t.Errorf("%s\nlacks %s", b, tc.want)
			}
			if tc.d.RatioMethod == "" && strings.Contains(string(b), "ratio_") {
				t.Errorf("%s: ratio interval fields without a method", b)
			}
			var back Diff
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if back != tc.d {
				t.Errorf("read back as %+v, want %+v", back, tc.d)
			}
			again, _ := json.Marshal(back)
			if string(again) != string(b) {
				t.Errorf("does not round-trip:\n%s\n%s", b, again)
			}
		})
	}
	// In a map, as Arm.Diffs holds them.
	var m map[string]Diff
	if err := json.Unmarshal([]byte(`{"k": {"mean": 2, "ratio": 3, "ratio_method": "fieller", "ratio_low": 1.5}}`), &m); err != nil {
		t.Fatal(err)
	}
	if d := m["k"]; d.Mean != 2 || d.RatioLow != 1.5 || !math.IsInf(d.RatioHigh, 1) {
		t.Errorf("a missing ratio_high reads as %+v, want +Inf", d)
	}
	if _, err := json.Marshal(Diff{RatioMethod: FiellerMethod, RatioLow: math.NaN()}); err == nil {
		t.Error("a NaN end was written")
	}
}

func TestBounds(t *testing.T) {
	tests := []struct {
		k            KPI
		b, diff, rat Bounds
	}{
		{KPI{ID: "redemption_rate", Unit: "%"}, Percentage, Bounds{Lo: -100, Hi: 100}, NonNegative},
		{KPI{ID: "risk_blocked", Unit: "attempts"}, NonNegative, Unbounded, NonNegative},
		{KPI{ID: "cost", Unit: "CNY"}, NonNegative, Unbounded, NonNegative},
		{KPI{ID: "incremental_profit", Unit: "CNY"}, Unbounded, Unbounded, Unbounded},
		{KPI{ID: "roi", Unit: "ratio"}, Unbounded, Unbounded, Unbounded},
	}
	for _, tc := range tests {
		b := tc.k.Bounds()
		if b != tc.b || b.Diff() != tc.diff || b.Ratio() != tc.rat {
			t.Errorf("%s: %v, difference %v, ratio %v; want %v, %v, %v", tc.k.ID, b, b.Diff(), b.Ratio(), tc.b, tc.diff, tc.rat)
		}
	}
	e := Estimate{Mean: 1, Low: -1.1, High: 3.1}.Within(NonNegative)
	if e.Low != 0 || e.High != 3.1 || e.Mean != 1 {
		t.Errorf("a count's t interval cut at zero: %+v", e)
	}
	d := Diff{Estimate: Estimate{Mean: 50, Low: -585, High: 685}, Ratio: 3, RatioMethod: FiellerMethod, RatioLow: -2, RatioHigh: math.Inf(1)}.Within(Percentage)
	if d.Low != -100 || d.High != 100 || d.RatioLow != 0 || !math.IsInf(d.RatioHigh, 1) {
		t.Errorf("a percentage difference cut to its bounds: %+v", d)
	}
}
