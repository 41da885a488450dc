package calibrate

import (
	"strings"
	"testing"
)

func TestReadTargets(t *testing.T) {
	tests := []struct {
		name, in, err string
		n             int
	}{
		{"ratio and absolute", "id,scenario,arm,baseline,kpi,want,tol\nB1,validity-7-vs-30,7-day,30-day,redemption_rate,1.42,0.07\npast,my.yaml,base,,redemption_rate,23.5,1\n", "", 2},
		{"comments", "# observed in 2025\nid,scenario,arm,baseline,kpi,want,tol\nx,a,b,c,d,1,1\n", "", 1},
		{"bad header", "id,scenario\n", "t.csv:1: header must be id,scenario,arm,baseline,kpi,want,tol", 0},
		{"bad number", "id,scenario,arm,baseline,kpi,want,tol\nx,a,b,c,d,lots,1\n", `t.csv:2: want "lots" is not a number`, 0},
		{"zero tolerance", "id,scenario,arm,baseline,kpi,want,tol\nx,a,b,c,d,1,0\n", `t.csv:2: tol "0" must be a positive number`, 0},
		{"empty", "", "t.csv: empty; want the header id,scenario,arm,baseline,kpi,want,tol", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts, err := ReadTargets(strings.NewReader(tc.in), "t.csv")
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || len(ts) != tc.n {
				t.Fatalf("got %d targets, %v; want %d", len(ts), err, tc.n)
			}
		})
	}
}

func FuzzReadTargets(f *testing.F) {
	f.Add("id,scenario,arm,baseline,kpi,want,tol\nB1,v,7-day,30-day,redemption_rate,1.42,0.07\n")
	f.Add("id,scenario\n\"unterminated")
	f.Fuzz(func(t *testing.T, in string) {
		ts, err := ReadTargets(strings.NewReader(in), "f.csv")
		if err == nil {
			for _, x := range ts {
				if !(x.Tol > 0) || x.ID == "" {
					t.Fatalf("accepted a bad target %+v", x)
				}
			}
		}
	})
}
