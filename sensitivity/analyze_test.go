package sensitivity

import (
	"bytes"
	"context"
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"giftsim/results"
	"giftsim/scenarios"
)

// smallExample is the bundled sensitivity example at a test's size.
func smallExample(t *testing.T) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.ParseExample("sensitivity-catering")
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.Set([]string{"population.users=2000", "horizon=45d", "campaign[0].days=14"}); err != nil {
		t.Fatal(err)
	}
	return sc
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
// interval that includes zero, a Morris μ* of zero and a total Sobol
// index whose interval includes zero, and says so; and that the lever
// that matters most by its total index has one clear of zero.
func TestInertLeverRanksLast(t *testing.T) {
	levers := mustLevers(t, "merchant.tier=certified..filed", "coupon.face_value=10..40",
		"coupon.validity=3d..30d", "campaign[0].push_at=10:00..20:00")
	res, err := Analyze(context.Background(), smallExample(t), levers, Options{Replications: 4, Trajectories: 4, Bootstrap: 200,
		OAT: true, Morris: true, Sobol: true, Samples: 16})
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
	if s := last.Sobol; !(s.TotalLow <= 0 && 0 <= s.TotalHigh) || s.Total != 0 {
		t.Errorf("merchant.tier: S_T %g [%g, %g], want 0 with an interval that includes zero", s.Total, s.TotalLow, s.TotalHigh)
	}
	if last.Verdict != results.VerdictNotMatters {
		t.Errorf("merchant.tier: verdict %q", last.Verdict)
	}
	first := res.Levers[0]
	if first.Verdict != results.VerdictMatters || first.OAT.Effect.Mean == 0 || !(first.Sobol.TotalLow > 0) {
		t.Errorf("first lever %s: verdict %q, effect %g, S_T %+v", first.Path, first.Verdict, first.OAT.Effect.Mean, first.Sobol)
	}
	for i := 1; i < len(res.Levers); i++ {
		if a, b := res.Levers[i-1], res.Levers[i]; a.Verdict == b.Verdict && max(a.Sobol.Total, 0) < max(b.Sobol.Total, 0) {
			t.Errorf("%s (S_T %g) ranks above %s (S_T %g)", a.Path, a.Sobol.Total, b.Path, b.Sobol.Total)
		}
	}
	d := res.Sobol
	if res.Replications != 4 || res.Morris == nil || res.Morris.Points == 0 || d == nil || res.SobolNote != "" ||
		d.Samples != 16 || d.Points == 0 || d.Points > 16*6 || !d.NoiseKnown || !(d.Variance > 0) {
		t.Errorf("replications %d, morris %+v, sobol %+v %q", res.Replications, res.Morris, res.Sobol, res.SobolNote)
	}
	t.Logf("Sobol: %d points, noise share %.3f", d.Points, d.NoiseShare)
	for _, l := range res.Levers {
		t.Logf("%d %-22s %-16s OAT %+.1f [%+.1f, %+.1f]  μ* %.1f [%.1f, %.1f]  S %.3f [%.3f, %.3f]  ST %.3f [%.3f, %.3f]", l.Rank, l.Path, l.Verdict,
			l.OAT.Effect.Mean, l.OAT.Effect.Low, l.OAT.Effect.High, l.Morris.MuStar, l.Morris.MuStarLow, l.Morris.MuStarHigh,
			l.Sobol.First, l.Sobol.FirstLow, l.Sobol.FirstHigh, l.Sobol.Total, l.Sobol.TotalLow, l.Sobol.TotalHigh)
	}
}

// TestMethodsDefault checks that no method named means one-at-a-time and
// Morris, with the note that says why there are no Sobol indices.
func TestMethodsDefault(t *testing.T) {
	res, err := Analyze(context.Background(), smallExample(t), mustLevers(t, "merchant.tier=certified..filed"),
		Options{Replications: 2, Trajectories: 2, Bootstrap: 50})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Methods, ",") != "oat,morris" || res.Sobol != nil || !strings.Contains(res.SobolNote, "not computed") {
		t.Errorf("methods %v, sobol %+v %q", res.Methods, res.Sobol, res.SobolNote)
	}
}

// TestDeterministic runs one analysis with every method twice, on one
// core and on two (GOMAXPROCS 1 and 2, the workers following): the same
// seed gives the same bytes.
func TestDeterministic(t *testing.T) {
	levers := mustLevers(t, "coupon.face_value=10..40", "merchant.tier=certified..filed")
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var outs [2][]byte
	for i, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		res, err := Analyze(context.Background(), smallExample(t), levers, Options{Replications: 2, Trajectories: 3, Bootstrap: 100,
			OAT: true, Morris: true, Sobol: true, Samples: 8})
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
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{Sobol: true, Samples: 4}, "--samples 4: want 8 to"},
		{Options{Sobol: true, Samples: 512, Replications: 10, Budget: 20000}, "use --samples 256 (15,360 arm-replications)"},
	} {
		err := Check(exp, mustLevers(t, "coupon.face_value=10..20", "coupon.validity=3d..30d", "merchant.tier=certified..filed", "campaign[0].push_at=10:00..20:00"), c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.o, err, c.want)
		}
	}
}
