package results

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestCensoredJSON checks that a censored time to a target says so in
// results.json, that an uncensored estimate is written as before, and that
// both read back.
func TestCensoredJSON(t *testing.T) {
	for _, tc := range []struct {
		e    Estimate
		want string
	}{
		{Estimate{Mean: 60, Low: 60, High: 60, N: 10, Censored: 10}, `"censored":10`},
		{Estimate{Mean: 18, Low: 17, High: 19, N: 10}, ""},
	} {
		b, err := json.Marshal(tc.e)
		if err != nil {
			t.Fatal(err)
		}
		if tc.want != "" && !strings.Contains(string(b), tc.want) || tc.want == "" && strings.Contains(string(b), "censored") {
			t.Errorf("%+v wrote %s", tc.e, b)
		}
		var back Estimate
		if err := json.Unmarshal(b, &back); err != nil || back != tc.e {
			t.Errorf("read back %+v (%v), want %+v", back, err, tc.e)
		}
		if back.NotReached() != (tc.e.Censored > 0) {
			t.Errorf("NotReached() = %v for %+v", back.NotReached(), back)
		}
	}
	d := Diff{Estimate: Estimate{Mean: 3, Low: 2, High: 4, N: 10, Censored: 2}}
	b, err := json.Marshal(d)
	if err != nil || !strings.Contains(string(b), `"censored":2`) {
		t.Fatalf("a difference wrote %s (%v)", b, err)
	}
}

// TestDaysBounds checks that a time in days is never negative.
func TestDaysBounds(t *testing.T) {
	if b := (KPI{ID: "days_to_holders", Unit: "days"}).Bounds(); b != NonNegative {
		t.Fatalf("days: %v, want non-negative", b)
	}
}
