package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"

	"giftsim/calibrate"
	"giftsim/sim"
)

// validation holds the calibrate flags that ask for a check of the
// calibration instead of a fit: --identify, --hold-out and --leave-one-out.
type validation struct {
	identify    bool
	contexts    bool
	holdOut     string
	leaveOneOut bool
	profile     string // profile is --profile as given.
	priors      bool   // priors is --from-defaults.
	out         string // out is --out, which the checks do not write.
	check       int    // check is --check-replications.
	seed        uint64
}

// requested reports whether any check was asked for.
func (v validation) requested() bool {
	return v.identify || v.contexts || v.holdOut != "" || v.leaveOneOut
}

// runValidation runs the check v asks for and prints its tables. start is
// the profile the command would fit from; a hold-out starts from the priors
// instead unless --profile was given (without --from-defaults), because the shipped profile was
// fitted to every target, the held-out one included.
func runValidation(ctx context.Context, v validation, start sim.Behaviour, targets []calibrate.Target, load calibrate.Loader, opts calibrate.Options, stdout, stderr io.Writer) error {
	n := 0
	for _, on := range []bool{v.identify, v.contexts, v.holdOut != "", v.leaveOneOut} {
		if on {
			n++
		}
	}
	if n > 1 {
		return badInput(errors.New("use one of --identify, --contexts, --hold-out and --leave-one-out"))
	}
	if v.out != "" {
		return badInput(errors.New("--identify, --contexts, --hold-out and --leave-one-out write no profile; drop --out"))
	}
	var err error
	switch {
	case v.identify:
		err = printIdentify(ctx, v, start, targets, load, opts, stdout)
	case v.contexts:
		err = printContexts(ctx, v, start, targets, load, opts, stdout)
	default:
		from := "the priors (sim.DefaultBehaviour)"
		if v.profile != "" && !v.priors {
			from = v.profile
			fmt.Fprintf(stderr, "giftsim calibrate: starting the hold-out fits from %s; if it was fitted to the held-out targets, their predictions are not held out\n", v.profile)
		} else {
			start = sim.DefaultBehaviour()
		}
		err = printHoldOuts(ctx, v, from, start, targets, load, opts, stdout)
	}
	if err != nil {
		return badInput(err)
	}
	return nil
}

