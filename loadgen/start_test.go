package loadgen

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseStartAt(t *testing.T) {
	now := time.Date(2026, 11, 29, 17, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		err  string // a part of the error ("": none)
	}{
		{in: "+30s", want: now.Add(30 * time.Second)},
		{in: "+2m", want: now.Add(2 * time.Minute)},
		{in: " +0s ", want: now},
		{in: "+24h", want: now.Add(24 * time.Hour)},
		{in: "2026-11-29T17:30:00Z", want: now.Add(30 * time.Minute)},
		{in: "2026-11-29T18:30:00+01:00", want: now.Add(30 * time.Minute)},
		{in: "2026-11-29T17:00:05.250Z", want: now.Add(5250 * time.Millisecond)},
		{in: "2026-11-29T16:59:59Z", want: now.Add(-time.Second)}, // within StartGrace
		{in: "2026-11-29T16:59:57Z", err: "in the past"},
		{in: "2026-11-29T10:00:00Z", err: "7h in the past"},
		{in: "2026-11-30T17:00:01Z", err: "more than 1d"},
		{in: "+24h1s", err: "more than 1d"},
		{in: "+-5s", err: "want +DURATION"},
		{in: "+5", err: "want +DURATION"},
		{in: "-5s", err: "RFC 3339"},
		{in: "", err: "RFC 3339"},
		{in: "17:30", err: "RFC 3339"},
		{in: "2026-11-29T17:30:00", err: "with its zone"},
		{in: "tomorrow", err: "RFC 3339"},
	}
	for _, tc := range tests {
		got, err := ParseStartAt(tc.in, now)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("ParseStartAt(%q): %v", tc.in, err)
		case tc.err == "" && !got.Equal(tc.want):
			t.Errorf("ParseStartAt(%q) = %s, want %s", tc.in, got, tc.want)
		case tc.err != "" && (err == nil || !errors.Is(err, ErrStartAt) || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseStartAt(%q) = %s, %v; want ErrStartAt with %q", tc.in, got, err, tc.err)
		}
	}
}

func FuzzParseStartAt(f *testing.F) {
	for _, s := range []string{"+30s", "2026-11-29T17:30:00Z", "+24h", "2026-11-29T18:30:00.5+01:00", "+", "x"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 29, 17, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		at, err := ParseStartAt(s, now)
		if err != nil {
			if !errors.Is(err, ErrStartAt) {
				t.Fatalf("%q: error %v is not ErrStartAt", s, err)
			}
			return
		}
		if d := at.Sub(now); d < -StartGrace || d > MaxStartAhead {
			t.Fatalf("%q: accepted %s, %s from now", s, at, d)
		}
	})
}

// fakeClock is a wall clock that moves only when slept on.
type fakeClock struct {
	t      time.Time
	sleeps []time.Duration
}

func (c *fakeClock) now() time.Time { return c.t }

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.sleeps = append(c.sleeps, d)
	c.t = c.t.Add(d)
	return nil
}

func TestWaitUntil(t *testing.T) {
	t0 := time.Date(2026, 11, 29, 17, 0, 0, 0, time.UTC)
	c := &fakeClock{t: t0}
	var ticks []time.Duration
	at := t0.Add(2500 * time.Millisecond)
	if err := waitUntil(context.Background(), at, c.now, c.sleep, func(left time.Duration) { ticks = append(ticks, left) }); err != nil {
		t.Fatal(err)
	}
	if !c.t.Equal(at) {
		t.Errorf("woke at %s, want %s", c.t, at)
	}
	// It wakes on whole seconds before the start, so the countdown
	// shows 2.5s, then 2s, then 1s left.
	if want := []time.Duration{2500 * time.Millisecond, 2 * time.Second, time.Second}; !slices.Equal(ticks, want) {
		t.Errorf("ticks %v, want %v", ticks, want)
	}
	if want := []time.Duration{500 * time.Millisecond, time.Second, time.Second}; !slices.Equal(c.sleeps, want) {
		t.Errorf("sleeps %v, want %v", c.sleeps, want)
	}

	// A start already reached returns at once.
	c.sleeps = nil
	if err := waitUntil(context.Background(), t0, c.now, c.sleep, nil); err != nil || len(c.sleeps) != 0 {
		t.Errorf("past start: err %v, slept %v", err, c.sleeps)
	}
	// An ended context stops the wait.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := waitUntil(ctx, c.t.Add(time.Hour), c.now, c.sleep, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled wait: %v", err)
	}
}

func TestAlignRef(t *testing.T) {
	at := time.Date(2026, 11, 29, 17, 0, 0, 0, time.UTC)
	slack := 100 * time.Millisecond
	g := &startGate{at: at}
	if ref := g.alignRef(at.Add(30*time.Millisecond), slack); !ref.Equal(at) {
		t.Errorf("first aligned phase: ref %s, want the common start", ref)
	}
	now := at.Add(40 * time.Millisecond)
	if ref := g.alignRef(now, slack); !ref.Equal(now) {
		t.Errorf("second aligned phase: ref %s, want now", ref)
	}
	g = &startGate{at: at}
	if now := at.Add(time.Second); !g.alignRef(now, slack).Equal(now) {
		t.Error("a shard that began later than the slack decided as of the common start")
	}
	if now := at; !(&startGate{}).alignRef(now, slack).Equal(now) {
		t.Error("no common start: ref is not now")
	}
}

func ExampleParseStartAt() {
	now := time.Date(2026, 11, 29, 17, 0, 0, 0, time.UTC)
	for _, s := range []string{"+90s", "2026-11-29T18:30:00+01:00", "2026-11-29T16:00:00Z"} {
		at, err := ParseStartAt(s, now)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(at.UTC().Format(time.RFC3339))
	}
	// Output:
	// 2026-11-29T17:01:30Z
	// 2026-11-29T17:30:00Z
	// start time 2026-11-29T16:00:00Z is 1h in the past (now 2026-11-29T17:00:00Z): give a time ahead, e.g. +30s
}
