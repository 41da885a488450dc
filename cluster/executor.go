package cluster

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"giftsim/sim"
)

// ErrNoWorkers is returned when no worker took any unit for
// Options.NoWorkerTimeout.
var ErrNoWorkers = errors.New("no worker is serving the queue")

// ErrUnreachable wraps a failure to reach Redis at the given URL.
var ErrUnreachable = errors.New("cannot reach redis")

// UnitError is a unit that failed on a worker (the simulation returned an
// error there; it would fail the same way here).
type UnitError struct {
	Job    sim.Job
	Worker string
	Msg    string
}

// Error says which unit failed where and why.
func (e *UnitError) Error() string {
	return fmt.Sprintf("unit arm %d, replication %d failed on worker %s: %s", e.Job.Arm, e.Job.Rep, e.Worker, e.Msg)
}

// Options tunes an Executor.
type Options struct {
	// Progress, if not nil, receives a progress line (units done, workers
	// seen) that rewrites itself with \r.
	Progress io.Writer
	// NoWorkerTimeout is how long Execute waits with no live worker before
	// it gives up with ErrNoWorkers; 0 means 30 seconds.
	NoWorkerTimeout time.Duration
	// Poll is how often the dispatcher checks workers' liveness; 0 means
	// one second.
	Poll time.Duration
}

// Executor dispatches units to workers through asynq on Redis. It is a
// sim.Executor; one Executor may run several experiments in turn.
type Executor struct {
	rdb    *redis.Client
	client *asynq.Client
	insp   *asynq.Inspector
	opts   Options
}

// New connects to the Redis at url (redis://HOST:PORT/DB, or rediss://
// for TLS) and checks that it answers.
func New(ctx context.Context, url string, opts Options) (*Executor, error) {
	rdb, err := dial(ctx, url)
	if err != nil {
		return nil, err
	}
	if opts.NoWorkerTimeout <= 0 {
		opts.NoWorkerTimeout = 30 * time.Second
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	return &Executor{rdb: rdb, client: asynq.NewClientFromRedisClient(rdb),
		insp: asynq.NewInspectorFromRedisClient(rdb), opts: opts}, nil
}

// dial opens a client for url and pings it.
func dial(ctx context.Context, url string) (*redis.Client, error) {
	o, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: want redis://HOST:PORT/DB: %v", ErrUnreachable, Redact(url), err)
	}
	rdb := redis.NewClient(o)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("%w at %s: %v", ErrUnreachable, Redact(url), err)
	}
	return rdb, nil
}

// Redact returns url without its password, for messages.
func Redact(url string) string {
	o, err := redis.ParseURL(url)
	if err != nil {
		if i := strings.LastIndex(url, "@"); i >= 0 {
			return "redis://…@" + url[i+1:]
		}
		return url
	}
	return fmt.Sprintf("redis://%s/%d", o.Addr, o.DB)
}

// Close releases the connections.
func (e *Executor) Close() error {
	e.client.Close()
	e.insp.Close()
	return e.rdb.Close()
}

// Execute enqueues one task per job and calls done with each job's outcome
// as the first result for it arrives. A job whose worker's lease lapses
// while it ran is enqueued again. It returns ErrNoWorkers when no worker is
// alive for Options.NoWorkerTimeout, a *UnitError when a job failed on a
// worker, or ctx's error.
func (e *Executor) Execute(ctx context.Context, exp *sim.Experiment, jobs []sim.Job, done func(i int, o *sim.Outcome)) error {
	if len(jobs) == 0 {
		return nil
	}
	expBytes, err := encodeExperiment(exp)
	if err != nil {
		return err
	}
	d := &dispatch{e: e, run: newRunID(), jobs: jobs, digest: sha256.Sum256(expBytes), attempts: make([]int, len(jobs)), got: make([]bool, len(jobs))}
	defer d.cleanup()
	pipe := e.rdb.TxPipeline()
	pipe.Set(ctx, expKey(d.run), expBytes, liveTTL)
	pipe.Set(ctx, liveKey(d.run), "1", liveTTL)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	for i := range jobs {
		if err := d.enqueue(ctx, i); err != nil {
			return err
		}
	}
	return d.collect(ctx, done)
}

// liveTTL bounds how long a run's live key outlasts a dispatcher that died
// without cleaning up; workers skip units of runs that are not live.
const liveTTL = time.Minute

// unitTimeout is asynq's deadline for one unit on a worker.
const unitTimeout = 12 * time.Hour

// dispatch is one Execute call.
type dispatch struct {
	e        *Executor
	run      string
	jobs     []sim.Job
	digest   [sha256.Size]byte // digest is the SHA-256 of the experiment's encoding
	attempts []int             // attempts[i] is how often unit i was enqueued
	got      []bool            // got[i] is whether unit i's result arrived
}

// newRunID returns a random id for one dispatch.
func newRunID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// enqueue enqueues a new attempt of unit i.
func (d *dispatch) enqueue(ctx context.Context, i int) error {
	p, err := encode(payload{Version: wireVersion, Run: d.run, Index: i, Job: d.jobs[i], Digest: d.digest})
	if err != nil {
		return fmt.Errorf("cluster: encode unit: %w", err)
	}
	id := taskID(d.run, i, d.attempts[i])
	d.attempts[i]++
	_, err = d.e.client.EnqueueContext(ctx, asynq.NewTask(TaskType, p), asynq.Queue(Queue), asynq.TaskID(id),
		asynq.MaxRetry(3), asynq.Timeout(unitTimeout), asynq.Retention(0))
	if err != nil {
		return fmt.Errorf("cluster: enqueue unit %d: %w", i, err)
	}
	return nil
}

