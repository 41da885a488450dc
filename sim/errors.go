package sim

import (
	"errors"
	"fmt"
	"strings"

	"giftsim/platform"
)

// FieldError is one problem with a Config, as Validate and CheckCompliance
// return it: the scenario field it concerns, the DOMAIN.md rule behind it and
// what is allowed. Callers place it by Path (then Also), never by its text.
type FieldError struct {
	// Path is the scenario field named first, e.g. "coupon.validity" or
	// "campaign[2].push_at"; a section ("risk") when no one field is to blame.
	Path string
	// Also lists further fields the problem involves, in the order to look
	// for where one was set when Path was left at its default.
	Also []string
	// Rule is the DOMAIN.md id, e.g. "R11" or "C3"; "" when no rule applies.
	Rule string
	// Msg says what is wrong and what is allowed, without Path or Rule:
	// "must be under 30d, got 40d".
	Msg string
	// Warn marks a problem the simulator can run anyway (R18's minor
	// violation, whose display penalty it applies); a scenario may opt to
	// simulate it as a warning.
	Warn bool
	// Err is the cause: platform.ErrInvalid or a *platform.RuleError with
	// its sentinel, so errors.Is and platform.RuleOf see through.
	Err error
}

// Error formats e as "path: rule: msg".
func (e *FieldError) Error() string {
	var b strings.Builder
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	if e.Rule != "" {
		b.WriteString(e.Rule + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the cause.
func (e *FieldError) Unwrap() error { return e.Err }

// Paths returns Path then Also: every field the problem involves.
func (e *FieldError) Paths() []string {
	return append([]string{e.Path}, e.Also...)
}

// invalid is a problem with path that no platform rule names.
func invalid(path string, also []string, format string, a ...any) *FieldError {
	return &FieldError{Path: path, Also: also, Msg: fmt.Sprintf(format, a...), Err: platform.ErrInvalid}
}

// ruled is a problem with path under rule: its cause is a platform.RuleError
// of sentinel (platform.RuleOf finds the rule).
func ruled(path string, also []string, rule string, sentinel error, format string, a ...any) *FieldError {
	msg := fmt.Sprintf(format, a...)
	return &FieldError{Path: path, Also: also, Rule: rule, Msg: msg,
		Err: &platform.RuleError{Rule: rule, Err: sentinel, Msg: msg}}
}

// fromRule places a platform refusal at path: its rule, its message (the
// sentinel's text when it has none) and the refusal as cause.
func fromRule(path string, also []string, err error) *FieldError {
	e := &FieldError{Path: path, Also: also, Msg: err.Error(), Err: err}
	var re *platform.RuleError
	if errors.As(err, &re) {
		e.Rule, e.Msg = re.Rule, re.Msg
		if e.Msg == "" {
			e.Msg = re.Err.Error()
		}
	}
	return e
}

// leaves splits errors.Join trees into their leaves.
func leaves(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leaves(e)...)
		}
		return out
	}
	return []error{err}
}
