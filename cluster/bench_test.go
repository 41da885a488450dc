package cluster

import (
	"context"
	"testing"
	"time"

	"giftsim/internal/redistest"
	"giftsim/scenarios"
	"giftsim/sim"
)

// benchExperiment is a bundled example, cut down by sets.
func benchExperiment(b *testing.B, sets ...string) *sim.Experiment {
	b.Helper()
	sc, err := scenarios.ParseExample("validity-sweep")
	if err != nil {
		b.Fatal(err)
	}
	if err := sc.Set(sets); err != nil {
		b.Fatal(err)
	}
	return sc.Experiment()
}

// oneWorker starts a redis-server and one in-process worker that runs one
// unit at a time, and returns an Executor on them; all stop at b's end.
func oneWorker(b *testing.B) (context.Context, *Executor) {
	srv := redistest.Start(b)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		RunWorker(ctx, srv.URL, WorkerOptions{Concurrency: 1, ID: "bench"})
	}()
	b.Cleanup(func() { cancel(); <-done })
	return ctx, newExecutor(b, srv.URL, Options{NoWorkerTimeout: 10 * time.Second})
}

// BenchmarkUnit runs one unit (arm 0, replication 0) here and through the
// queue with one in-process worker; the difference is the queue's cost per
// unit. "tiny" is a unit of almost no work, so its queue figure is nearly
// all overhead; "sweep" is a unit of the bundled validity sweep.
func BenchmarkUnit(b *testing.B) {
	for _, c := range []struct {
		name string
		sets []string
	}{
		{"tiny", []string{"population.users=200", "horizon=7d"}},
		{"sweep", nil},
	} {
		exp := benchExperiment(b, c.sets...)
		job := []sim.Job{{Arm: 0, Rep: 0}}
		b.Run(c.name+"/local", func(b *testing.B) {
			for b.Loop() {
				if _, err := sim.RunJob(context.Background(), exp, job[0]); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/queue", func(b *testing.B) {
			ctx, ex := oneWorker(b)
			for b.Loop() {
				if err := ex.Execute(ctx, exp, job, func(int, *sim.Outcome) {}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSweep runs the whole bundled validity sweep here on one
// goroutine and through the queue on one in-process worker that runs one
// unit at a time; the queue's cost per unit is the difference over the
// sweep's 70 units.
func BenchmarkSweep(b *testing.B) {
	for _, c := range []struct {
		name string
		sets []string
	}{
		{"tiny", []string{"population.users=200", "horizon=7d"}},
		{"full", nil},
	} {
		exp := benchExperiment(b, c.sets...)
		b.Run(c.name+"/local", func(b *testing.B) {
			for b.Loop() {
				if _, err := sim.RunExperiment(context.Background(), exp, sim.RunOptions{Workers: 1}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/queue", func(b *testing.B) {
			ctx, ex := oneWorker(b)
			for b.Loop() {
				if _, err := sim.RunExperiment(ctx, exp, sim.RunOptions{Exec: ex}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkWorld builds the world of one replication of the validity
// sweep: the work a unit run alone repeats that a local run shares across
// the arms of a replication.
func BenchmarkWorld(b *testing.B) {
	exp := benchExperiment(b)
	for b.Loop() {
		if _, err := sim.NewWorld(context.Background(), exp.Arms[0].Config.Population, exp.Seed, 0, ""); err != nil {
			b.Fatal(err)
		}
	}
}
