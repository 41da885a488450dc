package cluster

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"fmt"
	"time"

	"giftsim/platform"
	"giftsim/sim"
)

// Names shared by dispatcher and workers.
const (
	// Queue is the asynq queue units go to.
	Queue = "giftsim"
	// TaskType is the asynq task type of a unit.
	TaskType = "giftsim:unit"
	// prefix starts every Redis key of ours.
	prefix = "giftsim:cluster:"
	// wireVersion changes whenever payload, result or sim's outcome
	// encoding changes; a worker refuses units of another version.
	wireVersion = 1
)

// payload is one unit's task payload. With the run's experiment (stored
// once per run under expKey, checked against Digest) it is everything a
// worker needs: nothing is read from the worker's disk except files the
// scenario names (a friend graph), which resolve against Experiment.File.
type payload struct {
	Version int
	Run     string // Run is the dispatch's id.
	Index   int    // Index is the unit's place in the dispatched batch.
	Job     sim.Job
	// Digest is the SHA-256 of the gob encoding of the resolved
	// *sim.Experiment stored under expKey(Run).
	Digest [sha256.Size]byte
}

// result is what a worker pushes back for one unit.
type result struct {
	Index   int
	Worker  string
	Outcome []byte // Outcome is sim.Outcome's binary encoding.
	Err     string // Err, when not "", is why the unit failed.
}

// Keys of one run.
func liveKey(run string) string    { return prefix + "run:" + run + ":live" }
func resultsKey(run string) string { return prefix + "run:" + run + ":results" }
func runningKey(run string) string { return prefix + "run:" + run + ":running" }
func expKey(run string) string     { return prefix + "run:" + run + ":experiment" }
func workerKey(id string) string   { return prefix + "worker:" + id }

// taskID names attempt n of unit i of run.
func taskID(run string, i, n int) string { return fmt.Sprintf("%s:%d:%d", run, i, n) }

// encodeExperiment gob-encodes exp.
func encodeExperiment(exp *sim.Experiment) ([]byte, error) {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(exp); err != nil {
		return nil, fmt.Errorf("cluster: encode experiment: %w", err)
	}
	return b.Bytes(), nil
}

// decodeExperiment reverses encodeExperiment. gob keeps a time's offset
// but not its zone's name, so starts at +08:00 get Beijing time ("CST")
// back, as the scenario reader gives them.
func decodeExperiment(data []byte) (*sim.Experiment, error) {
	var exp sim.Experiment
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&exp); err != nil {
		return nil, fmt.Errorf("decode experiment: %w", err)
	}
	for i := range exp.Arms {
		exp.Arms[i].Config.Start = inZone(exp.Arms[i].Config.Start)
	}
	return &exp, nil
}

// inZone puts t in the fixed zone the scenario reader uses for its offset.
func inZone(t time.Time) time.Time {
	_, off := t.Zone()
	if off == 8*3600 {
		return t.In(platform.Beijing)
	}
	return t.In(time.FixedZone("", off))
}

// encode gob-encodes v.
func encode(v any) ([]byte, error) {
	var b bytes.Buffer
	err := gob.NewEncoder(&b).Encode(v)
	return b.Bytes(), err
}

// decode gob-decodes data into v.
func decode(data []byte, v any) error { return gob.NewDecoder(bytes.NewReader(data)).Decode(v) }
