package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// Exit codes shared by every command.
const (
	exitOK         = 0 // success
	exitThresholds = 1 // thresholds failed (load) or a significance check failed
	exitBadInput   = 2 // bad input: flags, files, an unreachable target
)

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

// parseFlags parses args and returns the exit code to stop with, or -1 to go on.
func parseFlags(fs *flag.FlagSet, args []string) int {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitBadInput
	}
	return -1
}

// isTerminal reports whether w is a terminal, so progress lines show only there.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