// printHoldOuts fits without the held-out target (or each in turn), checks
// each prediction at full size with --check-replications, and prints them.
func printHoldOuts(ctx context.Context, v validation, from string, start sim.Behaviour, targets []calibrate.Target, load calibrate.Loader, opts calibrate.Options, stdout io.Writer) error {
	params := calibrate.DefaultParams()
	var hs []calibrate.HeldOut
	if v.leaveOneOut {
		var err error
		if hs, err = calibrate.LeaveOneOut(ctx, start, params, targets, load, opts); err != nil {
			return err
		}
	} else {
		h, err := calibrate.HoldOut(ctx, start, params, targets, v.holdOut, load, opts)
		if err != nil {
			return err
		}
		hs = []calibrate.HeldOut{h}
	}
	size := fmt.Sprintf("scale %g, %d replications", opts.Scale, opts.Replications)
	if v.check > 0 {
		size = fmt.Sprintf("full size, %d replications", v.check)
		for i, h := range hs {
			fs, err := calibrate.Evaluate(ctx, h.Behaviour, []calibrate.Target{h.Target}, load, calibrate.Options{Replications: v.check, Seed: v.seed})
			if err != nil {
				return fmt.Errorf("check %s: %w", h.Target.ID, err)
			}
			hs[i].Predicted = fs[0]
		}
	}
	evals := 0
	for _, h := range hs {
		if h.Fit != nil {
			evals += h.Fit.Evals
		}
	}
	fmt.Fprintf(stdout, "each fit starts from %s; predictions at %s; %d evaluations in all\n\n", from, size, evals)
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "held out\twant\tpredicted [95%% CI]\terror\twithin tol\tits parameters\n")
	for _, h := range hs {
		ok := yesNo(h.Pass())
		p := h.Predicted
		fmt.Fprintf(tw, "%s\t%.2f ± %.2f\t%.3f [%.3f, %.3f]\t%s\t%s\t%s\n", h.Target.ID, h.Target.Want, h.Target.Tol, p.Value, p.Low, p.High, signedf(h.Misfit(), 3), ok, h.Status())
	}
	fmt.Fprintf(tw, "\nparameter\tstart")
	for _, h := range hs {
		fmt.Fprintf(tw, "\twithout %s", h.Target.ID)
	}
	fmt.Fprintln(tw)
	for _, p := range params {
		fmt.Fprintf(tw, "%s\t%.3g", p.Name, *p.Field(&start))
		for _, h := range hs {
			b := h.Behaviour
			fmt.Fprintf(tw, "\t%.3g", *p.Field(&b))
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

// printIdentify prints the identifiability analysis around start.
func printIdentify(ctx context.Context, v validation, start sim.Behaviour, targets []calibrate.Target, load calibrate.Loader, opts calibrate.Options, stdout io.Writer) error {
	params := calibrate.DefaultParams()
	id, err := calibrate.Identify(ctx, start, params, targets, load, opts, calibrate.IdentifyOptions{})
	if err != nil {
		return err
	}
	o := id.Options
	around := "the shipped profile"
	switch {
	case v.priors:
		around = "the priors (sim.DefaultBehaviour)"
	case v.profile != "":
		around = v.profile
	}
	reps := opts.Replications
	if reps <= 0 {
		reps = 10
	}
	scale := opts.Scale
	if scale <= 0 || scale > 1 {
		scale = 1
	}
	fmt.Fprintf(stdout, "around %s (scale %g, seed %d): each parameter ×/÷ %g, in %d blocks of common random numbers of %d replications\n\n", around, scale, v.seed, o.Step, o.Blocks, reps)
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "target\twant\tat the profile\n")
	for i, t := range targets {
		fmt.Fprintf(tw, "%s\t%.2f ± %.2f\t%.3f\n", t.ID, t.Want, t.Tol, id.Base[i])
	}
	fmt.Fprintf(tw, "\nsensitivity (tolerances per unit ln)")
	for _, t := range targets {
		fmt.Fprintf(tw, "\t%s", t.ID)
	}
	fmt.Fprintln(tw)
	for j, p := range params {
		fmt.Fprintf(tw, "%s", p.Name)
		for i := range targets {
			fmt.Fprintf(tw, "\t%s ± %.2f", signedf(id.J.At(i, j), 2), id.JSE.At(i, j))
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	sv := make([]string, len(id.Singular))
	for k, s := range id.Singular {
		sv[k] = fmt.Sprintf("%.3g (%.2g)", s, id.DirNoise[k])
	}
	fmt.Fprintf(stdout, "\nsingular values of J (noise): %s; rank %d of %d parameters\n\n", strings.Join(sv, ", "), id.Rank, len(params))
	fmt.Fprintf(tw, "parameter\tvalue\tSE of ln\t95%% factor\tnull share\tflags\n")
	for j, p := range params {
		se, factor := "∞", "—"
		if !math.IsInf(id.SE[j], 0) {
			se, factor = fmt.Sprintf("%.3f", id.SE[j]), fmt.Sprintf("×/÷ %.3g", math.Exp(1.96*id.SE[j]))
		}
		flags := strings.Join(id.Flags(j), "; ")
		if d := id.TradeOff(j); d != nil {
			flags += ": trades off as " + id.Describe(d, 0.25)
		}
		if flags == "" {
			flags = "ok"
		}
		fmt.Fprintf(tw, "%s\t%.4g\t%s\t%s\t%.2f\t%s\n", p.Name, id.Center[j], se, factor, id.NullShare[j], flags)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var ided []int
	for j := range params {
		if id.Identified(j) {
			ided = append(ided, j)
		}
	}
	if len(ided) > 1 {
		fmt.Fprintf(stdout, "\ncorrelations of the identified parameters' logs:\n")
		fmt.Fprintf(tw, "parameter")
		for _, k := range ided {
			fmt.Fprintf(tw, "\t%s", params[k].Name)
		}
		fmt.Fprintln(tw)
		for _, j := range ided {
			fmt.Fprintf(tw, "%s", params[j].Name)
			for _, k := range ided {
				fmt.Fprintf(tw, "\t%s", signedf(id.Corr[j][k], 2))
			}
			fmt.Fprintln(tw)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(id.Seen) > 0 {
		fmt.Fprintf(stdout, "\ncombinations of the log parameters the targets pin down (right singular vectors of J; components ≥ 0.2):\n")
		for k, d := range id.Seen {
			fmt.Fprintf(stdout, "%2d. SE %.3f: %s\n", k+1, id.SeenSE[k], id.Describe(d, 0.2))
		}
	}
	if len(id.Null) > 0 {
		fmt.Fprintf(stdout, "\nnull directions of J (changes of the log parameters that leave every target unchanged to first order; components ≥ 0.2):\n")
		for k, d := range id.Null {
			fmt.Fprintf(stdout, "%2d. %s\n", k+1, id.Describe(d, 0.2))
		}
	}
	return nil
}

// signedf formats x with an explicit sign and prec decimals, a minus sign
// for negatives.
func signedf(x float64, prec int) string {
	s := fmt.Sprintf("%.*f", prec, math.Abs(x))
	switch {
	case math.IsNaN(x):
		return "·"
	case strings.Trim(s, "0.") == "":
		return " " + s
	case x < 0:
		return "−" + s
	}
	return "+" + s
}

// printContexts evaluates every target in each context of its panel with
// the profile, with --check-replications replications, and prints a table
// of targets by contexts: the cross-context check.
func printContexts(ctx context.Context, v validation, b sim.Behaviour, targets []calibrate.Target, load calibrate.Loader, opts calibrate.Options, stdout io.Writer) error {
	if v.check > 0 {
		opts.Replications = v.check
	}
	fs, err := calibrate.Evaluate(ctx, b, targets, load, opts)
	if err != nil {
		return err
	}
	var names []string
	for _, f := range fs {
		for _, c := range f.Contexts {
			if !slices.Contains(names, c.Context) {
				names = append(names, c.Context)
			}
		}
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "context\tfactors\n")
	for i, n := range names {
		fmt.Fprintf(tw, "c%d\t%s\n", i+1, n)
	}
	fmt.Fprintf(tw, "\ntarget\twant\tpanel mean\tpass")
	for i := range names {
		fmt.Fprintf(tw, "\tc%d", i+1)
	}
	fmt.Fprintf(tw, "\tin tol\tkept by its arms\n")
	for _, f := range fs {
		ok := yesNo(f.Pass())
		fmt.Fprintf(tw, "%s\t%.2f ± %.2f\t%.3f\t%s", f.ID, f.Want, f.Tol, f.Value, ok)
		in := 0
		var kept []string
		for _, n := range names {
			i := slices.IndexFunc(f.Contexts, func(c calibrate.ContextValue) bool { return c.Context == n })
			if i < 0 {
				fmt.Fprintf(tw, "\t-")
				continue
			}
			c := f.Contexts[i]
			fmt.Fprintf(tw, "\t%.3f", c.Value)
			if math.Abs(c.Value-f.Want) <= f.Tol {
				in++
			}
			for _, s := range c.Skipped {
				p, _, _ := strings.Cut(s, "=")
				if !slices.Contains(kept, p) {
					kept = append(kept, p)
				}
			}
		}
		fmt.Fprintf(tw, "\t%d of %d\t%s\n", in, len(f.Contexts), strings.Join(kept, ", "))
	}
	return tw.Flush()
}
