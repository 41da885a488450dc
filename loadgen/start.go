package loadgen

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"giftsim/platform"
	"giftsim/results"
)

// ErrStartAt is a common start time that cannot be used: unreadable, too
// far in the past or too far ahead. It is bad input in the command's terms.
var ErrStartAt = errors.New("start time")

// Bounds of a common start (--start-at).
const (
	// StartGrace is how far in the past a common start may lie and still
	// be used (the shard starts at once): hosts whose clocks or setups
	// differ a little still join the run.
	StartGrace = 2 * time.Second
	// MaxStartAhead is how far ahead a common start may lie.
	MaxStartAhead = 24 * time.Hour
)

// ParseStartAt reads a common start: an RFC 3339 time
// ("2026-11-29T17:30:00Z", "2026-11-29T18:30:00+01:00", fractions of a
// second allowed) or "+DURATION" after now ("+30s", "+2m"), and checks it
// with CheckStartAt.
func ParseStartAt(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	var at time.Time
	if rest, ok := strings.CutPrefix(s, "+"); ok {
		d, err := time.ParseDuration(rest)
		if err != nil || d < 0 {
			return time.Time{}, fmt.Errorf("%w %q: want +DURATION such as +30s or +2m, or an RFC 3339 time such as 2026-11-29T17:30:00Z", ErrStartAt, s)
		}
		at = now.Add(d).Round(0).Truncate(time.Millisecond)
	} else {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}, fmt.Errorf("%w %q: want an RFC 3339 time such as 2026-11-29T17:30:00Z (with its zone), or +DURATION such as +30s", ErrStartAt, s)
		}
		at = t
	}
	if err := CheckStartAt(at, now); err != nil {
		return time.Time{}, err
	}
	return at, nil
}

// CheckStartAt refuses a common start more than StartGrace before now or
// more than MaxStartAhead after it.
func CheckStartAt(at, now time.Time) error {
	switch d := at.Sub(now); {
	case d < -StartGrace:
		return fmt.Errorf("%w %s is %s in the past (now %s): give a time ahead, e.g. +30s", ErrStartAt,
			at.UTC().Format(time.RFC3339Nano), roundWait(-d), now.UTC().Format(time.RFC3339))
	case d > MaxStartAhead:
		return fmt.Errorf("%w %s is %s ahead, more than %s (now %s): check the date and the zone", ErrStartAt,
			at.UTC().Format(time.RFC3339Nano), roundWait(d), platform.FormatDuration(MaxStartAhead), now.UTC().Format(time.RFC3339))
	}
	return nil
}

// roundWait rounds a wait for messages: to the millisecond below a
// minute, else to the second.
func roundWait(d time.Duration) string {
	if d < time.Minute {
		return d.Round(time.Millisecond).String()
	}
	return platform.FormatDuration(d.Round(time.Second))
}

// WithStartAt makes the driver wait, once its setup is done (probe,
// connections, stocks), until wall time at before it starts its first
// phase, so shards on several hosts begin together. The run's max_duration
// counts from then. A first phase aligned with the platform day decides
// its wait as of at, so every shard makes the same decision.
func WithStartAt(at time.Time) func(*Driver) { return func(d *Driver) { d.start.at = at } }

// WithSleep sets how the driver sleeps while it waits for a common start
// (default: a timer); with WithNow it gives tests a fake clock.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) func(*Driver) {
	return func(d *Driver) { d.start.sleep = sleep }
}

// startGate is a driver's common start.
type startGate struct {
	at    time.Time // at is the common start (zero: none).
	began time.Time // began is when the wait ended.
	sleep func(ctx context.Context, d time.Duration) error
	used  bool // used says an aligned phase has taken at as its reference.
}

// ahead is how long from now the common start lies (0: none, or past).
func (g *startGate) ahead(now time.Time) time.Duration {
	if g.at.IsZero() {
		return 0
	}
	return max(0, g.at.Sub(now))
}

// alignRef is the moment an aligned phase reads the platform clock as of:
// the common start for the first aligned phase of a shard that began less
// than slack after it (so every shard decides alike, whatever its own
// wake-up delay), else now.
func (g *startGate) alignRef(now time.Time, slack time.Duration) time.Time {
	if g.at.IsZero() || g.used || now.Before(g.at) || now.Sub(g.at) > slack {
		return now
	}
	g.used = true
	return g.at
}

// sleepCtx sleeps for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// waitUntil sleeps until now() reaches at, calling tick with the time left
// before each sleep. It wakes on whole seconds before at, so a countdown
// shows whole seconds, and reads the clock afresh each time.
func waitUntil(ctx context.Context, at time.Time, now func() time.Time, sleep func(context.Context, time.Duration) error, tick func(left time.Duration)) error {
	for {
		left := at.Sub(now())
		if left <= 0 {
			return nil
		}
		if tick != nil {
			tick(left)
		}
		step := left % time.Second
		if step == 0 {
			step = time.Second
		}
		if err := sleep(ctx, step); err != nil {
			return err
		}
	}
}

// awaitStart waits for the common start, if there is one, with a
// countdown line on a terminal. A setup that ended more than StartGrace
// after the common start is ErrStartAt: the shard would run out of step.
func (d *Driver) awaitStart(ctx context.Context) error {
	g := &d.start
	if g.at.IsZero() {
		return nil
	}
	now := d.now()
	if late := now.Sub(g.at); late > StartGrace {
		return fmt.Errorf("%w %s passed %s before this shard's setup ended (probe, connections, stocks): give a later --start-at",
			ErrStartAt, g.at.UTC().Format(time.RFC3339Nano), late.Round(time.Millisecond))
	}
	shard := ""
	if d.shards > 1 {
		shard = fmt.Sprintf("shard %d/%d ", d.shard+1, d.shards)
	}
	at := g.at.UTC().Format(time.RFC3339Nano)
	d.logf("%swaits %s for the common start %s", shard, roundWait(max(0, g.at.Sub(now))), at)
	var tick func(time.Duration)
	if d.progress != nil && d.width > 0 {
		tick = func(left time.Duration) {
			line := fmt.Sprintf("%sstarts in %s, at %s", shard, platform.FormatDuration(left.Round(time.Second)), at)
			fmt.Fprintf(d.progress, "\r\x1b[2K%.*s", d.width-1, line)
		}
	}
	sleep := g.sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	err := waitUntil(ctx, g.at, d.now, sleep, tick)
	if tick != nil {
		fmt.Fprint(d.progress, "\r\x1b[2K")
	}
	if err != nil {
		return err
	}
	g.began = d.now()
	d.logf("%sstarted %s after the common start", shard, results.FormatSeconds(g.began.Sub(g.at).Seconds()))
	return nil
}
