package optimize

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"giftsim/results"
	"giftsim/scenarios"
)

// fake returns a runner that computes each needed KPI with f from the
// candidate's face value and the replication, instead of simulating.
func fake(f func(id string, x float64, rep int) float64) func(*engine, runner) runner {
	return func(e *engine, _ runner) runner {
		return func(_ context.Context, jobs []job) ([][]float64, error) {
			out := make([][]float64, len(jobs))
			for i, j := range jobs {
				x := e.cands[j.c].numbers["coupon.face_value"]
				for _, id := range e.need {
					out[i] = append(out[i], f(id, x, j.rep))
				}
			}
			return out, nil
		}
	}
}

// noise is a normal draw keyed by replication and a tag: common to every
// candidate when tag is 0, so candidates pair as under common random numbers.
func noise(rep int, tag uint64) float64 {
	return rand.New(rand.NewPCG(uint64(rep), tag)).NormFloat64()
}

// TestSelectsConstrainedOptimum: the objective −(x − 20)² peaks at x = 20,
// but the cost 5x must stay at most 92, so the best feasible face value is
// 18; every candidate above 18 clearly breaks the constraint.
func TestSelectsConstrainedOptimum(t *testing.T) {
	s, p := load(t, "testdata/synthetic.yaml")
	res, err := optimizeWith(context.Background(), s, p, Options{}, fake(func(id string, x float64, rep int) float64 {
		switch id {
		case "redeemed":
			return -(x-20)*(x-20) + 3*noise(rep, 0) + noise(rep, uint64(x))
		case "cost":
			return 5*x + 0.5*noise(rep, 100+uint64(x))
		}
		return 0
	}))
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Best.Settings[0].Value; got != "18" {
		t.Errorf("best face value %s, want 18", got)
	}
	if res.Best.Feasibility != results.Feasible {
		t.Errorf("best is %s", res.Best.Feasibility)
	}
	for _, c := range res.Candidates {
		x, _ := strconv.Atoi(c.Settings[0].Value)
		if x > 19 && c.Feasibility != results.Infeasible {
			t.Errorf("candidate %d (face value %d, cost %.1f) is %s, want infeasible", c.ID, x, c.Constraints[0].Value.Mean, c.Feasibility)
		}
	}
	for _, r := range res.RunnersUp {
		if r.VsBest == nil || r.Fate != results.FateRunnerUp {
			t.Errorf("runner-up %d without a paired difference from the best, or fate %q", r.ID, r.Fate)
		}
	}
	if res.Evaluations > res.Budget {
		t.Errorf("%d evaluations over a budget of %d", res.Evaluations, res.Budget)
	}
}

// TestParetoFront: redeemed = x and new customers = −(x − 10)²: below 10
// both rise with x, so the front is the candidates from 10 up.
func TestParetoFront(t *testing.T) {
	s, p := load(t, "testdata/pareto.yaml")
	res, err := optimizeWith(context.Background(), s, p, Options{}, fake(func(id string, x float64, rep int) float64 {
		switch id {
		case "redeemed":
			return x + 0.2*noise(rep, uint64(x))
		case "new_customers":
			return -(x-10)*(x-10) + 0.2*noise(rep, 50+uint64(x))
		}
		return 0
	}))
	if err != nil {
		t.Fatal(err)
	}
	if res.Best != nil || len(res.Front) < 3 {
		t.Fatalf("best %v, front of %d", res.Best, len(res.Front))
	}
	var xs []int
	for _, c := range res.Front {
		x, _ := strconv.Atoi(c.Settings[0].Value)
		xs = append(xs, x)
		if x < 10 {
			t.Errorf("face value %d is on the front, but 10 beats it in both objectives", x)
		}
	}
	if slices.Max(xs) < 29 {
		t.Errorf("the front %v lacks the largest face value", xs)
	}
}

