package sim

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"giftsim/platform"
	"giftsim/results"
)

// inBounds reports how e breaks b or fails to hold its own mean, or "".
func inBounds(e results.Estimate, b bounds) string {
	switch {
	case math.IsNaN(e.Low) || math.IsNaN(e.High) || math.IsInf(e.Low, 0) || math.IsInf(e.High, 0):
		return "is not finite"
	case e.Low < b.Lo || e.High > b.Hi:
		return fmt.Sprintf("crosses its bounds [%g, %g]", b.Lo, b.Hi)
	case e.Low > e.Mean || e.Mean > e.High:
		return "does not hold its mean"
	}
	return ""
}

func TestKPIBounds(t *testing.T) {
	// Every KPI is classified on purpose: a new unit fails here until it is.
	signed := map[string]bool{"incremental_profit": true, "incremental_revenue": true, "roi": true, "gross_roi": true}
	for _, k := range KPIs() {
		var want bounds
		switch {
		case signed[k.ID]:
			want = anyValue
		case k.Unit == "%":
			want = percentage
		default:
			want = nonNegative
		}
		if got := kpiBounds(k); got != want {
			t.Errorf("%s (%s): bounds %v, want %v", k.ID, k.Unit, got, want)
		}
	}
	if got := kpiBounds(results.KPI{ID: "x", Unit: "furlongs"}); got != anyValue {
		t.Errorf("an unknown unit gets %v, want no bounds", got)
	}
	for s := range numSeries {
		want := nonNegative
		if s == seriesFloat {
			want = percentage
		}
		if got := seriesBounds(s); got != want {
			t.Errorf("series %d: bounds %v, want %v", s, got, want)
		}
	}
}

func TestEstimateInStaysInBounds(t *testing.T) {
	tests := []struct {
		name string
		xs   []float64
		b    bounds
	}{
		{"rare count", []float64{0, 0, 0, 1, 0, 5}, nonNegative},
		{"one replication carries the count", []float64{0, 0, 0, 0, 10}, nonNegative},
		{"count of two replications", []float64{0, 3}, nonNegative},
		{"risk blocks", []float64{0, 4, 1, 0, 2, 5, 0, 3, 1, 2}, nonNegative},
		{"percentage near 100", []float64{99.5, 100, 100, 98, 100}, percentage},
		{"percentage at 100 but one", []float64{100, 100, 100, 100, 100, 100, 100, 100, 100, 92}, percentage},
		{"percentage near 0", []float64{0, 0.4, 0, 1.5, 0, 0}, percentage},
		{"percentage of two replications", []float64{0, 100}, percentage},
		{"mid percentage", []float64{21.2, 22.4, 21.9, 23.1, 20.8}, percentage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := estimateIn(tc.xs, tc.b)
			if msg := inBounds(e, tc.b); msg != "" {
				t.Errorf("%v: [%g, %g] around %g %s", tc.xs, e.Low, e.High, e.Mean, msg)
			}
			if !(e.Low < e.Mean && e.Mean < e.High) {
				t.Errorf("%v: [%g, %g] around %g, want a mean strictly inside a varying column's interval", tc.xs, e.Low, e.High, e.Mean)
			}
			// The interval is at least as wide as the t interval on the
			// side away from the bound: never falsely precise.
			plain := estimate(tc.xs)
			if tc.b.Hi == math.Inf(1) && e.High < plain.High {
				t.Errorf("%v: upper end %g below the t interval's %g", tc.xs, e.High, plain.High)
			}
		})
	}
}

func TestEstimateInFarFromBoundsIsTheTInterval(t *testing.T) {
	xs := []float64{2368, 2390, 2350, 2401, 2370}
	e, plain := estimateIn(xs, nonNegative), estimate(xs)
	if math.Abs(e.Low-plain.Low) > 0.01*halfWidth(plain) || math.Abs(e.High-plain.High) > 0.01*halfWidth(plain) {
		t.Errorf("a large count: [%g, %g], want about the t interval [%g, %g]", e.Low, e.High, plain.Low, plain.High)
	}
	if e.Mean != plain.Mean || e.SD != plain.SD || e.N != plain.N {
		t.Errorf("mean, sd or n changed: %+v against %+v", e, plain)
	}
}

