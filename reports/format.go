package reports

import (
	"giftsim/results"

	"math"
	"strconv"
)

// formatNumber formats v for people: about three significant digits, and
// thousands separators from 1,000 on.
func formatNumber(v float64) string {
	a := math.Abs(v)
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "n/a"
	case a == 0:
		return "0"
	case a >= 1000:
		return results.FormatCount(int64(math.Round(v)))
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case a >= 0.001:
		return strconv.FormatFloat(v, 'f', 3+int(-math.Floor(math.Log10(a)))-1, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// formatCount formats a count with thousands separators.
func formatCount(n int) string { return results.FormatCount(int64(n)) }

// formatValue formats v in its unit: "12.3%", "1,234 CNY", "0.42".
func formatValue(v float64, unit string) string {
	switch unit {
	case "":
		return formatNumber(v)
	case "%":
		return formatNumber(v) + "%"
	}
	return formatNumber(v) + " " + unit
}

// formatDiff formats a signed difference in its unit; a difference of
// percentages is in percentage points.
func formatDiff(v float64, unit string) string {
	s := signed(v)
	switch unit {
	case "":
		return s
	case "%":
		return s + " pp"
	}
	return s + " " + unit
}

// signed formats v with its sign.
func signed(v float64) string {
	if v > 0 {
		return "+" + formatNumber(v)
	}
	return formatNumber(v)
}

// formatInterval formats a 95% interval as "lo to hi unit", signed when
// diff is set.
func formatInterval(lo, hi float64, unit string, diff bool) string {
	if diff {
		return signed(lo) + " to " + formatDiff(hi, unit)
	}
	return formatNumber(lo) + " to " + formatValue(hi, unit)
}

// tickFormatter returns the label format for ticks step apart whose largest
// magnitude is top: just enough decimals, and k or M past ten thousand.
func tickFormatter(step, top float64) func(float64) string {
	div, suffix := 1.0, ""
	switch {
	case top >= 1e7:
		div, suffix = 1e6, "M"
	case top >= 1e4:
		div, suffix = 1e3, "k"
	}
	s := step / div
	dec := 0
	if s > 0 && s < 1 {
		dec = int(math.Ceil(-math.Log10(s) - 1e-9))
		if r := s * math.Pow(10, float64(dec)); math.Abs(r-math.Round(r)) > 1e-6 {
			dec++ // a step such as 0.25
		}
	}
	return func(v float64) string {
		x := v / div
		if math.Abs(x) < s*1e-9 {
			return "0"
		}
		return strconv.FormatFloat(x, 'f', dec, 64) + suffix
	}
}
