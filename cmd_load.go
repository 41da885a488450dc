package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	"giftsim/loadgen"
	"giftsim/platform"
	"giftsim/platform/fixture"
	"giftsim/platform/mock"
	"giftsim/reports"
	"giftsim/results"
)

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ", ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// cmdLoad drives a platform with a load plan (a file or flags) and judges
// its thresholds: exit 0 when all pass, 1 when one fails, 2 for bad input
// or an unreachable target, 130 when Ctrl-C (or SIGTERM) stopped the run
// (the report of what ran is written first, marked interrupted).
func cmdLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("load", `[flags] PLAN | [flags] --merge PLAN DIR...

Drives the platform with a load plan and judges its thresholds. --out DIR
writes results.bin (every result, vegeta's format), summary.json (what a
report needs beside it: plan, target and target rate, seed and run tag,
shard, merchant and quota, thresholds as judged) and the report; giftsim
report DIR re-renders it. --merge judges the plan on the result
directories of several shards of one run (refused for unrelated runs).
A threshold written {expr: ..., abort: true, window: 30s} is also watched
during the run and stops it when it fails over that window (exit 1, the
report marked aborted). --metrics-addr serves live Prometheus metrics
(deploy/grafana/giftsim-load.json shows them beside the mock's).`,
		"giftsim load scenarios/loadplans/api-bulk-50k.yaml --out out/bulk", stderr)
	target := fs.String("target", "", "base URL of the platform, e.g. http://127.0.0.1:8080 (default: the plan's; builtin starts the mock in-process)")
	out := fs.String("out", "", "directory for results.bin (vegeta's format), summary.json and the report")
	shard := fs.String("shard", "", "run shard I of N (1-based, e.g. 2/3): a share of the users, requests and rate")
	allowRemote := fs.Bool("allow-remote", false, "allow a target that is not a loopback address")
	day := fs.String("day", "", "platform day length on the target, e.g. 10s (default: the plan's)")
	seed := fs.Uint64("seed", 0, "seed of the driver's random choices (default: the plan's)")
	store := fs.String("store", "", "with the builtin target: keep the mock's state in this directory (durable store) instead of memory")
	merge := fs.Bool("merge", false, "judge the plan's thresholds on result directories from several shards instead of running")
	tf := addLoadTLSFlags(fs)
	startAt := fs.String("start-at", "", "wait until this wall time before the first phase, so shards on several hosts begin together: RFC 3339 (2026-11-29T17:30:00Z) or +DURATION from now (+30s); at most 24h ahead")
	metricsAddr := fs.String("metrics-addr", "", "serve the run's live Prometheus metrics on this address while it runs, e.g. 127.0.0.1:9102 (a bare :PORT listens on 127.0.0.1)")
	// A plan from flags, when no PLAN file is given.
	name := fs.String("name", "adhoc", "plan name (flag-built plan)")
	rate := fs.String("rate", "100/s", "constant rate (flag-built plan), e.g. 500, 500/s, 30/m")
	requests := fs.Int("requests", 1000, "number of requests (flag-built plan)")
	mix := fs.String("mix", "send_v3=1", "operation mix (flag-built plan), e.g. send_v3=9,query=1")
	tier := fs.String("tier", "filed", "fixture merchant tier: new, certified or filed (flag-built plan)")
	mchid := fs.String("mchid", "", "merchant id (flag-built plan; default from the fixture)")
	appid := fs.String("appid", "", "appid (flag-built plan)")
	serial := fs.String("serial", "", "key serial number (flag-built plan)")
	scheme := fs.String("scheme", "hmac", "signature scheme: hmac or rsa (flag-built plan)")
	keyFile := fs.String("key-file", "", "file holding the HMAC key or RSA private key (flag-built plan)")
	keyEnv := fs.String("key-env", "", "environment variable holding the key (flag-built plan)")
	stockID := fs.String("stock-id", "", "stock to send from (flag-built plan)")
	fixtureFile := fs.String("fixture", "", "the mock's fixture file (flag-built plan)")
	openids := fs.String("openids", "", "CSV of openids for a staging server (flag-built plan)")
	var thresholds multiFlag
	fs.Var(&thresholds, "threshold", "pass/fail check, repeatable, e.g. 'latency.p99 < 50ms' (flag-built plan)")

	rf := addReportFlags(fs)
	var pos []string
	for rest := args; ; {
		if err := parse(fs, rest); err != nil {
			return err
		}
		rest = fs.Args()
		if len(rest) == 0 {
			break
		}
		pos, rest = append(pos, rest[0]), rest[1:]
	}

	ropts, err := rf.options()
	if err != nil {
		return &exitError{code: exitBadInput, err: err}
	}
	var plan *loadgen.Plan
	switch {
	case len(pos) > 0:
		var planFlags []string
		fs.Visit(func(f *flag.Flag) {
			if strings.Contains(f.Usage, "(flag-built plan") {
				planFlags = append(planFlags, "--"+f.Name)
			}
		})
		if len(planFlags) > 0 {
			return badInput(fmt.Errorf("%s build a plan without a PLAN file; with %s, set them in the plan", strings.Join(planFlags, ", "), pos[0]))
		}
		if plan, err = loadgen.LoadPlanFile(pos[0]); err != nil {
			return badInput(err)
		}
	case *merge:
		return badInput(errors.New("--merge needs the PLAN and the result directories"))
	default:
		plan, err = flagPlan(*name, *rate, *requests, *mix, thresholds)
		if err != nil {
			return badInput(err)
		}
		m := &plan.Merchant
		m.Tier, m.MchID, m.AppID, m.Serial, m.Scheme, m.KeyFile, m.KeyEnv, m.StockID = *tier, *mchid, *appid, *serial, *scheme, *keyFile, *keyEnv, *stockID
		plan.Identities.Fixture, plan.Identities.OpenIDs = *fixtureFile, *openids
		plan.Target = loadgen.TargetBuiltin
	}
	if *day != "" {
		d, err := platform.ParseDuration(*day)
		if err != nil {
			return badInput(fmt.Errorf("--day: %w", err))
		}
		plan.Day = d
	}
	if *seed != 0 {
		plan.Seed = *seed
	}
	if *target != "" {
		plan.Target = *target
	}
	if err := tf.apply(plan); err != nil {
		return badInput(err)
	}
	if err := plan.Validate(); err != nil {
		return badInput(err)
	}
	if err := checkOut(*out); err != nil {
		return badInput(err)
	}
	var startOpt []func(*loadgen.Driver) // --start-at (loadgen/start.go)
	if *startAt != "" {
		if *merge {
			return badInput(errors.New("--start-at applies to a run, not to --merge"))
		}
		at, err := loadgen.ParseStartAt(*startAt, time.Now())
		if err != nil {
			return badInput(fmt.Errorf("--start-at: %w", err))
		}
		startOpt = append(startOpt, loadgen.WithStartAt(at))
	}

	if *merge {
		if len(pos) < 2 {
			return badInput(errors.New("--merge needs the PLAN and at least one result directory"))
		}
		sum, err := loadgen.ReadResults(ctx, pos[1:]...)
		if err != nil {
			return badInput(err)
		}
		if err := results.CheckRelated(sum.Sources()...); err != nil {
			return badInput(fmt.Errorf("%w; --merge judges the shards of one run", err))
		}
		sum.Judge(plan)
		if err := finish(ctx, sum, *out, stdout, ropts); err != nil {
			return badInput(err)
		}
		return verdict(sum)
	}
	if len(pos) > 1 {
		return badInput(fmt.Errorf("unexpected arguments after the plan: %s", strings.Join(pos[1:], " ")))
	}

	shardI, shardN := 0, 1
	if *shard != "" {
		i, n, ok := strings.Cut(*shard, "/")
		a, err1 := strconv.Atoi(i)
		b, err2 := strconv.Atoi(n)
		if !ok || err1 != nil || err2 != nil || b < 1 || a < 1 || a > b {
			return badInput(fmt.Errorf("--shard %q: want I/N with 1 <= I <= N, e.g. 2/3", *shard))
		}
		shardI, shardN = a-1, b
	}

	opts := []func(*loadgen.Driver){loadgen.WithPlan(plan), loadgen.WithShard(shardI, shardN),
		loadgen.AllowRemote(*allowRemote), loadgen.WithLog(stderr)}
	opts = append(opts, startOpt...)
	if host, err := os.Hostname(); err == nil {
		if shardN > 1 {
			host = fmt.Sprintf("%s#%d/%d", host, shardI+1, shardN)
		}
		opts = append(opts, loadgen.WithHost(host))
	}
	if isTerminal(stderr) {
		opts = append(opts, loadgen.WithLiveView(stderr, terminalWidth(stderr)))
	}
	if *metricsAddr != "" {
		m := loadgen.NewMetrics()
		stopMetrics, err := serveMetrics(ctx, *metricsAddr, m, stderr)
		if err != nil {
			return badInput(err)
		}
		defer stopMetrics()
		opts = append(opts, loadgen.WithMetrics(m))
	}
	if plan.Target == loadgen.TargetBuiltin {
		url, fix, stop, err := startBuiltin(ctx, plan, *store, stderr, tf)
		if err != nil {
			return badInput(err)
		}
		defer stop()
		opts = append(opts, loadgen.WithTarget(url), loadgen.WithFixture(fix))
	} else if *store != "" {
		return badInput(errors.New("--store applies to the builtin target only"))
	}
	var resultsFile *os.File
	if *out != "" {
		if resultsFile, err = os.Create(filepath.Join(*out, results.LoadRawFile)); err != nil {
			return badInput(err)
		}
		defer resultsFile.Close()
		opts = append(opts, loadgen.WithOutput(resultsFile))
	}

	d, err := loadgen.New(opts...)
	if err != nil {
		return badInput(err)
	}
	sum, err := d.Run(ctx)
	if err != nil && (sum == nil || !errors.Is(err, loadgen.ErrInterrupted) && !errors.Is(err, loadgen.ErrAborted)) {
		if ctx.Err() != nil {
			return fmt.Errorf("%w before the run began: %w", errInterrupted, err)
		}
		return badInput(err)
	}
	if resultsFile != nil {
		if cerr := resultsFile.Close(); cerr != nil {
			return badInput(cerr)
		}
	}
	// What ran is written even when a signal ended the run: the report
	// must not die with the context that stopped the driver.
	if ferr := finish(context.WithoutCancel(ctx), sum, *out, stdout, ropts); ferr != nil {
		return badInput(ferr)
	}
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%w: %w; the summary and report hold what ran", errInterrupted, err)
		}
		if sum.Aborted != nil {
			return failed(errors.New(sum.Aborted.String()))
		}
		return failed(fmt.Errorf("%w (max_duration %s)", err, platform.FormatDuration(plan.MaxDuration)))
	}
	if shardN > 1 {
		fmt.Fprintf(stderr, "giftsim load: thresholds are judged on the merged results: giftsim load --merge %s DIR...\n", plan.File)
	}
	return verdict(sum)
}

