package optimize

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"giftsim/platform"
	"giftsim/scenarios"
	"giftsim/sensitivity"
)

// Lever is one decision lever: a range (numbers, integers, durations, times
// of day, or two categories) or a list of categorical levels.
type Lever struct {
	Path   string
	Kind   sensitivity.Kind
	Low    string   // Low and High are a range's ends.
	High   string   //
	Levels []string // Levels are a list's values; nil for a range.
	rng    sensitivity.Lever
}

// FromSpec turns a scenario's lever into a Lever.
func FromSpec(s scenarios.LeverSpec) (Lever, error) {
	if !s.IsRange() {
		return Lever{Path: s.Path, Kind: sensitivity.KindCategory, Levels: append([]string(nil), s.Levels...)}, nil
	}
	r, err := sensitivity.ParseLever(s.Path + "=" + s.Low + ".." + s.High)
	if err != nil {
		return Lever{}, err
	}
	return Lever{Path: s.Path, Kind: r.Kind, Low: r.Low, High: r.High, rng: r}, nil
}

// levels is how many values the lever has across [0, 1]: its levels for a
// list, 2 for a two-category range, 0 (a continuum) otherwise.
func (l Lever) levels() int {
	switch {
	case l.Levels != nil:
		return len(l.Levels)
	case l.Kind == sensitivity.KindCategory:
		return 2
	}
	return 0
}

// Value is the lever's value at x in [0, 1] as a --set value. A list's
// levels take equal parts of [0, 1].
func (l Lever) Value(x float64) string {
	if l.Levels == nil {
		return l.rng.Value(x)
	}
	i := int(math.Floor(min(max(x, 0), 1) * float64(len(l.Levels))))
	return l.Levels[min(i, len(l.Levels)-1)]
}

// numeric reports whether the lever's values are numbers, so an objective
// or constraint may use them.
func (l Lever) numeric() bool { return l.Levels == nil && l.Kind != sensitivity.KindCategory }

// Number is a numeric lever's value v (as Value writes it) in its natural
// unit: durations in days, times of day in hours.
func (l Lever) Number(v string) (float64, error) {
	v = strings.Trim(v, `"'`)
	switch l.Kind {
	case sensitivity.KindDuration:
		d, err := platform.ParseDuration(v)
		if err != nil {
			return 0, err
		}
		return float64(d) / float64(platform.Day), nil
	case sensitivity.KindTime:
		h, m, ok := strings.Cut(v, ":")
		hh, err1 := strconv.Atoi(h)
		mm, err2 := strconv.Atoi(m)
		if !ok || err1 != nil || err2 != nil {
			return 0, fmt.Errorf("lever %s: %q is not a time of day", l.Path, v)
		}
		return float64(hh) + float64(mm)/60, nil
	case sensitivity.KindNumber, sensitivity.KindInteger:
		return strconv.ParseFloat(v, 64)
	}
	return 0, fmt.Errorf("lever %s is a category; only numeric levers have a value to count", l.Path)
}

// Describe writes the lever's range or levels, e.g. "3d..30d" or
// "[a, b, c]".
func (l Lever) Describe() string {
	if l.Levels != nil {
		return "[" + strings.Join(l.Levels, ", ") + "]"
	}
	return l.Low + ".." + l.High
}
