package sim

import (
	"math"
	"sort"
	"time"
)

const (
	secondsPerHour = 3600
	secondsPerDay  = 86400
	secondsPerWeek = 7 * secondsPerDay
	hoursPerWeek   = 168
)

// clock maps simulated seconds from the start to calendar positions and to
// "active time": hours weighted by how active users are at that hour of the
// week. A constant hazard per active hour is a non-homogeneous Poisson
// process in clock time whose rate follows the activity profile.
type clock struct {
	startWeekSec int64                 // seconds from Monday 00:00 to the start
	start        time.Time             // the start, in the scenario's zone
	weight       [hoursPerWeek]float64 // activity per hour of the week, mean 1
	cum          [hoursPerWeek + 1]float64
}

func newClock(start time.Time, weekday, weekend [24]float64) *clock {
	c := &clock{start: start}
	wd := (int64(start.Weekday()) + 6) % 7 // Monday = 0
	c.startWeekSec = wd*secondsPerDay + int64(start.Hour())*secondsPerHour + int64(start.Minute())*60 + int64(start.Second())
	var wsum, esum float64
	for h := range 24 {
		wsum += weekday[h]
		esum += weekend[h]
	}
	for d := range 7 {
		for h := range 24 {
			if d < 5 {
				c.weight[d*24+h] = weekday[h] * 24 / wsum
			} else {
				c.weight[d*24+h] = weekend[h] * 24 / esum
			}
		}
	}
	for i := range hoursPerWeek {
		c.cum[i+1] = c.cum[i] + c.weight[i]
	}
	return c
}

// weekdayHour returns the weekday (0 = Monday) and hour of simulated time t.
func (c *clock) weekdayHour(t int64) (int, int) {
	s := (c.startWeekSec + t) % secondsPerWeek
	return int(s / secondsPerDay), int(s % secondsPerDay / secondsPerHour)
}

// day is the calendar day index of t, 0 for the start's day.
func (c *clock) day(t int64) int {
	return int((c.startWeekSec%secondsPerDay + t) / secondsPerDay)
}

// dayStart is the simulated time of midnight starting calendar day d.
func (c *clock) dayStart(d int) int64 {
	return int64(d)*secondsPerDay - c.startWeekSec%secondsPerDay
}

// active returns the active hours from the week origin to t.
func (c *clock) active(t int64) float64 {
	s := c.startWeekSec + t
	w := s / secondsPerWeek
	rem := s % secondsPerWeek
	h := rem / secondsPerHour
	return float64(w)*c.cum[hoursPerWeek] + c.cum[h] + c.weight[h]*float64(rem%secondsPerHour)/secondsPerHour
}

// fromActive inverts active: the simulated time at which a active hours have
// passed since the week origin.
func (c *clock) fromActive(a float64) int64 {
	total := c.cum[hoursPerWeek]
	w := math.Floor(a / total)
	rem := a - w*total
	h := sort.Search(hoursPerWeek, func(i int) bool { return c.cum[i+1] > rem })
	if h >= hoursPerWeek {
		h = hoursPerWeek - 1
	}
	frac := 0.0
	if c.weight[h] > 0 {
		frac = (rem - c.cum[h]) / c.weight[h]
	}
	s := int64(w)*secondsPerWeek + int64(h)*secondsPerHour + int64(frac*secondsPerHour)
	return s - c.startWeekSec
}

// never is returned by the samplers when the event does not happen.
const never = math.MaxInt64

// sampleDecay draws the time of the first event of a process that starts at
// t0 with hazard rate·e^(−a/tau) per active hour a since t0 (tau = 0: no
// decay). e is a standard exponential variate. It returns never when the
// decaying process never fires.
func (c *clock) sampleDecay(t0 int64, rate, tau, e float64) int64 {
	if rate <= 0 {
		return never
	}
	var a float64
	if tau <= 0 {
		a = e / rate
	} else {
		mass := rate * tau
		if e >= mass {
			return never
		}
		a = -tau * math.Log1p(-e/mass)
	}
	if a > 1e7 {
		return never
	}
	t := c.fromActive(c.active(t0) + a)
	if t <= t0 {
		t = t0 + 1
	}
	return t
}
