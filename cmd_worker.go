package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"time"

	"giftsim/cluster"
	"giftsim/sim"
)

// cmdWorker serves simulation units from a Redis queue (package cluster)
// until SIGINT or SIGTERM, one line per unit on stdout.
func cmdWorker(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("worker", "--redis URL [flags]", "giftsim worker --redis redis://10.0.0.5:6379/0 --concurrency 4", stderr)
	url := fs.String("redis", "", "the Redis the dispatcher (run --cluster) uses, redis://HOST:PORT/DB (required)")
	conc := fs.Int("concurrency", runtime.NumCPU(), "units run at once (0: all cores)")
	quiet := fs.Bool("quiet", false, "no line per unit")
	usageNote(fs, stderr, "\nA unit is one (arm, replication) run. A worker killed mid-unit loses nothing: the\n"+
		"dispatcher sees its lease (5s) lapse and the unit runs again elsewhere (docs/CLUSTER.md).")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *url == "" || fs.NArg() != 0 {
		fs.Usage()
		return badInput(errors.New("want --redis URL and no other arguments"))
	}
	if *conc < 0 || *conc > maxWorkers {
		return badInput(errors.New("--concurrency: want a whole number from 1 to 10,000 (0: all cores)"))
	}
	opts := cluster.WorkerOptions{Concurrency: *conc, Log: stdout}
	if *quiet {
		opts.Log = nil
	}
	if err := cluster.RunWorker(ctx, *url, opts); err != nil {
		return badInput(err)
	}
	return nil
}

// clusterFlags are --cluster and --cluster-wait, for the commands that can
// dispatch their simulation units to workers.
type clusterFlags struct {
	url  *string
	wait *time.Duration
}

// addClusterFlags adds --cluster and --cluster-wait to fs.
func addClusterFlags(fs *flag.FlagSet) *clusterFlags {
	return &clusterFlags{
		url:  fs.String("cluster", "", "run the (arm, replication) units on workers (giftsim worker) through the Redis at this URL, redis://HOST:PORT/DB; results are byte-identical to a local run"),
		wait: fs.Duration("cluster-wait", 30*time.Second, "with --cluster, give up (exit 2) when no worker has been alive this long"),
	}
}

// executor connects to --cluster's Redis and returns the executor to put
// in sim.RunOptions.Exec, or nil without --cluster. progress, if not nil,
// gets the dispatch's progress line; close releases the connection.
func (c *clusterFlags) executor(ctx context.Context, progress io.Writer) (exec sim.Executor, close func(), err error) {
	if *c.url == "" {
		return nil, func() {}, nil
	}
	if *c.wait <= 0 {
		return nil, nil, errors.New("--cluster-wait: want a positive duration such as 30s")
	}
	ex, err := cluster.New(ctx, *c.url, cluster.Options{Progress: progress, NoWorkerTimeout: *c.wait})
	if err != nil {
		return nil, nil, fmt.Errorf("--cluster: %w", err)
	}
	return ex, func() { ex.Close() }, nil
}

// dispatchFailed maps the error of a run that may have gone through
// --cluster: no worker is bad input (exit 2), the rest as runFailed.
func dispatchFailed(err error) error {
	if clusterInput(err) {
		return badInput(err)
	}
	return runFailed(err)
}

// clusterInput reports whether err says --cluster's queue has no worker or
// its Redis cannot be reached: bad input (exit 2).
func clusterInput(err error) bool {
	return errors.Is(err, cluster.ErrNoWorkers) || errors.Is(err, cluster.ErrUnreachable)
}
