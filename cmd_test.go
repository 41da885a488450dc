package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
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

// reportTwice runs args with --out in a fresh directory twice through
// dispatch and checks that each run exits 0, prints every string of want
// and writes every file of files. It returns the two runs' copies of the
// JSON file among files, to compare.
func reportTwice(t *testing.T, args, want, files []string) (string, string) {
	t.Helper()
	var outs [2]string
	for i := range outs {
		dir := t.TempDir()
		var stdout, stderr bytes.Buffer
		if code := dispatch(context.Background(), append(args, "--out", dir), &stdout, &stderr); code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		for _, w := range want {
			if !strings.Contains(stdout.String(), w) {
				t.Errorf("stdout lacks %q:\n%s", w, stdout.String())
			}
		}
		for _, f := range files {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasSuffix(f, ".json") {
				outs[i] = string(b)
			}
		}
	}
	return outs[0], outs[1]
}

// TestExitCode checks the one mapping from a command's error to its exit
// code.
func TestExitCode(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want int
	}{
		{nil, exitOK},
		{flag.ErrHelp, exitOK},
		{errors.New("no such file"), exitBadInput},
		{badInput(errors.New("bad flag")), exitBadInput},
		{failed(errors.New("threshold")), exitThresholds},
		{&exitError{code: exitThresholds}, exitThresholds},
		{fmt.Errorf("%w: %w", errInterrupted, context.Canceled), exitInterrupted},
		{fmt.Errorf("run: %w", context.Canceled), exitInterrupted},
		{runFailed(fmt.Errorf("replication 3: %w", context.Canceled)), exitInterrupted},
		{runFailed(errors.New("engine failed")), exitThresholds},
	} {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}
