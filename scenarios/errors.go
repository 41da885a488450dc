package scenarios

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"giftsim/internal/strictyaml"
)

// Sentinels for input refused before its fields are read, shared with the
// strict-YAML kit. An *Error wraps one of them, so callers can test with
// errors.Is.
var (
	ErrTooLarge = strictyaml.ErrTooLarge
	ErrNotText  = strictyaml.ErrNotText
	ErrSyntax   = strictyaml.ErrSyntax
	ErrAlias    = strictyaml.ErrAlias
	ErrTooDeep  = strictyaml.ErrTooDeep
)

// maxErrors caps how many errors one file reports; the rest are counted.
const maxErrors = 100

// Error is one problem in a scenario: where it is (File is "--set" for an
// override), which field and rule (a DOMAIN.md id) it concerns, what is
// allowed, and in Note the arms it occurs in when it does not occur in all.
// It is the strict-YAML kit's positioned error.
type Error = strictyaml.Error

// Errors is every problem found in a scenario, sorted by position.
type Errors = strictyaml.Errors

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
			e.Note = "arm " + strings.Join(a, ", ")
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
