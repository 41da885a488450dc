package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"giftsim/loadgen"
	"giftsim/reports"
	"giftsim/results"
)

// reportUsage is the usage line of giftsim report, with what it reads.
const reportUsage = `[--out DIR] [--pdf] [--merge-unrelated] PATH...

Renders a report (report.html, charts/ as SVG and PNG, CSV) from saved results:
one simulation's results.json (schema giftsim/results/v1), or load runs: load
summaries (schema giftsim/load/v1) and raw vegeta result files written by
giftsim load --out, from one or several hosts, all merged into one report. A
PATH that is a directory stands for its results.json, or for its raw results
when it has none; raw results without the summary.json beside them give a
report that says what it does not know (plan, target rate, thresholds,
merchants). Load inputs merge only when they are the hosts or shards of one
run (same plan and seed, running at the same time); --merge-unrelated merges
other runs anyway, quota kept per run and merchant. The same input gives the
same bytes. --pdf also prints report.pdf with headless Chromium. Exit codes:
0 written, 2 bad input (unknown or unreadable file, mixed kinds, unrelated
runs).`

// cmdReport renders a report from saved results.
func cmdReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("report", reportUsage, "giftsim report out/results.json --out out/report", stderr)
	out := fs.String("out", "", "write the report into `DIR` (default: the directory of the first PATH)")
	pdf := fs.Bool("pdf", false, "also print the report to report.pdf with headless Chromium (which must be installed)")
	unrelated := fs.Bool("merge-unrelated", false, "merge load results even when they are not one run (other plans, seeds or times)")
	rf := addReportFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	opts, oerr := rf.options()
	if oerr != nil {
		return &exitError{code: exitBadInput, err: oerr}
	}
	paths := fs.Args()
	if len(paths) == 0 {
		fmt.Fprintln(stderr, "giftsim report: give at least one results file: a results.json or load summaries")
		fs.Usage()
		return &exitError{code: exitBadInput}
	}
	var sims []*results.Simulation
	var loads []*results.Load
	var raw []string           // raw vegeta result files, summarized together
	var runs []results.LoadRun // every load input, to check they are one run
	for _, p := range paths {
		if isRawResults(p) {
			raw = append(raw, p)
			continue
		}
		in, err := readResults(p)
		if err != nil {
			return badInput(fmt.Errorf("%s: %w", p, err))
		}
		if in.Simulation != nil {
			sims = append(sims, in.Simulation)
			continue
		}
		if in.Load.Requests() == 0 {
			return badInput(fmt.Errorf("%s: the load summary holds no results (no requests were answered); nothing to report", p))
		}
		loads = append(loads, in.Load)
		runs = append(runs, in.Load.Run(p))
	}
	if len(raw) > 0 {
		s, err := loadgen.ReadResults(ctx, raw...)
		if err != nil {
			return badInput(fmt.Errorf("not a giftsim result (results.json or a load summary) nor raw vegeta results: %w", err))
		}
		loads = append(loads, s.Load())
		runs = append(runs, s.Sources()...)
	}
	if !*unrelated {
		if err := results.CheckRelated(runs...); err != nil {
			return badInput(fmt.Errorf("%w; render them apart, or give --merge-unrelated to merge them anyway", err))
		}
	}
	switch {
	case len(sims) > 0 && len(loads) > 0:
		return badInput(errors.New("cannot mix a simulation's results.json with load summaries; render them apart"))
	case len(sims) > 1:
		return badInput(fmt.Errorf("got %d simulation results; render one at a time (only load summaries merge)", len(sims)))
	}
	dir := *out
	if dir == "" {
		dir = filepath.Dir(paths[0])
		if st, err := os.Stat(paths[0]); err == nil && st.IsDir() {
			dir = paths[0]
		}
	}
	if err := checkOut(dir); err != nil {
		return badInput(err)
	}
	var err error
	if len(sims) == 1 {
		err = reports.WriteSimulation(ctx, dir, sims[0], opts...)
	} else {
		var merged *results.Load
		if merged, err = results.MergeLoad(loads...); err == nil {
			err = reports.WriteLoad(ctx, dir, merged, opts...)
		}
	}
	if err != nil {
		return badInput(err)
	}
	fmt.Fprintf(stdout, "wrote %s\n", filepath.Join(dir, "report.html"))
	if *pdf {
		path, err := reports.PrintPDF(ctx, dir)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", path)
	}
	return nil
}

// isRawResults reports whether path is a raw vegeta result file, or a
// directory holding one (results.LoadRawFile) and no results.json: anything
// that is not JSON is taken for vegeta's binary format.
func isRawResults(path string) bool {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		if _, err := os.Stat(filepath.Join(path, "results.json")); err == nil {
			return false
		}
		_, err := os.Stat(filepath.Join(path, results.LoadRawFile))
		return err == nil
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [64]byte
	n, _ := f.Read(b[:])
	head := bytes.TrimLeft(b[:n], " \t\r\n")
	return len(head) > 0 && head[0] != '{'
}

// readResults decodes one saved result; a directory stands for its
// results.json.
func readResults(path string) (reports.Input, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, "results.json")
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return reports.Input{}, fmt.Errorf("no such file: %s", path)
		}
		return reports.Input{}, err
	}
	defer f.Close()
	return reports.Decode(f)
}
