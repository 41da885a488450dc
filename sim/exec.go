package sim

// This file is the seam between running an experiment and where its
// (arm, replication) runs happen: RunOptions.Exec hands the runs to an
// Executor (e.g. package cluster's, over a task queue) instead of running
// them here, and RunJob is what an executor's worker does with each.

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"path/filepath"

	"giftsim/platform"
)

// Executor runs (arm, replication) jobs of an experiment somewhere else.
// The results of RunExperiment depend only on the outcomes, so an executor
// whose jobs run RunJob gives byte-identical results to a local run.
type Executor interface {
	// Execute runs every job of exp and calls done once per job (by its
	// index in jobs) with its outcome, from one goroutine at a time. It
	// returns the first job's error, or ctx's.
	Execute(ctx context.Context, exp *Experiment, jobs []Job, done func(i int, o *Outcome)) error
}

// Outcome is the result of one job: everything the aggregation uses.
// MarshalBinary and UnmarshalBinary carry it between processes exactly
// (float64 bits included).
type Outcome struct{ o *outcome }

// wireOutcome is outcome with exported fields, for encoding/gob.
type wireOutcome struct {
	KPI      [numKPIs]float64
	Series   [][numSeries]float64
	Heat     [7][24]float64
	Depth    []float64
	Funnel   [4]float64
	Events   uint64
	Censored [numTargets]bool
}

// MarshalBinary encodes o with encoding/gob, which keeps every float64's
// bits (NaN and infinities included).
func (o *Outcome) MarshalBinary() ([]byte, error) {
	if o == nil || o.o == nil {
		return nil, errors.New("sim: empty outcome")
	}
	x := o.o
	var b bytes.Buffer
	err := gob.NewEncoder(&b).Encode(wireOutcome{KPI: x.kpi, Series: x.series, Heat: x.heat,
		Depth: x.depth, Funnel: x.funnel, Events: x.events, Censored: x.censored})
	return b.Bytes(), err
}

// UnmarshalBinary decodes what MarshalBinary wrote.
func (o *Outcome) UnmarshalBinary(data []byte) error {
	var w wireOutcome
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&w); err != nil {
		return fmt.Errorf("sim: decode outcome: %w", err)
	}
	o.o = &outcome{kpi: w.KPI, series: w.Series, heat: w.Heat, depth: w.Depth,
		funnel: w.Funnel, events: w.Events, censored: w.Censored}
	return nil
}

// RunJob runs arm j.Arm of exp in replication j.Rep on its own world,
// exactly as RunExperiment runs that pair (same world, random numbers and
// ensemble member), and returns its outcome.
func RunJob(ctx context.Context, exp *Experiment, j Job) (*Outcome, error) {
	if j.Arm < 0 || j.Arm >= len(exp.Arms) || j.Rep < 0 {
		return nil, fmt.Errorf("%w: no arm %d or replication %d", platform.ErrInvalid, j.Arm, j.Rep)
	}
	if err := exp.check(); err != nil {
		return nil, err
	}
	w, err := NewWorld(ctx, exp.Arms[j.Arm].Config.Population, exp.Seed, j.Rep, exp.dir())
	if err != nil {
		return nil, fmt.Errorf("arm %q, replication %d: %w", exp.Arms[j.Arm].Name, j.Rep, err)
	}
	o, err := exp.runArm(ctx, j.Arm, j.Rep, w)
	if err != nil {
		return nil, err
	}
	return &Outcome{o}, nil
}

// dir is the directory files named in exp resolve against ("" for none).
func (exp *Experiment) dir() string {
	if exp.File == "" {
		return ""
	}
	return filepath.Dir(exp.File)
}

// runArm runs arm a of exp in replication rep on world w, with the
// replication's ensemble member when exp has an ensemble.
func (exp *Experiment) runArm(ctx context.Context, a, rep int, w *World) (*outcome, error) {
	cfg := &exp.Arms[a].Config
	if k := ensembleGroups(len(exp.Ensemble), exp.Replications); k > 0 {
		own := *cfg
		own.Behaviour = exp.Ensemble[memberOf(len(exp.Ensemble), k, rep)].apply(cfg.Behaviour)
		cfg = &own
	}
	out, err := newModel(cfg, w, exp.Seed, rep).run(ctx)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, err
		}
		return nil, fmt.Errorf("arm %q, replication %d: %w", exp.Arms[a].Name, rep, err)
	}
	return out, nil
}

// runElsewhere runs replications start..n-1 of every arm through exec.
func (r *runner) runElsewhere(ctx context.Context, exec Executor, start, n int) error {
	var jobs []Job
	for rep := start; rep < n; rep++ {
		for a := range r.exp.Arms {
			jobs = append(jobs, Job{Arm: a, Rep: rep})
		}
	}
	return exec.Execute(ctx, r.exp, jobs, func(i int, o *Outcome) {
		r.record(jobs[i].Arm, jobs[i].Rep, o.o)
	})
}
