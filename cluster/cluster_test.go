package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"giftsim/internal/redistest"
	"giftsim/reports"
	"giftsim/scenarios"
	"giftsim/sim"
)

// smallSweep is the bundled validity sweep cut down to seconds: 7 arms ×
// 3 replications = 21 units.
func smallSweep(t testing.TB) *sim.Experiment {
	t.Helper()
	sc, err := scenarios.ParseExample("validity-sweep")
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.Set([]string{"population.users=2000", "replications=3", "horizon=60d"}); err != nil {
		t.Fatal(err)
	}
	return sc.Experiment()
}

// resultsJSON runs exp with opts and returns results.json's bytes. A run
// that hangs (a unit never coming back) fails after two minutes.
func resultsJSON(t testing.TB, exp *sim.Experiment, opts sim.RunOptions) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := sim.RunExperiment(ctx, exp, opts)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := reports.WriteJSON(&b, res); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// startWorkers runs n in-process workers until the test ends.
func startWorkers(t *testing.T, url string, n int, log io.Writer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := RunWorker(ctx, url, WorkerOptions{Concurrency: 1, ID: fmt.Sprintf("test-%d", i), Log: log}); err != nil {
				t.Errorf("worker %d: %v", i, err)
			}
		})
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
}

// newExecutor connects an Executor to url, closed at the test's end.
func newExecutor(t testing.TB, url string, opts Options) *Executor {
	t.Helper()
	ex, err := New(context.Background(), url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ex.Close() })
	return ex
}

// syncWriter serialises writes to a buffer shared by goroutines.
type syncWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

func TestExperimentRoundTripsExactly(t *testing.T) {
	for _, name := range []string{"validity-sweep", "levers", "channel-mix", "scale-1m"} {
		exp, err := scenarios.LoadExample(name)
		if err != nil {
			t.Fatal(err)
		}
		b, err := encodeExperiment(exp)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeExperiment(b)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(exp, got) {
			t.Errorf("%s: the experiment differs after encoding", name)
		}
	}
}

func TestClusterMatchesLocalRun(t *testing.T) {
	srv := redistest.Start(t)
	exp := smallSweep(t)
	local := resultsJSON(t, exp, sim.RunOptions{})
	log := &syncWriter{}
	startWorkers(t, srv.URL, 3, log)
	ex := newExecutor(t, srv.URL, Options{NoWorkerTimeout: 20 * time.Second})
	var st sim.RunStats
	remote := resultsJSON(t, exp, sim.RunOptions{Exec: ex, Stats: &st})
	if !bytes.Equal(local, remote) {
		t.Fatalf("results.json differs between the local and the cluster run (%d vs %d bytes)", len(local), len(remote))
	}
	if st.Runs != len(exp.Arms)*exp.Replications {
		t.Errorf("stats count %d runs, want %d", st.Runs, len(exp.Arms)*exp.Replications)
	}
	for i := range 3 {
		if !bytes.Contains([]byte(log.String()), fmt.Appendf(nil, "worker test-%d: run", i)) {
			t.Logf("worker test-%d ran no unit (the others were faster)", i)
		}
	}
}

func TestNoWorkersIsAClearError(t *testing.T) {
	srv := redistest.Start(t)
	ex := newExecutor(t, srv.URL, Options{NoWorkerTimeout: 500 * time.Millisecond, Poll: 100 * time.Millisecond})
	_, err := sim.RunExperiment(context.Background(), smallSweep(t), sim.RunOptions{Exec: ex})
	if !errors.Is(err, ErrNoWorkers) {
		t.Fatalf("err = %v, want ErrNoWorkers", err)
	}
	// The run's tasks are gone from the queue.
	insp := asynq.NewInspector(asynq.RedisClientOpt{Addr: srv.Addr})
	defer insp.Close()
	if q, err := insp.GetQueueInfo(Queue); err == nil && q.Pending != 0 {
		t.Errorf("%d tasks left pending after the run gave up", q.Pending)
	}
}