func TestEstimateInConstantColumn(t *testing.T) {
	tests := []struct {
		xs []float64
		b  bounds
	}{
		{[]float64{0, 0, 0, 0, 0}, nonNegative},
		{[]float64{3, 3, 3}, nonNegative},
		{[]float64{0.1, 0.1, 0.1}, percentage},
		{[]float64{100, 100, 100, 100}, percentage},
		{[]float64{0, 0}, percentage},
		{[]float64{-2.5, -2.5, -2.5}, anyValue},
		{[]float64{7}, nonNegative},
	}
	for _, tc := range tests {
		e := estimateIn(tc.xs, tc.b)
		if e.Mean != tc.xs[0] || e.Low != e.Mean || e.High != e.Mean || e.SD != 0 || e.N != len(tc.xs) {
			t.Errorf("%v: %+v, want a zero-width interval at %g", tc.xs, e, tc.xs[0])
		}
	}
	if e := estimateIn(nil, nonNegative); e != (results.Estimate{}) {
		t.Errorf("no replications: %+v", e)
	}
}

func TestIntervalBounds(t *testing.T) {
	// A random sweep over means and half-widths, large ones included.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		h := math.Exp(rng.Float64()*20 - 10)
		for _, b := range []bounds{nonNegative, percentage, {Lo: math.Inf(-1), Hi: 1}, {Lo: -1, Hi: 1}} {
			lo, hi := math.Max(b.Lo, -1e3), math.Min(b.Hi, 1e3)
			mean := lo + (hi-lo)*rng.Float64()
			l, u := interval(mean, h, b)
			if msg := inBounds(results.Estimate{Mean: mean, Low: l, High: u}, b); msg != "" {
				t.Fatalf("interval(%g, %g, %v) = [%g, %g] %s", mean, h, b, l, u, msg)
			}
		}
	}
}

func TestPairedPMatchesInterval(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 2000 {
		n := 2 + i%19
		arm, base := make([]float64, n), make([]float64, n)
		shift := rng.NormFloat64()
		for j := range n {
			base[j] = 100 + 10*rng.NormFloat64()
			arm[j] = base[j] + shift + rng.NormFloat64()
		}
		d := pairedDiff(arm, base, anyValue)
		excludes := d.Low > 0 || d.High < 0
		if (d.P < alpha) != excludes && math.Abs(d.P-alpha) > 1e-9 {
			t.Fatalf("n %d: p %g but the interval [%g, %g] excludes zero: %v", n, d.P, d.Low, d.High, excludes)
		}
		if d.Significant != (d.P < alpha) || d.PAdjusted != d.P {
			t.Fatalf("before adjustment: %+v", d)
		}
	}
	if d := pairedDiff([]float64{5, 6, 7}, []float64{3, 4, 5}, anyValue); d.P != 0 || !d.Significant {
		t.Errorf("a constant non-zero difference: %+v, want p 0", d)
	}
	if d := pairedDiff([]float64{5, 6, 7}, []float64{5, 6, 7}, anyValue); d.P != 1 || d.Significant || tested(d.Estimate) {
		t.Errorf("no difference: %+v, want p 1 and nothing tested", d)
	}
	if d := pairedDiff([]float64{5}, []float64{3}, anyValue); d.P != 1 || d.Significant {
		t.Errorf("one replication: %+v, want p 1", d)
	}
}

func TestHolm(t *testing.T) {
	tests := []struct {
		name    string
		ps      []float64
		want    []float64
		signif  []bool
		unadjOK int // how many are below α unadjusted
	}{
		{"textbook", []float64{0.01, 0.04, 0.03, 0.005}, []float64{0.03, 0.06, 0.06, 0.02},
			[]bool{true, false, false, true}, 4},
		{"borderline ones fall, a strong effect stays",
			[]float64{0.049, 0.02, 0.031, 1e-8, 0.044, 0.012, 0.6, 0.9},
			[]float64{0.176, 0.12, 0.155, 8e-8, 0.176, 0.084, 1, 1},
			[]bool{false, false, false, true, false, false, false, false}, 6},
		{"ties", []float64{0.01, 0.01, 0.5}, []float64{0.03, 0.03, 0.5}, []bool{true, true, false}, 2},
		{"none", nil, []float64{}, []bool{}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := holm(tc.ps)
			if len(got) != len(tc.want) {
				t.Fatalf("holm(%v) = %v", tc.ps, got)
			}
			unadj := 0
			for i := range got {
				if math.Abs(got[i]-tc.want[i]) > 1e-12 || (got[i] < alpha) != tc.signif[i] {
					t.Errorf("holm(%v)[%d] = %g, want %g", tc.ps, i, got[i], tc.want[i])
				}
				if tc.ps[i] < alpha {
					unadj++
				}
			}
			if unadj != tc.unadjOK {
				t.Errorf("%d below α unadjusted, want %d", unadj, tc.unadjOK)
			}
		})
	}
}

