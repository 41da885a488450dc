package main

import (
	"context"
	"fmt"
	"io"
)

// cmdSchema is not built yet; it says so plainly.
func cmdSchema(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "giftsim schema: not implemented yet")
	return exitBadInput
}
