package calibrate

import (
	"context"
	"math"
	"testing"
)

func TestMinimize(t *testing.T) {
	tests := []struct {
		name string
		f    func([]float64) float64
		x0   []float64
		want []float64
	}{
		{"quadratic bowl", func(x []float64) float64 { return (x[0]-3)*(x[0]-3) + 10*(x[1]+1)*(x[1]+1) }, []float64{0, 0}, []float64{3, -1}},
		{"Rosenbrock", func(x []float64) float64 {
			return 100*math.Pow(x[1]-x[0]*x[0], 2) + math.Pow(1-x[0], 2)
		}, []float64{-1.2, 1}, []float64{1, 1}},
		{"four dimensions", func(x []float64) float64 {
			s := 0.0
			for i, v := range x {
				s += float64(i+1) * (v - float64(i)) * (v - float64(i))
			}
			return s
		}, []float64{1, 1, 1, 1}, []float64{0, 1, 2, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			step := make([]float64, len(tc.x0))
			for i := range step {
				step[i] = 0.5
			}
			x, fx, evals := minimize(context.Background(), tc.f, tc.x0, step, 5000, 1e-14)
			for i := range x {
				if math.Abs(x[i]-tc.want[i]) > 1e-3 {
					t.Fatalf("minimum at %v (f=%g, %d evals), want %v", x, fx, evals, tc.want)
				}
			}
		})
	}
}
