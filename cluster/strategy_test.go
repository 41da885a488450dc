package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"giftsim/calibrate"
	"giftsim/internal/redistest"
	"giftsim/optimize"
	"giftsim/scenarios"
	"giftsim/sensitivity"
	"giftsim/sim"
)

// TestStrategyToolsMatchLocal runs a small sensitivity study and a small
// optimisation here and through the queue: the same results.
func TestStrategyToolsMatchLocal(t *testing.T) {
	srv := redistest.Start(t)
	startWorkers(t, srv.URL, 2, nil)
	ex := newExecutor(t, srv.URL, Options{NoWorkerTimeout: 20 * time.Second})
	same := func(what string, local, remote any) {
		t.Helper()
		a, err := json.Marshal(local)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(remote)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s: the results differ between the local and the cluster run", what)
		}
	}

	sc, err := scenarios.ParseExample("sensitivity-catering")
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.Set([]string{"population.users=1500", "horizon=30d"}); err != nil {
		t.Fatal(err)
	}
	ls, err := sensitivity.ParseLevers([]string{"coupon.validity=3d..30d", "coupon.face_value=10..40"})
	if err != nil {
		t.Fatal(err)
	}
	so := sensitivity.Options{OAT: true, Sobol: true, Samples: 8, Replications: 2}
	local, err := sensitivity.Analyze(context.Background(), sc, ls, so)
	if err != nil {
		t.Fatal(err)
	}
	so.Exec = ex
	remote, err := sensitivity.Analyze(context.Background(), sc, ls, so)
	if err != nil {
		t.Fatal(err)
	}
	same("sensitivity", local, remote)

	osc, err := scenarios.ParseExample("optimize-retail-budget")
	if err != nil {
		t.Fatal(err)
	}
	p, err := optimize.ProblemFrom(osc.Study())
	if err != nil {
		t.Fatal(err)
	}
	oo := optimize.Options{Users: 1500, Budget: 120, Candidates: 6, Screen: 2, FirstStage: 3}
	lo, err := optimize.Optimize(context.Background(), osc, p, oo)
	if err != nil {
		t.Fatal(err)
	}
	oo.Exec = ex
	ro, err := optimize.Optimize(context.Background(), osc, p, oo)
	if err != nil {
		t.Fatal(err)
	}
	same("optimize", lo, ro)

	// A calibration's evaluation of two targets, small and without panels.
	load := calibrate.ScenarioLoader(func(name string) string {
		return filepath.Join("..", "scenarios", "examples", name+".yaml")
	})
	co := calibrate.Options{Scale: 0.05, Replications: 2, Seed: 3, NoPanel: true}
	targets := calibrate.DefaultTargets()[:2]
	lc, err := calibrate.Evaluate(context.Background(), sim.DefaultBehaviour(), targets, load, co)
	if err != nil {
		t.Fatal(err)
	}
	co.Exec = ex
	rc, err := calibrate.Evaluate(context.Background(), sim.DefaultBehaviour(), targets, load, co)
	if err != nil {
		t.Fatal(err)
	}
	same("calibrate", lc, rc)
	var _ sim.Executor = ex
}
