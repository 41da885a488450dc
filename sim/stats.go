package sim

import (
	"math"

	"giftsim/results"
)

// t975 holds the 97.5% quantiles of Student's t for 1–30 degrees of freedom.
var t975 = [...]float64{12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
	2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
	2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042}

// tQuantile975 is the two-sided 95% critical value of Student's t with df
// degrees of freedom (a table to 30, then 1.96 + 2.4/df, within 0.002).
func tQuantile975(df int) float64 {
	switch {
	case df <= 0:
		return math.Inf(1)
	case df <= len(t975):
		return t975[df-1]
	}
	return 1.959964 + 2.4/float64(df)
}

// estimate is the mean of xs with its 95% t interval.
func estimate(xs []float64) results.Estimate {
	n := len(xs)
	if n == 0 {
		return results.Estimate{}
	}
	var sum float64
	for _, x := range xs {
		sum += x
	}
	mean := sum / float64(n)
	if n == 1 {
		return results.Estimate{Mean: mean, Low: mean, High: mean, N: 1}
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	sd := math.Sqrt(ss / float64(n-1))
	h := tQuantile975(n-1) * sd / math.Sqrt(float64(n))
	return results.Estimate{Mean: mean, Low: mean - h, High: mean + h, SD: sd, N: n}
}

// halfWidth is the half-width of e's interval.
func halfWidth(e results.Estimate) float64 { return (e.High - e.Low) / 2 }

// pairedDiff is the paired difference arm − base over replications run with
// common random numbers.
func pairedDiff(arm, base []float64) results.Diff {
	d := make([]float64, len(arm))
	var sa, sb float64
	for i := range arm {
		d[i] = arm[i] - base[i]
		sa += arm[i]
		sb += base[i]
	}
	e := estimate(d)
	out := results.Diff{Estimate: e}
	if sb != 0 {
		out.Ratio = sa / sb
	}
	out.Significant = e.N > 1 && (e.Low > 0 || e.High < 0)
	return out
}
