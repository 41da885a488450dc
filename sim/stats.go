package sim

import (
	"cmp"
	"math"
	"slices"
	"sync"

	"gonum.org/v1/gonum/stat/distuv"

	"giftsim/results"
)

// alpha is the significance level of every test and interval: 95%.
const alpha = 0.05

// tQuantiles caches tQuantile975 by degrees of freedom: a run asks for the
// same few thousands of times.
var tQuantiles sync.Map // int → float64

// tQuantile975 is the two-sided 95% critical value of Student's t with df
// degrees of freedom.
func tQuantile975(df int) float64 {
	if df <= 0 {
		return math.Inf(1)
	}
	if q, ok := tQuantiles.Load(df); ok {
		return q.(float64)
	}
	q := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(df)}.Quantile(1 - alpha/2)
	tQuantiles.Store(df, q)
	return q
}

// bounds are the values a quantity can take, lo ≤ x ≤ hi; either end may be
// infinite.
type bounds struct{ lo, hi float64 }

var (
	anyValue    = bounds{math.Inf(-1), math.Inf(1)}
	nonNegative = bounds{0, math.Inf(1)}
	percentage  = bounds{0, 100}
)

// countUnits are the KPI units of things counted, and counts per person:
// never negative.
var countUnits = map[string]bool{
	"users": true, "coupons": true, "claims": true, "offers": true, "sends": true, "attempts": true,
	"inquiries": true, "purchases": true, "hops": true,
	"new customers per user": true, "new customers per sharer": true,
}

// netKPIs are the KPIs in CNY that net a loss against a gain (lapsed
// customers' lost visits, the cost), so may be negative.
var netKPIs = map[string]bool{"incremental_profit": true, "incremental_revenue": true}

// kpiBounds returns the values KPI k can take, from its unit: a percentage
// lies in 0–100; counts, counts per person and CNY costs and sales are never
// negative; net money (incremental sales and profit), ratios (ROI) and units
// it does not know are unbounded.
func kpiBounds(k results.KPI) bounds {
	switch {
	case k.Unit == "%":
		return percentage
	case k.Unit == "CNY":
		if netKPIs[k.ID] {
			return anyValue
		}
		return nonNegative
	case countUnits[k.Unit]:
		return nonNegative
	}
	return anyValue
}

// seriesBounds returns the values daily series s can take: the fund float
// is a percentage, every other series a count.
func seriesBounds(s int) bounds {
	if s == seriesFloat {
		return percentage
	}
	return nonNegative
}

// estimate is the mean of xs with its 95% Student-t interval, for a
// quantity without bounds (e.g. a difference).
func estimate(xs []float64) results.Estimate { return estimateIn(xs, anyValue) }

// estimateIn is the mean of xs (one value per replication) with a 95%
// interval for it that lies within b. A column that is the same in every
// replication has a zero-width interval.
//
// estimateIn takes the Student-t half-width h = t(n−1)·sd/√n and applies it
// by the delta method on a scale that maps b onto the whole line (see
// interval): log(mean − lo) for a quantity bounded below, logit for one
// bounded on both sides. The interval is for the mean the report shows (not
// for a geometric mean, as a t interval of log(x + c) per replication would
// be, which also hangs on the offset c), always holds it, keeps the t
// quantile that makes it honest at 5–20 replications, and is as wide as the
// plain t interval to first order when the mean is far from its bound, so
// large counts barely change. Near a bound it is skewed away from it, as
// the sampling distribution of a mean of skewed non-negative values is. A
// percentile bootstrap was rejected: at 5–20 replications it is too narrow
// (in effect z instead of t and n instead of n − 1), and resamples of
// [0 0 0 1 0 5] cannot leave the values seen. For non-negative data
// sd/√n ≤ mean, so the upper end is at most mean·e^t: finite, and
// conservative for a rare count a single replication carries. On Poisson
// and overdispersed counts of mean 0.3 to 100 at 5, 10 and 20 replications
// it covered the mean 94–98% of the time, the t interval cut at zero 91–100%
// (too short above the mean when counts are skewed).
func estimateIn(xs []float64, b bounds) results.Estimate {
	n := len(xs)
	if n == 0 {
		return results.Estimate{}
	}
	if !slices.ContainsFunc(xs, func(x float64) bool { return x != xs[0] }) {
		return results.Estimate{Mean: xs[0], Low: xs[0], High: xs[0], N: n}
	}
	var sum float64
	for _, x := range xs {
		sum += x
	}
	mean := sum / float64(n)
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	sd := math.Sqrt(ss / float64(n-1))
	low, high := interval(mean, tQuantile975(n-1)*sd/math.Sqrt(float64(n)), b)
	// Rounding on the transformed scale must not leave the mean outside.
	return results.Estimate{Mean: mean, Low: min(low, mean), High: max(high, mean), SD: sd, N: n}
}

