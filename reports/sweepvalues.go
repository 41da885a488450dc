package reports

import (
	"strconv"
	"strings"

	"giftsim/results"
)

// firstSweepNumbers places each arm on the first swept field's axis: at the
// numbers the results carry (Arm.SweepNumbers in Simulation.SweepUnits),
// durations scaled to days, hours or minutes and times of day to hours;
// for results saved before there were numbers, at the values' text read as
// numbers (parseSweepValues). It returns the positions, the unit for the
// axis label and whether the values are numbers at all.
func firstSweepNumbers(sim *results.Simulation) ([]float64, string, bool) {
	if len(sim.SweepUnits) == 0 {
		vals := make([]string, len(sim.Arms))
		for i, a := range sim.Arms {
			if len(a.SweepValues) > 0 {
				vals[i] = a.SweepValues[0]
			}
		}
		return parseSweepValues(vals)
	}
	unit := sim.SweepUnits[0]
	if unit == "" {
		return nil, "", false
	}
	xs := make([]float64, len(sim.Arms))
	for i, a := range sim.Arms {
		if len(a.SweepNumbers) == 0 {
			return nil, "", false
		}
		xs[i] = a.SweepNumbers[0]
	}
	switch unit {
	case results.UnitSeconds:
		label, div := secondsScale(xs)
		for i := range xs {
			xs[i] /= div
		}
		return xs, label, true
	case results.UnitMinuteOfDay:
		for i := range xs {
			xs[i] /= 60
		}
		return xs, "hour of day", true
	case results.UnitNumber:
		return xs, "", true
	}
	return xs, unit, true
}

// secondsScale picks the unit that durations of up to max(xs) seconds read
// best in, and its length in seconds.
func secondsScale(xs []float64) (string, float64) {
	top := 0.0
	for _, x := range xs {
		top = max(top, x)
	}
	switch {
	case top >= 86400:
		return "days", 86400
	case top >= 3600:
		return "hours", 3600
	case top >= 60:
		return "minutes", 60
	}
	return "seconds", 1
}

// parseSweepValues reads swept values saved without their numbers (results
// from before SweepUnits) as numbers when all of them are of one
// kind: plain numbers, percentages ("5%"), durations ("12h", "7d", "2w") or
// times of day ("10:00", in hours). It returns the numbers, their unit for
// the axis label and whether they all parsed.
func parseSweepValues(vals []string) ([]float64, string, bool) {
	if len(vals) == 0 {
		return nil, "", false
	}
	xs := make([]float64, len(vals))
	kind := ""
	for i, v := range vals {
		x, k, ok := parseSweepValue(strings.TrimSpace(v))
		if !ok || (kind != "" && k != kind) {
			return nil, "", false
		}
		xs[i], kind = x, k
	}
	switch kind {
	case "percent":
		return xs, "%", true
	case "clock":
		return xs, "hour of day", true
	case "duration":
		unit, div := secondsScale(xs)
		for i := range xs {
			xs[i] /= div
		}
		return xs, unit, true
	}
	return xs, "", true
}

// parseSweepValue reads one swept value and says which kind it is.
func parseSweepValue(v string) (float64, string, bool) {
	if x, err := strconv.ParseFloat(v, 64); err == nil {
		return x, "number", true
	}
	if s, ok := strings.CutSuffix(v, "%"); ok {
		x, err := strconv.ParseFloat(s, 64)
		return x, "percent", err == nil
	}
	if hh, mm, ok := strings.Cut(v, ":"); ok {
		h, err1 := strconv.Atoi(hh)
		m, err2 := strconv.Atoi(mm)
		ok := err1 == nil && err2 == nil && h >= 0 && h < 24 && m >= 0 && m < 60
		return float64(h) + float64(m)/60, "clock", ok
	}
	units := map[byte]float64{'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800}
	if n := len(v); n > 1 {
		if mult, ok := units[v[n-1]]; ok {
			x, err := strconv.ParseFloat(v[:n-1], 64)
			return x * mult, "duration", err == nil
		}
	}
	return 0, "", false
}
