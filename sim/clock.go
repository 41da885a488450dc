package sim

import (
	"giftsim/platform"

	"math"
	"math/rand/v2"
	"time"
)

const (
	secondsPerHour = 3600
	secondsPerDay  = 86400
	secondsPerWeek = 7 * secondsPerDay
	hoursPerWeek   = 168
)

// clock maps simulated seconds from the start to calendar positions, and
// draws event times from hazards that follow hour-of-week activity profiles.
type clock struct {
	startWeekSec int64     // seconds from Monday 00:00 to the start
	start        time.Time // the start, in the scenario's zone
	startUnix    int64     // the start as Unix seconds
}

// profile is an hour-of-week weight table with mean 1, and its maximum.
type profile struct {
	w   [hoursPerWeek]float64
	max float64
}

// newProfile builds a weekly profile from a weekday and a weekend day
// profile, each normalised to mean 1.
func newProfile(weekday, weekend [24]float64) *profile {
	p := &profile{}
	var wsum, esum float64
	for h := range 24 {
		wsum += weekday[h]
		esum += weekend[h]
	}
	for d := range 7 {
		for h := range 24 {
			if d < 5 {
				p.w[d*24+h] = weekday[h] * 24 / wsum
			} else {
				p.w[d*24+h] = weekend[h] * 24 / esum
			}
			p.max = max(p.max, p.w[d*24+h])
		}
	}
	return p
}

func newClock(start time.Time) *clock {
	wd := (int64(start.Weekday()) + 6) % 7 // Monday = 0
	return &clock{start: start, startUnix: start.Unix(),
		startWeekSec: wd*secondsPerDay + int64(start.Hour())*secondsPerHour + int64(start.Minute())*60 + int64(start.Second())}
}

// hourOfWeek is the hour of the week (0 = Monday 00:00–01:00) of t.
func (c *clock) hourOfWeek(t int64) int {
	return int((c.startWeekSec + t) % secondsPerWeek / secondsPerHour)
}

// weekdayHour returns the weekday (0 = Monday) and hour of simulated time t.
func (c *clock) weekdayHour(t int64) (int, int) {
	h := c.hourOfWeek(t)
	return h / 24, h % 24
}

// day is the calendar day index of t, 0 for the start's day.
func (c *clock) day(t int64) int {
	return int((c.startWeekSec%secondsPerDay + t) / secondsPerDay)
}

// platformDay is the platform's day number of t (days start at midnight in
// Beijing), which the quota (R11) and the chat limit (C1) count.
func (c *clock) platformDay(t int64) int64 { return platform.PlatformDay(c.startUnix + t) }

// dayStart is the simulated time of midnight starting calendar day d.
func (c *clock) dayStart(d int) int64 {
	return int64(d)*secondsPerDay - c.startWeekSec%secondsPerDay
}

// never is returned by the samplers when the event does not happen.
const never = math.MaxInt64

// sample draws the first event in [from, until) of a process with hazard
//
//	rate · p(t) · exp(−(t − origin)/tau)   per hour
//
// where p is the activity profile at t and tau a decay time constant in
// hours (0: no decay). It thins a dominating process whose hazard uses the
// profile's maximum (Lewis and Shedler, 1979): candidates come from the
// envelope in closed form and each is kept with probability p(t)/max. It
// returns never when no event falls in the interval.
func (c *clock) sample(r *rand.Rand, p *profile, rate, tau float64, origin, from, until int64) int64 {
	if rate <= 0 || from >= until || p.max <= 0 {
		return never
	}
	lam := rate * p.max
	x := float64(from-origin) / secondsPerHour
	d := 1.0
	if tau > 0 {
		d = math.Exp(-x / tau)
	}
	for range 1 << 16 {
		e := r.ExpFloat64()
		if tau > 0 {
			d -= e / (lam * tau)
			if d <= 0 {
				return never
			}
			x = -tau * math.Log(d)
		} else {
			x += e / lam
		}
		if x*secondsPerHour >= float64(until-origin) {
			return never
		}
		t := origin + int64(x*secondsPerHour)
		if r.Float64()*p.max < p.w[c.hourOfWeek(t)] {
			return max(t, from)
		}
	}
	return never
}
