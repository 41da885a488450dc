package results

import (
	"strings"
	"testing"
	"time"
)

func TestNewLoadStarts(t *testing.T) {
	at := time.Date(2026, 11, 29, 17, 30, 0, 0, time.UTC)
	shard := func(i int, startAt time.Time, woke, began time.Duration, dur float64) *Load {
		l := &Load{Shard: i, Shards: 3, StartAt: startAt, Started: at.Add(began), Duration: dur, Hosts: []string{"h" + string(rune('0'+i))}}
		if !startAt.IsZero() {
			l.StartedAt = startAt.Add(woke)
		}
		return l
	}
	ms := time.Millisecond
	tests := []struct {
		name      string
		loads     []*Load
		spread    float64
		limit     float64
		text      string // a part of String
		warn      string // a part of Warning ("": none)
		wantNoSet bool
	}{
		{name: "together", loads: []*Load{shard(2, at, ms, 3*ms, 60), shard(1, at, 2*ms, 2*ms, 60), shard(3, at, ms, 4*ms, 60)},
			spread: 0.002, limit: 0.6, text: "shards began within 2ms: shard 1 +0s, shard 2 +1ms, shard 3 +2ms; common start 2026-11-29T17:30:00Z, woken 2ms, 1ms, 1ms after it"},
		{name: "apart", loads: []*Load{shard(1, at, ms, 0, 10), shard(2, at, ms, 250*ms, 10)},
			spread: 0.25, limit: 0.1, text: "shard 2 +250ms", warn: "began 250ms apart, more than 100ms"},
		{name: "long run capped at 1s", loads: []*Load{shard(1, at, ms, 0, 3600), shard(2, at, ms, 1500*ms, 3600)},
			spread: 1.5, limit: 1, warn: "more than 1s"},
		{name: "short run floored at 10ms", loads: []*Load{shard(1, at, ms, 0, 0.5), shard(2, at, ms, 8*ms, 0.5)},
			spread: 0.008, limit: 0.01},
		{name: "no common start", loads: []*Load{shard(1, time.Time{}, 0, 0, 60), shard(2, time.Time{}, 0, 30*ms, 60)},
			spread: 0.03, limit: 0.6, text: "no common start (--start-at) was given"},
		{name: "different starts", loads: []*Load{shard(1, at, ms, 0, 60), shard(2, at.Add(time.Second), ms, 0, 60)},
			limit: 0.6, warn: "not given one common start"},
		{name: "one summary", loads: []*Load{shard(1, at, ms, 0, 60), nil}, wantNoSet: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srcs := make([]string, len(tc.loads))
			for i := range srcs {
				srcs[i] = "dir" + string(rune('a'+i))
			}
			s := NewLoadStarts(srcs, tc.loads)
			if tc.wantNoSet {
				if s != nil {
					t.Fatalf("got %+v, want nil", s)
				}
				return
			}
			if s == nil {
				t.Fatal("nil")
			}
			if diff := s.Spread - tc.spread; diff > 1e-9 || diff < -1e-9 || s.Limit != tc.limit {
				t.Errorf("spread %v limit %v, want %v and %v", s.Spread, s.Limit, tc.spread, tc.limit)
			}
			if !strings.Contains(s.String(), tc.text) {
				t.Errorf("String() = %q, want %q in it", s.String(), tc.text)
			}
			if w := s.Warning(); tc.warn == "" && w != "" || tc.warn != "" && !strings.Contains(w, tc.warn) {
				t.Errorf("Warning() = %q, want %q", w, tc.warn)
			}
		})
	}
}
