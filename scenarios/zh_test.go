package scenarios

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestChineseValuesErrorColumns checks that an error in a scenario written
// in Chinese quotes the Chinese value as written and points at its column
// counted in characters, as the YAML library counts them, not in bytes (a
// Chinese character is three bytes of UTF-8).
func TestChineseValuesErrorColumns(t *testing.T) {
	base, err := ExampleFile("hotpot-validity-zh")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, from, to, bad, path string
	}{
		{"bad duration after a Chinese arm name", "- {name: 三十天, coupon: {validity: 30d}}", "- {name: 三十天, coupon: {validity: 30x}}", "30x", "coupon.validity"},
		{"Chinese text where a duration belongs", "- {name: 七天, coupon: {validity: 7d}}", "- {name: 七天, coupon: {validity: 七天}}", `"七天"`, "coupon.validity"},
		{"Chinese text where a number belongs", "face_value: 30,", "face_value: 三十,", `"三十"`, "coupon.face_value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(string(base), tc.from, tc.to, 1)
			if src == string(base) {
				t.Fatalf("the example has no %q", tc.from)
			}
			_, err := Parse("hotpot.yaml", []byte(src))
			var es Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("want scenario errors, got %v", err)
			}
			e := es[0]
			if !strings.Contains(e.Error(), tc.bad) || !strings.Contains(e.Path, tc.path) {
				t.Errorf("error %q does not quote %s at %s", e.Error(), tc.bad, tc.path)
			}
			lines := strings.Split(src, "\n")
			if e.Line < 1 || e.Line > len(lines) {
				t.Fatalf("error at line %d", e.Line)
			}
			line := lines[e.Line-1]
			val := strings.Trim(tc.bad, `"`)
			at := strings.LastIndex(line, val)
			if at < 0 {
				t.Fatalf("line %d %q lacks %q", e.Line, line, val)
			}
			if want := utf8.RuneCountInString(line[:at]) + 1; e.Col != want {
				t.Errorf("column %d, want %d (characters, not bytes: %d) on %q", e.Col, want, at+1, line)
			}
		})
	}
}
