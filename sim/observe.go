package sim

// This file runs single (arm, replication) pairs of an experiment for
// callers that choose where to spend replications, such as a sequential
// ranking-and-selection procedure: every KPI of every run, exactly as
// RunExperiment would compute it for that arm and replication.

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"giftsim/internal/par"
	"giftsim/platform"
)

// Job is one run: arm Arm of an experiment in replication Rep.
type Job struct {
	Arm, Rep int
}

// Observe runs every job of exp and returns, per job in order, its KPIs in
// the order of KPIs(). Replication r runs on the same world, random
// numbers and ensemble member as RunExperiment's replication r of an
// experiment with exp.Replications replications, so jobs of different arms
// at the same replication are paired (common random numbers) and a
// replication's value does not depend on which other jobs ran with it.
// Replications beyond exp.Replications are allowed and continue the same
// streams. Jobs run in parallel over opts.Workers (0: GOMAXPROCS); the
// output depends only on exp and jobs.
func Observe(ctx context.Context, exp *Experiment, jobs []Job, opts RunOptions) ([][]float64, error) {
	for _, j := range jobs {
		if j.Arm < 0 || j.Arm >= len(exp.Arms) || j.Rep < 0 {
			return nil, fmt.Errorf("%w: no arm %d or replication %d", platform.ErrInvalid, j.Arm, j.Rep)
		}
	}
	if err := exp.check(); err != nil {
		return nil, err
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	dir := exp.dir()
	// Worlds are built once per (population, replication) and dropped when
	// the last job that needs one is done.
	type worldKey struct {
		pop string
		rep int
	}
	type entry struct {
		once  sync.Once
		w     *World
		err   error
		users int
	}
	keyOf := func(j Job) worldKey { return worldKey{fmt.Sprintf("%+v", exp.Arms[j.Arm].Config.Population), j.Rep} }
	var mu sync.Mutex
	worlds := map[worldKey]*entry{}
	for _, j := range jobs {
		k := keyOf(j)
		if worlds[k] == nil {
			worlds[k] = &entry{}
		}
		worlds[k].users++
	}
	out := make([][]float64, len(jobs))
	if opts.Exec != nil {
		err := opts.Exec.Execute(ctx, exp, jobs, func(i int, o *Outcome) {
			out[i] = o.o.kpi[:]
			if opts.Stats != nil {
				opts.Stats.Runs++
				opts.Stats.Events += o.o.events
				opts.Stats.Coupons += uint64(o.o.kpi[kpiIssued])
			}
		})
		if err != nil {
			return nil, err
		}
		return out, nil
	}
	run := func(ctx context.Context, i int) error {
		j := jobs[i]
		key := keyOf(j)
		mu.Lock()
		e := worlds[key]
		mu.Unlock()
		e.once.Do(func() {
			e.w, e.err = NewWorld(ctx, exp.Arms[j.Arm].Config.Population, exp.Seed, j.Rep, dir)
		})
		defer func() {
			mu.Lock()
			if e.users--; e.users == 0 {
				e.w = nil
			}
			mu.Unlock()
		}()
		if e.err != nil {
			return fmt.Errorf("arm %q, replication %d: %w", exp.Arms[j.Arm].Name, j.Rep, e.err)
		}
		o, err := exp.runArm(ctx, j.Arm, j.Rep, e.w)
		if err != nil {
			return err
		}
		out[i] = o.kpi[:]
		if opts.Stats != nil {
			mu.Lock()
			opts.Stats.Runs++
			opts.Stats.Events += o.events
			opts.Stats.Coupons += uint64(o.kpi[kpiIssued])
			mu.Unlock()
		}
		return nil
	}
	if err := par.ForEach(ctx, workers, len(jobs), run); err != nil {
		return nil, err
	}
	return out, nil
}
