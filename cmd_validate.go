package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"giftsim/scenarios"
)

// cmdValidate checks scenario files and lists every problem in them.
//
// Its output is the list of problems, one per line on stderr, so it reports
// a bad file itself and ends with a quiet bad-input error.
func cmdValidate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("validate", "[-v] [-canonical] [--set path=value]... FILE...", "giftsim validate scenarios/examples/validity-7-vs-30.yaml", stderr)
	verbose := fs.Bool("v", false, "list each arm and the fields it sets")
	canonical := fs.Bool("canonical", false, "print each valid file in canonical form (fields at their default left out)")
	var sets stringList
	fs.Var(&sets, "set", "check each file with a field overridden in every arm, as run --set does, e.g. --set coupon.validity=7d (repeatable)")
	usageNote(fs, stderr, "\nExit status: 0 when every file is valid, 2 otherwise (each problem is listed on stderr).")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return badInput(errors.New("name at least one scenario file"))
	}
	bad := false
	for _, file := range fs.Args() {
		if ctx.Err() != nil {
			return fmt.Errorf("%w: %w", errInterrupted, ctx.Err())
		}
		s, err := scenarios.ParseFile(file)
		if err == nil {
			err = s.Set(sets)
		}
		if err != nil {
			fmt.Fprintln(stderr, err)
			bad = true
			continue
		}
		exp := s.Experiment()
		arms := "arms"
		if len(exp.Arms) == 1 {
			arms = "arm"
		}
		fmt.Fprintf(stdout, "%s: ok, %d %s\n", file, len(exp.Arms), arms)
		for _, w := range s.Warnings() {
			fmt.Fprintf(stderr, "%v (warning)\n", w)
		}
		if *verbose {
			for _, a := range exp.Arms {
				var sets []string
				for _, kv := range a.Settings {
					sets = append(sets, kv[0]+"="+kv[1])
				}
				if len(sets) == 0 {
					sets = []string{"(the base)"}
				}
				fmt.Fprintf(stdout, "  arm %s: %s\n", a.Name, strings.Join(sets, "  "))
			}
		}
		if *canonical {
			b, err := s.Marshal()
			if err != nil {
				fmt.Fprintln(stderr, err)
				bad = true
				continue
			}
			stdout.Write(b)
		}
	}
	if bad {
		return &exitError{code: exitBadInput}
	}
	return nil
}
