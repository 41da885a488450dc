package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"giftsim/reports"
	"giftsim/results"
)

// reportUsage is the usage line of giftsim report, with what it reads.
const reportUsage = `[--out DIR] PATH...

Renders a report (report.html, charts/ as SVG and PNG, CSV) from saved results:
one simulation's results.json (schema giftsim/results/v1), or one or more load
summaries (schema giftsim/load/v1), which are merged into one report. A PATH
that is a directory stands for its results.json. The same input gives the same
bytes. Exit codes: 0 written, 2 bad input (unknown or unreadable file, mixed kinds).`

// cmdReport renders a report from saved results.
func cmdReport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("report", reportUsage, "giftsim report out/results.json --out out/report", stderr)
	out := fs.String("out", "", "write the report into `DIR` (default: the directory of the first PATH)")
	paths, code := parseInterspersed(fs, args)
	if code >= 0 {
		return code
	}
	if len(paths) == 0 {
		fmt.Fprintln(stderr, "giftsim report: give at least one results file: a results.json or load summaries")
		fs.Usage()
		return exitBadInput
	}
	var sims []*results.Simulation
	var loads []*results.Load
	for _, p := range paths {
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

// parseInterspersed parses flags that may come before, between or after the
// positional arguments, and returns those, or the exit code to stop with.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, int) {
	var pos []string
	for {
		if code := parseFlags(fs, args); code >= 0 {
			return nil, code
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, -1
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
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
