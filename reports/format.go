package reports

import (
	"giftsim/results"

	"math"
	"strconv"
	"strings"
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

// decimalsFor returns how many decimals a value with a 95% interval of
// half-width hw warrants: one significant digit of hw, two when it starts
// with 1 or 2 (where one would round it by up to a quarter), and never
// more than six significant digits of the largest magnitude top shown
// with it.
// A negative count rounds to tens, hundreds …; ok is false when hw is zero
// or not finite, and the interval says nothing about precision.
func decimalsFor(hw, top float64) (dec int, ok bool) {
	if !(hw > 0) || math.IsInf(hw, 0) {
		return 0, false
	}
	e := int(math.Floor(math.Log10(hw)))
	dec = -e
	if hw/math.Pow(10, float64(e)) < 3 {
		dec++
	}
	if top = math.Abs(top); top > 0 && !math.IsInf(top, 0) {
		dec = min(dec, 5-int(math.Floor(math.Log10(top))))
	}
	return dec, true
}

// formatFixed formats v rounded to dec decimals (to tens when dec is -1,
// and so on), with thousands separators from 1,000 on.
func formatFixed(v float64, dec int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "n/a"
	}
	if dec <= 0 {
		p := math.Pow(10, float64(-dec))
		r := math.Round(v/p) * p
		if r == 0 {
			return "0"
		}
		return results.FormatCount(int64(r))
	}
	s := strconv.FormatFloat(v, 'f', dec, 64)
	if math.Abs(v) < 1000 {
		if s == "-"+strconv.FormatFloat(0, 'f', dec, 64) {
			return s[1:]
		}
		return s
	}
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	n, _ := strconv.ParseInt(whole, 10, 64)
	out := results.FormatCount(n) + "." + frac
	if neg {
		return "-" + out
	}
	return out
}

// estimateText formats a mean and its 95% interval to the precision the
// interval supports (see decimalsFor), the mean with its unit ("27.2%",
// signed with "pp" for a difference) and the interval as "25.3 to 29.2%";
// without a usable interval both take about three significant digits.
func estimateText(mean, lo, hi float64, unit string, diff bool) (m, ci string) {
	top := math.Max(math.Abs(mean), math.Max(finiteAbs(lo), finiteAbs(hi)))
	dec, ok := decimalsFor((hi-lo)/2, top)
	f := formatNumber
	if ok {
		f = func(v float64) string { return formatFixed(v, dec) }
	}
	sign := func(v float64) string {
		s := f(v)
		if v > 0 && s != "0" {
			return "+" + s
		}
		return s
	}
	withUnit := func(s string) string {
		switch {
		case unit == "":
			return s
		case unit == "%" && diff:
			return s + " pp"
		case unit == "%":
			return s + "%"
		}
		return s + " " + unit
	}
	if diff {
		return withUnit(sign(mean)), sign(lo) + " to " + withUnit(sign(hi))
	}
	return withUnit(f(mean)), f(lo) + " to " + withUnit(f(hi))
}

// finiteAbs is |v|, or 0 for an infinite v.
func finiteAbs(v float64) float64 {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return 0
	}
	return math.Abs(v)
}

// csvNum formats v for CSV rounded to what a 95% interval of half-width hw
// supports: three significant digits of hw (one more than the page shows).
// Without a usable interval it keeps twelve significant digits, which
// drops float noise (336.43940000000003 becomes 336.4394) and nothing a
// simulation could measure. Infinities are +Inf and -Inf.
func csvNum(v, hw float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	if hw > 0 && !math.IsInf(hw, 0) {
		dec := 2 - int(math.Floor(math.Log10(hw)))
		p := math.Pow(10, float64(-dec))
		r := math.Round(v/p) * p
		if r == 0 {
			return "0"
		}
		out := strconv.FormatFloat(r, 'f', max(dec, 0), 64)
		if strings.Contains(out, ".") {
			out = strings.TrimRight(strings.TrimRight(out, "0"), ".")
		}
		return out
	}
	return csvSig(v, 12)
}

// csvSig formats v for CSV with at most sig significant digits, in plain
// decimal notation unless it is tiny or huge.
func csvSig(v float64, sig int) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', sig, 64), 64)
	if a := math.Abs(r); a != 0 && (a < 1e-6 || a >= 1e15) {
		return strconv.FormatFloat(r, 'g', -1, 64)
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}