func TestUnreachableRedis(t *testing.T) {
	_, err := New(context.Background(), "redis://127.0.0.1:1/0", Options{})
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("err = %v, want ErrUnreachable", err)
	}
	if _, err := New(context.Background(), "http://x", Options{}); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("bad URL: err = %v, want ErrUnreachable", err)
	}
}

func TestMalformedPayloadFailsTheTaskNotTheWorker(t *testing.T) {
	srv := redistest.Start(t)
	log := &syncWriter{}
	startWorkers(t, srv.URL, 1, log)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rdb.Close()
	client := asynq.NewClientFromRedisClient(rdb)
	insp := asynq.NewInspectorFromRedisClient(rdb)
	for _, p := range [][]byte{[]byte("not gob"), nil} {
		info, err := client.Enqueue(asynq.NewTask(TaskType, p), asynq.Queue(Queue), asynq.MaxRetry(3))
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(15 * time.Second)
		for {
			ti, err := insp.GetTaskInfo(Queue, info.ID)
			if err == nil && ti.State == asynq.TaskStateArchived {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("malformed task %q not archived within 15s (%v, %v)", p, ti, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	// The same worker still runs real units.
	ex := newExecutor(t, srv.URL, Options{NoWorkerTimeout: 10 * time.Second})
	exp := smallSweep(t)
	exp.Arms = exp.Arms[:1]
	exp.Replications = 1
	if _, err := sim.RunExperiment(context.Background(), exp, sim.RunOptions{Exec: ex}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains([]byte(log.String()), []byte("dropped a malformed unit")) {
		t.Errorf("the worker's log does not say it dropped the malformed unit:\n%s", log.String())
	}
}

func TestFailingUnitFailsTheRun(t *testing.T) {
	srv := redistest.Start(t)
	startWorkers(t, srv.URL, 1, nil)
	ex := newExecutor(t, srv.URL, Options{NoWorkerTimeout: 10 * time.Second})
	exp := smallSweep(t)
	var got *UnitError
	err := ex.Execute(context.Background(), exp, []sim.Job{{Arm: len(exp.Arms), Rep: 0}}, func(int, *sim.Outcome) {})
	if !errors.As(err, &got) {
		t.Fatalf("err = %v, want a *UnitError", err)
	}
}

func TestDeadWorkersUnitRunsAgain(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rdb.Close()
	ex := newExecutor(t, srv.URL, Options{NoWorkerTimeout: 20 * time.Second, Poll: 100 * time.Millisecond})
	exp := smallSweep(t)
	exp.Arms = exp.Arms[:1]
	exp.Replications = 1
	want := resultsJSON(t, exp, sim.RunOptions{})
	// A "worker" takes the unit, marks it as its own and dies: its lease
	// key never exists. A real worker started afterwards must get the unit
	// again.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	taken := make(chan struct{})
	dead := asynq.NewServerFromRedisClient(rdb, asynq.Config{Concurrency: 1, Queues: map[string]int{Queue: 1},
		TaskCheckInterval: 50 * time.Millisecond, LogLevel: asynq.FatalLevel})
	var once sync.Once
	if err := dead.Start(asynq.HandlerFunc(func(hctx context.Context, task *asynq.Task) error {
		var p payload
		if err := decode(task.Payload(), &p); err != nil {
			return err
		}
		rdb.HSet(hctx, runningKey(p.Run), runningField(p.Index, "dead-worker"), 1)
		once.Do(func() { close(taken) })
		<-ctx.Done() // hangs like a killed process
		return ctx.Err()
	})); err != nil {
		t.Fatal(err)
	}
	defer dead.Shutdown()
	go func() {
		<-taken
		startWorkers(t, srv.URL, 1, nil)
	}()
	got := resultsJSON(t, exp, sim.RunOptions{Exec: ex})
	if !bytes.Equal(want, got) {
		t.Fatal("results differ after the unit ran again")
	}
	cancel()
}
