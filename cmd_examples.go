package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"giftsim/scenarios"
)

// cmdExamples lists the bundled example scenarios, or prints one.
func cmdExamples(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("examples", "[NAME]", "giftsim examples validity-7-vs-30 > my.yaml", stderr)
	usageNote(fs, stderr, "\nWithout NAME it lists the examples and their questions; with NAME it prints the file.\nExit status: 0 ok, 2 for an unknown name.")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch fs.NArg() {
	case 0:
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		for _, e := range scenarios.Examples() {
			fmt.Fprintf(tw, "%s\t%s\n", e.Name, e.Question)
		}
		return tw.Flush()
	case 1:
		data, err := scenarios.ExampleFile(fs.Arg(0))
		if err != nil {
			return badInput(err)
		}
		_, err = stdout.Write(data)
		return err
	default:
		fs.Usage()
		return badInput(fmt.Errorf("want at most one example name, got %d", fs.NArg()))
	}
}
