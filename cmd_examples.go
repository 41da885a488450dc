package main

import (
	"context"
	"fmt"
	"io"
)

// cmdExamples is not built yet; it says so plainly.
func cmdExamples(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "giftsim examples: not implemented yet")
	return exitBadInput
}