func TestAdjustDiffs(t *testing.T) {
	// One arm, several KPIs: a strong effect, borderline ones that pass
	// alone, a KPI no arm moves, and noise.
	kpis := []results.KPI{{ID: "strong"}, {ID: "edge1"}, {ID: "edge2"}, {ID: "edge3"}, {ID: "still"}, {ID: "noise"}}
	base := []float64{10, 12, 11, 13, 9, 10}
	// shifted is base + 1 + c·(1, −1, 1, −1, 1, −1): t = √5/c over 6
	// replications, p 0.031, 0.038 and 0.046 for c = 0.75, 0.8, 0.85.
	shifted := func(c float64) []float64 {
		xs := make([]float64, len(base))
		for i, x := range base {
			xs[i] = x + 1 + c*float64(1-2*(i%2))
		}
		return xs
	}
	cols := map[string][]float64{
		"strong": {20, 22, 21, 23, 19, 20.5},
		"edge1":  shifted(0.75),
		"edge2":  shifted(0.8),
		"edge3":  shifted(0.85),
		"still":  base,
		"noise":  {10.5, 11, 12, 12.5, 9.5, 10},
	}
	arms := []results.Arm{{Name: "base"}, {Name: "arm", Diffs: map[string]results.Diff{}}}
	for _, k := range kpis {
		arms[1].Diffs[k.ID] = pairedDiff(cols[k.ID], base, anyValue)
	}
	for _, id := range []string{"strong", "edge1", "edge2", "edge3"} {
		if d := arms[1].Diffs[id]; !d.Significant {
			t.Fatalf("%s: p %g, want it significant before adjustment (fix the fixture)", id, d.P)
		}
	}
	adjustDiffs(arms, kpis)
	for _, k := range kpis {
		d := arms[1].Diffs[k.ID]
		if d.Adjustment != holmAdjustment || d.Comparisons != 5 {
			t.Errorf("%s: adjustment %q over %d, want holm over 5 (the unmoved KPI is not counted)", k.ID, d.Adjustment, d.Comparisons)
		}
		if d.PAdjusted < d.P || d.Significant != (d.PAdjusted < alpha) {
			t.Errorf("%s: p %g, adjusted %g, significant %v", k.ID, d.P, d.PAdjusted, d.Significant)
		}
		if want := k.ID == "strong"; d.Significant != want {
			t.Errorf("%s: significant %v after Holm (p %g, adjusted %g), want %v", k.ID, d.Significant, d.P, d.PAdjusted, want)
		}
	}
}