// collect takes results until every unit has one, re-enqueueing the units
// of workers whose lease lapsed.
func (d *dispatch) collect(ctx context.Context, done func(i int, o *sim.Outcome)) error {
	rdb := d.e.rdb
	n, left := len(d.jobs), len(d.jobs)
	lastAlive := time.Now()
	nextPoll := time.Now()
	workers := 0
	for left > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		if now := time.Now(); !now.Before(nextPoll) {
			nextPoll = now.Add(d.e.opts.Poll)
			alive, err := d.poll(ctx)
			if err != nil {
				return err
			}
			if workers = alive; alive > 0 {
				lastAlive = now
			} else if now.Sub(lastAlive) > d.e.opts.NoWorkerTimeout {
				return fmt.Errorf("%w: no worker was alive for %s (%d of %d units done); start one with: giftsim worker --redis URL",
					ErrNoWorkers, d.e.opts.NoWorkerTimeout, n-left, n)
			}
			d.progress(n-left, n, workers)
		}
		v, err := rdb.BLPop(ctx, d.e.opts.Poll, resultsKey(d.run)).Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("cluster: read results: %w", err)
		}
		var r result
		if err := decode([]byte(v[1]), &r); err != nil || r.Index < 0 || r.Index >= n {
			return fmt.Errorf("cluster: a worker sent a malformed result (%v)", err)
		}
		lastAlive = time.Now()
		if d.got[r.Index] {
			continue // a unit run twice: the first result stands
		}
		if r.Err != "" {
			return &UnitError{Job: d.jobs[r.Index], Worker: r.Worker, Msg: r.Err}
		}
		var o sim.Outcome
		if err := o.UnmarshalBinary(r.Outcome); err != nil {
			return fmt.Errorf("cluster: unit %d from worker %s: %w", r.Index, r.Worker, err)
		}
		d.got[r.Index] = true
		left--
		done(r.Index, &o)
		d.progress(n-left, n, workers)
	}
	if d.e.opts.Progress != nil {
		fmt.Fprintln(d.e.opts.Progress)
	}
	return nil
}

// poll keeps the run live, re-enqueues units held by workers whose lease
// lapsed and returns how many workers are alive.
func (d *dispatch) poll(ctx context.Context) (int, error) {
	rdb := d.e.rdb
	pipe := rdb.TxPipeline()
	pipe.Expire(ctx, liveKey(d.run), liveTTL)
	pipe.Expire(ctx, expKey(d.run), liveTTL)
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, fmt.Errorf("cluster: %w", err)
	}
	alive, err := aliveWorkers(ctx, rdb)
	if err != nil {
		return 0, err
	}
	held, err := rdb.HGetAll(ctx, runningKey(d.run)).Result()
	if err != nil {
		return 0, fmt.Errorf("cluster: %w", err)
	}
	for field := range held {
		i, worker, ok := parseRunning(field)
		if !ok || i < 0 || i >= len(d.jobs) || alive[worker] {
			continue
		}
		rdb.HDel(ctx, runningKey(d.run), field)
		if d.got[i] {
			continue
		}
		if err := d.enqueue(ctx, i); err != nil {
			return 0, err
		}
	}
	return len(alive), nil
}

// aliveWorkers returns the ids of the workers whose liveness key exists.
func aliveWorkers(ctx context.Context, rdb *redis.Client) (map[string]bool, error) {
	alive := map[string]bool{}
	iter := rdb.Scan(ctx, 0, workerKey("*"), 100).Iterator()
	for iter.Next(ctx) {
		alive[strings.TrimPrefix(iter.Val(), workerKey(""))] = true
	}
	if err := iter.Err(); err != nil {
		return nil, fmt.Errorf("cluster: list workers: %w", err)
	}
	return alive, nil
}

// runningField names unit i held by worker in a run's running hash.
func runningField(i int, worker string) string { return fmt.Sprintf("%d/%s", i, worker) }

// parseRunning reverses runningField.
func parseRunning(field string) (int, string, bool) {
	idx, worker, ok := strings.Cut(field, "/")
	if !ok {
		return 0, "", false
	}
	var i int
	if _, err := fmt.Sscanf(idx, "%d", &i); err != nil {
		return 0, "", false
	}
	return i, worker, true
}

// progress rewrites the progress line.
func (d *dispatch) progress(done, n, workers int) {
	if w := d.e.opts.Progress; w != nil {
		fmt.Fprintf(w, "\rcluster: %d/%d units done, %d workers alive", done, n, workers)
	}
}

// cleanup ends the run: workers skip its units still queued, and the
// tasks, results and marks are deleted. Tasks a worker is running cannot
// be deleted; they finish (or are skipped once recovered) on their own.
func (d *dispatch) cleanup() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rdb := d.e.rdb
	rdb.Del(ctx, liveKey(d.run), expKey(d.run), resultsKey(d.run), runningKey(d.run))
	for i, n := range d.attempts {
		first := 0
		if d.got[i] {
			first = 1 // its first task completed (and asynq dropped it) or is held by a dead worker
		}
		for a := first; a < n; a++ {
			d.e.insp.DeleteTask(Queue, taskID(d.run, i, a))
		}
	}
}