// verdict is the error of a judged summary: nil when every threshold
// passed, else a failed check (exit 1) that the printed verdicts explain.
func verdict(sum *loadgen.Summary) error {
	if sum.Passed() {
		return nil
	}
	return &exitError{code: exitThresholds}
}

// finish prints the summary and, with an output directory, writes
// summary.json beside the raw results and the report.
func finish(ctx context.Context, sum *loadgen.Summary, dir string, stdout io.Writer, opts []reports.Option) error {
	l := sum.Load()
	if err := reports.WriteLoadText(stdout, l, opts...); err != nil {
		return err
	}
	if dir == "" {
		return nil
	}
	if err := results.WriteLoadFile(dir, l); err != nil {
		return err
	}
	if err := reports.WriteLoad(ctx, dir, l, opts...); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", filepath.Join(dir, "report.html"))
	return nil
}

// flagPlan builds a one-phase plan from flags.
func flagPlan(name, rate string, requests int, mix string, thresholds []string) (*loadgen.Plan, error) {
	p := loadgen.DefaultPlan()
	p.Name = name
	ph := loadgen.DefaultPhase("main")
	r, err := loadgen.ParseRate(rate)
	if err != nil {
		return nil, fmt.Errorf("--rate: %w", err)
	}
	ph.Rate = loadgen.Profile{Kind: loadgen.ProfileConstant, Rate: r}
	ph.Requests = requests
	ph.Mix = nil
	for _, part := range strings.Split(mix, ",") {
		op, w, ok := strings.Cut(strings.TrimSpace(part), "=")
		o, err := loadgen.ParseOp(op)
		if err != nil {
			return nil, fmt.Errorf("--mix: %w", err)
		}
		weight := 1.0
		if ok {
			if weight, err = strconv.ParseFloat(w, 64); err != nil || !(weight > 0) {
				return nil, fmt.Errorf("--mix: weight of %s must be a number above 0, got %q", op, w)
			}
		}
		ph.Mix = append(ph.Mix, loadgen.MixEntry{Op: o, Weight: weight})
	}
	for _, t := range thresholds {
		th, err := loadgen.ParseThreshold(t)
		if err != nil {
			return nil, fmt.Errorf("--threshold %q: %w", t, err)
		}
		p.Thresholds = append(p.Thresholds, loadgen.Check{Threshold: th})
	}
	p.Phases = []loadgen.Phase{ph}
	return p, nil
}

