package main

import (
	"context"
	"io"
	"testing"
)

// runCommand runs an error-returning command as dispatch does: it prints
// the error and returns the exit code exitCode maps it to.
func runCommand(t *testing.T, run func(context.Context, []string, io.Writer, io.Writer) error, name string, args []string, stdout, stderr io.Writer) int {
	t.Helper()
	err := run(context.Background(), args, stdout, stderr)
	report(stderr, name, err)
	return exitCode(err)
}
