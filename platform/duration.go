package platform

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseDuration reads a duration such as "48h", "7d", "30m" or "1d12h". It
// accepts everything time.ParseDuration does plus a day unit "d" (24 h).
func ParseDuration(s string) (time.Duration, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return 0, fmt.Errorf("%w: empty duration (want e.g. 48h, 7d, 30m)", ErrInvalid)
	}
	var total time.Duration
	rest := in
	if i := strings.IndexByte(rest, 'd'); i >= 0 {
		days, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil || days < 0 || days > 36500 {
			return 0, fmt.Errorf("%w: duration %q: want e.g. 48h, 7d, 30m", ErrInvalid, s)
		}
		total = time.Duration(days * float64(Day))
		rest = rest[i+1:]
		if rest == "" {
			return total, nil
		}
	}
	d, err := time.ParseDuration(rest)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%w: duration %q: want e.g. 48h, 7d, 30m", ErrInvalid, s)
	}
	return total + d, nil
}

// FormatDuration writes d in the shortest form ParseDuration reads back:
// whole days as "7d", else Go's form such as "36h0m0s" trimmed to "36h".
func FormatDuration(d time.Duration) string {
	if d != 0 && d%Day == 0 {
		return strconv.FormatInt(int64(d/Day), 10) + "d"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
