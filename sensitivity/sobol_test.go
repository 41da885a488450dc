package sensitivity

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat"
)

// ishigami is Ishigami and Homma's function, a = 7, b = 0.1, on [−π, π]³
// mapped from the unit cube.
func ishigami(u []float64) float64 {
	x := make([]float64, 3)
	for i := range x {
		x[i] = -math.Pi + 2*math.Pi*u[i]
	}
	return math.Sin(x[0]) + 7*math.Pow(math.Sin(x[1]), 2) + 0.1*math.Pow(x[2], 4)*math.Sin(x[0])
}

// ishigamiIndices are its analytic first-order and total indices.
func ishigamiIndices() (first, total [3]float64) {
	const a, b = 7.0, 0.1
	pi4, pi8 := math.Pow(math.Pi, 4), math.Pow(math.Pi, 8)
	v1 := 0.5 * math.Pow(1+b*pi4/5, 2)
	v2 := a * a / 8
	v13 := b * b * pi8 * (1.0/18 - 1.0/50)
	v := v1 + v2 + v13
	return [3]float64{v1 / v, v2 / v, 0}, [3]float64{(v1 + v13) / v, v2 / v, v13 / v}
}

// TestSobolAnalytic estimates the indices of functions whose indices are
// known: the Ishigami function (interactions, an input with no first-order
// effect) and a linear function with an inert input; every estimate within
// tolerance and inside (or next to) its interval, the inert input exactly 0.
func TestSobolAnalytic(t *testing.T) {
	ishFirst, ishTotal := ishigamiIndices()
	cases := []struct {
		name         string
		f            func([]float64) float64
		first, total []float64
		samples      int
		tol          float64
	}{
		{"ishigami", ishigami, ishFirst[:], ishTotal[:], 2048, 0.04},
		{"linear 4·x1 + 2·x2 + 0·x3", func(x []float64) float64 { return 4*x[0] + 2*x[1] }, []float64{0.8, 0.2, 0}, []float64{0.8, 0.2, 0}, 512, 0.03},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			idx, d, err := Sobol(3, Deterministic(c.f), SobolOptions{Samples: c.samples, Bootstrap: 400, Seed: 11})
			if err != nil {
				t.Fatal(err)
			}
			if d.NoiseKnown || d.NoiseShare != 0 || d.Samples != c.samples || !(d.Variance > 0) {
				t.Errorf("design %+v", d)
			}
			for i, x := range idx {
				t.Logf("x%d: S %.4f [%.4f, %.4f] (true %.4f)  ST %.4f [%.4f, %.4f] (true %.4f)", i+1,
					x.First, x.FirstLow, x.FirstHigh, c.first[i], x.Total, x.TotalLow, x.TotalHigh, c.total[i])
				if math.Abs(x.First-c.first[i]) > c.tol || math.Abs(x.Total-c.total[i]) > c.tol {
					t.Errorf("x%d: S %.4f ST %.4f, want %.4f and %.4f within %g", i+1, x.First, x.Total, c.first[i], c.total[i], c.tol)
				}
				if x.FirstLow > x.First || x.First > x.FirstHigh || x.TotalLow > x.Total || x.Total > x.TotalHigh {
					t.Errorf("x%d: an estimate outside its interval: %+v", i+1, x)
				}
				if x.FirstLow-c.tol > c.first[i] || x.FirstHigh+c.tol < c.first[i] || x.TotalLow-c.tol > c.total[i] || x.TotalHigh+c.tol < c.total[i] {
					t.Errorf("x%d: intervals %+v far from the true values", i+1, x)
				}
			}
			if c.total[2] == 0 && c.first[2] == 0 {
				if x := idx[2]; x.Total != 0 || x.TotalLow != 0 || x.TotalHigh != 0 {
					t.Errorf("inert x3: ST %g [%g, %g], want exactly 0", x.Total, x.TotalLow, x.TotalHigh)
				}
			}
		})
	}
}

