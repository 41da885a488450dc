package main

import (
	"context"
	"fmt"
	"io"
)

// cmdRun is not built yet; it says so plainly.
func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "giftsim run: not implemented yet")
	return exitBadInput
}
