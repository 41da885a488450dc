package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"giftsim/optimize"
	"giftsim/platform"
	"giftsim/reports"
	"giftsim/scenarios"
)

// cmdOptimize searches a scenario's levers for the best strategy under its
// objective and constraints: a space-filling screen, a race on common
// random numbers and Kim–Nelson selection (or a Pareto front for two
// objectives).
func cmdOptimize(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("optimize", "FILE [flags]",
		"giftsim optimize scenarios/examples/optimize-retail-budget.yaml --users 5000 --state out/opt/state.json --out out/opt", stderr)
	budget := fs.Int("budget-evals", optimize.DefaultBudget, "the most candidate-replications to simulate")
	candidates := fs.Int("candidates", 0, "candidates in the screen (0: 10 per lever, 20 to 80)")
	screen := fs.Int("replications", optimize.DefaultScreen, "the screen's replications per candidate (doubled each racing round)")
	first := fs.Int("first-stage", optimize.DefaultFirst, "Kim–Nelson's first-stage replications n0")
	survivors := fs.Int("survivors", optimize.DefaultSurvivors, "the most candidates racing hands to the selection")
	alpha := fs.Float64("alpha", optimize.DefaultAlpha, "1 − the selection's confidence")
	delta := fs.Float64("delta", 0, "the indifference zone δ in the objective's unit (0: the objective's indifference:, else 1% of the leading mean)")
	seed := fs.Uint64("seed", 0, "override the scenario's seed (0: keep)")
	users := fs.Int("users", 0, "override population.users, e.g. for a quicker search (0: keep)")
	central := fs.Bool("central", false, "run the profile's central parameters only, not its calibrated ensemble")
	workers := fs.Int("workers", 0, "runs at once (0: all cores)")
	state := fs.String("state", "", "a JSON file of observations: resume from it and save to it after every batch")
	out := fs.String("out", "", "write report.html, optimize.csv, optimize.json and charts/ to this directory")
	quiet := fs.Bool("quiet", false, "no progress output")
	cf := addClusterFlags(fs)
	langFlag := addLangFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	lang, err := langOf(*langFlag)
	if err != nil {
		return badInput(err)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return badInput(errors.New("want exactly one scenario file (see giftsim examples optimize-retail-budget)"))
	}
	if err := checkOut(*out); err != nil {
		return badInput(err)
	}
	s, err := scenarios.ParseFile(fs.Arg(0))
	if err != nil {
		return badInput(err)
	}
	p, err := optimize.ProblemFrom(s.Study())
	if err != nil {
		return badInput(err)
	}
	o := optimize.Options{Seed: *seed, Users: *users, Central: *central, Budget: *budget, Candidates: *candidates, Screen: *screen,
		FirstStage: *first, Survivors: *survivors, Alpha: *alpha, Delta: *delta, Workers: *workers, State: *state}
	if err := optimize.Check(s, p, o); err != nil {
		return badInput(err)
	}
	if !*quiet && isTerminal(stderr) {
		o.Progress = stderr
	}
	exec, closeExec, err := cf.executor(ctx, o.Progress)
	if err != nil {
		return badInput(err)
	}
	defer closeExec()
	o.Exec = exec
	began := time.Now()
	res, err := optimize.Optimize(ctx, s, p, o)
	if err != nil {
		if clusterInput(err) || errors.Is(err, platform.ErrInvalid) || errors.Is(err, optimize.ErrPosed) || errors.Is(err, optimize.ErrState) {
			return badInput(err)
		}
		if ctx.Err() != nil {
			if *state != "" {
				fmt.Fprintf(stderr, "giftsim optimize: stopped; rerun with --state %s to continue\n", *state)
			}
			return errInterrupted
		}
		return failed(err)
	}
	footer := fmt.Sprintf("%d candidate-replications in %.2fs, seed %d", res.Evaluations, time.Since(began).Seconds(), res.Seed)
	return present(ctx, stdout, *out, func(w io.Writer) error { return reports.WriteOptimizationText(w, res, reports.WithLang(lang)) }, footer,
		func(ctx context.Context, dir string) error {
			return reports.WriteOptimization(ctx, dir, res, reports.WithLang(lang))
		})
}