// TestSameSeedSameAnswer runs the closed-form scenario on the simulator
// three ways (one worker, two workers, GOMAXPROCS 1): the results must be
// byte-identical.
func TestSameSeedSameAnswer(t *testing.T) {
	s, p := load(t, "testdata/closed-form.yaml")
	run := func(workers int) []byte {
		res, err := Optimize(context.Background(), s, p, Options{Candidates: 12, Budget: 300, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(res)
		return b
	}
	one, two := run(1), run(2)
	prev := runtime.GOMAXPROCS(1)
	procs1 := run(0)
	runtime.GOMAXPROCS(prev)
	if !bytes.Equal(one, two) || !bytes.Equal(one, procs1) {
		t.Error("results differ with the number of workers or cores")
	}
}

// TestResume interrupts a run in its second batch, resumes it from the
// state file, and checks the answer is the uninterrupted run's; a third run
// on the finished state simulates nothing.
func TestResume(t *testing.T) {
	s, p := load(t, "testdata/closed-form.yaml")
	o := Options{Candidates: 12, Budget: 300}
	want, err := Optimize(context.Background(), s, p, o)
	if err != nil {
		t.Fatal(err)
	}
	o.State = filepath.Join(t.TempDir(), "state.json")
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	_, err = optimizeWith(ctx, s, p, o, func(_ *engine, r runner) runner {
		return func(ctx context.Context, jobs []job) ([][]float64, error) {
			if calls++; calls == 2 {
				cancel()
			}
			return r(ctx, jobs)
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v (calls %d)", err, calls)
	}
	runs := 0
	count := func(_ *engine, r runner) runner {
		return func(ctx context.Context, jobs []job) ([][]float64, error) {
			runs += len(jobs)
			return r(ctx, jobs)
		}
	}
	got, err := optimizeWith(context.Background(), s, p, o, count)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(want)
	b, _ := json.Marshal(got)
	if !bytes.Equal(a, b) {
		t.Errorf("the resumed run's answer differs:\n%+v\n%+v", want.Best, got.Best)
	}
	if runs == 0 || runs >= want.Evaluations {
		t.Errorf("the resumed run simulated %d of %d runs; want some but not all", runs, want.Evaluations)
	}
	runs = 0
	if _, err := optimizeWith(context.Background(), s, p, o, count); err != nil {
		t.Fatal(err)
	}
	if runs != 0 {
		t.Errorf("a run on a finished state simulated %d runs", runs)
	}
	// A state file from another simulation is refused.
	o.Seed = 99
	if _, err := Optimize(context.Background(), s, p, o); !errors.Is(err, ErrState) || !strings.Contains(err.Error(), "another simulation") {
		t.Errorf("state of another seed: %v", err)
	}
}

func TestProblemFromRefuses(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"no levers", "objective: {maximize: redeemed}\n", "no levers"},
		{"no objective", "levers: {coupon.validity: 3d..30d}\n", "no objective"},
		{"category in objective", "levers: {merchant.tier: [certified, filed], coupon.validity: 3d..30d}\nobjective: {maximize: redeemed - merchant.tier}\n", "not a range lever"},
		{"two-category range in objective", "levers: {merchant.tier: certified..filed}\nobjective: {maximize: redeemed - merchant.tier}\n", "is a category"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := scenarios.Parse("t.yaml", []byte(tc.yaml))
			if err != nil {
				if strings.Contains(err.Error(), tc.want) {
					return
				}
				t.Fatal(err)
			}
			_, err = ProblemFrom(s.Study())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestExampleOptimizes runs the bundled optimisation example at a tiny
// size: it must give a best strategy that keeps its constraints.
func TestExampleOptimizes(t *testing.T) {
	s, p := load(t, filepath.Join("..", "scenarios", "examples", "optimize-retail-budget.yaml"))
	res, err := Optimize(context.Background(), s, p, Options{Users: 400, Budget: 500, Candidates: 20})
	if err != nil {
		t.Fatal(err)
	}
	if res.Best == nil || res.Best.Feasibility == results.Infeasible || len(res.Best.Settings) != 6 {
		t.Fatalf("best %+v", res.Best)
	}
}

func TestLeverValues(t *testing.T) {
	l, err := FromSpec(scenarios.LeverSpec{Path: "campaign[0].channel", Levels: []string{"a", "b", "c"}})
	if err != nil {
		t.Fatal(err)
	}
	for x, want := range map[float64]string{0: "a", 0.33: "a", 0.34: "b", 0.99: "c", 1: "c"} {
		if got := l.Value(x); got != want {
			t.Errorf("Value(%g) = %s, want %s", x, got, want)
		}
	}
	d, _ := FromSpec(scenarios.LeverSpec{Path: "coupon.validity", Low: "3d", High: "30d"})
	if v, err := d.Number(d.Value(0.5)); err != nil || v != 17 {
		t.Errorf("validity at 0.5: %v %v, want 17 days", v, err)
	}
	h, _ := FromSpec(scenarios.LeverSpec{Path: "campaign[0].push_at", Low: "10:00", High: "20:00"})
	if v, err := h.Number(h.Value(0.25)); err != nil || v != 12.5 {
		t.Errorf("push_at at 0.25: %v %v, want 12.5 hours", v, err)
	}
}

// TestDesignStratifies checks the Latin hypercube's promise: with 30
// candidates, each of a list's 3 levels comes 10 times, and each tenth of
// a range holds 3 points.
func TestDesignStratifies(t *testing.T) {
	s, _ := load(t, "testdata/synthetic.yaml")
	face, _ := FromSpec(scenarios.LeverSpec{Path: "coupon.face_value", Low: "5.0", High: "30.0"})
	label, _ := FromSpec(scenarios.LeverSpec{Path: "coupon.label", Levels: []string{"none", "limited-24h", "x"}})
	pt, _, err := baseOf(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for seed := uint64(1); seed <= 5; seed++ {
		cands := design(pt, seed, []Lever{face, label}, Options{Candidates: 30})
		levels := map[string]int{}
		tenths := map[int]int{}
		for _, c := range cands {
			levels[c.values[1]]++
			v, _ := strconv.ParseFloat(c.values[0], 64)
			tenths[min(int((v-5)/2.5), 9)]++
		}
		if len(cands) != 30 || levels["none"] != 10 || levels["limited-24h"] != 10 || levels["x"] != 10 {
			t.Errorf("seed %d: %d candidates, levels %v", seed, len(cands), levels)
		}
		for k := range 10 {
			if tenths[k] < 2 || tenths[k] > 4 {
				t.Errorf("seed %d: tenth %d of the range holds %d points, want about 3 (%v)", seed, k, tenths[k], tenths)
			}
		}
		refused := 0
		for _, c := range cands {
			if c.refused != nil {
				refused++
			}
		}
		if refused != 10 {
			t.Errorf("seed %d: %d candidates refused, want the 10 with the unknown label x", seed, refused)
		}
	}
}

// TestSelectionGuarantee checks KN's promise on a fake objective whose
// best (face value 20) beats the next (19 and 21) by exactly δ = 1: over
// 40 seeds the best must be selected at least as often as 1 − α = 95%
// allows for (at least 34 of 40; the screen and race may also lose it).
func TestSelectionGuarantee(t *testing.T) {
	s, p := load(t, "testdata/synthetic.yaml")
	p.Constraints = nil
	right := 0
	const seeds = 40
	for seed := uint64(1); seed <= seeds; seed++ {
		res, err := optimizeWith(context.Background(), s, p, Options{Seed: seed, Delta: 1, Candidates: 60}, func(e *engine, _ runner) runner {
			return func(_ context.Context, jobs []job) ([][]float64, error) {
				out := make([][]float64, len(jobs))
				for i, j := range jobs {
					x := e.cands[j.c].numbers["coupon.face_value"]
					r := j.rep + 1000*int(seed)
					out[i] = []float64{-(x-20)*(x-20) + 3*noise(r, 0) + 2*noise(r, uint64(x))}
				}
				return out, nil
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.Best.Settings[0].Value == "20" {
			right++
		} else {
			for _, c := range res.Candidates {
				if c.Settings[0].Value == "20" {
					t.Logf("seed %d: chose %s; 20 is %s at %s; rounds %+v", seed, res.Best.Settings[0].Value, c.Fate, c.Stage, res.Rounds)
				}
			}
		}
	}
	if right < 34 {
		t.Errorf("selected the best in %d of %d seeds", right, seeds)
	}
	t.Logf("selected the best in %d of %d seeds", right, seeds)
}
