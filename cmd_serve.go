package main

import (
	"context"
	"fmt"
	"io"
)

// cmdServe is not built yet; it says so plainly.
func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "giftsim serve: not implemented yet")
	return exitBadInput
}
