package main

import (
	"context"
	"fmt"
	"io"
)

// cmdLoad is not built yet; it says so plainly.
func cmdLoad(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "giftsim load: not implemented yet")
	return exitBadInput
}
