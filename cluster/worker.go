package cluster

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"giftsim/sim"
)

// Lease is how long a worker's liveness key lives without renewal; the
// worker renews it every LeaseRenew. A dispatcher re-enqueues the units of
// a worker whose key has lapsed, so a worker killed mid-unit costs about
// Lease plus the dispatcher's poll before its units run elsewhere.
const (
	Lease      = 5 * time.Second
	LeaseRenew = time.Second
)

// resultTTL bounds how long a result list outlives its dispatcher.
const resultTTL = time.Hour

// WorkerOptions tunes a worker.
type WorkerOptions struct {
	// Concurrency is how many units run at once; 0 means all cores.
	Concurrency int
	// Log, if not nil, receives one line per unit and the worker's start
	// and stop.
	Log io.Writer
	// ID names the worker; "" means host-pid-random.
	ID string
}

// RunWorker serves units from the Redis at url until ctx ends, then waits
// for the units it runs to finish (up to 10 seconds; the rest run again
// elsewhere). Malformed units fail (archived by asynq) without stopping
// the worker.
func RunWorker(ctx context.Context, url string, opts WorkerOptions) error {
	rdb, err := dial(ctx, url)
	if err != nil {
		return err
	}
	defer rdb.Close()
	if opts.Concurrency <= 0 {
		opts.Concurrency = runtime.NumCPU()
	}
	if opts.ID == "" {
		host, _ := os.Hostname()
		opts.ID = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), newRunID()[:6])
	}
	w := &worker{rdb: rdb, id: opts.ID, log: opts.Log}
	if err := w.renew(ctx); err != nil {
		return err
	}
	defer rdb.Del(context.Background(), workerKey(w.id))
	hctx, stopBeat := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { w.heartbeat(hctx) })
	defer func() { stopBeat(); wg.Wait() }()
	srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency:       opts.Concurrency,
		Queues:            map[string]int{Queue: 1},
		TaskCheckInterval: 100 * time.Millisecond,
		RetryDelayFunc:    func(int, error, *asynq.Task) time.Duration { return time.Second },
		ShutdownTimeout:   10 * time.Second,
		Logger:            quietLogger{w},
		LogLevel:          asynq.WarnLevel,
	})
	if err := srv.Start(w); err != nil {
		return fmt.Errorf("cluster: start worker: %w", err)
	}
	w.printf("worker %s: serving %s on %s, %d at once; Ctrl-C stops\n", w.id, Queue, Redact(url), opts.Concurrency)
	<-ctx.Done()
	w.printf("worker %s: stopping, finishing the units it runs\n", w.id)
	srv.Shutdown()
	return nil
}

// worker runs units; it is an asynq.Handler.
type worker struct {
	rdb *redis.Client
	id  string
	log io.Writer
	mu  sync.Mutex // mu serialises log lines

	expMu sync.Mutex
	exps  map[[sha256.Size]byte]*sim.Experiment // exps caches decoded experiments by digest
}

// errBadExperiment marks a run's experiment that no worker can use: a unit
// of that run fails rather than runs again.
var errBadExperiment = errors.New("unusable experiment")

// maxExperiments bounds a worker's cache of decoded experiments.
const maxExperiments = 8

// experiment returns the experiment of p's run: from the cache, or read
// from Redis, checked against p.Digest and decoded. It returns redis.Nil
// when the run's experiment is gone (the run ended).
func (w *worker) experiment(ctx context.Context, p payload) (*sim.Experiment, error) {
	w.expMu.Lock()
	exp, ok := w.exps[p.Digest]
	w.expMu.Unlock()
	if ok {
		return exp, nil
	}
	b, err := w.rdb.Get(ctx, expKey(p.Run)).Bytes()
	if err != nil {
		return nil, err
	}
	if sha256.Sum256(b) != p.Digest {
		return nil, fmt.Errorf("%w: run %s: the stored experiment does not match the unit's digest", errBadExperiment, p.Run)
	}
	if exp, err = decodeExperiment(b); err != nil {
		return nil, fmt.Errorf("%w: %w", errBadExperiment, err)
	}
	w.expMu.Lock()
	if w.exps == nil || len(w.exps) >= maxExperiments {
		w.exps = map[[sha256.Size]byte]*sim.Experiment{}
	}
	w.exps[p.Digest] = exp
	w.expMu.Unlock()
	return exp, nil
}

// printf writes a log line.
func (w *worker) printf(format string, a ...any) {
	if w.log == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	fmt.Fprintf(w.log, format, a...)
}

