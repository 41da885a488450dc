package sensitivity

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"giftsim/platform"
)

// Kind is how a lever's values between its ends are made.
type Kind string

// Kinds of lever.
const (
	KindNumber   Kind = "number"   // KindNumber interpolates real numbers.
	KindInteger  Kind = "integer"  // KindInteger interpolates and rounds to whole numbers.
	KindDuration Kind = "duration" // KindDuration interpolates durations such as 3d..30d.
	KindTime     Kind = "time"     // KindTime interpolates times of day such as 10:00..20:00.
	KindCategory Kind = "category" // KindCategory has two levels, low and high, and nothing between.
)

// Lever is a scenario path with a range of values.
type Lever struct {
	Path      string // Path is a --set path, e.g. coupon.validity or campaign[0].push_at.
	Low, High string // Low and High are the ends as written, e.g. 3d and 30d.
	Kind      Kind

	lo, hi float64       // lo and hi are the numeric ends (seconds for durations, minutes for times).
	unit   time.Duration // unit is the rounding unit of a duration.
}

// timeOfDay matches a time of day, HH:MM.
var timeOfDay = regexp.MustCompile(`^([01]?[0-9]|2[0-3]):([0-5][0-9])$`)

// ParseLever reads a lever spec path=low..high, such as
// coupon.validity=3d..30d, coupon.face_value=10..40,
// campaign[0].push_at=10:00..20:00 or merchant.tier=certified..filed. Ends
// that are both numbers, both durations or both times of day are
// interpolated between; any other pair is a category of two levels. Quotes
// around an end are dropped.
func ParseLever(spec string) (Lever, error) {
	const want = "want path=low..high, such as coupon.validity=3d..30d, coupon.face_value=10..40, campaign[0].push_at=10:00..20:00 or merchant.tier=certified..filed"
	path, rng, ok := strings.Cut(spec, "=")
	path = strings.TrimSpace(path)
	if !ok || path == "" {
		return Lever{}, fmt.Errorf("lever %q: %s", spec, want)
	}
	lo, hi, ok := strings.Cut(rng, "..")
	lo, hi = unquote(lo), unquote(hi)
	switch {
	case !ok:
		return Lever{}, fmt.Errorf("lever %s: %q has no range: %s", path, rng, want)
	case strings.Contains(hi, ".."):
		return Lever{}, fmt.Errorf("lever %s: %q has more than two ends: %s", path, rng, want)
	case lo == "" || hi == "":
		return Lever{}, fmt.Errorf("lever %s: %q lacks an end: %s", path, rng, want)
	case lo == hi:
		return Lever{}, fmt.Errorf("lever %s: low and high are both %q; a lever needs two different values", path, lo)
	}
	l := Lever{Path: path, Low: lo, High: hi, Kind: KindCategory}
	if a, err := strconv.ParseFloat(lo, 64); err == nil && !math.IsInf(a, 0) && !math.IsNaN(a) {
		if b, err := strconv.ParseFloat(hi, 64); err == nil && !math.IsInf(b-a, 0) && !math.IsNaN(b) {
			l.Kind, l.lo, l.hi = KindNumber, a, b
			if isInteger(lo) && isInteger(hi) {
				l.Kind = KindInteger
			}
			return l, nil
		}
	}
	if a, ok := minutes(lo); ok {
		if b, ok := minutes(hi); ok {
			l.Kind, l.lo, l.hi = KindTime, a, b
			return l, nil
		}
	}
	if a, err := platform.ParseDuration(lo); err == nil {
		if b, err := platform.ParseDuration(hi); err == nil {
			l.Kind, l.lo, l.hi = KindDuration, a.Seconds(), b.Seconds()
			l.unit = time.Minute
			switch {
			case a%platform.Day == 0 && b%platform.Day == 0:
				l.unit = platform.Day
			case a%time.Hour == 0 && b%time.Hour == 0:
				l.unit = time.Hour
			}
			return l, nil
		}
	}
	return l, nil
}

// String writes the lever as ParseLever reads it.
func (l Lever) String() string { return l.Path + "=" + l.Low + ".." + l.High }

// Value is the lever's value at x in [0, 1] (0 the low end, 1 the high
// end) as a --set value: interpolated and rounded to the ends' unit, or for
// a category the low end below 0.5 and the high end from 0.5 on.
func (l Lever) Value(x float64) string {
	x = min(max(x, 0), 1)
	v := l.lo + x*(l.hi-l.lo)
	switch l.Kind {
	case KindNumber:
		return strconv.FormatFloat(v, 'g', 6, 64)
	case KindInteger:
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	case KindDuration:
		u := l.unit.Seconds()
		return platform.FormatDuration(time.Duration(math.Round(v/u)*u) * time.Second)
	case KindTime:
		m := int(math.Round(v))
		return fmt.Sprintf("%q", fmt.Sprintf("%02d:%02d", m/60, m%60))
	}
	if x < 0.5 {
		return l.Low
	}
	return l.High
}

// Set is the override that puts the lever at x, as Scenario.Set takes it.
func (l Lever) Set(x float64) string { return l.Path + "=" + l.Value(x) }

// isInteger reports whether s is written as a whole number.
func isInteger(s string) bool {
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}

// minutes reads a time of day HH:MM as minutes after midnight.
func minutes(s string) (float64, bool) {
	m := timeOfDay.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	h, _ := strconv.Atoi(m[1])
	mm, _ := strconv.Atoi(m[2])
	return float64(60*h + mm), true
}

// unquote trims spaces and one pair of matching quotes.
func unquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		s = s[1 : len(s)-1]
	}
	return s
}
