package loadgen

import (
	"fmt"
	"math"
	"testing"
	"time"
)

func TestScheduleDueAndHits(t *testing.T) {
	tests := []struct {
		name     string
		prof     Profile
		requests int
		n        uint64        // requests the schedule holds
		length   time.Duration // when the last is due
		rateAt   map[time.Duration]float64
	}{
		{"constant by count", Profile{Kind: ProfileConstant, Rate: 100}, 250, 250, 2500 * time.Millisecond,
			map[time.Duration]float64{time.Second: 100}},
		{"constant by duration", Profile{Kind: ProfileConstant, Rate: 50, Duration: 2 * time.Second}, 0, 100, 2 * time.Second, nil},
		{"ramp and hold", Profile{Kind: ProfileRamp, From: 0, To: 100, Over: 2 * time.Second, Hold: time.Second}, 0, 200, 3 * time.Second,
			map[time.Duration]float64{time.Second: 50, 2500 * time.Millisecond: 100}},
		{"steps", Profile{Kind: ProfileSteps, Rates: []float64{10, 20, 30}, Every: time.Second}, 0, 60, 3 * time.Second,
			map[time.Duration]float64{500 * time.Millisecond: 10, 2500 * time.Millisecond: 30}},
		{"daily flat", Profile{Kind: ProfileDaily, PerDay: 55000, Day: 10 * time.Second, Hourly: flat(24)}, 55000, 55000, 9800 * time.Millisecond,
			map[time.Duration]float64{5 * time.Second: 55000 / 9.8}},
		{"slots", Profile{Kind: ProfileSlots, PerDay: 100, Day: 48 * time.Second, Slots: []int{1, 3}, Burst: 15 * time.Minute}, 0, 100, 3500 * time.Millisecond,
			map[time.Duration]float64{1200 * time.Millisecond: 100, 2200 * time.Millisecond: 0, 3200 * time.Millisecond: 100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.prof.Schedule(tt.requests, 1)
			if err != nil {
				t.Fatal(err)
			}
			if s.Requests() != tt.n {
				t.Errorf("Requests() = %d, want %d", s.Requests(), tt.n)
			}
			if d := s.Length() - tt.length; d < -time.Microsecond || d > time.Microsecond {
				t.Errorf("Length() = %s, want %s", s.Length(), tt.length)
			}
			for at, want := range tt.rateAt {
				if got := s.Rate(at); math.Abs(got-want) > 1e-6*max(1, want) {
					t.Errorf("Rate(%s) = %g, want %g", at, got, want)
				}
			}
			// Due inverts Hits: request n is due when n+1 are.
			prev := time.Duration(-1)
			for n := uint64(0); n < s.Requests(); n += 1 + s.Requests()/97 {
				due := s.Due(n)
				if due < prev {
					t.Fatalf("Due(%d) = %s before Due of an earlier request %s", n, due, prev)
				}
				prev = due
				if h := s.Hits(due); math.Abs(h-float64(n+1)) > 1e-3 {
					t.Fatalf("Hits(Due(%d)) = %g, want %d", n, h, n+1)
				}
			}
		})
	}
}

func flat(n int) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = 1
	}
	return w
}

func TestSchedulePace(t *testing.T) {
	s, err := Profile{Kind: ProfileConstant, Rate: 10}.Schedule(3, 1)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		elapsed time.Duration
		hits    uint64
		wait    time.Duration
		stop    bool
	}{
		{0, 0, 100 * time.Millisecond, false},
		{100 * time.Millisecond, 1, 100 * time.Millisecond, false},
		{500 * time.Millisecond, 1, 0, false}, // behind: send at once
		{500 * time.Millisecond, 2, 0, false},
		{500 * time.Millisecond, 3, 0, true}, // all sent
	}
	for _, st := range steps {
		wait, stop := s.Pace(st.elapsed, st.hits)
		if wait != st.wait || stop != st.stop {
			t.Errorf("Pace(%s, %d) = %s, %v; want %s, %v", st.elapsed, st.hits, wait, stop, st.wait, st.stop)
		}
	}
}

func TestScheduleDailyCurve(t *testing.T) {
	s, err := Profile{Kind: ProfileDaily, PerDay: 24000, Day: 24 * time.Second, Fill: 1}.Schedule(0, 1)
	if err != nil {
		t.Fatal(err)
	}
	peak, hour := 0.0, 0
	for h := range 24 {
		n := s.Hits(time.Duration(h+1)*time.Second) - s.Hits(time.Duration(h)*time.Second)
		if n > peak {
			peak, hour = n, h
		}
	}
	if hour != 10 {
		t.Errorf("the busiest hour is %d, want 10 (the 10-11 am push, B3)", hour)
	}
}

func TestScheduleShards(t *testing.T) {
	ph := Phase{Name: "p", Requests: 55001, Rate: Profile{Kind: ProfileConstant, Rate: 5500}}
	total := uint64(0)
	for i := range 3 {
		s, err := ph.Schedule(10*time.Second, i, 3)
		if err != nil {
			t.Fatal(err)
		}
		total += s.Requests()
		if got := s.Rate(time.Second); math.Abs(got-5500*float64(s.Requests())/55001) > 1e-9 {
			t.Errorf("shard %d rate %g", i, got)
		}
		if l := s.Length(); l < 9999*time.Millisecond || l > 10001*time.Millisecond {
			t.Errorf("shard %d runs %s, want the plan's 10s", i, l)
		}
	}
	if total != 55001 {
		t.Errorf("shards send %d together, want 55001", total)
	}
}

func TestScheduleErrors(t *testing.T) {
	if _, err := NewSchedule(0, Segment{Dur: time.Second, From: -1, To: 1}); err == nil {
		t.Error("negative rate accepted")
	}
	if _, err := NewSchedule(0, Segment{Dur: time.Second}); err == nil {
		t.Error("a profile with no request accepted")
	}
	if _, err := NewSchedule(11, Segment{Dur: time.Second, From: 10, To: 10}); err == nil {
		t.Error("more requests than the profile delivers accepted")
	}
}

// ExampleProfile_Schedule shows the seed's daily curve compressed into a
// 10-second platform day: sends peak at the 10-11 am push.
func ExampleProfile_Schedule() {
	s, err := Profile{Kind: ProfileDaily, PerDay: 50000, Day: 10 * time.Second}.Schedule(0, 1)
	if err != nil {
		panic(err)
	}
	hour := 10 * time.Second * 98 / 100 / 24
	fmt.Printf("%d sends, the last due at %s\n", s.Requests(), s.Length().Round(time.Millisecond))
	fmt.Printf("03:00 %.0f/s, 10:00 %.0f/s\n", s.Rate(3*hour), s.Rate(10*hour+hour/2))
	// Output:
	// 50000 sends, the last due at 9.8s
	// 03:00 449/s, 10:00 13456/s
}
