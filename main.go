// Command giftsim simulates and load-tests coupon gifting on WeChat.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand: its name, a one-line summary and the function
// that turns its arguments into library calls and returns an error, which
// exitCode maps to the exit code.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands is the command table, in the order help lists them.
func commands() []command {
	return []command{
		{"run", "run a scenario file and print KPIs with 95% intervals", cmdRun},
		{"validate", "check scenario files and list every error", cmdValidate},
		{"examples", "list or print the bundled example scenarios", cmdExamples},
		{"schema", "print the JSON Schema of scenario files", cmdSchema},
		{"serve", "start the mock coupon platform", cmdServe},
		{"load", "drive a platform with a load plan and judge thresholds", cmdLoad},
		{"report", "render a report from saved results", cmdReport},
		{"sensitivity", "rank a scenario's levers by how much they move a KPI", cmdSensitivity},
		{"optimize", "search a scenario's levers for the best strategy under its objective and constraints", cmdOptimize},
		{"calibrate", "fit the behavioural model to measured effects", cmdCalibrate},
		{"backtest", "fit a merchant's levels on one campaign's data and predict another's", cmdBacktest},
		{"worker", "run simulation units from a Redis queue for run --cluster", cmdWorker},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := dispatch(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// dispatch runs the subcommand named by args[0].
func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return exitBadInput
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, args[1:], stdout, stderr)
			report(stderr, c.name, err)
			return exitCode(err)
		}
	}
	fmt.Fprintf(stderr, "giftsim: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitBadInput
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "giftsim simulates and load-tests coupon gifting on WeChat.")
	fmt.Fprintln(w, "\nUsage: giftsim COMMAND [flags] [args]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'giftsim COMMAND -h' for a command's flags and an example.")
}