// TestRunStaysInBounds runs a small experiment and checks that no KPI or
// daily series estimate crosses its bounds, and that the paired differences
// carry Holm's adjustment.
func TestRunStaysInBounds(t *testing.T) {
	base := DefaultConfig()
	base.Population.Users = 3000
	short := base
	short.Coupon.Validity = 7 * platform.Day
	exp := &Experiment{Name: "bounds", Seed: 5, Replications: 5, Arms: []Arm{
		{Name: "30-day", Config: base}, {Name: "7-day", Config: short}}}
	res, err := RunExperiment(context.Background(), exp, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// crossed counts the estimates whose plain t interval would have
	// crossed their bounds, so that the test is seen to bite.
	crossed := 0
	check := func(what string, e results.Estimate, b bounds) {
		t.Helper()
		if msg := inBounds(e, b); msg != "" {
			t.Errorf("%s: %g [%g, %g] %s", what, e.Mean, e.Low, e.High, msg)
		}
		if h := tQuantile975(e.N-1) * e.SD / math.Sqrt(float64(e.N)); e.Mean-h < b.Lo || e.Mean+h > b.Hi {
			crossed++
		}
	}
	ratios := 0
	for _, a := range res.Arms {
		for _, k := range res.KPIs {
			check(a.Name+", "+k.ID, a.KPIs[k.ID], kpiBounds(k))
			d, ok := a.Diffs[k.ID]
			if !ok {
				continue
			}
			if msg := inBounds(d.Estimate, kpiBounds(k).Diff()); msg != "" {
				t.Errorf("%s, %s difference: %g [%g, %g] %s", a.Name, k.ID, d.Mean, d.Low, d.High, msg)
			}
			if !d.HasRatioInterval() {
				continue
			}
			ratios++
			rb := kpiBounds(k).Ratio()
			if math.IsNaN(d.RatioLow) || math.IsNaN(d.RatioHigh) || d.RatioLow < rb.Lo || d.RatioHigh > rb.Hi ||
				!(d.RatioLow <= d.Ratio && d.Ratio <= d.RatioHigh) {
				t.Errorf("%s, %s ratio: %g [%g, %g], bounds %v", a.Name, k.ID, d.Ratio, d.RatioLow, d.RatioHigh, rb)
			}
		}
		for _, d := range a.Series {
			for s, e := range []results.Estimate{d.Exposed, d.Issued, d.Claims, d.Gifts, d.Redemptions, d.Expiries, d.Float, d.DashboardRedemptions} {
				check(fmt.Sprintf("%s, day %d, series %d", a.Name, d.Day, s), e, seriesBounds(s))
			}
		}
	}
	if ratios == 0 {
		t.Error("no ratio has an interval")
	}
	if crossed == 0 {
		t.Error("no t interval would have crossed its bounds: the run does not test them")
	}
	t.Logf("%d estimates whose t interval would have crossed their bounds", crossed)
	comparisons := 0
	for id, d := range res.Arms[1].Diffs {
		if d.Adjustment != holmAdjustment || d.PAdjusted < d.P || d.Significant != (d.PAdjusted < alpha) {
			t.Errorf("%s: %+v, want Holm's adjustment", id, d)
		}
		if tested(d.Estimate) {
			comparisons++
		}
		if d.Comparisons != res.Arms[1].Diffs["issued"].Comparisons {
			t.Errorf("%s: %d comparisons, others %d", id, d.Comparisons, res.Arms[1].Diffs["issued"].Comparisons)
		}
	}
	if got := res.Arms[1].Diffs["issued"].Comparisons; got != comparisons || got == 0 {
		t.Errorf("%d comparisons recorded, %d tested", got, comparisons)
	}
}

func TestRatioIntervalByHand(t *testing.T) {
	const tol = 1e-9
	near := func(got, want float64) bool {
		return got == want || math.Abs(got-want) <= tol*math.Abs(want)
	}
	// arm 12 15 11 14 13 against base 10 11 9 12 10: means 13 and 10.4,
	// sums of squares 10 and 5.2, of cross products 6. With
	// q = t(4)²/(5·4) = 0.38543237110884, ρ is in the interval where
	// (10.4² − 5.2q)ρ² − 2(13·10.4 − 6q)ρ + (13² − 10q) ≤ 0, i.e.
	// 106.155751670234ρ² − 265.774811546694ρ + 165.145676288912 ≤ 0:
	// ρ = (132.887405773347 ± √127.899211631615)/106.155751670234.
	arm, base := []float64{12, 15, 11, 14, 13}, []float64{10, 11, 9, 12, 10}
	low, high := ratioInterval(arm, base, nonNegative)
	if !near(low, 1.1452808773648468) || !near(high, 1.3583499421154408) {
		t.Errorf("paired ratio 1.25: [%.16g, %.16g], want [1.14528087736485, 1.35834994211544]", low, high)
	}
	d := pairedDiff(arm, base, nonNegative)
	if d.Ratio != 1.25 || d.RatioLow != low || d.RatioHigh != high || d.RatioMethod != results.FiellerMethod {
		t.Errorf("pairedDiff: ratio %g [%g, %g] by %q", d.Ratio, d.RatioLow, d.RatioHigh, d.RatioMethod)
	}

	// A rare baseline, 0 1 0 0 1, under an arm of 3 5 4 6 2: means 4 and
	// 0.4, sums of squares 10, 1.2 and −1. 0.4² < 1.2q: the baseline's mean
	// is not distinguishable from zero, and the set is two half-lines,
	// (−∞, −15.6855866464056] ∪ [2.55957878438921, ∞), roots of
	// −0.302518845330609ρ² − 2·1.98543237110884ρ + 12.1456762889116. A
	// ratio of counts cannot be negative: at least 2.56 times.
	arm, base = []float64{3, 5, 4, 6, 2}, []float64{0, 1, 0, 0, 1}
	low, high = ratioInterval(arm, base, nonNegative)
	if !near(low, 2.559578784389212) || !math.IsInf(high, 1) {
		t.Errorf("rare baseline, counts: [%.16g, %g], want [2.55957878438921, +Inf]", low, high)
	}
	low, high = ratioInterval(arm, base, anyValue)
	if !math.IsInf(low, -1) || !math.IsInf(high, 1) {
		t.Errorf("rare baseline, signed: [%g, %g], want the whole line", low, high)
	}

	// Both means indistinguishable from zero: nothing is known.
	if low, high := ratioInterval([]float64{0, 1, 0, 0, 0}, []float64{0, 0, 1, 0, 0}, nonNegative); low != 0 || !math.IsInf(high, 1) {
		t.Errorf("two rare counts: [%g, %g], want [0, +Inf]", low, high)
	}
	// An arm near zero: the interval stops at zero rather than cross it.
	arm, base = []float64{0, 1, 0, 0, 2}, []float64{10, 11, 9, 12, 10}
	if low, high := ratioInterval(arm, base, nonNegative); low != 0 || !(high > 0.06 && high < 1) {
		t.Errorf("arm near zero: [%g, %g], want [0, about 0.14]", low, high)
	}
	if low, _ := ratioInterval(arm, base, anyValue); low >= 0 {
		t.Errorf("arm near zero, signed: low %g, want below zero", low)
	}
	// The same in every replication, or one replication: zero width.
	for _, tc := range [][2][]float64{{{6, 6, 6}, {4, 4, 4}}, {{7}, {2}}} {
		want := tc[0][0] / tc[1][0]
		if low, high := ratioInterval(tc[0], tc[1], nonNegative); low != want || high != want {
			t.Errorf("%v over %v: [%g, %g], want %g", tc[0], tc[1], low, high, want)
		}
	}
	// A constant baseline: the t interval of the arm's mean over it.
	arm, base = []float64{12, 15, 11, 14, 13}, []float64{10, 10, 10, 10, 10}
	h := tQuantile975(4) * math.Sqrt(2.5/5) / 10
	if low, high := ratioInterval(arm, base, nonNegative); !near(low, 1.3-h) || !near(high, 1.3+h) {
		t.Errorf("constant baseline: [%g, %g], want 1.3 ± %g", low, high, h)
	}
	// No ratio when the baseline's mean is 0.
	if d := pairedDiff([]float64{1, 2}, []float64{0, 0}, nonNegative); d.Ratio != 0 || d.RatioMethod != "" || d.HasRatio() {
		t.Errorf("baseline of zeros: %+v, want no ratio", d)
	}
}

func TestPairedDiffStaysInDiffBounds(t *testing.T) {
	// Two replications of a percentage, 0 and 100 points apart: the t
	// interval, 50 ± 635, is cut to ±100 points.
	d := pairedDiff([]float64{100, 0}, []float64{0, 0}, percentage)
	if d.Low != -100 || d.High != 100 || d.Mean != 50 {
		t.Errorf("percentage difference: %g [%g, %g], want 50 [-100, 100]", d.Mean, d.Low, d.High)
	}
	if d.P != pairedP(estimate([]float64{100, 0})) {
		t.Errorf("the cut changed the p-value: %g", d.P)
	}
}

// TestRatioIntervalCoverage draws normal pairs, correlated as common random
// numbers make them, and checks that Fieller's set covers the true ratio of
// the means 95% of the time, also with a baseline near zero, where many
// sets are unbounded; that the interval always holds the set; and that the
// interval covers 95% of the time where the set is one, more where it spans
// two half-lines.
func TestRatioIntervalCoverage(t *testing.T) {
	trials := 4000
	if testing.Short() {
		trials = 2000
	}
	tests := []struct {
		name           string
		n              int
		muA, muB       float64
		sdB, sdE, beta float64 // base ~ N(muB, sdB), arm = muA + beta(base − muB) + N(0, sdE)
	}{
		{"strong correlation, 5 replications", 5, 12, 10, 2, 0.5, 1.1},
		{"weak correlation, 10 replications", 10, 8, 10, 3, 3, 0.2},
		{"baseline near zero, 8 replications", 8, 3, 0.5, 1, 1, 0.5},
		{"arm near zero, 6 replications", 6, 0.2, 5, 1, 1, 0.3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, uint64(tc.n)))
			want := tc.muA / tc.muB
			inSet, covered, unbounded := 0, 0, 0
			arm, base, pivot := make([]float64, tc.n), make([]float64, tc.n), make([]float64, tc.n)
			for range trials {
				for i := range tc.n {
					z := tc.sdB * rng.NormFloat64()
					base[i] = tc.muB + z
					arm[i] = tc.muA + tc.beta*z + tc.sdE*rng.NormFloat64()
					pivot[i] = arm[i] - want*base[i]
				}
				// The set holds the true ratio when the paired t interval
				// of arm − want·base holds 0.
				e := estimate(pivot)
				set := e.Low <= 0 && 0 <= e.High
				low, high := ratioInterval(arm, base, anyValue)
				in := low <= want && want <= high
				if set {
					inSet++
				}
				if set && !in {
					t.Fatalf("[%g, %g] misses %g, which Fieller's set holds", low, high, want)
				}
				if in {
					covered++
				}
				if math.IsInf(high, 0) || math.IsInf(low, 0) {
					unbounded++
				}
			}
			set, cov := float64(inSet)/float64(trials), float64(covered)/float64(trials)
			// Three standard errors of a 95% coverage estimate.
			se := math.Sqrt(0.95 * 0.05 / float64(trials))
			if math.Abs(set-0.95) > 3*se {
				t.Errorf("Fieller's set covers %.3f, want 0.95 ± %.3f", set, 3*se)
			}
			if cov < 0.95-3*se || unbounded == 0 && cov != set {
				t.Errorf("the interval covers %.3f, the set %.3f", cov, set)
			}
			t.Logf("set covers %.3f, interval %.3f; %d of %d unbounded", set, cov, unbounded, trials)
		})
	}
}

