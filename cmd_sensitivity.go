package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"giftsim/reports"
	"giftsim/scenarios"
	"giftsim/sensitivity"
)

// cmdSensitivity ranks a scenario's levers by how much they move an
// objective KPI: a one-at-a-time tornado, Morris screening and Sobol
// indices, every point on the scenario's common random numbers and
// calibrated parameter sets.
func cmdSensitivity(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sensitivity", "FILE [--lever path=low..high...] [flags]",
		"giftsim sensitivity scenarios/examples/sensitivity-catering.yaml --lever coupon.validity=3d..30d --lever coupon.face_value=10..40 --lever merchant.tier=certified..filed --out out/sens", stderr)
	var levers stringList
	fs.Var(&levers, "lever", "a lever and its range, path=low..high: numbers (coupon.face_value=10..40), durations (coupon.validity=3d..30d), times of day (campaign[0].push_at=10:00..20:00), or two categories (merchant.tier=certified..filed) (repeatable; without it, the scenario's levers: section)")
	kpi := fs.String("kpi", sensitivity.DefaultKPI, "the objective KPI id (see results.json's kpis)")
	method := fs.String("method", "both", "oat (one-at-a-time tornado), morris (screening), sobol (variance shares, N(k+2) points), both (oat and morris) or all three")
	samples := fs.Int("samples", sensitivity.DefaultSamples, "Sobol base sample size N: N(k+2) points for k levers")
	budget := fs.Int("budget-evals", sensitivity.DefaultBudget, "the most arm-replications (points × replications) Sobol may run; more is refused with a size that fits")
	trajectories := fs.Int("trajectories", 10, "Morris trajectories r")
	levels := fs.Int("levels", 4, "Morris grid levels p (even)")
	reps := fs.Int("replications", 0, "override the number of replications (0: keep)")
	seed := fs.Uint64("seed", 0, "override the scenario's seed (0: keep)")
	workers := fs.Int("workers", 0, "replications run at once (0: all cores)")
	out := fs.String("out", "", "write report.html, sensitivity.csv, sensitivity.json and charts/ to this directory")
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
	if err := checkOut(*out); err != nil {
		return badInput(err)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return badInput(errors.New("want exactly one scenario file (see giftsim examples)"))
	}
	o := sensitivity.Options{KPI: *kpi, Replications: *reps, Seed: *seed, Workers: *workers,
		Trajectories: *trajectories, Levels: *levels, Samples: *samples, Budget: *budget}
	switch *method {
	case "oat":
		o.OAT = true
	case "morris":
		o.Morris = true
	case "sobol":
		o.Sobol = true
	case "both":
		o.OAT, o.Morris = true, true
	case "all":
		o.OAT, o.Morris, o.Sobol = true, true, true
	default:
		return badInput(fmt.Errorf("--method %q: want oat, morris, sobol, both (oat and morris) or all", *method))
	}
	if *budget < 1 {
		return badInput(fmt.Errorf("--budget-evals %d: want at least 1 arm-replication", *budget))
	}
	if *trajectories < 1 || *levels < 2 || *levels%2 != 0 {
		return badInput(fmt.Errorf("--trajectories %d --levels %d: want at least 1 trajectory and an even number of levels, at least 2", *trajectories, *levels))
	}
	ls, err := sensitivity.ParseLevers(levers)
	if err != nil {
		return badInput(err)
	}
	sc, err := scenarios.ParseFile(fs.Arg(0))
	if err != nil {
		return badInput(err)
	}
	if len(ls) == 0 {
		if ls, err = studyLevers(sc.Study()); err != nil {
			return badInput(err)
		}
	}
	if err := sensitivity.Check(sc, ls, o); err != nil {
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
	res, err := sensitivity.Analyze(ctx, sc, ls, o)
	if err != nil {
		return dispatchFailed(err)
	}
	footer := fmt.Sprintf("%d arm-replications in %.2fs, seed %d", res.Runs, time.Since(began).Seconds(), res.Seed)
	return present(ctx, stdout, *out, func(w io.Writer) error { return reports.WriteSensitivityText(w, res, reports.WithLang(lang)) }, footer,
		func(ctx context.Context, dir string) error {
			return reports.WriteSensitivity(ctx, dir, res, reports.WithLang(lang))
		})
}

// studyLevers turns the scenario's levers: section into sensitivity levers,
// for a run without --lever. A list of two levels is a two-level category;
// a longer list has no order to interpolate or split, so it is refused.
func studyLevers(st scenarios.Study) ([]sensitivity.Lever, error) {
	var out []sensitivity.Lever
	for _, l := range st.Levers {
		spec := l.Spec()
		switch {
		case !l.IsRange() && len(l.Levels) != 2:
			return nil, fmt.Errorf("%s:%d:%d: levers.%s: sensitivity varies a category between two levels, and this lever has %d; list two, or give --lever %s=LOW..HIGH (giftsim optimize takes longer lists)",
				st.File, l.Line, l.Col, l.Path, len(l.Levels), l.Path)
		case !l.IsRange():
			spec = l.Path + "=" + l.Levels[0] + ".." + l.Levels[1]
		}
		lv, err := sensitivity.ParseLever(spec)
		if err != nil {
			return nil, fmt.Errorf("%s:%d:%d: levers.%s: %w", st.File, l.Line, l.Col, l.Path, err)
		}
		out = append(out, lv)
	}
	return out, nil
}
