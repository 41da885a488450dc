package main

import (
	"context"
	"fmt"
	"io"

	"giftsim/scenarios"
)

// cmdSchema prints the JSON Schema of scenario files, for editors.
func cmdSchema(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("schema", "", "giftsim schema > scenario.schema.json", stderr)
	usageNote(fs, stderr, "\nPrints the JSON Schema (draft-07) of scenario files; docs/SCENARIOS.md shows how to use it in VS Code.\nExit status: 0 ok, 2 for bad flags or arguments.")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return badInput(fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	_, err := stdout.Write(scenarios.Schema())
	return err
}
