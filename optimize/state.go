package optimize

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"giftsim/sim"
)

// ErrState marks a state file that cannot be used: unreadable, unwritable,
// not a state file, or one recorded for another simulation.
var ErrState = errors.New("unusable state file")

// stateSchema names the state file's format.
const stateSchema = "giftsim/optimize-state/v1"

// stateFile is what a state file holds: every observation so far, keyed by
// the candidate's settings and the replication, for the simulation the
// fingerprint names. Observations do not depend on the levers' ranges,
// the objective or the budget, so a rerun may change those and still
// reuse them.
type stateFile struct {
	Schema      string                          `json:"schema"`
	Fingerprint string                          `json:"fingerprint"`
	KPIs        []string                        `json:"kpis"`
	Obs         map[string]map[string][]float64 `json:"observations"`
}

// stateStore reads and writes a state file.
type stateStore struct {
	path string
	f    stateFile
	idx  []int // idx maps the engine's KPIs to the file's.
}

// fingerprint names the simulation every observation comes from: the
// base arm's config, the seed, the replications (which fix the ensemble
// member of each replication) and the ensemble.
func fingerprint(b *sim.Experiment) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d|%d|%+v|%+v", b.Seed, b.Replications, b.Arms[0].Config, b.Ensemble)
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// openState reads the state file at path, or starts one when there is
// none. A file for another simulation is refused.
func openState(path, fp string, need []string) (*stateStore, error) {
	s := &stateStore{path: path, f: stateFile{Schema: stateSchema, Fingerprint: fp, KPIs: need, Obs: map[string]map[string][]float64{}}}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		// A new state is written at once, so an unwritable path fails
		// before any simulation.
		s.idx = identity(len(need))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrState, path, err)
		}
		return s, s.save()
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrState, path, err)
	}
	var f stateFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%w: %s is not a giftsim optimize state file: %w", ErrState, path, err)
	}
	switch {
	case f.Schema != stateSchema:
		return nil, fmt.Errorf("%w: %s: schema %q, want %q", ErrState, path, f.Schema, stateSchema)
	case f.Fingerprint != fp:
		return nil, fmt.Errorf("%w: %s records another simulation (scenario, seed, users or replications differ); use a new state file", ErrState, path)
	}
	s.idx = make([]int, len(need))
	for i, id := range need {
		s.idx[i] = slices.Index(f.KPIs, id)
	}
	if slices.Contains(s.idx, -1) {
		// The file lacks a KPI this run needs: start afresh with this
		// run's KPIs; its observations cannot serve.
		s.idx = identity(len(need))
		return s, nil
	}
	if f.Obs == nil {
		f.Obs = map[string]map[string][]float64{}
	}
	for _, reps := range f.Obs {
		for _, v := range reps {
			if len(v) != len(f.KPIs) {
				return nil, fmt.Errorf("%w: %s: an observation has %d values, want %d", ErrState, path, len(v), len(f.KPIs))
			}
		}
	}
	s.f = f
	return s, nil
}

func identity(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// get returns the stored KPIs of candidate key in replication rep.
func (s *stateStore) get(key string, rep int) ([]float64, bool) {
	v, ok := s.f.Obs[key][strconv.Itoa(rep)]
	if !ok {
		return nil, false
	}
	out := make([]float64, len(s.idx))
	for i, j := range s.idx {
		out[i] = v[j]
	}
	return out, true
}

// put records the KPIs of candidate key in replication rep.
func (s *stateStore) put(key string, rep int, v []float64) {
	row := make([]float64, len(s.f.KPIs))
	for i, j := range s.idx {
		row[j] = v[i]
	}
	if s.f.Obs[key] == nil {
		s.f.Obs[key] = map[string][]float64{}
	}
	s.f.Obs[key][strconv.Itoa(rep)] = row
}

// save writes the state atomically: a temporary file renamed over it.
func (s *stateStore) save() error {
	data, err := json.Marshal(&s.f)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrState, s.path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.path), ".optimize-state-*")
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrState, s.path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("%w: %s: %w", ErrState, s.path, err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("%w: %s: %w", ErrState, s.path, err)
	}
	if err := os.Rename(tmp.Name(), s.path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("%w: %s: %w", ErrState, s.path, err)
	}
	return nil
}