// noisyLinear is an evaluator of g(x) = 4·x1 + 2·x2 observed as a mean over
// reps replications of g(x) + σ(c_r + u_r(x3)) under common random
// numbers: c_r is shared by every point of replication r, u_r is drawn
// from a stream keyed by x3, as a lever that rebuilds the simulated world
// draws other numbers. x3 changes the noise only. With correct false, the
// rows carry no noise, as an analysis that ignored it would.
func noisyLinear(reps int, sigma float64, correct bool) SobolEvaluator {
	y := func(x []float64, r int) float64 {
		c := rand.New(rand.NewPCG(uint64(r), 1)).NormFloat64()
		u := rand.New(rand.NewPCG(uint64(r), math.Float64bits(x[2]))).NormFloat64()
		return 4*x[0] + 2*x[1] + sigma*(c+u)
	}
	// at is the mean at x and the variance of the mean difference from a.
	at := func(x, a []float64) (mean, noise float64) {
		ys, ds := make([]float64, reps), make([]float64, reps)
		for r := range reps {
			ys[r] = y(x, r)
			ds[r] = ys[r] - y(a, r)
		}
		return stat.Mean(ys, nil), stat.Variance(ds, nil) / float64(reps)
	}
	return func(a, b [][]float64) ([]SobolRow, error) {
		rows := make([]SobolRow, len(a))
		for j := range a {
			r := SobolRow{AB: make([]float64, 3), NoiseAB: make([]float64, 3)}
			r.A, _ = at(a[j], a[j])
			r.B, r.NoiseB = at(b[j], a[j])
			for i := range 3 {
				r.AB[i], r.NoiseAB[i] = at(Radial(a[j], b[j], i), a[j])
			}
			if !correct {
				r.NoiseB, r.NoiseAB = 0, nil
			}
			rows[j] = r
		}
		return rows, nil
	}
}

// TestSobolNoise checks the noise correction on a function observed with
// simulation noise: an input that only changes the noise has a total index
// whose interval includes zero once the noise is taken out (and above zero
// without), the others stay near their true values, and the noise share is
// reported.
func TestSobolNoise(t *testing.T) {
	o := SobolOptions{Samples: 256, Bootstrap: 400, Seed: 5}
	idx, d, err := Sobol(3, noisyLinear(8, 0.4, true), o)
	if err != nil {
		t.Fatal(err)
	}
	raw, rawD, err := Sobol(3, noisyLinear(8, 0.4, false), o)
	if err != nil {
		t.Fatal(err)
	}
	for i := range idx {
		t.Logf("x%d: corrected ST %.4f [%.4f, %.4f], uncorrected %.4f [%.4f, %.4f]", i+1,
			idx[i].Total, idx[i].TotalLow, idx[i].TotalHigh, raw[i].Total, raw[i].TotalLow, raw[i].TotalHigh)
	}
	t.Logf("noise share %.3f (known %v), uncorrected %.3f", d.NoiseShare, d.NoiseKnown, rawD.NoiseShare)
	if x := idx[2]; !(x.TotalLow <= 0 && 0 <= x.TotalHigh) {
		t.Errorf("noise-only x3: ST interval [%g, %g] excludes zero", x.TotalLow, x.TotalHigh)
	}
	if x := raw[2]; !(x.TotalLow > 0) {
		t.Errorf("noise-only x3 without the correction: ST interval [%g, %g], want it above zero (else the test shows nothing)", x.TotalLow, x.TotalHigh)
	}
	if math.Abs(idx[0].Total-0.8) > 0.06 || math.Abs(idx[1].Total-0.2) > 0.06 || math.Abs(idx[0].First-0.8) > 0.08 {
		t.Errorf("x1, x2: ST %g, %g, S1 %g, want near 0.8, 0.2, 0.8", idx[0].Total, idx[1].Total, idx[0].First)
	}
	if !d.NoiseKnown || d.NoiseShare < 0.01 || d.NoiseShare > 0.5 || rawD.NoiseKnown {
		t.Errorf("noise share %g known %v; uncorrected known %v", d.NoiseShare, d.NoiseKnown, rawD.NoiseKnown)
	}
}

// TestSobolDesign checks the matrices: in the unit cube, the same for the
// same seed, other for another, and each column spread evenly as a Halton
// sequence is: coordinate c of the 2k has base p, the c-th prime, and each
// of the p intervals [m/p, (m + 1)/p) holds N/p points up to one.
func TestSobolDesign(t *testing.T) {
	o := SobolOptions{Samples: 64, Seed: 3}
	a, b := SobolMatrices(4, o)
	a2, _ := SobolMatrices(4, o)
	a3, _ := SobolMatrices(4, SobolOptions{Samples: 64, Seed: 4})
	if fmt.Sprint(a) != fmt.Sprint(a2) || fmt.Sprint(a) == fmt.Sprint(a3) {
		t.Error("the design does not follow the seed")
	}
	primes := []int{2, 3, 5, 7, 11, 13, 17, 19}
	for h, m := range [][][]float64{a, b} {
		for i := range 4 {
			p := primes[4*h+i]
			bins := make([]int, p)
			for _, x := range m {
				if x[i] < 0 || x[i] >= 1 {
					t.Fatalf("%g outside [0, 1)", x[i])
				}
				bins[int(x[i]*float64(p))]++
			}
			for _, n := range bins {
				if n < 64/p || n > (64+p-1)/p {
					t.Errorf("coordinate %d (base %d): the intervals hold %v", 4*h+i, p, bins)
					break
				}
			}
		}
	}
	if x := Radial([]float64{1, 2, 3}, []float64{4, 5, 6}, 1); fmt.Sprint(x) != "[1 5 3]" {
		t.Errorf("Radial: %v", x)
	}
}