// renew sets the worker's liveness key for another Lease.
func (w *worker) renew(ctx context.Context) error {
	if err := w.rdb.Set(ctx, workerKey(w.id), "1", Lease).Err(); err != nil {
		return fmt.Errorf("cluster: worker lease: %w", err)
	}
	return nil
}

// heartbeat renews the lease every LeaseRenew until ctx ends.
func (w *worker) heartbeat(ctx context.Context) {
	t := time.NewTicker(LeaseRenew)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := w.renew(ctx); err != nil && ctx.Err() == nil {
				w.printf("worker %s: %v\n", w.id, err)
			}
		}
	}
}

// ProcessTask runs one unit and pushes its result to the dispatcher.
func (w *worker) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var p payload
	if err := decode(t.Payload(), &p); err != nil {
		w.printf("worker %s: dropped a malformed unit: %v\n", w.id, err)
		return fmt.Errorf("malformed unit payload: %v: %w", err, asynq.SkipRetry)
	}
	if p.Version != wireVersion {
		err := fmt.Errorf("unit of wire version %d, this worker speaks %d: run the same giftsim build on dispatcher and workers", p.Version, wireVersion)
		w.push(ctx, result{Index: p.Index, Worker: w.id, Err: err.Error()}, p.Run, "")
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	// One round trip: is the run live, and mark the unit as this
	// worker's, so that the dispatcher enqueues it again if this worker's
	// lease lapses.
	field := runningField(p.Index, w.id)
	pipe := w.rdb.TxPipeline()
	live := pipe.Exists(ctx, liveKey(p.Run))
	pipe.HSet(ctx, runningKey(p.Run), field, time.Now().Unix())
	pipe.Expire(ctx, runningKey(p.Run), resultTTL)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	var exp *sim.Experiment
	var err error
	if live.Val() == 1 {
		exp, err = w.experiment(ctx, p)
	}
	if live.Val() == 0 || errors.Is(err, redis.Nil) {
		w.rdb.HDel(ctx, runningKey(p.Run), field)
		w.printf("worker %s: skipped unit %d of finished run %s\n", w.id, p.Index, p.Run)
		return asynq.RevokeTask
	}
	if err != nil && !errors.Is(err, errBadExperiment) {
		return fmt.Errorf("cluster: %w", err) // Redis trouble: the unit runs again
	}
	if err != nil {
		w.push(ctx, result{Index: p.Index, Worker: w.id, Err: err.Error()}, p.Run, field)
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	began := time.Now()
	o, err := sim.RunJob(ctx, exp, p.Job)
	if ctx.Err() != nil {
		return ctx.Err() // stopped or timed out: the unit runs again
	}
	r := result{Index: p.Index, Worker: w.id}
	if err == nil {
		r.Outcome, err = o.MarshalBinary()
	}
	if err != nil {
		r.Err = err.Error()
	}
	if perr := w.push(ctx, r, p.Run, field); perr != nil {
		return perr
	}
	arm := fmt.Sprint(p.Job.Arm)
	if p.Job.Arm >= 0 && p.Job.Arm < len(exp.Arms) {
		arm = exp.Arms[p.Job.Arm].Name
	}
	if err != nil {
		w.printf("worker %s: run %s unit %d (arm %s, replication %d) failed: %v\n", w.id, p.Run, p.Index, arm, p.Job.Rep, err)
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	w.printf("worker %s: run %s unit %d (arm %s, replication %d) done in %.2fs\n", w.id, p.Run, p.Index, arm, p.Job.Rep, time.Since(began).Seconds())
	return nil
}

// push appends r to run's result list and, if field is not "", unmarks
// the unit as this worker's.
func (w *worker) push(ctx context.Context, r result, run, field string) error {
	b, err := encode(r)
	if err != nil {
		return err
	}
	pipe := w.rdb.TxPipeline()
	pipe.RPush(ctx, resultsKey(run), b)
	pipe.Expire(ctx, resultsKey(run), resultTTL)
	if field != "" {
		pipe.HDel(ctx, runningKey(run), field)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("cluster: push result: %w", err)
	}
	return nil
}

// quietLogger passes asynq's warnings and errors to the worker's log.
type quietLogger struct{ w *worker }

func (l quietLogger) Debug(args ...any) {}
func (l quietLogger) Info(args ...any)  {}
func (l quietLogger) Warn(args ...any)  { l.w.printf("asynq: %s\n", fmt.Sprint(args...)) }
func (l quietLogger) Error(args ...any) { l.w.printf("asynq: %s\n", fmt.Sprint(args...)) }
func (l quietLogger) Fatal(args ...any) {
	l.w.printf("asynq: %s\n", fmt.Sprint(args...))
	os.Exit(1)
}
