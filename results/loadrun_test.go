package results

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestCheckRelated(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	run := func(src, plan string, seed uint64, tag string, shard, shards int, start, secs int) LoadRun {
		s := t0.Add(time.Duration(start) * time.Second)
		return LoadRun{Source: src, Plan: plan, Seed: seed, RunTag: tag, Shard: shard, Shards: shards,
			Started: s, End: s.Add(time.Duration(secs) * time.Second)}
	}
	tests := []struct {
		name   string
		runs   []LoadRun
		reason string // "" when related
	}{
		{"one input", []LoadRun{run("a", "p", 1, "x", 0, 0, 0, 10)}, ""},
		{"two hosts at once", []LoadRun{run("a", "p", 1, "x", 0, 0, 0, 10), run("b", "p", 1, "y", 0, 0, 1, 10)}, ""},
		{"shards of one run", []LoadRun{run("a", "p", 1, "x", 1, 2, 0, 10), run("b", "p", 1, "y", 2, 2, 0, 10)}, ""},
		{"nothing known but time", []LoadRun{run("a", "", 0, "", 0, 0, 0, 10), run("b", "", 0, "", 0, 0, 5, 10)}, ""},
		{"different plans", []LoadRun{run("a", "p", 1, "x", 0, 0, 0, 10), run("b", "q", 1, "y", 0, 0, 0, 10)}, "different plans (p, q)"},
		{"different seeds", []LoadRun{run("a", "p", 1, "x", 0, 0, 0, 10), run("b", "p", 2, "y", 0, 0, 0, 10)}, "different seeds (1, 2)"},
		{"the same run twice", []LoadRun{run("a", "p", 1, "x", 0, 0, 0, 10), run("b", "p", 1, "x", 0, 0, 0, 10)}, "the same results given twice"},
		{"shard and whole run", []LoadRun{run("a", "p", 1, "x", 1, 2, 0, 10), run("b", "p", 1, "y", 0, 0, 0, 10)}, "one is shard 1 of 2, the other a whole run"},
		{"other shard counts", []LoadRun{run("a", "p", 1, "x", 1, 2, 0, 10), run("b", "p", 1, "y", 2, 3, 0, 10)}, "2 and 3 shards"},
		{"the same shard", []LoadRun{run("a", "p", 1, "x", 2, 2, 0, 10), run("b", "p", 1, "y", 2, 2, 0, 10)}, "both are shard 2 of 2"},
		{"one after the other", []LoadRun{run("b", "p", 1, "y", 0, 0, 60, 10), run("a", "p", 1, "x", 0, 0, 0, 10)}, "one after the other (a ended"},
		{"a gap in a chain", []LoadRun{run("a", "p", 1, "x", 0, 0, 0, 30), run("b", "p", 1, "y", 0, 0, 20, 5), run("c", "p", 1, "z", 0, 0, 40, 5)}, "a ended"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckRelated(tc.runs...)
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			var ue *UnrelatedError
			if !errors.As(err, &ue) {
				t.Fatalf("got %v, want an *UnrelatedError", err)
			}
			if !strings.Contains(err.Error(), tc.reason) || !strings.Contains(err.Error(), "are not one run") {
				t.Errorf("%q lacks %q", err, tc.reason)
			}
		})
	}
}

// TestMergeLoadQuotaPerRun merges five runs of a plan on five days, each
// using a new merchant's 500 a day: the quota is attributed per run and
// merchant (five rows of 500 of 500), never added into 2,500 of 500; the
// hosts of one run still add up per merchant.
func TestMergeLoadQuotaPerRun(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	var days []*Load
	for i := range 5 {
		l := runOf("h1", t0.Add(time.Duration(i)*24*time.Hour), 2, 500, 1, 2)
		l.RunTag = fmt.Sprintf("r%d", i)
		l.Quota = []QuotaUse{{Merchant: "m1", Used: 500, Quota: 500}}
		days = append(days, l)
	}
	got, err := MergeLoad(days...)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Quota) != 5 {
		t.Fatalf("quota %+v, want one row per run", got.Quota)
	}
	for i, q := range got.Quota {
		if q.Used != 500 || q.Quota != 500 || q.Merchant != "m1" || q.Run != fmt.Sprintf("r%d", i) {
			t.Errorf("row %d: %+v", i, q)
		}
	}

	// Two merchants in one run's two hosts: each merchant's own use, summed
	// over the hosts.
	a := runOf("h1", t0, 10, 100, 1, 2)
	b := runOf("h2", t0, 10, 100, 1, 2)
	a.RunTag, b.RunTag = "ra", "rb"
	a.Quota = []QuotaUse{{Merchant: "m1", Used: 200, Quota: 500}, {Merchant: "m2", Used: 30, Quota: 5000}}
	b.Quota = []QuotaUse{{Merchant: "m1", Used: 250, Quota: 500}}
	got, err = MergeLoad(a, b)
	if err != nil {
		t.Fatal(err)
	}
	want := []QuotaUse{{Merchant: "m1", Used: 450, Quota: 500}, {Merchant: "m2", Used: 30, Quota: 5000}}
	if fmt.Sprint(got.Quota) != fmt.Sprint(want) {
		t.Errorf("quota %+v, want %+v", got.Quota, want)
	}
}

func TestMergeLoadUnknown(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	a, b := runOf("h1", t0, 2, 10, 1, 2), runOf("h2", t0, 2, 10, 1, 2)
	b.Unknown = []string{UnknownPlan, UnknownThresholds}
	got, err := MergeLoad(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Knows(UnknownPlan) || got.Knows(UnknownThresholds) || !got.Knows(UnknownRate) {
		t.Errorf("unknown %v, want what b does not know", got.Unknown)
	}
	if r := b.Run("b"); r.Plan != "" {
		t.Errorf("an unknown plan identifies the run as %q", r.Plan)
	}
}
