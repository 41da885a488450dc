package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"giftsim/scenarios"
)

// cmdExamples lists the bundled example scenarios, or prints one.
func cmdExamples(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("examples", "[NAME]", "giftsim examples validity-7-vs-30 > my.yaml", stderr)
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		fmt.Fprintln(stderr, "\nWithout NAME it lists the examples and their questions; with NAME it prints the file.")
		fmt.Fprintln(stderr, "Exit status: 0 ok, 2 for an unknown name.")
	}
	if code := parseFlags(fs, args); code >= 0 {
		return code
	}
	switch fs.NArg() {
	case 0:
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		for _, e := range scenarios.Examples() {
			fmt.Fprintf(tw, "%s\t%s\n", e.Name, e.Question)
		}
		tw.Flush()
		return exitOK
	case 1:
		data, err := scenarios.ExampleFile(fs.Arg(0))
		if err != nil {
			fmt.Fprintf(stderr, "giftsim examples: %v\n", err)
			return exitBadInput
		}
		stdout.Write(data)
		return exitOK
	default:
		fs.Usage()
		return exitBadInput
	}
}
