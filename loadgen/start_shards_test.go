package loadgen_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"giftsim/loadgen"
	"giftsim/reports"
	"giftsim/results"
)

// TestShardsCommonStart runs two shards of a plan aligned with the
// platform day, given one common start 2.5 s ahead in the middle of a 4 s
// platform day: both wait for it, then both wait for the same next day,
// and the merged report shows both shards and how far apart they began.
func TestShardsCommonStart(t *testing.T) {
	p := loadPlan(t, "quota-new-merchant")
	p.Day = 4 * time.Second
	f := builtinFixture(t, p)
	t0 := time.Now()
	url := startMock(t, p, f) // its platform day starts now
	at := t0.Add(2500 * time.Millisecond)
	dirs := []string{t.TempDir(), t.TempDir()}
	drivers := make([]*loadgen.Driver, 2)
	for i, dir := range dirs {
		out, err := os.Create(filepath.Join(dir, results.LoadRawFile))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { out.Close() })
		var log bytes.Buffer
		drivers[i], err = loadgen.New(loadgen.WithPlan(p), loadgen.WithTarget(url), loadgen.WithFixture(f), loadgen.WithShard(i, 2),
			loadgen.WithOutput(out), loadgen.WithStartAt(at), loadgen.WithHost(fmt.Sprintf("host%d", i+1)), loadgen.WithLog(&log))
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // run tags come from the millisecond: two hosts' differ
	}
	sums := make([]*loadgen.Summary, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, d := range drivers {
		wg.Go(func() { sums[i], errs[i] = d.Run(context.Background()) })
	}
	wg.Wait()
	nextDay := t0.Add(p.Day)
	for i, err := range errs {
		if err != nil {
			t.Fatalf("shard %d: %v", i+1, err)
		}
		s := sums[i]
		if !s.StartAt.Equal(at) || s.StartedAt.Before(at) {
			t.Errorf("shard %d: start_at %s, started_at %s; want %s and not before it", i+1, s.StartAt, s.StartedAt, at)
		}
		// Both decided as of the common start, mid-day: both waited for
		// the next platform day instead of starting at once.
		if s.Started.Before(nextDay.Add(-p.Day / 100)) {
			t.Errorf("shard %d began its phase at %s, before the next platform day at %s", i+1, s.Started, nextDay)
		}
		l := s.Load()
		if !l.StartAt.Equal(at) || !l.StartedAt.Equal(s.StartedAt) {
			t.Errorf("shard %d summary: start_at %s started_at %s", i+1, l.StartAt, l.StartedAt)
		}
		if err := results.WriteLoadFile(dirs[i], l); err != nil {
			t.Fatal(err)
		}
	}
	merged, err := loadgen.ReadResults(context.Background(), dirs...)
	if err != nil {
		t.Fatal(err)
	}
	if err := results.CheckRelated(merged.Sources()...); err != nil {
		t.Fatalf("the shards are not one run: %v", err)
	}
	merged.Judge(p)
	expect(t, merged, "", map[string]float64{"sends.total": 600, "sends.accepted": 500, "codes.FREQUENCY_LIMITED": 100})
	expectPassed(t, merged, false)

	l := merged.Load()
	st := l.Starts
	if st == nil || len(st.Shards) != 2 {
		t.Fatalf("merged starts = %+v, want both shards", st)
	}
	for i, sh := range st.Shards {
		if sh.Shard != i+1 || sh.Host != fmt.Sprintf("host%d#", i+1)[:5] || !sh.StartAt.Equal(at) || !sh.Started.Equal(sums[i].Started) {
			t.Errorf("start of shard %d: %+v", i+1, sh)
		}
	}
	spread := sums[0].Started.Sub(sums[1].Started).Abs().Seconds()
	if math.Abs(st.Spread-spread) > 1e-6 {
		t.Errorf("spread %v, want %v", st.Spread, spread)
	}
	// Had one shard decided otherwise it would have begun a platform day
	// (4 s) away from the other.
	if spread > 1 {
		t.Errorf("shards began %.3fs apart", spread)
	}
	var text bytes.Buffer
	if err := reports.WriteLoadText(&text, l); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"starts  shards began within ", "shard 1 +", "shard 2 +", "common start " + at.UTC().Format(time.RFC3339Nano)} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("merged report lacks %q:\n%s", want, text.String())
		}
	}
	if t.Failed() || testing.Verbose() {
		t.Log("\n" + text.String())
	}
}

// TestStartAtInjectedClock waits for a common start an hour ahead on a
// clock that moves when slept on: the run starts once the clock reaches
// it, and its max_duration counts from then.
func TestStartAtInjectedClock(t *testing.T) {
	p := parsePlan(t, "short.yaml", `
name: short
day: 10s
max_duration: 10s
merchant: {tier: filed}
phases: [{requests: 20, rate: 200/s}]
`)
	var mu sync.Mutex
	var offset time.Duration
	var slept []time.Duration
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return time.Now().Add(offset) }
	sleep := func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		offset += d
		slept = append(slept, d)
		return ctx.Err()
	}
	at := now().Add(time.Hour)
	var log, view bytes.Buffer
	sum := runPlan(t, p, loadgen.WithNow(now), loadgen.WithSleep(sleep), loadgen.WithStartAt(at), loadgen.WithLog(&log), loadgen.WithLiveView(&view, 80))
	if n, _ := sum.Metric("", "requests"); n != 20 {
		t.Errorf("sent %v, want 20", n)
	}
	if sum.StartedAt.Before(at) || sum.Started.Before(at) {
		t.Errorf("started_at %s, first phase %s: before the common start %s", sum.StartedAt, sum.Started, at)
	}
	if len(slept) < 3500 || len(slept) > 3601 { // the setup took some of the hour
		t.Errorf("slept %d times, want one a second for an hour", len(slept))
	}
	if !regexp.MustCompile(`waits (1h|59m\d+s|5\dm\d+s) for the common start`).MatchString(log.String()) {
		t.Errorf("log does not say the wait:\n%s", log.String())
	}
	// On a terminal a countdown line is redrawn in place.
	for _, want := range []string{"\r\x1b[2Kstarts in 59m5", "\r\x1b[2Kstarts in 2s, at " + at.UTC().Format(time.RFC3339Nano), "\r\x1b[2Kstarts in 1s, at "} {
		if !strings.Contains(view.String(), want) {
			t.Errorf("the terminal shows no %q", want)
		}
	}
}

// TestStartAtPassed refuses to run a shard whose setup ended well after
// the common start: it would run out of step with the others.
func TestStartAtPassed(t *testing.T) {
	p := parsePlan(t, "short.yaml", `
name: short
day: 10s
merchant: {tier: filed}
phases: [{requests: 20, rate: 200/s}]
`)
	f := builtinFixture(t, p)
	url := startMock(t, p, f)
	d, err := loadgen.New(loadgen.WithPlan(p), loadgen.WithTarget(url), loadgen.WithFixture(f), loadgen.WithStartAt(time.Now().Add(-loadgen.StartGrace-time.Second)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Run(context.Background()); !errors.Is(err, loadgen.ErrStartAt) || !strings.Contains(err.Error(), "give a later --start-at") {
		t.Errorf("Run with a passed start: %v, want ErrStartAt", err)
	}
}
