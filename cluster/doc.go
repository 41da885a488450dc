// Package cluster runs a simulation's (arm, replication) units on worker
// processes through a task queue, github.com/hibiken/asynq on Redis.
//
// Executor is a sim.Executor: it stores the run's whole resolved experiment
// (scenario, profile and ensemble, --set overrides, seed) once in Redis and
// enqueues one task per unit, whose payload names the run, the experiment's
// SHA-256 and the unit's arm and replication, then collects
// each unit's outcome from a Redis list and hands it to the simulator's
// aggregation. Outcomes travel as sim.Outcome's gob encoding, so every
// float64 arrives bit for bit and results.json is byte-identical to a run
// on one machine with the same seed.
//
// Worker (RunWorker) serves units until its context ends. Each worker keeps
// a liveness key in Redis with a short lease (Lease) and marks the units it
// runs; when a worker's key lapses while it held a unit, the dispatcher
// enqueues that unit again, so a worker killed mid-unit loses nothing. Units
// are deterministic, so a unit that runs twice gives the same bytes; the
// dispatcher keeps the first result. asynq's own recovery of abandoned
// tasks (about a minute after its 30-second lease) stays as a second line.
//
// Keys live under "giftsim:cluster:"; tasks go to the asynq queue Queue.
// docs/CLUSTER.md describes the procedure and guarantees.
package cluster
