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
const reportUsage = `[--out DIR] PATH...

Renders a report (report.html, charts/ as SVG and PNG, CSV) from saved results:
one simulation's results.json (schema giftsim/results/v1), or load runs: load
summaries (schema giftsim/load/v1) and raw vegeta result files written by
giftsim load --out, from one or several hosts, all merged into one report. A
PATH that is a directory stands for its results.json, or for its raw results
when it has none. The same input gives the same bytes. Exit codes: 0 written,
2 bad input (unknown or unreadable file, mixed kinds).`

// cmdReport renders a report from saved results.
func cmdReport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("report", reportUsage, "giftsim report out/results.json --out out/report", stderr)
	out := fs.String("out", "", "write the report into `DIR` (default: the directory of the first PATH)")
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	paths := fs.Args()
	if len(paths) == 0 {
		fmt.Fprintln(stderr, "giftsim report: give at least one results file: a results.json or load summaries")
		fs.Usage()
		return exitBadInput
	}
	var sims []*results.Simulation
	var loads []*results.Load
	var raw []string // raw vegeta result files, summarized together
	for _, p := range paths {
		if isRawResults(p) {
			raw = append(raw, p)
			continue
		}
		in, err := readResults(p)
		if err != nil {
			fmt.Fprintf(stderr, "giftsim report: %s: %v\n", p, err)
			return exitBadInput
		}
		if in.Simulation != nil {
			sims = append(sims, in.Simulation)
		} else {
			loads = append(loads, in.Load)
		}
	}
	if len(raw) > 0 {
		l, err := loadgen.SummarizeFiles(ctx, raw...)
		if err != nil {
			fmt.Fprintf(stderr, "giftsim report: not a giftsim result (results.json or a load summary) nor raw vegeta results: %v\n", err)
			return exitBadInput
		}
		loads = append(loads, l)
	}
	switch {
	case len(sims) > 0 && len(loads) > 0:
		fmt.Fprintln(stderr, "giftsim report: cannot mix a simulation's results.json with load summaries; render them apart")
		return exitBadInput
	case len(sims) > 1:
		fmt.Fprintf(stderr, "giftsim report: got %d simulation results; render one at a time (only load summaries merge)\n", len(sims))
		return exitBadInput
	}
	dir := *out
	if dir == "" {
		dir = filepath.Dir(paths[0])
		if st, err := os.Stat(paths[0]); err == nil && st.IsDir() {
			dir = paths[0]
		}
	}
	var err error
	if len(sims) == 1 {
		err = reports.WriteSimulation(ctx, dir, sims[0])
	} else {
		var merged *results.Load
		if merged, err = results.MergeLoad(loads...); err == nil {
			err = reports.WriteLoad(ctx, dir, merged)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "giftsim report: %v\n", err)
		return exitBadInput
	}
	fmt.Fprintf(stdout, "wrote %s\n", filepath.Join(dir, "report.html"))
	return exitOK
}

// isRawResults reports whether path is a raw vegeta result file, or a
// directory holding one (loadgen.ResultsFile) and no results.json: anything
// that is not JSON is taken for vegeta's binary format.
func isRawResults(path string) bool {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		if _, err := os.Stat(filepath.Join(path, "results.json")); err == nil {
			return false
		}
		_, err := os.Stat(filepath.Join(path, loadgen.ResultsFile))
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
