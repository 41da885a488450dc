package main

import (
	"context"
	"fmt"
	"io"
)

// cmdValidate is not built yet; it says so plainly.
func cmdValidate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "giftsim validate: not implemented yet")
	return exitBadInput
}
