package sensitivity

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"giftsim/results"
	"giftsim/scenarios"
	"giftsim/sim"
)

// smallExample is the bundled sensitivity example at a test's size.
func smallExample(t *testing.T) *sim.Experiment {
	t.Helper()
	exp, err := scenarios.LoadExample("sensitivity-catering")
	if err != nil {
		t.Fatal(err)
	}
	if err := scenarios.ApplySet(exp, []string{"population.users=2000", "horizon=45d", "campaign[0].days=14"}); err != nil {
		t.Fatal(err)
	}
	return exp
}

func mustLevers(t *testing.T, specs ...string) []Lever {
	t.Helper()
	ls, err := ParseLevers(specs)
	if err != nil {
		t.Fatal(err)
	}
	return ls
}

// TestInertLeverRanksLast builds a scenario in which the merchant's tier
// cannot matter (800 sends a day never reach a certified merchant's 5,000
// quota) and checks that the analysis ranks it last, with a one-at-a-time
// interval that includes zero and a Morris μ* of zero, and says so.
func TestInertLeverRanksLast(t *testing.T) {
	levers := mustLevers(t, "merchant.tier=certified..filed", "coupon.face_value=10..40",
		"coupon.validity=3d..30d", "campaign[0].push_at=10:00..20:00")
	res, err := Analyze(context.Background(), smallExample(t), levers, Options{Replications: 4, Trajectories: 4, Bootstrap: 200})
	if err != nil {
		t.Fatal(err)
	}
	last := res.Levers[len(res.Levers)-1]
	if last.Path != "merchant.tier" || last.Rank != len(levers) {
		t.Fatalf("last lever %s (rank %d), want merchant.tier", last.Path, last.Rank)
	}
	if e := last.OAT.Effect; !(e.Low <= 0 && 0 <= e.High) {
		t.Errorf("merchant.tier: one-at-a-time interval [%g, %g] excludes zero", e.Low, e.High)
	}
	if m := last.Morris; m.MuStar != 0 || m.MuStarLow != 0 {
		t.Errorf("merchant.tier: μ* %g [%g, %g], want 0", m.MuStar, m.MuStarLow, m.MuStarHigh)
	}
	if last.Verdict != results.VerdictNotMatters {
		t.Errorf("merchant.tier: verdict %q", last.Verdict)
	}
	first := res.Levers[0]
	if first.Verdict != results.VerdictMatters || first.OAT.Effect.Mean == 0 {
		t.Errorf("first lever %s: verdict %q, effect %g", first.Path, first.Verdict, first.OAT.Effect.Mean)
	}
	if res.Replications != 4 || res.Morris == nil || res.Morris.Points == 0 || !strings.Contains(res.Sobol, "not computed") {
		t.Errorf("replications %d, morris %+v, sobol %q", res.Replications, res.Morris, res.Sobol)
	}
	for _, l := range res.Levers {
		t.Logf("%d %-22s %-16s OAT %+.1f [%+.1f, %+.1f]  μ* %.1f [%.1f, %.1f]", l.Rank, l.Path, l.Verdict,
			l.OAT.Effect.Mean, l.OAT.Effect.Low, l.OAT.Effect.High, l.Morris.MuStar, l.Morris.MuStarLow, l.Morris.MuStarHigh)
	}
}

// TestDeterministic runs one analysis twice, on different worker counts:
// the same seed gives the same bytes.
func TestDeterministic(t *testing.T) {
	levers := mustLevers(t, "coupon.face_value=10..40", "merchant.tier=certified..filed")
	var outs [2][]byte
	for i, w := range []int{1, 2} {
		res, err := Analyze(context.Background(), smallExample(t), levers, Options{Replications: 2, Trajectories: 3, Bootstrap: 100, Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		if outs[i], err = json.Marshal(res); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Error("two runs with the same seed differ")
	}
}

// TestCheckNamesTheLever checks that a lever the scenario cannot take is
// refused with its path and the rule.
func TestCheckNamesTheLever(t *testing.T) {
	exp := smallExample(t)
	for _, c := range []struct {
		specs []string
		kpi   string
		want  string
	}{
		{[]string{"coupon.validity=3d..120d"}, "", "lever coupon.validity=3d..120d: its high end 120d is not allowed"},
		{[]string{"coupon.nonsense=1..2"}, "", "lever coupon.nonsense=1..2: its low end"},
		{[]string{"merchant.tier=certified..gold"}, "", "merchant.tier"},
		{[]string{"coupon.face_value=10..20", "coupon.face_value=30..40"}, "", "given twice"},
		{nil, "", "no levers"},
		{[]string{"coupon.face_value=10..20"}, "profitt", `--kpi "profitt"`},
	} {
		err := Check(exp, mustLevers(t, c.specs...), Options{KPI: c.kpi})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.specs, err, c.want)
		}
	}
}
