package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"giftsim/internal/redistest"
)

// asGiftsimEnv makes the test binary act as the giftsim command (TestMain),
// so tests can run real `giftsim worker` processes and kill them.
const asGiftsimEnv = "GIFTSIM_TEST_AS_GIFTSIM"

func TestMain(m *testing.M) {
	if os.Getenv(asGiftsimEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := dispatch(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// workerProc is a `giftsim worker` child process.
type workerProc struct {
	cmd  *exec.Cmd
	done chan struct{}
	mu   sync.Mutex
	out  strings.Builder
}

// startWorkerProc starts `giftsim worker --redis url` as a child process,
// stopped with SIGKILL at the test's end if still running.
func startWorkerProc(t *testing.T, url string) *workerProc {
	t.Helper()
	w := &workerProc{done: make(chan struct{})}
	w.cmd = exec.Command(os.Args[0], "worker", "--redis", url, "--concurrency", "1")
	w.cmd.Env = append(os.Environ(), asGiftsimEnv+"=1")
	stdout, err := w.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	w.cmd.Stderr = w.cmd.Stdout
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			w.mu.Lock()
			w.out.WriteString(sc.Text() + "\n")
			w.mu.Unlock()
		}
		w.cmd.Wait()
		close(w.done)
	}()
	t.Cleanup(func() {
		w.cmd.Process.Kill()
		<-w.done
	})
	return w
}

func (w *workerProc) log() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.out.String()
}

// sweepArgs runs the bundled validity sweep cut down to a few seconds.
var sweepArgs = []string{"scenarios/examples/validity-sweep.yaml", "--quiet",
	"--set", "population.users=8000", "--set", "horizon=60d", "--replications", "2"}

// runCmd runs cmdRun with args and returns its error and stderr.
func runCmd(ctx context.Context, args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	err := cmdRun(ctx, args, &stdout, &stderr)
	return stderr.String(), err
}

// TestClusterRunSurvivesKilledWorker runs a sweep on three `giftsim
// worker` processes, SIGKILLs one while it holds a unit, and wants
// results.json byte-identical to the same seed run here.
func TestClusterRunSurvivesKilledWorker(t *testing.T) {
	if raceEnabled {
		t.Skip("two full runs with reports take minutes under -race; .ci/run runs this without it (the cluster package's tests cover failover under -race)")
	}
	srv := redistest.Start(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if msg, err := runCmd(ctx, append(sweepArgs, "--out", filepath.Join(dir, "local"))...); err != nil {
		t.Fatalf("local run: %v\n%s", err, msg)
	}
	var procs []*workerProc
	for range 3 {
		procs = append(procs, startWorkerProc(t, srv.URL))
	}
	victim := procs[0]
	// Kill the victim as soon as it holds a unit: its id has its pid.
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rdb.Close()
	killed := make(chan string, 1)
	go func() {
		mark := fmt.Sprintf("-%d-", victim.cmd.Process.Pid)
		for ctx.Err() == nil {
			keys, _ := rdb.Keys(ctx, "giftsim:cluster:run:*:running").Result()
			for _, k := range keys {
				fields, _ := rdb.HKeys(ctx, k).Result()
				for _, f := range fields {
					if strings.Contains(f, mark) {
						victim.cmd.Process.Signal(syscall.SIGKILL)
						killed <- f
						return
					}
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	// The killed worker's unit must come back through our 5 s lease:
	// asynq's own recovery takes 60 s at least, past this bound.
	cctx, ccancel := context.WithTimeout(ctx, 45*time.Second)
	defer ccancel()
	msg, err := runCmd(cctx, append(sweepArgs, "--cluster", srv.URL, "--cluster-wait", "20s", "--out", filepath.Join(dir, "cluster"))...)
	if err != nil {
		t.Fatalf("cluster run: %v\n%s", err, msg)
	}
	select {
	case f := <-killed:
		t.Logf("killed worker while it held unit %s", f)
	default:
		t.Fatal("the victim never held a unit; the test did not kill anything")
	}
	local, err := os.ReadFile(filepath.Join(dir, "local", "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	remote, err := os.ReadFile(filepath.Join(dir, "cluster", "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(local, remote) {
		t.Fatalf("results.json differs: local %d bytes, cluster %d bytes", len(local), len(remote))
	}
	for i, p := range procs[1:] {
		if !strings.Contains(p.log(), "done in") {
			t.Logf("worker %d ran no unit:\n%s", i+1, p.log())
		}
	}
}

func TestClusterRunWithoutWorkersExits2(t *testing.T) {
	srv := redistest.Start(t)
	var stdout, stderr bytes.Buffer
	code := dispatch(context.Background(), append([]string{"run"}, append(sweepArgs, "--cluster", srv.URL, "--cluster-wait", "1s")...), &stdout, &stderr)
	if code != exitBadInput {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitBadInput, stderr.String())
	}
	if !strings.Contains(stderr.String(), "no worker") || !strings.Contains(stderr.String(), "giftsim worker --redis") {
		t.Errorf("the error does not say plainly that no worker serves the queue:\n%s", stderr.String())
	}
}

func TestWorkerStopsOnSIGTERM(t *testing.T) {
	srv := redistest.Start(t)
	w := startWorkerProc(t, srv.URL)
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(w.log(), "Ctrl-C stops") {
		if time.Now().After(deadline) {
			t.Fatalf("worker did not start:\n%s", w.log())
		}
		time.Sleep(20 * time.Millisecond)
	}
	w.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-w.done:
	case <-time.After(20 * time.Second):
		t.Fatal("worker did not stop within 20s of SIGTERM")
	}
	if code := w.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit %d after SIGTERM, want 0:\n%s", code, w.log())
	}
}

func TestWorkerFlags(t *testing.T) {
	for _, args := range [][]string{{}, {"--redis", "redis://127.0.0.1:1/0"}, {"--redis", "x", "extra"}, {"--redis", "redis://127.0.0.1:1/0", "--concurrency", "-1"}} {
		err := cmdWorker(context.Background(), args, io.Discard, io.Discard)
		if code := exitCode(err); code != exitBadInput {
			t.Errorf("worker %q: exit %d, want %d (%v)", args, code, exitBadInput, err)
		}
	}
}
