package results

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// LoadRun identifies one input of a merge of load results: enough to tell
// whether several inputs are the hosts of one run. A zero field is unknown.
type LoadRun struct {
	Source string // Source names the input (a file or directory).
	Plan   string
	Seed   uint64
	RunTag string
	Shard  int // Shard is from 1; Shards 0 or 1: not sharded.
	Shards int
	// Started and End bound the input's results in wall-clock time.
	Started, End time.Time
}

// Run returns l's identity as an input named source.
func (l *Load) Run(source string) LoadRun {
	r := LoadRun{Source: source, Seed: l.Seed, RunTag: l.RunTag, Shard: l.Shard, Shards: l.Shards,
		Started: l.Started, End: l.Started.Add(time.Duration(l.Duration * float64(time.Second)))}
	if l.Knows(UnknownPlan) {
		r.Plan = l.Plan
	}
	return r
}

// sharded reports whether r is one shard of a sharded run.
func (r LoadRun) sharded() bool { return r.Shards > 1 }

// UnrelatedError says that two inputs of a merge are not one run, and why.
type UnrelatedError struct {
	A, B   LoadRun
	Reason string
}

func (e *UnrelatedError) Error() string {
	return fmt.Sprintf("%s and %s are not one run: %s", e.A.Source, e.B.Source, e.Reason)
}

// overlapSlack is how far apart in time the results of one run's hosts
// may lie (hosts start at about the same time).
const overlapSlack = time.Second

// CheckRelated returns an *UnrelatedError when runs are not the hosts
// (or shards) of one run, and nil when they may be. Runs belong together
// when their plans and seeds agree (where known), the same run tag or
// shard is not given twice, sharded and whole runs are not mixed, and
// their results overlap in time (runs one after another are separate
// runs, whose counts and quota use must not be added up).
func CheckRelated(runs ...LoadRun) error {
	for i, a := range runs {
		for _, b := range runs[i+1:] {
			if reason := unrelated(a, b); reason != "" {
				return &UnrelatedError{A: a, B: b, Reason: reason}
			}
		}
	}
	byStart := slices.Clone(runs)
	slices.SortStableFunc(byStart, func(a, b LoadRun) int { return a.Started.Compare(b.Started) })
	for i := 1; i < len(byStart); i++ {
		prev := slices.MaxFunc(byStart[:i], func(a, b LoadRun) int { return a.End.Compare(b.End) })
		if cur := byStart[i]; cur.Started.After(prev.End.Add(overlapSlack)) {
			return &UnrelatedError{A: prev, B: cur, Reason: fmt.Sprintf("they ran one after the other (%s ended %s, %s started %s)",
				prev.Source, prev.End.UTC().Format(time.RFC3339), cur.Source, cur.Started.UTC().Format(time.RFC3339))}
		}
	}
	return nil
}

// unrelated says why a and b cannot be one run, or "".
func unrelated(a, b LoadRun) string {
	switch {
	case a.Plan != "" && b.Plan != "" && a.Plan != b.Plan:
		return fmt.Sprintf("they ran different plans (%s, %s)", a.Plan, b.Plan)
	case a.Seed != 0 && b.Seed != 0 && a.Seed != b.Seed:
		return fmt.Sprintf("they ran with different seeds (%d, %d)", a.Seed, b.Seed)
	case a.RunTag != "" && a.RunTag == b.RunTag:
		return fmt.Sprintf("both hold run %s: the same results given twice", a.RunTag)
	case a.sharded() != b.sharded():
		s := cmp.Or(shardText(a), shardText(b))
		return fmt.Sprintf("one is %s, the other a whole run", s)
	case a.sharded() && a.Shards != b.Shards:
		return fmt.Sprintf("they split the plan into %d and %d shards", a.Shards, b.Shards)
	case a.sharded() && a.Shard == b.Shard:
		return fmt.Sprintf("both are %s", shardText(a))
	}
	return ""
}

// shardText names r's shard, "" when it is not sharded.
func shardText(r LoadRun) string {
	if !r.sharded() {
		return ""
	}
	return fmt.Sprintf("shard %d of %d", r.Shard, r.Shards)
}