// startBuiltin starts the mock platform in-process on a loopback port for a
// plan whose target is builtin: loadgen.BuiltinFixture's fixture, the plan's
// day length, and R17's client address from X-Forwarded-For.
// stop shuts it down.
func startBuiltin(ctx context.Context, plan *loadgen.Plan, storeDir string, stderr io.Writer, tf *loadTLSFlags) (url string, fix *fixture.Fixture, stop func(), err error) {
	if fix, err = loadgen.BuiltinFixture(plan); err != nil {
		return "", nil, nil, err
	}
	var st mock.Store
	if storeDir != "" {
		st, err = mock.OpenFileStore(ctx, storeDir, fix)
	} else {
		st, err = mock.NewMemoryStore(fix)
	}
	if err != nil {
		return "", nil, nil, err
	}
	tlsConf, cleanTLS, err := tf.builtinTLS(plan)
	if err != nil {
		st.Close(context.Background())
		return "", nil, nil, err
	}
	cfg := mock.DefaultConfig()
	cfg.Day, cfg.TrustProxy, cfg.Seed, cfg.Log, cfg.TLS = plan.Day, true, plan.Seed, stderr, tlsConf
	srv, err := mock.New(ctx, cfg, fix, st)
	if err != nil {
		st.Close(context.Background())
		cleanTLS()
		return "", nil, nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		st.Close(context.Background())
		cleanTLS()
		return "", nil, nil, err
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(sctx, ln, 5*time.Second)
	}()
	stop = func() {
		cancel()
		<-done
		st.Close(context.Background())
		cleanTLS()
	}
	scheme := "http://"
	if tlsConf != nil {
		scheme = "https://"
	}
	return scheme + ln.Addr().String(), fix, stop, nil
}

// terminalWidth returns the width of the terminal w is (80 when it
// cannot be read).
func terminalWidth(w io.Writer) int {
	if f, ok := w.(*os.File); ok {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
			return cols
		}
	}
	return 80
}

// serveMetrics serves the load driver's live metrics on addr (a bare :PORT
// listens on loopback) at /metrics until stop is called.
func serveMetrics(ctx context.Context, addr string, m *loadgen.Metrics, stderr io.Writer) (stop func(), err error) {
	if strings.HasPrefix(addr, ":") {
		addr = "127.0.0.1" + addr
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", m.Handler())
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = hs.Serve(ln)
	}()
	fmt.Fprintf(stderr, "giftsim load: metrics on http://%s/metrics while the run goes\n", ln.Addr())
	return func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
		<-done
	}, nil
}
