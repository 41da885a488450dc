package loadgen

import (
	"fmt"
	"math"
	"sort"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"giftsim/platform"
)

// DefaultHourly returns the load driver's daily send curve: the share of a
// day's API sends in each hour of the platform day, quiet at night with the
// campaign push peaking at 10–11 am (B3) and smaller noon and evening
// peaks. Shares are relative; they need not add up to one.
func DefaultHourly() []float64 {
	return []float64{
		0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.0, 1.6, 2.2, 3.0, 2.4,
		2.0, 1.6, 1.4, 1.3, 1.3, 1.4, 1.5, 1.6, 1.5, 1.1, 0.7, 0.4,
	}
}

// Segment is a stretch of a schedule over which the rate changes linearly
// from From to To requests per second.
type Segment struct {
	Dur      time.Duration
	From, To float64
}

// Schedule is a rate profile as a vegeta.Pacer: a sequence of segments and
// a cap on the number of requests. Request n (from 0) is due when the
// profile's cumulative count reaches n+1; a run that falls behind sends at
// once until it has caught up (an open model), and Pace stops the attack
// after the last request or the last segment.
type Schedule struct {
	segs  []Segment
	start []float64 // start[i] is segment i's start in seconds.
	cum   []float64 // cum[i] is the count due by segment i's start; one more entry for the end.
	limit uint64
}

var _ vegeta.Pacer = (*Schedule)(nil)

// NewSchedule returns a schedule of segs capped at limit requests (0: the
// profile's own count, rounded down).
func NewSchedule(limit uint64, segs ...Segment) (*Schedule, error) {
	s := &Schedule{segs: segs, start: make([]float64, len(segs)+1), cum: make([]float64, len(segs)+1)}
	for i, g := range segs {
		if g.Dur <= 0 || !(g.From >= 0) || !(g.To >= 0) || math.IsInf(g.From, 0) || math.IsInf(g.To, 0) {
			return nil, fmt.Errorf("%w: segment %d: want a positive duration and finite rates >= 0, got %s from %g to %g", ErrPlan, i, g.Dur, g.From, g.To)
		}
		d := g.Dur.Seconds()
		s.start[i+1] = s.start[i] + d
		s.cum[i+1] = s.cum[i] + (g.From+g.To)/2*d
	}
	total := s.cum[len(segs)]
	if limit == 0 {
		limit = uint64(total + 1e-6)
	}
	if float64(limit) > total+1e-6*max(1, total) {
		return nil, fmt.Errorf("%w: the profile delivers %.0f requests, fewer than the %d asked for; lengthen it or raise its rate", ErrPlan, total, limit)
	}
	if limit == 0 {
		return nil, fmt.Errorf("%w: the profile delivers no request", ErrPlan)
	}
	s.limit = limit
	return s, nil
}

// Requests returns how many requests the schedule sends.
func (s *Schedule) Requests() uint64 { return s.limit }

// Segments returns the schedule's segments.
func (s *Schedule) Segments() []Segment { return append([]Segment(nil), s.segs...) }

// Length returns when the last request is due.
func (s *Schedule) Length() time.Duration { return s.Due(s.limit - 1) }

// Hits returns how many requests are due by t (fractional).
func (s *Schedule) Hits(t time.Duration) float64 {
	x := t.Seconds()
	if x <= 0 {
		return 0
	}
	n := len(s.segs)
	if x >= s.start[n] {
		return min(s.cum[n], float64(s.limit))
	}
	i := sort.SearchFloat64s(s.start[1:], x) // segment holding x: start[i] <= x < start[i+1]
	for i < n-1 && s.start[i+1] <= x {
		i++
	}
	g := s.segs[i]
	tau := x - s.start[i]
	slope := (g.To - g.From) / g.Dur.Seconds()
	return min(s.cum[i]+g.From*tau+slope*tau*tau/2, float64(s.limit))
}

// Due returns when request n (from 0) is due: the time the cumulative
// count reaches n+1.
func (s *Schedule) Due(n uint64) time.Duration {
	h := float64(n + 1)
	last := len(s.segs)
	if h >= s.cum[last] {
		return secs(s.start[last])
	}
	// The first segment whose end count reaches h.
	i := sort.Search(last, func(i int) bool { return s.cum[i+1] >= h })
	g := s.segs[i]
	delta := h - s.cum[i]
	slope := (g.To - g.From) / g.Dur.Seconds()
	// Solve From·τ + slope·τ²/2 = delta in the stable form.
	disc := g.From*g.From + 2*slope*delta
	tau := 2 * delta / (g.From + math.Sqrt(max(disc, 0)))
	if math.IsNaN(tau) || math.IsInf(tau, 0) {
		tau = g.Dur.Seconds()
	}
	return secs(s.start[i] + min(tau, g.Dur.Seconds()))
}

// secs converts seconds to a Duration.
func secs(x float64) time.Duration { return time.Duration(math.Round(x * 1e9)) }

// Pace implements vegeta.Pacer.
func (s *Schedule) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if hits >= s.limit {
		return 0, true
	}
	return max(s.Due(hits)-elapsed, 0), false
}

// Rate implements vegeta.Pacer: the instantaneous rate at elapsed.
func (s *Schedule) Rate(elapsed time.Duration) float64 {
	x := elapsed.Seconds()
	for i, g := range s.segs {
		if x >= s.start[i] && x < s.start[i+1] {
			return g.From + (g.To-g.From)*(x-s.start[i])/g.Dur.Seconds()
		}
	}
	return 0
}

