package main

import (
	"context"
	"fmt"
	"io"
)

// cmdReport is not built yet; it says so plainly.
func cmdReport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "giftsim report: not implemented yet")
	return exitBadInput
}
