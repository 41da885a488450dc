package results

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// LoadStarts are when the shards of one run began, for a merged report:
// shards run on several hosts should begin together (load --start-at).
type LoadStarts struct {
	Shards []LoadShardStart `json:"shards"`
	// Spread is the time in seconds from the first shard's Started to the
	// last's.
	Spread float64 `json:"spread_s"`
	// Limit is the spread in seconds above which Warning warns: 1% of the
	// shortest shard's run, at most 1 s and at least 10 ms.
	Limit float64 `json:"limit_s"`
}

// LoadShardStart is when one shard began.
type LoadShardStart struct {
	Source string `json:"source"` // Source names the input (a directory or file).
	Host   string `json:"host,omitempty"`
	Shard  int    `json:"shard,omitempty"` // Shard is from 1 (0: not sharded).
	// StartAt is the common start the shard was given (zero: none) and
	// StartedAt when its wait ended.
	StartAt   time.Time `json:"start_at,omitzero"`
	StartedAt time.Time `json:"started_at,omitzero"`
	// Started is when its first phase began.
	Started time.Time `json:"started"`
	// Offset is seconds after the earliest shard's Started.
	Offset float64 `json:"offset_s"`
}

// Start limits of NewLoadStarts: the spread may reach 1% of the shortest
// run, within these bounds.
const (
	startLimitMax = time.Second
	startLimitMin = 10 * time.Millisecond
)

// NewLoadStarts returns the start times of loads, the summaries of the
// inputs sources of a merge (a nil load is an input without a summary),
// and their spread; nil when fewer than two summaries are known.
func NewLoadStarts(sources []string, loads []*Load) *LoadStarts {
	s := &LoadStarts{}
	shortest := -1.0
	for i, l := range loads {
		if l == nil || l.Started.IsZero() {
			continue
		}
		st := LoadShardStart{Source: sources[i], Shard: l.Shard, StartAt: l.StartAt, StartedAt: l.StartedAt, Started: l.Started}
		if len(l.Hosts) > 0 {
			st.Host = l.Hosts[0]
		}
		s.Shards = append(s.Shards, st)
		if shortest < 0 || l.Duration < shortest {
			shortest = l.Duration
		}
	}
	if len(s.Shards) < 2 {
		return nil
	}
	slices.SortStableFunc(s.Shards, func(a, b LoadShardStart) int {
		if a.Shard != b.Shard {
			return a.Shard - b.Shard
		}
		return a.Started.Compare(b.Started)
	})
	first := slices.MinFunc(s.Shards, func(a, b LoadShardStart) int { return a.Started.Compare(b.Started) }).Started
	for i := range s.Shards {
		s.Shards[i].Offset = s.Shards[i].Started.Sub(first).Seconds()
		s.Spread = max(s.Spread, s.Shards[i].Offset)
	}
	limit := time.Duration(shortest * 0.01 * float64(time.Second))
	s.Limit = min(startLimitMax, max(startLimitMin, limit)).Seconds()
	return s
}

// name is how a shard is named in sentences.
func (st LoadShardStart) name() string {
	if st.Shard > 0 {
		return fmt.Sprintf("shard %d", st.Shard)
	}
	return st.Source
}

// String says how far apart the shards began, each shard's offset, and
// how late each woke after the common start, e.g. "shards began within
// 3.2ms: shard 1 +0s, shard 2 +3.2ms; common start 17:30:00Z, woken
// 0.4ms and 1.1ms after it".
func (s *LoadStarts) String() string {
	var offs, late []string
	var at []time.Time
	for _, st := range s.Shards {
		offs = append(offs, fmt.Sprintf("%s +%s", st.name(), FormatSeconds(st.Offset)))
		if !st.StartAt.IsZero() {
			if !slices.ContainsFunc(at, st.StartAt.Equal) {
				at = append(at, st.StartAt)
			}
			late = append(late, FormatSeconds(st.StartedAt.Sub(st.StartAt).Seconds()))
		}
	}
	out := fmt.Sprintf("shards began within %s: %s", FormatSeconds(s.Spread), strings.Join(offs, ", "))
	switch {
	case len(at) == 1 && len(late) == len(s.Shards):
		out += fmt.Sprintf("; common start %s, woken %s after it", at[0].UTC().Format(time.RFC3339Nano), strings.Join(late, ", "))
	case len(at) == 0:
		out += "; no common start (--start-at) was given"
	}
	return out
}

// Warning is a sentence for the report's warnings when the shards began
// further apart than Limit or were given different common starts, else "".
func (s *LoadStarts) Warning() string {
	var at []time.Time
	none := 0
	for _, st := range s.Shards {
		if st.StartAt.IsZero() {
			none++
		} else if !slices.ContainsFunc(at, st.StartAt.Equal) {
			at = append(at, st.StartAt)
		}
	}
	var why []string
	if len(at) > 1 || len(at) == 1 && none > 0 {
		why = append(why, "the shards were not given one common start (--start-at)")
	}
	if s.Spread > s.Limit {
		why = append(why, fmt.Sprintf("the shards began %s apart, more than %s (1%% of the shortest shard's run, at most 1s): their combined rate was off the schedule at the start and the end", FormatSeconds(s.Spread), FormatSeconds(s.Limit)))
	}
	if len(why) == 0 {
		return ""
	}
	return strings.Join(why, "; ") + "; give every shard the same --start-at a little ahead"
}

// StartText says when a run given a common start began, e.g. "common
// start 2026-11-29T17:30:00Z, began 2.3ms after it; first phase at
// 17:30:07.5Z (after waiting for the platform day)", or "" without one.
func (l *Load) StartText() string {
	if l.StartAt.IsZero() {
		return ""
	}
	s := fmt.Sprintf("common start %s, began %s after it", l.StartAt.UTC().Format(time.RFC3339Nano), FormatSeconds(l.StartedAt.Sub(l.StartAt).Seconds()))
	if wait := l.Started.Sub(l.StartedAt); wait > 0 && !l.StartedAt.IsZero() {
		s += fmt.Sprintf("; first phase %s later (its wait for the platform day)", FormatSeconds(wait.Seconds()))
	}
	return s
}
