package strictyaml

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

var lim = Limits{MaxSize: 1 << 10, MaxDepth: 4, What: "a test file"}

func TestParseRefuses(t *testing.T) {
	tests := []struct {
		name, in string
		err      error
		want     string
	}{
		{"empty", "", ErrEmpty, "x.yaml: the file is empty"},
		{"null", "~\n", ErrEmpty, "file is empty"},
		{"too large", strings.Repeat("#", 1025), ErrTooLarge, "x.yaml: 1,025 bytes; a test file is at most 1,024 bytes"},
		{"binary", "a: 1\nb: \x00\n", ErrNotText, "x.yaml:2:4: not a UTF-8 text file (control character U+0000)"},
		{"syntax", "a: [\n", ErrSyntax, "x.yaml:"},
		{"second document", "a: 1\n---\nb: 2\n", ErrSecondDocument, "x.yaml:2: YAML syntax error: a second document starts here; a test file holds one"},
		{"second empty document", "a: 1\n---\n", ErrSecondDocument, "a second document starts here"},
		{"alias", "a: &x 1\nb: *x\n", ErrAlias, "YAML anchors and aliases are not supported"},
		{"first alias in document order", "a: &x 1\nb: *x\nc: [*x]\n", ErrAlias, "x.yaml:2:4: alias *x: YAML anchors"},
		{"anchor alone", "a: 1\nb: &x 2\n", ErrAlias, "x.yaml:2:4: anchor &x: YAML anchors"},
		{"deep", "a: {b: {c: {d: {e: 1}}}}\n", ErrTooDeep, "nested more than 4 levels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tt.in), lim)
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want an *Error wrapping %v containing %q", err, tt.err, tt.want)
			}
		})
	}
	if n, err := Parse("x.yaml", []byte("a: 1\n"), lim); err != nil || n.Content[0].Value != "a" {
		t.Fatalf("one document: %v", err)
	}
}

// endless is an io.Reader that never ends, like /dev/zero.
type endless struct{ n int }

func (e *endless) Read(p []byte) (int, error) {
	e.n += len(p)
	clear(p)
	return len(p), nil
}

func TestReadBounded(t *testing.T) {
	r := &endless{}
	_, err := Read(r, "/dev/zero", lim)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	if r.n > 2*lim.MaxSize+4096 {
		t.Fatalf("read %d bytes for a limit of %d", r.n, lim.MaxSize)
	}
}

func TestDecodeStrict(t *testing.T) {
	var v struct {
		A int `yaml:"a"`
	}
	in := []byte("a: 1\nb: 2\n")
	err := Decode("x.yaml", in, &v)
	var e *Error
	if !errors.As(err, &e) || e.Line != 2 || !strings.Contains(err.Error(), "line 2: field b not found") {
		t.Fatalf("err = %v", err)
	}
	if err := Decode("x.yaml", []byte("a: 3\n"), &v); err != nil || v.A != 3 {
		t.Fatalf("a = %d, err %v", v.A, err)
	}
}

func ExampleParse() {
	_, err := Parse("plan.yaml", []byte("name: a\n---\nname: b\n"), Limits{MaxSize: 1 << 20, What: "a load plan"})
	fmt.Println(err)
	// Output: plan.yaml:2: YAML syntax error: a second document starts here; a load plan holds one
}

// FuzzParse checks that any input is accepted or refused with an *Error,
// without a panic.
func FuzzParse(f *testing.F) {
	f.Add("a: [1, 2]\n")
	f.Add("a: &x 1\nb: *x\n")
	f.Add("---\n---\n")
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := Parse("f.yaml", []byte(s), lim); err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err %v is not an *Error", err)
			}
		}
	})
}

// level reads "low" or "high" from text and refuses anything else.
type level int

func (l *level) UnmarshalText(b []byte) error {
	switch string(b) {
	case "low":
		*l = 1
	case "high":
		*l = 2
	default:
		return fmt.Errorf("level %q (allowed: low, high)", b)
	}
	return nil
}

// TestDecodeLocatesTextErrors checks that a value its own UnmarshalText
// refuses is named with its line, column and path, even inside lists and
// inline fields.
func TestDecodeLocatesTextErrors(t *testing.T) {
	type inner struct {
		Level level `yaml:"level"`
	}
	var v struct {
		Items []struct {
			Name  string `yaml:"name"`
			inner `yaml:",inline"`
		} `yaml:"items"`
	}
	in := []byte("items:\n  - {name: a, level: low}\n  - {name: b, level: loud}\n")
	err := Decode("x.yaml", in, &v)
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(err.Error(), `x.yaml:3:22: items[1].level: level "loud" (allowed: low, high)`) {
		t.Fatalf("err = %v", err)
	}
}
