package optimize

import (
	"math"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"giftsim/results"
)

// tQuantile is the p quantile of Student's t with df degrees of freedom.
func tQuantile(p float64, df int) float64 {
	if df <= 0 {
		return math.Inf(1)
	}
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(df)}.Quantile(p)
}

// meanSD returns the mean and sample standard deviation of xs.
func meanSD(xs []float64) (float64, float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	if len(xs) == 1 {
		return xs[0], 0
	}
	m, v := stat.MeanVariance(xs, nil)
	return m, math.Sqrt(max(v, 0))
}

// interval is the estimate of the mean of xs with its two-sided 95%
// t interval.
func interval(xs []float64) results.Estimate {
	m, sd := meanSD(xs)
	e := results.Estimate{Mean: m, Low: m, High: m, SD: sd, N: len(xs)}
	if len(xs) > 1 && sd > 0 {
		h := tQuantile(0.975, len(xs)-1) * sd / math.Sqrt(float64(len(xs)))
		e.Low, e.High = m-h, m+h
	}
	return e
}

// lowerBound is the one-sided lower 1 − a confidence bound on the mean of
// xs; −Inf with fewer than two values.
func lowerBound(xs []float64, a float64) float64 {
	if len(xs) < 2 {
		return math.Inf(-1)
	}
	m, sd := meanSD(xs)
	if sd == 0 {
		return m
	}
	return m - tQuantile(1-a, len(xs)-1)*sd/math.Sqrt(float64(len(xs)))
}
