package optimize

import (
	"context"
	"path/filepath"
	"testing"
)

// BenchmarkOptimizeRetail optimises the bundled retail example's six levers
// on 20,000 users with the default options (the speed target: under
// 10 minutes on 2 cores). Run with -cpu 1,2 to see both cores used:
//
//	go test -run '^$' -bench OptimizeRetail -benchtime 1x -cpu 1,2 ./optimize
func BenchmarkOptimizeRetail(b *testing.B) {
	s, p := load(b, filepath.Join("..", "scenarios", "examples", "optimize-retail-budget.yaml"))
	runs := 0
	for b.Loop() {
		res, err := Optimize(context.Background(), s, p, Options{Users: 20000})
		if err != nil {
			b.Fatal(err)
		}
		runs = res.Evaluations
	}
	b.ReportMetric(float64(runs), "runs/op")
}
