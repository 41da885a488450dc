package reports

import (
	"strconv"
	"strings"
)

// parseSweepValues reads swept values as numbers when all of them are of one
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
		unit, div := "seconds", 1.0
		top := 0.0
		for _, x := range xs {
			top = max(top, x)
		}
		switch {
		case top >= 86400:
			unit, div = "days", 86400
		case top >= 3600:
			unit, div = "hours", 3600
		case top >= 60:
			unit, div = "minutes", 60
		}
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
