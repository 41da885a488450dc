package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"giftsim/platform"
	"giftsim/reports"
	"giftsim/results"
	"giftsim/scenarios"
	"giftsim/sim"
)

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// cmdRun runs a scenario file: every arm over its replications, a KPI table
// with 95% intervals and paired differences, starred when significant after
// Holm's adjustment over all of them (reports.WriteText names it), and files
// under --out.
func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("run", "FILE [flags]", "giftsim run scenarios/examples/validity-7-vs-30.yaml --out out/validity", stderr)
	out := fs.String("out", "", "write results.json, kpis.csv, timeseries.csv, report.html and charts/ to this directory")
	seed := fs.Uint64("seed", 0, "override the scenario's seed (0: keep)")
	reps := fs.Int("replications", 0, "override the number of replications (0: keep)")
	workers := fs.Int("workers", 0, "replications run at once (0: all cores)")
	quiet := fs.Bool("quiet", false, "no progress output")
	central := fs.Bool("central", false, "run the profile's central parameter values only, not its calibrated ensemble (intervals then show simulation noise alone)")
	var sets stringList
	fs.Var(&sets, "set", "override a field in every arm, e.g. --set coupon.validity=7d (repeatable)")
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "giftsim run: want exactly one scenario file (see giftsim examples)")
		fs.Usage()
		return exitBadInput
	}
	exp, err := scenarios.LoadFile(fs.Arg(0))
	if err == nil && len(sets) > 0 {
		err = scenarios.ApplySet(exp, sets)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitBadInput
	}
	if *seed != 0 {
		exp.Seed = *seed
	}
	if *central {
		exp.Ensemble = nil
	}
	if *reps > 0 {
		exp.Replications = *reps
		exp.Precision = nil
	}
	var progress io.Writer
	if !*quiet && isTerminal(stderr) {
		progress = stderr
	}
	var st sim.RunStats
	began := time.Now()
	res, err := sim.RunExperiment(ctx, exp, sim.RunOptions{Workers: *workers, Progress: progress, Stats: &st})
	if err != nil {
		fmt.Fprintf(stderr, "giftsim run: %v\n", err)
		if errors.Is(err, platform.ErrInvalid) {
			return exitBadInput
		}
		return exitThresholds
	}
	wall := time.Since(began)
	if err := reports.WriteText(stdout, res); err != nil {
		fmt.Fprintf(stderr, "giftsim run: %v\n", err)
		return exitThresholds
	}
	fmt.Fprintf(stdout, "\n%d arm-replications, %d coupons, %d events in %.2fs (%.0f events/s), seed %d\n",
		st.Runs, st.Coupons, st.Events, wall.Seconds(), float64(st.Events)/wall.Seconds(), exp.Seed)
	// Warnings go to stderr even with --quiet: they say the KPIs may mislead.
	for _, w := range res.Warnings {
		fmt.Fprintf(stderr, "warning: %s\n", w)
	}
	if *out != "" {
		if err := writeSimulation(ctx, *out, res); err != nil {
			fmt.Fprintf(stderr, "giftsim run: %v\n", err)
			return exitBadInput
		}
		fmt.Fprintf(stdout, "wrote %s\n", filepath.Join(*out, "report.html"))
	}
	return exitOK
}

// writeSimulation writes every output file of a simulation into dir.
func writeSimulation(ctx context.Context, dir string, res *results.Simulation) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "results.json"))
	if err != nil {
		return err
	}
	err = reports.WriteJSON(f, res)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return reports.WriteSimulation(ctx, dir, res)
}