// TestSobolErrors checks that a design too small or an evaluator that
// fails is an error, and that a flat objective says so.
func TestSobolErrors(t *testing.T) {
	flat := Deterministic(func([]float64) float64 { return 3 })
	if _, _, err := Sobol(2, flat, SobolOptions{Samples: 4}); err == nil {
		t.Error("4 samples were accepted")
	}
	if _, _, err := Sobol(0, flat, SobolOptions{}); err == nil {
		t.Error("no factors were accepted")
	}
	boom := errors.New("boom")
	if _, _, err := Sobol(2, func(a, b [][]float64) ([]SobolRow, error) { return nil, boom }, SobolOptions{}); !errors.Is(err, boom) {
		t.Errorf("error %v, want boom", err)
	}
	idx, d, err := Sobol(2, flat, SobolOptions{Samples: 16})
	if err != nil || d.Note == "" || idx[0].Total != 0 || idx[0].TotalHigh != 0 {
		t.Errorf("flat: %v, %+v, %+v", err, d, idx)
	}
}

// TestBudget checks the budget's message: the size asked, the size that
// fits, or fewer replications.
func TestBudget(t *testing.T) {
	for _, c := range []struct {
		samples, k, reps, budget int
		want                     string
	}{
		{64, 4, 10, 20000, ""},
		{256, 4, 10, 10000, "use --samples 128 (7,680 arm-replications)"},
		{64, 4, 10, 300, "use --samples 8 --replications 6 (288 arm-replications)"},
		{64, 4, 10, 20, "even --samples 8 with one replication needs 48"},
	} {
		err := checkBudget(c.samples, c.k, c.reps, c.budget)
		var be *BudgetError
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v: %v", c, err)
		case c.want != "" && (!errors.As(err, &be) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%+v: %v, want %q", c, err, c.want)
		}
	}
}

// ExampleSobol estimates the indices of y = 4·x1 + 2·x2 + 0·x3, whose
// first-order and total indices are 0.8, 0.2 and 0.
func ExampleSobol() {
	idx, _, err := Sobol(3, Deterministic(func(x []float64) float64 { return 4*x[0] + 2*x[1] }), SobolOptions{Samples: 1024, Seed: 1})
	if err != nil {
		panic(err)
	}
	for i, x := range idx {
		fmt.Printf("x%d: S %.2f, ST %.2f\n", i+1, x.First, x.Total)
	}
	// Output:
	// x1: S 0.80, ST 0.80
	// x2: S 0.20, ST 0.20
	// x3: S 0.00, ST 0.00
}

// TestSobolAdditiveProperty checks, on random additive functions
// Σ a_i·x_i (k from 2 to 5), that S_i and S_Ti both come near the
// analytic a_i²/Σ a², that S_Ti is never below zero without noise, that
// each estimate lies in its interval, and that permuting the factors
// permutes the indices.
func TestSobolAdditiveProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for trial := range 12 {
		k := 2 + rng.IntN(4)
		coef := make([]float64, k)
		var sum float64
		for i := range coef {
			coef[i] = rng.NormFloat64() * float64(1+rng.IntN(3))
			sum += coef[i] * coef[i]
		}
		f := func(x []float64) float64 {
			var y float64
			for i, c := range coef {
				y += c * x[i]
			}
			return y
		}
		o := SobolOptions{Samples: 256, Bootstrap: 200, Seed: uint64(trial)}
		idx, _, err := Sobol(k, Deterministic(f), o)
		if err != nil {
			t.Fatal(err)
		}
		for i, x := range idx {
			want := coef[i] * coef[i] / sum
			if math.Abs(x.First-want) > 0.06 || math.Abs(x.Total-want) > 0.06 || x.Total < 0 || x.TotalLow < 0 ||
				x.FirstLow > x.First || x.First > x.FirstHigh || x.TotalLow > x.Total || x.Total > x.TotalHigh {
				t.Errorf("trial %d, a = %.3v: x%d has %+v, want S and ST near %.3f", trial, coef, i+1, x, want)
			}
		}
		// Reversing the factors gives each coefficient another column of
		// the design: the indices come back reversed, up to the
		// estimator's error.
		rev := func(x []float64) float64 {
			y := make([]float64, k)
			for i := range x {
				y[k-1-i] = x[i]
			}
			return f(y)
		}
		back, _, err := Sobol(k, Deterministic(rev), o)
		if err != nil {
			t.Fatal(err)
		}
		for i := range k {
			a, b := idx[i], back[k-1-i]
			if math.Abs(a.Total-b.Total) > 0.08 || math.Abs(a.First-b.First) > 0.08 {
				t.Errorf("trial %d: x%d has S %.3f ST %.3f, reversed %.3f %.3f", trial, i+1, a.First, a.Total, b.First, b.Total)
			}
		}
	}
}
