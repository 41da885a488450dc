package calibrate

import (
	"context"
	"math"
	"sort"
)

// minimize finds a local minimum of f near x0 with the Nelder–Mead simplex
// method (Nelder and Mead, 1965; the adaptive coefficients of Gao and Han,
// 2012). step is the initial simplex edge per coordinate. It stops after
// maxEvals evaluations, when the simplex's spread of values falls below
// ftol, or when ctx is done, and returns the best point and its value.
func minimize(ctx context.Context, f func([]float64) float64, x0, step []float64, maxEvals int, ftol float64) ([]float64, float64, int) {
	n := len(x0)
	dim := float64(n)
	alpha, gamma := 1.0, 1+2/dim
	rho, sigma := 0.75-1/(2*dim), 1-1/dim
	type vertex struct {
		x []float64
		f float64
	}
	evals := 0
	eval := func(x []float64) float64 {
		evals++
		v := f(x)
		if math.IsNaN(v) {
			return math.Inf(1)
		}
		return v
	}
	simplex := make([]vertex, n+1)
	simplex[0] = vertex{append([]float64(nil), x0...), eval(x0)}
	for i := range n {
		x := append([]float64(nil), x0...)
		x[i] += step[i]
		simplex[i+1] = vertex{x, eval(x)}
	}
	point := func(c []float64, coef float64, towards []float64) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = c[i] + coef*(towards[i]-c[i])
		}
		return out
	}
	for evals < maxEvals && ctx.Err() == nil {
		sort.SliceStable(simplex, func(i, j int) bool { return simplex[i].f < simplex[j].f })
		if simplex[n].f-simplex[0].f < ftol {
			break
		}
		centroid := make([]float64, n)
		for _, v := range simplex[:n] {
			for i := range centroid {
				centroid[i] += v.x[i] / dim
			}
		}
		worst := simplex[n]
		xr := point(centroid, -alpha, worst.x)
		fr := eval(xr)
		switch {
		case fr < simplex[0].f:
			xe := point(centroid, -alpha*gamma, worst.x)
			if fe := eval(xe); fe < fr {
				simplex[n] = vertex{xe, fe}
			} else {
				simplex[n] = vertex{xr, fr}
			}
		case fr < simplex[n-1].f:
			simplex[n] = vertex{xr, fr}
		default:
			var xc []float64
			if fr < worst.f {
				xc = point(centroid, -alpha*rho, worst.x) // outside contraction
			} else {
				xc = point(centroid, rho, worst.x) // inside contraction
			}
			if fc := eval(xc); fc < min(fr, worst.f) {
				simplex[n] = vertex{xc, fc}
				continue
			}
			for i := 1; i <= n; i++ { // shrink towards the best
				x := point(simplex[0].x, sigma, simplex[i].x)
				simplex[i] = vertex{x, eval(x)}
			}
		}
	}
	sort.SliceStable(simplex, func(i, j int) bool { return simplex[i].f < simplex[j].f })
	return simplex[0].x, simplex[0].f, evals
}
