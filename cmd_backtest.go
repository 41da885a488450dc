package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"text/tabwriter"

	"giftsim/calibrate"
)

// cmdBacktest fits a merchant's levels on one campaign's data and predicts
// another campaign's, with prediction intervals; it fails (exit 1) when an
// observed figure falls outside its interval, so it can gate a pipeline.
func cmdBacktest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("backtest", "--scenario MERCHANT.yaml --fit A.csv --predict B.csv [flags]",
		"giftsim backtest --scenario scenarios/data/merchant.yaml --fit scenarios/data/campaign-a.csv --predict scenarios/data/campaign-b.csv", stderr)
	merchant := fs.String("scenario", "", "the merchant scenario both campaigns' sends are replayed in (docs/DATA.md)")
	fitFile := fs.String("fit", "", "the data file (docs/DATA.md) to fit the levels on")
	predictFile := fs.String("predict", "", "the data file to predict")
	predictScenario := fs.String("predict-scenario", "", "the merchant scenario for the predicted campaign, when its coupon or audience differs (default: --scenario)")
	profile := fs.String("profile", "", "start the fit from this profile instead of the shipped one")
	fromDefaults := fs.Bool("from-defaults", false, "start the fit from the uncalibrated priors (sim.DefaultBehaviour)")
	scale := fs.Float64("scale", 1, "share of the merchant's population (and of every send) the runs use: smaller is faster and noisier")
	reps := fs.Int("replications", 10, "replications per evaluation of the fit")
	evals := fs.Int("max-evals", 80, "evaluations per parameter group and pass of the fit")
	passes := fs.Int("passes", 2, "passes over the parameter groups")
	ensemble := fs.Int("ensemble", 10, "parameter sets to draw around the fit, so the intervals hold its uncertainty (0: the fit alone)")
	predictReps := fs.Int("predict-replications", 40, "replications of the prediction")
	seed := fs.Uint64("seed", 1, "seed of the common random numbers")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		fs.Usage()
		return badInput(fmt.Errorf("unexpected argument %q; name the files with --scenario, --fit and --predict", fs.Arg(0)))
	case *merchant == "" || *fitFile == "" || *predictFile == "":
		fs.Usage()
		return badInput(errors.New("want --scenario, --fit and --predict"))
	case *predictReps < 2:
		return badInput(fmt.Errorf("--predict-replications must be at least 2, got %d", *predictReps))
	}
	if *predictScenario == "" {
		*predictScenario = *merchant
	}
	start, err := startProfile(*profile, *fromDefaults)
	if err != nil {
		return badInput(err)
	}
	a, err := calibrate.ReadDataFile(*fitFile)
	if err != nil {
		return badInput(err)
	}
	b, err := calibrate.ReadDataFile(*predictFile)
	if err != nil {
		return badInput(err)
	}
	opts := calibrate.BacktestOptions{
		DataOptions: calibrate.DataOptions{
			Options:  calibrate.Options{Scale: *scale, Replications: *reps, Seed: *seed, MaxEvals: *evals, Passes: *passes},
			Ensemble: *ensemble,
		},
		Replications: *predictReps,
	}
	if isTerminal(stderr) {
		opts.Progress = stderr
	}
	res, err := calibrate.Backtest(ctx, start, *merchant, a, *predictScenario, b, opts)
	if err != nil {
		return badInput(err)
	}
	fmt.Fprintf(stdout, "fitting %s in %s\n\n", describeData(a), *merchant)
	printLevels(stdout, res.Fit)
	with := "the fitted profile alone"
	if res.Members > 0 {
		with = fmt.Sprintf("%d parameter sets of the fit's ensemble", res.Members)
	} else if *ensemble > 0 {
		with += " (no ensemble: the fit misses a target)"
	}
	fmt.Fprintf(stdout, "\npredicting %s in %s\nwith %s, %d replications; intervals are 95%% prediction intervals of one campaign's figures\n\n",
		describeData(b), *predictScenario, with, res.Replications)
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "figure\tobserved\tpredicted [95%% PI]\terror\tinside\n")
	for _, p := range res.Predictions {
		ok := yesNo(p.Inside())
		show := pct1
		if p.Count {
			show = func(x float64) string { return commas(int(math.Round(x))) }
		}
		fmt.Fprintf(tw, "%s\t%s\t%s [%s, %s]\t%+.1f%%\t%s\n", p.Name, show(p.Observed), show(p.Mean), show(p.Low), show(p.High), 100*p.Error(), ok)
	}
	tw.Flush()
	if !res.Pass() {
		fmt.Fprintln(stdout, "\nFAIL: an observed figure lies outside its prediction interval")
		return &exitError{code: exitThresholds}
	}
	fmt.Fprintln(stdout, "\nok: every observed figure lies inside its prediction interval")
	return nil
}
