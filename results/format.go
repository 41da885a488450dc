package results

import (
	"math"
	"strconv"
	"strings"
)

// FormatCount writes n with commas between groups of three digits, e.g.
// "50,000,000": the one count format of messages, reports and the terminal.
func FormatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return sign + b.String()
}

// FormatSeconds writes a duration given in seconds with the unit that suits
// it, at most three decimals and no trailing zeros: "0s", "850µs", "3.2ms",
// "1.5s". It is the one duration format of load summaries, thresholds and
// their reports.
func FormatSeconds(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	a := math.Abs(v)
	switch {
	case a == 0:
		return "0s"
	case a < 1e-3:
		return trimFloat(v*1e6, 3) + "µs"
	case a < 1:
		return trimFloat(v*1e3, 3) + "ms"
	}
	return trimFloat(v, 3) + "s"
}

// trimFloat formats v with at most prec decimals and no trailing zeros.
func trimFloat(v float64, prec int) string {
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
