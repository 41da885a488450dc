package scenarios

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Sentinels for input refused before its fields are read. An *Error wraps
// one of them, so callers can test with errors.Is.
var (
	ErrTooLarge = errors.New("file too large")
	ErrNotText  = errors.New("not a UTF-8 text file")
	ErrSyntax   = errors.New("YAML syntax error")
	ErrAlias    = errors.New("YAML anchors and aliases are not supported")
	ErrTooDeep  = errors.New("YAML nested too deeply")
)

// maxErrors caps how many errors one file reports; the rest are counted.
const maxErrors = 100

// Error is one problem in a scenario: where it is, which field and rule it
// concerns, and what is allowed.
type Error struct {
	File string // File is the scenario file's name, or "--set" for an override.
	Line int    // Line is 1-based; 0 when the problem has no position.
	Col  int    // Col is 1-based; 0 when the problem has no position.
	Path string // Path is the field, e.g. "coupon.validity"; "" for the whole file.
	Rule string // Rule is the DOMAIN.md id, e.g. "C3"; "" when no rule applies.
	Msg  string // Msg says what is wrong and what is allowed.
	// Arm names the arms the problem occurs in, when it does not occur in all.
	Arm string
	// Err is the cause, e.g. a platform sentinel or ErrTooLarge; may be nil.
	Err error
}

// Error formats e as "file:line:col: path: rule: msg (arm name)".
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		switch {
		case e.Line > 0 && e.Col > 0:
			fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
		case e.Line > 0:
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	if e.Rule != "" {
		b.WriteString(e.Rule + ": ")
	}
	b.WriteString(e.Msg)
	if e.Arm != "" {
		b.WriteString(" (arm " + e.Arm + ")")
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errors is every problem found in a scenario, sorted by position.
type Errors []*Error

// Error prints one problem per line.
func (l Errors) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems, so errors.As finds an *Error and errors.Is a
// platform sentinel.
func (l Errors) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// collector gathers errors, merges repeats (the same problem in several
// arms) and caps their number.
type collector struct {
	list    []*Error
	arms    [][]string // arms[i] lists the arms list[i] occurred in
	index   map[string]int
	dropped int
}

func (c *collector) add(e *Error, arm string) {
	key := fmt.Sprintf("%s\x00%d\x00%d\x00%s\x00%s\x00%s", e.File, e.Line, e.Col, e.Path, e.Rule, e.Msg)
	if i, ok := c.index[key]; ok {
		if arm != "" && !slices.Contains(c.arms[i], arm) {
			c.arms[i] = append(c.arms[i], arm)
		}
		return
	}
	if len(c.list) >= maxErrors {
		c.dropped++
		return
	}
	if c.index == nil {
		c.index = map[string]int{}
	}
	c.index[key] = len(c.list)
	c.list = append(c.list, e)
	var arms []string
	if arm != "" {
		arms = []string{arm}
	}
	c.arms = append(c.arms, arms)
}

func (c *collector) empty() bool { return len(c.list) == 0 }

// full reports whether further problems would only be counted.
func (c *collector) full() bool { return len(c.list) >= maxErrors }

// count is the number of problems added so far, repeats aside.
func (c *collector) count() int { return len(c.list) + c.dropped }

// errors returns the problems sorted by position. An error seen in only some
// of nArms arms names them.
func (c *collector) errors(file string, nArms int) Errors {
	if len(c.list) == 0 {
		return nil
	}
	out := make(Errors, len(c.list))
	for i, e := range c.list {
		if a := c.arms[i]; len(a) > 0 && len(a) < nArms {
			if len(a) > 3 {
				a = append(a[:3:3], fmt.Sprintf("and %d more", len(c.arms[i])-3))
			}
			e.Arm = strings.Join(a, ", ")
		}
		out[i] = e
	}
	slices.SortStableFunc(out, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	if c.dropped > 0 {
		out = append(out, &Error{File: file, Msg: fmt.Sprintf("%d more errors not shown", c.dropped)})
	}
	return out
}