// interval returns the interval of a mean whose symmetric half-width is h,
// moved by the delta method onto a scale on which b is the whole line and
// back, so that it lies within b: mean ± h without bounds;
// lo + (mean − lo)·e^(∓h/(mean − lo)) with a lower bound only (and its
// mirror with an upper one); lo + w·σ(logit(p) ∓ h/(w·p·(1−p))) for
// p = (mean − lo)/w, w = hi − lo, with both. A mean on or outside a bound
// gets mean ± h cut to b.
func interval(mean, h float64, b bounds) (low, high float64) {
	loOpen, hiOpen := math.IsInf(b.lo, -1), math.IsInf(b.hi, 1)
	clip := func(x float64) float64 { return min(max(x, b.lo), b.hi) }
	switch {
	case h == 0:
		return mean, mean
	case loOpen && hiOpen:
		return mean - h, mean + h
	case mean <= b.lo || mean >= b.hi:
		return clip(mean - h), clip(mean + h)
	case hiOpen:
		r := mean - b.lo
		f := math.Exp(min(h/r, maxLogWidth))
		return b.lo + r/f, b.lo + r*f
	case loOpen:
		r := b.hi - mean
		f := math.Exp(min(h/r, maxLogWidth))
		return b.hi - r*f, b.hi - r/f
	}
	w := b.hi - b.lo
	p := (mean - b.lo) / w
	g := h / (w * p * (1 - p))
	l := math.Log(p / (1 - p))
	return clip(b.lo + w*logistic(l-g)), clip(b.lo + w*logistic(l+g))
}

// maxLogWidth caps the half-width on the log scale so that an interval stays
// finite. It never binds on replications within their bounds: there
// sd/√n ≤ mean − lo, so the half-width is at most t(1) ≈ 12.7.
const maxLogWidth = 50

// logistic is the inverse of logit: 1/(1 + e^−x).
func logistic(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// halfWidth is the half-width of e's interval.
func halfWidth(e results.Estimate) float64 { return (e.High - e.Low) / 2 }

// pairedDiff is the paired difference arm − base over replications run with
// common random numbers, with the p-value of its paired t test. Its
// Significant is the test's alone until adjustDiffs adjusts it for the
// simulation's other comparisons.
func pairedDiff(arm, base []float64) results.Diff {
	d := make([]float64, len(arm))
	var sa, sb float64
	for i := range arm {
		d[i] = arm[i] - base[i]
		sa += arm[i]
		sb += base[i]
	}
	e := estimate(d)
	out := results.Diff{Estimate: e, P: pairedP(e)}
	if sb != 0 {
		out.Ratio = sa / sb
	}
	out.PAdjusted = out.P
	out.Significant = out.P < alpha
	return out
}

// tested reports whether e, a paired difference, has anything to test: two
// replications or more that do not all differ by zero.
func tested(e results.Estimate) bool { return e.N > 1 && !(e.SD == 0 && e.Mean == 0) }

// pairedP is the two-sided p-value of the paired t test that the mean
// difference e is zero: 1 when there is nothing to test, 0 when every
// replication differs by the same non-zero amount.
func pairedP(e results.Estimate) float64 {
	switch {
	case !tested(e):
		return 1
	case e.SD == 0:
		return 0
	}
	t := e.Mean / (e.SD / math.Sqrt(float64(e.N)))
	return min(1, 2*distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(e.N - 1)}.Survival(math.Abs(t)))
}

// holmAdjustment names Holm's step-down adjustment in results.Diff.
const holmAdjustment = "holm"

// holm returns Holm's (1979) step-down adjusted p-values of ps: the i-th
// smallest (from 0) times m − i, kept from falling below the one before,
// capped at 1. Rejecting where the adjusted p-value is below α keeps the
// chance of any false rejection among the m (the family-wise error rate) at
// most α, whatever the dependence between the tests.
func holm(ps []float64) []float64 {
	m := len(ps)
	order := make([]int, m)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(ps[a], ps[b]) })
	adj := make([]float64, m)
	run := 0.0
	for i, j := range order {
		run = max(run, min(1, float64(m-i)*ps[j]))
		adj[j] = run
	}
	return adj
}

// adjustDiffs adjusts the significance of every paired difference of the
// arms (arm × KPI, in the order of kpis) for their multiplicity by Holm's
// step-down, over the differences with something to test: one whose
// replications all differ by zero cannot be a false finding and is not
// counted. Each Diff records the adjusted p-value, the method and the
// number of comparisons, and is Significant when the adjusted p-value is
// below α.
func adjustDiffs(arms []results.Arm, kpis []results.KPI) {
	type at struct {
		arm int
		id  string
	}
	var where []at
	var ps []float64
	for a := range arms {
		for _, k := range kpis {
			if d, ok := arms[a].Diffs[k.ID]; ok && tested(d.Estimate) {
				where = append(where, at{a, k.ID})
				ps = append(ps, d.P)
			}
		}
	}
	adj := holm(ps)
	for a := range arms {
		for id, d := range arms[a].Diffs {
			d.PAdjusted, d.Significant = 1, false
			d.Adjustment, d.Comparisons = holmAdjustment, len(ps)
			arms[a].Diffs[id] = d
		}
	}
	for i, w := range where {
		d := arms[w.arm].Diffs[w.id]
		d.PAdjusted, d.Significant = adj[i], adj[i] < alpha
		arms[w.arm].Diffs[w.id] = d
	}
}