// SegmentOf returns the segment request n falls in.
func (s *Schedule) SegmentOf(n uint64) int {
	h := float64(n + 1)
	last := len(s.segs)
	return min(sort.Search(last, func(i int) bool { return s.cum[i+1] >= h }), last-1)
}

// Profile kinds.
const (
	ProfileConstant = "constant" // one rate
	ProfileRamp     = "ramp"     // a linear ramp, then optionally a hold
	ProfileSteps    = "steps"    // constant steps of equal length
	ProfileDaily    = "daily"    // the hourly curve compressed into the platform day
	ProfileSlots    = "slots"    // bursts at the start of half-hour slots (R12)
)

// ProfileKinds lists the profile kinds.
func ProfileKinds() []string {
	return []string{ProfileConstant, ProfileRamp, ProfileSteps, ProfileDaily, ProfileSlots}
}

// Profile is a rate profile as a plan writes it. Rates are requests per
// second; Day is the platform day the daily and slots profiles compress.
type Profile struct {
	Kind string

	Rate     float64       // Rate is the constant rate.
	Duration time.Duration // Duration bounds a constant profile (0: Requests decides).

	From, To float64       // From and To bound a ramp.
	Over     time.Duration // Over is the ramp's length.
	Hold     time.Duration // Hold keeps To after the ramp.

	Rates []float64     // Rates are the steps' rates.
	Every time.Duration // Every is the length of one step.

	PerDay float64       // PerDay is the daily and slots profiles' requests per platform day.
	Day    time.Duration // Day is the platform day's wall length (0: the plan's).
	Hourly []float64     // Hourly weighs the 24 hours (nil: DefaultHourly()).
	Fill   float64       // Fill is the share of the day the daily curve uses (0: 0.98).
	Slots  []int         // Slots are the half-hour slots (0–47) that send (nil: all, by Hourly).
	Burst  time.Duration // Burst is how long, in platform time, each slot's sends take (0: 5m).
}

// DefaultFill leaves the last 2% of the platform day free, so requests that
// run late do not spill into the next day's quota.
const DefaultFill = 0.98

// DefaultBurst is how long a slot's sends take in platform time.
const DefaultBurst = 5 * time.Minute

// Schedule turns the profile into a schedule of at most requests (0: the
// profile's own count). scale multiplies every rate (a shard's share).
func (p Profile) Schedule(requests int, scale float64) (*Schedule, error) {
	var segs []Segment
	add := func(d time.Duration, from, to float64) {
		if d > 0 {
			segs = append(segs, Segment{Dur: d, From: from * scale, To: to * scale})
		}
	}
	switch p.Kind {
	case ProfileConstant:
		d := p.Duration
		if d == 0 && p.Rate > 0 {
			d = secs(float64(requests) / (p.Rate * scale) * (1 + 1e-9))
		}
		add(d, p.Rate, p.Rate)
	case ProfileRamp:
		add(p.Over, p.From, p.To)
		add(p.Hold, p.To, p.To)
	case ProfileSteps:
		for _, r := range p.Rates {
			add(p.Every, r, r)
		}
	case ProfileDaily, ProfileSlots:
		w := p.hourly()
		sum := 0.0
		for _, x := range w {
			sum += x
		}
		if p.Kind == ProfileDaily {
			fill := p.Fill
			if fill == 0 {
				fill = DefaultFill
			}
			hour := secs(p.Day.Seconds() * fill / 24)
			for _, x := range w {
				r := p.PerDay * x / sum / hour.Seconds()
				add(hour, r, r)
			}
			break
		}
		slotW := make([]float64, 48)
		if len(p.Slots) == 0 {
			for i := range slotW {
				slotW[i] = w[i/2] / 2
			}
		} else {
			sum = 0
			for _, s := range p.Slots {
				slotW[s]++
				sum++
			}
		}
		slot := secs(p.Day.Seconds() / 48)
		burst := p.Burst
		if burst == 0 {
			burst = DefaultBurst
		}
		b := min(secs(p.Day.Seconds()*burst.Seconds()/platform.Day.Seconds()), slot)
		idle := time.Duration(0)
		for _, x := range slotW {
			if x == 0 {
				idle += slot
				continue
			}
			add(idle, 0, 0)
			r := p.PerDay * x / sum / b.Seconds()
			add(b, r, r)
			idle = slot - b
		}
	default:
		return nil, fmt.Errorf("%w: unknown profile %q", ErrPlan, p.Kind)
	}
	if len(segs) == 0 {
		return nil, fmt.Errorf("%w: the %s profile is empty", ErrPlan, p.Kind)
	}
	if requests < 0 {
		requests = 0
	}
	return NewSchedule(uint64(requests), segs...)
}

func (p Profile) hourly() []float64 {
	if len(p.Hourly) == 24 {
		return p.Hourly
	}
	return DefaultHourly()
}

// natural returns the number of requests the profile delivers by itself,
// or 0 when it needs a count (a constant rate without a duration).
func (p Profile) natural() float64 {
	switch p.Kind {
	case ProfileConstant:
		return p.Rate * p.Duration.Seconds()
	case ProfileRamp:
		return (p.From+p.To)/2*p.Over.Seconds() + p.To*p.Hold.Seconds()
	case ProfileSteps:
		n := 0.0
		for _, r := range p.Rates {
			n += r * p.Every.Seconds()
		}
		return n
	case ProfileDaily, ProfileSlots:
		return p.PerDay
	}
	return 0
}
