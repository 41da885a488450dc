package calibrate

import (
	"context"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"giftsim/sim"
)

// linearModel is a synthetic objective: target i's value is its want plus
// Σ_j a[i][j]·ln(parameter j), so every finite difference is exact and the
// Jacobian is a divided by the tolerances.
func linearModel(params []Param, a [][]float64) blockEvaluator {
	return func(_ context.Context, b sim.Behaviour, ts []Target, _ int) ([]Fitted, error) {
		out := make([]Fitted, len(ts))
		for i, t := range ts {
			v := t.Want
			for j, p := range params {
				v += a[i][j] * math.Log(*p.Field(&b))
			}
			out[i] = Fitted{Target: t, Value: v, Low: v, High: v}
		}
		return out, nil
	}
}

// testParams returns the named DefaultParams, in that order.
func testParams(t *testing.T, names ...string) []Param {
	t.Helper()
	var out []Param
	for _, n := range names {
		found := false
		for _, p := range DefaultParams() {
			if p.Name == n {
				out, found = append(out, p), true
			}
		}
		if !found {
			t.Fatalf("no parameter %s", n)
		}
	}
	return out
}

func synthTargets(tols ...float64) []Target {
	ts := make([]Target, len(tols))
	for i, tol := range tols {
		ts[i] = Target{ID: string(rune('A' + i)), Want: 1, Tol: tol}
	}
	return ts
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestIdentifyRecoversLinearModel(t *testing.T) {
	params := testParams(t, "plan_hours", "forget_hours", "label_urgency")
	targets := synthTargets(0.1, 0.05, 0.2, 0.1)
	a := [][]float64{
		{2, 0.5, 0},
		{0.1, 1, 0},
		{0, 0.3, 0.4},
		{1, 0, 0.2},
	}
	center := sim.DefaultBehaviour()
	// plan_hours near its upper bound (3000) makes its difference
	// asymmetric; on a linear model it is still exact.
	center.PlanHours = 2900
	id, err := identify(context.Background(), center, params, targets, linearModel(params, a), IdentifyOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The expected covariance is (JᵀJ)⁻¹, computed by plain inversion.
	j := mat.NewDense(len(targets), len(params), nil)
	for i := range targets {
		for k := range params {
			j.Set(i, k, a[i][k]/targets[i].Tol)
			if !near(id.J.At(i, k), j.At(i, k), 1e-9) {
				t.Errorf("J[%d][%d] = %g, want %g", i, k, id.J.At(i, k), j.At(i, k))
			}
		}
	}
	var jtj, cov mat.Dense
	jtj.Mul(j.T(), j)
	if err := cov.Inverse(&jtj); err != nil {
		t.Fatal(err)
	}
	if id.Rank != 3 || len(id.Null) != 0 {
		t.Fatalf("rank %d, %d null directions; want 3, 0", id.Rank, len(id.Null))
	}
	for k := range params {
		want := math.Sqrt(cov.At(k, k))
		if !near(id.SE[k], want, 1e-9*want) {
			t.Errorf("SE[%s] = %g, want %g", params[k].Name, id.SE[k], want)
		}
		for l := range params {
			r := cov.At(k, l) / math.Sqrt(cov.At(k, k)*cov.At(l, l))
			if !near(id.Corr[k][l], r, 1e-9) {
				t.Errorf("corr[%d][%d] = %g, want %g", k, l, id.Corr[k][l], r)
			}
		}
		if !id.Identified(k) || len(id.Flags(k)) != 0 {
			t.Errorf("%s: flags %v, want none", params[k].Name, id.Flags(k))
		}
	}
}

func TestIdentifyKnownStandardErrors(t *testing.T) {
	// Target A moves only with plan_hours (20 tolerances per unit log), B
	// only with forget_hours (1.5): standard errors 1/20 and 1/1.5, the
	// second poorly identified.
	params := testParams(t, "plan_hours", "forget_hours")
	targets := synthTargets(0.1, 0.2)
	a := [][]float64{{2, 0}, {0, 0.3}}
	id, err := identify(context.Background(), sim.DefaultBehaviour(), params, targets, linearModel(params, a), IdentifyOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !near(id.SE[0], 0.05, 1e-12) || !near(id.SE[1], 1/1.5, 1e-12) {
		t.Errorf("SE = %v, want [0.05 0.667]", id.SE)
	}
	if f := id.Flags(0); len(f) != 0 {
		t.Errorf("plan_hours flags %v, want none", f)
	}
	if f := id.Flags(1); len(f) != 1 || f[0] != "poorly identified (SE 0.67 > 0.5)" {
		t.Errorf("forget_hours flags %q, want poorly identified", f)
	}
}

func TestIdentifyFlagsDuplicatedParameter(t *testing.T) {
	// forget_hours and plan_hours act only through their product: their
	// columns are equal, so JᵀJ is singular and neither is identified,
	// while label_urgency is.
	params := testParams(t, "plan_hours", "forget_hours", "label_urgency")
	targets := synthTargets(0.1, 0.1, 0.1)
	a := [][]float64{{1, 1, 0}, {0.5, 0.5, 1}, {2, 2, 0.3}}
	id, err := identify(context.Background(), sim.DefaultBehaviour(), params, targets, linearModel(params, a), IdentifyOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if id.Rank != 2 || len(id.Null) != 1 {
		t.Fatalf("rank %d, %d null directions; want 2, 1", id.Rank, len(id.Null))
	}
	s := 1 / math.Sqrt2
	if d := id.Null[0]; !near(math.Abs(d[0]), s, 1e-9) || !near(d[0], -d[1], 1e-9) || !near(d[2], 0, 1e-9) {
		t.Errorf("null direction %v, want ±(0.71, −0.71, 0)", d)
	}
	for k, want := range []bool{false, false, true} {
		if id.Identified(k) != want {
			t.Errorf("%s identified = %v, want %v", params[k].Name, id.Identified(k), want)
		}
	}
	if !math.IsInf(id.SE[0], 1) || !math.IsInf(id.SE[1], 1) || math.IsInf(id.SE[2], 0) {
		t.Errorf("SE = %v, want [+Inf +Inf finite]", id.SE)
	}
	if f := id.Flags(0); len(f) != 1 || f[0] != "not identified" {
		t.Errorf("flags %q, want not identified", f)
	}
	if d := id.TradeOff(0); !near(d[0], 1, 1e-9) || !near(d[1], -1, 1e-9) || !near(d[2], 0, 1e-9) {
		t.Errorf("trade-off %v, want (1, −1, 0)", d)
	}
	if got, want := id.Describe(id.TradeOff(0), 0.05), "+1.00 plan_hours −1.00 forget_hours"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	// label_urgency's standard error: with u = ln plan + ln forget the model
	// is linear in (u, ln label_urgency), so invert that 2×2 design.
	j := mat.NewDense(3, 2, []float64{10, 0, 5, 10, 20, 3})
	var jtj, cov mat.Dense
	jtj.Mul(j.T(), j)
	if err := cov.Inverse(&jtj); err != nil {
		t.Fatal(err)
	}
	if want := math.Sqrt(cov.At(1, 1)); !near(id.SE[2], want, 1e-9) {
		t.Errorf("label_urgency SE = %g, want %g", id.SE[2], want)
	}
}

func TestIdentifyFlagsConfounded(t *testing.T) {
	// Nearly equal columns: identified, but strongly correlated.
	params := testParams(t, "plan_hours", "forget_hours")
	targets := synthTargets(0.1, 0.1)
	a := [][]float64{{1, 1.05}, {1, 0.95}}
	id, err := identify(context.Background(), sim.DefaultBehaviour(), params, targets, linearModel(params, a), IdentifyOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !id.Identified(0) || !(id.Corr[0][1] < -0.9) {
		t.Fatalf("identified %v, r = %g; want identified, r < −0.9", id.Identified(0), id.Corr[0][1])
	}
	f := id.Flags(0)
	if len(f) != 2 || f[1] != "confounded with forget_hours (r = -1.00)" {
		t.Errorf("flags %q, want poorly identified and confounded", f)
	}
}

func TestIdentifyRejectsNonPositive(t *testing.T) {
	params := testParams(t, "plan_hours")
	b := sim.DefaultBehaviour()
	b.PlanHours = 0
	_, err := identify(context.Background(), b, params, synthTargets(1), linearModel(params, [][]float64{{1}}), IdentifyOptions{}, nil)
	if err == nil {
		t.Fatal("no error for a zero parameter")
	}
}

func TestIdentifyNoiseHidesWeakParameter(t *testing.T) {
	// forget_hours moves target B by 0.01 per unit log, but the blocks'
	// differences scatter by ±0.3: its effect is lost in the noise.
	params := testParams(t, "plan_hours", "forget_hours")
	targets := synthTargets(0.1, 0.1)
	exact := linearModel(params, [][]float64{{2, 0}, {0, 0.01}})
	noisy := func(ctx context.Context, b sim.Behaviour, ts []Target, block int) ([]Fitted, error) {
		fs, err := exact(ctx, b, ts, block)
		if err == nil && len(ts) == 2 {
			fs[1].Value += 0.3 * float64(1-2*(block%2)) * math.Log(b.ForgetHours)
		}
		return fs, err
	}
	id, err := identify(context.Background(), sim.DefaultBehaviour(), params, targets, noisy, IdentifyOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Four blocks of ±0.3: sample SD 0.346, standard error of the mean
	// 0.173, 1.73 tolerances.
	if se := id.JSE.At(1, 1); !near(se, math.Sqrt(0.12/4)/0.1, 1e-9) || !near(id.DirNoise[1], se, 1e-9) || id.DirNoise[0] != 0 {
		t.Errorf("JSE = %g, direction noise %v; want 1.73, [0 1.73]", se, id.DirNoise)
	}
	if !near(id.J.At(1, 1), 0.1, 1e-9) || id.Rank != 1 || id.Identified(1) || !id.Identified(0) {
		t.Errorf("J = %g, rank %d, identified %v %v; want 0.1, 1, true false", id.J.At(1, 1), id.Rank, id.Identified(0), id.Identified(1))
	}
	one, err := identify(context.Background(), sim.DefaultBehaviour(), params, targets, noisy, IdentifyOptions{Blocks: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if one.DirNoise[1] != 0 || one.Rank != 2 {
		t.Errorf("one block: direction noise %v, rank %d; want 0, 2", one.DirNoise, one.Rank)
	}
}
