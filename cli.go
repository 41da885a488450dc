package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"giftsim/platform"
)

// Exit codes shared by every command.
const (
	exitOK         = 0 // success
	exitThresholds = 1 // thresholds failed (load) or a significance check failed
	exitBadInput   = 2 // bad input: flags, files, an unreachable target
	// exitInterrupted ends a run stopped by Ctrl-C (SIGINT) or SIGTERM after
	// it wrote what it had measured: 128 + SIGINT, as shells report it.
	exitInterrupted = 130
)

// exitError is an error that ends a command with a given exit code. With a
// nil err the command has already said what went wrong.
type exitError struct {
	code int
	err  error
}

// Error returns the cause's message.
func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

// Unwrap returns the cause.
func (e *exitError) Unwrap() error { return e.err }

// badInput marks err as bad input (exit 2).
func badInput(err error) error { return &exitError{exitBadInput, err} }

// failed marks err as a failed check (exit 1).
func failed(err error) error { return &exitError{exitThresholds, err} }

// errInterrupted ends a command stopped by a signal after it wrote what it
// had (exit 130).
var errInterrupted = errors.New("interrupted")

// runFailed maps the error of a simulation that began: an invalid
// experiment is bad input, a stop by signal an interruption, anything else
// a failed run (exit 1).
func runFailed(err error) error {
	switch {
	case errors.Is(err, platform.ErrInvalid):
		return badInput(err)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("%w: %w", errInterrupted, err)
	}
	return failed(err)
}

// exitCode is the one place an error becomes an exit code: nil and -h are
// 0, an exitError carries its own, an interruption (errInterrupted, or the
// context a signal canceled) is 130, and any other error is bad input.
func exitCode(err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if e, ok := errors.AsType[*exitError](err); ok {
		return e.code
	}
	if errors.Is(err, errInterrupted) || errors.Is(err, context.Canceled) {
		return exitInterrupted
	}
	return exitBadInput
}

// report prints err for command name to stderr, one problem per line,
// unless the command already did (an exitError without a cause).
func report(stderr io.Writer, name string, err error) {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return
	}
	if e, ok := errors.AsType[*exitError](err); ok && e.err == nil {
		return
	}
	fmt.Fprintf(stderr, "giftsim %s: %s\n", name, strings.ReplaceAll(err.Error(), "\n", "\n  "))
}

// parse parses args, flags before or after the positional arguments, and
// returns flag.ErrHelp after -h and a quiet bad-input error after a flag
// error (the flag package has printed it).
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(flagsFirst(fs, args)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return flag.ErrHelp
		}
		return &exitError{code: exitBadInput}
	}
	return nil
}

// present prints a result with text and a footer line, then, when dir is
// not "", writes its files with write and names the report it wrote.
func present(ctx context.Context, stdout io.Writer, dir string, text func(io.Writer) error, footer string, write func(context.Context, string) error) error {
	if err := text(stdout); err != nil {
		return failed(err)
	}
	fmt.Fprintf(stdout, "\n%s\n", footer)
	if dir == "" {
		return nil
	}
	if err := write(ctx, dir); err != nil {
		return badInput(err)
	}
	fmt.Fprintf(stdout, "wrote %s\n", filepath.Join(dir, "report.html"))
	return nil
}

// checkOut checks, before any work, that an --out directory can be written:
// it makes the directory and writes and removes a probe file in it. An
// empty dir is no --out and passes.
func checkOut(dir string) error {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--out %s: cannot make the directory: %w", dir, unwrapPath(err))
	}
	return probe(dir, "--out "+dir)
}

// checkOutFile checks, before any work, that an --out file can be written:
// it is not a directory and its directory exists and takes a new file.
func checkOutFile(path string) error {
	if path == "" {
		return nil
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("--out %s: is a directory; give a file name", path)
	}
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("--out %s: directory %s does not exist", path, dir)
	}
	return probe(dir, "--out "+path)
}

// probe writes and removes a file in dir.
func probe(dir, what string) error {
	f, err := os.CreateTemp(dir, ".giftsim-write-check-*")
	if err != nil {
		return fmt.Errorf("%s: cannot write there: %w", what, unwrapPath(err))
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// unwrapPath drops the *PathError wrapper, whose path the caller names.
func unwrapPath(err error) error {
	if pe, ok := errors.AsType[*os.PathError](err); ok {
		return pe.Err
	}
	return err
}

// newFlags makes a flag set for a subcommand whose -h prints the usage line,
// an example and the flags.
func newFlags(name, usage, example string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: giftsim %s %s\n\nExample:\n  %s\n\nFlags:\n", name, usage, example)
		fs.PrintDefaults()
	}
	return fs
}

// usageNote adds note (a line or more) after the usage fs prints.
func usageNote(fs *flag.FlagSet, stderr io.Writer, note string) {
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		fmt.Fprintln(stderr, note)
	}
}

// yesNo is how a table marks a check: "yes" when it passed, "NO" when not.
func yesNo(pass bool) string {
	if pass {
		return "yes"
	}
	return "NO"
}

// isTerminal reports whether w is a terminal, so progress lines show only there.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// flagsFirst reorders args so that flags come before positional arguments,
// as the flag package expects: "run FILE --out DIR" works like
// "run --out DIR FILE". Everything after "--" stays positional.
func flagsFirst(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			continue
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		if i+1 < len(args) {
			flags = append(flags, args[i+1])
			i++
		}
	}
	if len(pos) == 0 {
		return flags
	}
	return append(append(flags, "--"), pos...)
}
