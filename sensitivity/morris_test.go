package sensitivity

import (
	"math"
	"slices"
	"testing"
)

// TestMorrisKnownFunction screens g(x) = 5·x1 + 0·x2 + x3², whose
// elementary effects are known: 5 for x1, 0 for x2 and, on a 4-level grid
// (Δ = 2/3), 2/3 or 4/3 for x3.
func TestMorrisKnownFunction(t *testing.T) {
	g := func(ps [][]float64) ([]float64, error) {
		ys := make([]float64, len(ps))
		for i, p := range ps {
			ys[i] = 5*p[0] + 0*p[1] + p[2]*p[2]
		}
		return ys, nil
	}
	idx, err := Morris(3, g, MorrisOptions{Trajectories: 20, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	if x := idx[0]; !near(x.MuStar, 5) || !near(x.Mu, 5) || !near(x.Sigma, 0) || !near(x.MuStarLow, 5) || !near(x.MuStarHigh, 5) {
		t.Errorf("x1: %+v, want μ* = μ = 5, σ = 0", x)
	}
	if x := idx[1]; x.MuStar != 0 || x.MuStarLow != 0 || x.MuStarHigh != 0 || x.Sigma != 0 {
		t.Errorf("x2: %+v, want every index 0", x)
	}
	if x := idx[2]; x.MuStar < 2.0/3-1e-9 || x.MuStar > 4.0/3+1e-9 || x.MuStarLow > x.MuStar || x.MuStarHigh < x.MuStar || x.Sigma <= 0 {
		t.Errorf("x3: %+v, want μ* in [2/3, 4/3] inside its interval and σ > 0", x)
	}
	if !(idx[0].MuStar > idx[2].MuStar && idx[2].MuStar > idx[1].MuStar) {
		t.Errorf("ranking by μ*: %g %g %g, want x1 > x3 > x2", idx[0].MuStar, idx[1].MuStar, idx[2].MuStar)
	}
}

// TestTrajectories checks the design: k + 1 points a trajectory, on the
// grid, each step moving one factor by Δ, the same for the same seed.
func TestTrajectories(t *testing.T) {
	for _, p := range []int{2, 4, 6} {
		o := MorrisOptions{Trajectories: 8, Levels: p, Seed: 3}
		trajs := Trajectories(5, o)
		delta := float64(p) / (2 * float64(p-1))
		for _, tr := range trajs {
			if len(tr) != 6 {
				t.Fatalf("p=%d: %d points, want 6", p, len(tr))
			}
			moved := map[int]bool{}
			for j := 1; j < len(tr); j++ {
				n := 0
				for i := range tr[j] {
					v := tr[j][i] * float64(p-1)
					if math.Abs(v-math.Round(v)) > 1e-9 || tr[j][i] < 0 || tr[j][i] > 1 {
						t.Fatalf("p=%d: %v is off the grid", p, tr[j])
					}
					if tr[j][i] != tr[j-1][i] {
						n++
						moved[i] = true
						if math.Abs(math.Abs(tr[j][i]-tr[j-1][i])-delta) > 1e-9 {
							t.Fatalf("p=%d: step %g, want Δ = %g", p, tr[j][i]-tr[j-1][i], delta)
						}
					}
				}
				if n != 1 {
					t.Fatalf("p=%d: a step moved %d factors", p, n)
				}
			}
			if len(moved) != 5 {
				t.Fatalf("p=%d: a trajectory moved %d of 5 factors", p, len(moved))
			}
		}
		again := Trajectories(5, o)
		for i := range trajs {
			for j := range trajs[i] {
				if !slices.Equal(trajs[i][j], again[i][j]) {
					t.Fatal("the same seed gave another design")
				}
			}
		}
	}
	if _, err := Morris(2, nil, MorrisOptions{Levels: 3}); err == nil {
		t.Error("an odd number of levels was accepted")
	}
}