// TestRatioExcludesOneWithTheDifference checks that a bounded ratio
// interval excludes 1 exactly when the paired difference's excludes 0: at
// ρ = 1 Fieller's test is the paired t test.
func TestRatioExcludesOneWithTheDifference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	checked := 0
	for i := range 3000 {
		n := 3 + i%10
		arm, base := make([]float64, n), make([]float64, n)
		shift := 0.3 * rng.NormFloat64()
		for j := range n {
			base[j] = 10 + 2*rng.NormFloat64()
			arm[j] = base[j]*(1+shift/10) + 0.5*rng.NormFloat64()
		}
		d := pairedDiff(arm, base, nonNegative)
		if math.IsInf(d.RatioHigh, 1) {
			continue
		}
		if math.Abs(d.P-alpha) < 1e-9 {
			continue // on the edge, rounding decides
		}
		checked++
		if (d.RatioLow > 1 || d.RatioHigh < 1) != (d.Low > 0 || d.High < 0) {
			t.Fatalf("n %d: ratio [%g, %g] against difference [%g, %g] (p %g)", n, d.RatioLow, d.RatioHigh, d.Low, d.High, d.P)
		}
		if !(d.RatioLow <= d.Ratio && d.Ratio <= d.RatioHigh) || d.RatioLow < 0 {
			t.Fatalf("ratio %g outside [%g, %g] or below zero", d.Ratio, d.RatioLow, d.RatioHigh)
		}
	}
	if checked < 2500 {
		t.Errorf("only %d bounded intervals checked", checked)
	}
}
