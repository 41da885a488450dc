package results

import (
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
