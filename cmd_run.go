package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

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
func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("run", "FILE [flags]", "giftsim run scenarios/examples/validity-7-vs-30.yaml --out out/validity", stderr)
	out := fs.String("out", "", "write results.json, kpis.csv, timeseries.csv, report.html and charts/ to this directory")
	seed := fs.Uint64("seed", 0, "override the scenario's seed (0: keep)")
	reps := fs.String("replications", "", "override the number of replications, 1 to 10,000, as --set replications=N does (0 or none: keep)")
	workersText := fs.String("workers", "0", "replications run at once, 1 to 10,000 (0: all cores)")
	quiet := fs.Bool("quiet", false, "no progress output")
	central := fs.Bool("central", false, "run the profile's central parameter values only, not its calibrated ensemble (intervals then show simulation noise alone)")
	var sets stringList
	fs.Var(&sets, "set", "override a field in every arm, e.g. --set coupon.validity=7d (repeatable)")
	cf := addClusterFlags(fs)
	rf := addReportFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	opts, err := rf.options()
	if err != nil {
		return badInput(err)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return badInput(errors.New("want exactly one scenario file (see giftsim examples)"))
	}
	workers, err := workersFlag(*workersText)
	if err != nil {
		return badInput(err)
	}
	sc, err := scenarios.ParseFile(fs.Arg(0))
	if err == nil {
		err = sc.Set(sets) // --set works on the scenario, checked as the file is
	}
	if err != nil {
		return badInput(err)
	}
	if err := replicationsFlag(sc, *reps); err != nil {
		return badInput(err)
	}
	exp := sc.Experiment()
	if err := checkOut(*out); err != nil {
		return badInput(err)
	}
	if *seed != 0 {
		exp.Seed = *seed
	}
	if *central {
		exp.Ensemble = nil
	}
	var progress io.Writer
	if !*quiet && isTerminal(stderr) {
		progress = stderr
	}
	var st sim.RunStats
	runOpts := sim.RunOptions{Workers: workers, Progress: progress, Stats: &st}
	exec, closeExec, err := cf.executor(ctx, progress)
	if err != nil {
		return badInput(err)
	}
	defer closeExec()
	if exec != nil {
		runOpts.Exec, runOpts.Progress = exec, nil // the dispatch shows units done and workers alive
	}
	began := time.Now()
	res, err := sim.RunExperiment(ctx, exp, runOpts)
	if err != nil {
		return dispatchFailed(err)
	}
	wall := time.Since(began)
	if err := reports.WriteText(stdout, res, opts...); err != nil {
		return failed(err)
	}
	fmt.Fprintf(stdout, "\n%d arm-replications, %d coupons, %d events in %.2fs (%.0f events/s), seed %d\n",
		st.Runs, st.Coupons, st.Events, wall.Seconds(), float64(st.Events)/wall.Seconds(), exp.Seed)
	// Warnings go to stderr even with --quiet: they say the KPIs may mislead.
	for _, w := range res.Warnings {
		fmt.Fprintf(stderr, "warning: %s\n", w)
	}
	if *out != "" {
		if err := writeSimulation(ctx, *out, res, opts...); err != nil {
			return badInput(err)
		}
		fmt.Fprintf(stdout, "wrote %s\n", filepath.Join(*out, "report.html"))
	}
	return nil
}

// maxWorkers bounds --workers: as many as the most replications a scenario
// may ask for.
const maxWorkers = 10_000

// workersFlag reads --workers: 0 (all cores) or 1 to maxWorkers.
func workersFlag(v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 || n > maxWorkers {
		return 0, fmt.Errorf("--workers: want a whole number from 1 to %s (0: all cores), got %s", results.FormatCount(maxWorkers), v)
	}
	return n, nil
}

// replicationsFlag applies --replications N to sc exactly as
// --set replications=N does, with the same bounds and message (0 or empty:
// keep the scenario's). It replaces a precision target.
func replicationsFlag(sc *scenarios.Scenario, v string) error {
	if v = strings.TrimSpace(v); v == "" || v == "0" {
		return nil
	}
	err := sc.Set([]string{"replications=" + v})
	if es, ok := errors.AsType[scenarios.Errors](err); ok && len(es) > 0 {
		return fmt.Errorf("--replications: %s", es[0].Msg)
	}
	return err
}

// writeSimulation writes every output file of a simulation into dir.
func writeSimulation(ctx context.Context, dir string, res *results.Simulation, opts ...reports.Option) error {
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
	return reports.WriteSimulation(ctx, dir, res, opts...)
}
