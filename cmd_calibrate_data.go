package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"giftsim/calibrate"
	"giftsim/platform"
	"giftsim/results"
	"giftsim/scenarios"
	"giftsim/sim"
)

// dataFlags are the calibrate flags that apply with --data; the others
// ask for something else and are refused.
var dataFlags = []string{"data", "scenario", "out", "scale", "replications", "max-evals", "passes",
	"check-replications", "seed", "profile", "from-defaults", "ensemble"}

// calibrateData is `giftsim calibrate --data FILE.csv --scenario
// MERCHANT.yaml`: it fits the level parameters to a merchant's own export
// (docs/DATA.md), prints observed against fitted levels and writes the
// profile. fs holds calibrate's parsed flags; args are its arguments, for
// the profile's header.
func calibrateData(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	var wrong []string
	fs.Visit(func(f *flag.Flag) {
		if !slices.Contains(dataFlags, f.Name) {
			wrong = append(wrong, "--"+f.Name)
		}
	})
	switch {
	case len(wrong) > 0:
		return badInput(fmt.Errorf("%s do not apply with --data", strings.Join(wrong, ", ")))
	case fs.NArg() > 0:
		return badInput(errors.New("with --data, no targets file (the data are the targets)"))
	}
	get := func(name string) any { return fs.Lookup(name).Value.(flag.Getter).Get() }
	dataFile, merchant := get("data").(string), get("scenario").(string)
	if dataFile == "" || merchant == "" {
		return badInput(errors.New("--data FILE.csv and --scenario MERCHANT.yaml go together (docs/DATA.md)"))
	}
	start, err := startProfile(get("profile").(string), get("from-defaults").(bool))
	if err != nil {
		return badInput(err)
	}
	d, err := calibrate.ReadDataFile(dataFile)
	if err != nil {
		return badInput(err)
	}
	opts := calibrate.DataOptions{
		Options: calibrate.Options{Scale: get("scale").(float64), Replications: get("replications").(int), Seed: get("seed").(uint64),
			MaxEvals: get("max-evals").(int), Passes: get("passes").(int)},
		Check: get("check-replications").(int),
	}
	out := get("out").(string)
	if out != "" {
		opts.Ensemble = get("ensemble").(int)
	}
	if isTerminal(stderr) {
		opts.Progress = stderr
	}
	fit, err := calibrate.FitData(ctx, start, merchant, d, opts)
	if err != nil {
		return badInput(err)
	}
	fmt.Fprintf(stdout, "replaying %s in %s\n\n", describeData(d), merchant)
	printLevels(stdout, fit)
	fmt.Fprintf(stdout, "%d evaluations, loss %.3f\n", fit.Result.Evals, fit.Result.Loss)
	if e := fit.Ensemble; e != nil {
		fmt.Fprintf(stdout, "ensemble: %d parameter sets (%d of %d proposals met every target)\n", len(e.Members), e.Accepted, e.Proposed)
	} else if opts.Ensemble > 0 {
		fmt.Fprintln(stdout, "ensemble: none drawn, as the fit misses a target")
	}
	if out != "" {
		f, err := os.Create(out)
		if err == nil {
			err = scenarios.WriteProfile(f, fit.Profile(), "giftsim calibrate "+joinArgs(args))
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			return badInput(err)
		}
		fmt.Fprintf(stdout, "wrote %s (use it with profile: %s in a scenario)\n", out, out)
	}
	if !fit.Pass() {
		return &exitError{code: exitThresholds} // the table says which level missed
	}
	return nil
}

// startProfile is the profile a data fit starts from: the file at path, the
// shipped profile when path is empty, or the priors.
func startProfile(path string, priors bool) (sim.Behaviour, error) {
	if priors {
		return sim.DefaultBehaviour(), nil
	}
	return scenarios.LoadProfile(path)
}

// describeData says in a line what a data file holds.
func describeData(d *calibrate.Data) string {
	f := d.Figures()
	var chans []string
	seen := map[platform.Channel]bool{}
	for _, t := range d.Tallies {
		if t.Sends > 0 && !seen[t.Channel] {
			seen[t.Channel] = true
			chans = append(chans, t.Channel.String())
		}
	}
	slices.Sort(chans)
	last := d.At(d.Hours() - 1)
	return fmt.Sprintf("%s (%s to %s: %s sends through %s, %s claims, %s redemptions)",
		d.File, d.Start.Format("2006-01-02"), last.Format("2006-01-02"), commas(f.Sends), strings.Join(chans, ", "), commas(f.Claims), commas(f.Redemptions))
}

// printLevels prints the data fit's levels, observed against fitted, and
// its parameters.
func printLevels(w io.Writer, fit *calibrate.DataFit) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "figure\tobserved [95%% CI]\tfitted [95%% CI]\ttolerance\tpass\n")
	for _, l := range fit.Levels {
		ok := yesNo(l.Pass())
		fmt.Fprintf(tw, "%s\t%s [%s, %s]\t%s [%s, %s]\t±%s\t%s\n", l.Name,
			pct1(l.Observed), pct1(l.ObsLow), pct1(l.ObsHigh), pct1(l.Model), pct1(l.ModelLow), pct1(l.ModelHigh), pct1(l.Tolerance), ok)
	}
	tw.Flush()
	fmt.Fprintln(w, legend)
	fmt.Fprintf(tw, "\nparameter\tstart\tfitted\n")
	start := fit.Start
	for _, p := range fit.Result.Params {
		fmt.Fprintf(tw, "%s\t%.4g\t%.4g\n", p.Name, *p.Field(&start), *p.Field(&fit.Result.Behaviour))
	}
	tw.Flush()
}

// legend says what the figures of a data fit and a backtest are.
const legend = "claim conversion: claims per send; redemption rate: redemptions per claim; early share: share of the\n" +
	"redemptions made before the hour by which half the claims were in (docs/DATA.md)"

// pct1 writes a share as a percentage with one decimal.
func pct1(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) }

// commas writes n with thousands separators.
func commas(n int) string { return results.FormatCount(int64(n)) }
