package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"giftsim/calibrate"
	"giftsim/scenarios"
	"giftsim/sim"
)

// cmdCalibrate fits the behavioural parameters to measured effects and
// writes the fitted profile.
func cmdCalibrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("calibrate", "[TARGETS.csv] [flags]",
		"giftsim calibrate --from-defaults --out scenarios/profiles/default.yaml", stderr)
	out := fs.String("out", "", "write the fitted profile (a scenario behaviour section) to this file")
	scale := fs.Float64("scale", 1, "share of each scenario's population (and sends) the fit runs at: smaller is faster and noisier")
	reps := fs.Int("replications", 5, "replications per evaluation (in each context of a target's panel)")
	evals := fs.Int("max-evals", 40, "evaluations per parameter group and pass")
	passes := fs.Int("passes", 3, "passes over the parameter groups")
	check := fs.Int("check-replications", 20, "replications of the final check at the scenarios' full size (0: skip)")
	seed := fs.Uint64("seed", 1, "seed of the common random numbers")
	profile := fs.String("profile", "", "start from this profile instead of the shipped one")
	fromDefaults := fs.Bool("from-defaults", false, "start from the uncalibrated priors (sim.DefaultBehaviour) instead of a profile")
	holdOut := fs.String("hold-out", "", "instead of fitting to every target, fit without this one (e.g. B1), from the priors unless --profile is given, and predict it")
	leaveOneOut := fs.Bool("leave-one-out", false, "hold out every target in turn (see --hold-out) and print a table of the predictions")
	contexts := fs.Bool("contexts", false, "instead of fitting, evaluate every target in each context of its panel with the profile and print the cross-context table")
	contextUsers := fs.Int("context-users", calibrate.ContextUsers, "population of each context of a target's panel (before --scale)")
	noPanel := fs.Bool("no-panel", false, "evaluate each target in its scenario as written, at its own size, instead of as the mean over its panel of contexts (faster, and fitted to one context only)")
	identify := fs.Bool("identify", false, "instead of fitting, report the targets' sensitivities and the parameters' standard errors and correlations around the profile")
	ensembleSize := fs.Int("ensemble", 20, "parameter sets to draw around the fit for the profile's ensemble (0: none)")
	ensembleSweeps := fs.Int("ensemble-sweeps", 0, "sweeps of each of the ensemble's ten chains over the parameter groups, a quarter of them tuning (0: 4 per kept set per chain, 8 for 20 sets)")
	ensembleNoise := fs.String("ensemble-noise", "shared", "random numbers the ensemble's proposals are judged under: shared (the calibration's seed, as the fit), chain (a seed per chain), proposal (fresh for every proposal)")
	fitNoise := fs.Bool("ensemble-fit-noise", true, "spread the ensemble's sets by the fit's own simulation noise (delta method), so it also covers the fits other seeds would find")
	cf := addClusterFlags(fs)
	ensembleOnly := fs.Bool("ensemble-only", false, "do not fit: keep the profile's parameters (--profile, or the shipped one) and draw its ensemble anew; needs --out")
	data := fs.String("data", "", "fit a merchant's absolute levels to its own export (docs/DATA.md) instead of measured effects; needs --scenario")
	merchant := fs.String("scenario", "", "with --data: the merchant scenario the data's sends are replayed in")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkOutFile(*out); err != nil {
		return badInput(err)
	}
	if *data != "" || *merchant != "" {
		return calibrateData(ctx, fs, args, stdout, stderr)
	}
	targets := calibrate.DefaultTargets()
	if fs.NArg() > 1 {
		return badInput(errors.New("at most one targets file"))
	}
	if fs.NArg() == 1 {
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return badInput(err)
		}
		targets, err = calibrate.ReadTargets(f, fs.Arg(0))
		f.Close()
		if err != nil {
			return badInput(err)
		}
	}
	start, err := scenarios.LoadProfile(*profile)
	if err != nil {
		return badInput(err)
	}
	if *fromDefaults {
		start = sim.DefaultBehaviour()
	}
	noise, err := calibrate.ParseNoise(*ensembleNoise)
	if err != nil {
		return badInput(fmt.Errorf("--ensemble-noise: %w", err))
	}
	load := calibrate.ScenarioLoader(exampleOrPath)
	var progress io.Writer
	if isTerminal(stderr) {
		progress = stderr
	}
	exec, closeExec, err := cf.executor(ctx, progress)
	if err != nil {
		return badInput(err)
	}
	defer closeExec()
	opts := calibrate.Options{Scale: *scale, Replications: *reps, Seed: *seed, MaxEvals: *evals, Passes: *passes, Progress: progress, NoPanel: *noPanel, ContextUsers: *contextUsers, Exec: exec}
	if v := (validation{identify: *identify, contexts: *contexts, holdOut: *holdOut, leaveOneOut: *leaveOneOut, profile: *profile, priors: *fromDefaults, out: *out, check: *check, seed: *seed}); v.requested() {
		return runValidation(ctx, v, start, targets, load, opts, stdout, stderr)
	}
	if *ensembleOnly && (*out == "" || *ensembleSize <= 0 || *fromDefaults) {
		return badInput(errors.New("--ensemble-only needs --out and --ensemble above 0, and starts from a profile, not --from-defaults"))
	}
	var res *calibrate.Result
	if *ensembleOnly {
		res = &calibrate.Result{Behaviour: start, Params: calibrate.DefaultParams()}
	} else if res, err = calibrate.Fit(ctx, start, calibrate.DefaultParams(), targets, load, opts); err != nil {
		return badInput(err)
	}
	fitted := res.Fitted
	if *check > 0 || *ensembleOnly {
		fitted, err = calibrate.Evaluate(ctx, res.Behaviour, targets, load, calibrate.Options{Replications: max(*check, 1), Seed: *seed, NoPanel: *noPanel, ContextUsers: *contextUsers, Exec: exec})
		if err != nil {
			return badInput(err)
		}
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "target\twant\tfitted [95%% CI]\tpass\twhat\n")
	pass := true
	for _, f := range fitted {
		ok := yesNo(f.Pass())
		pass = pass && f.Pass()
		fmt.Fprintf(tw, "%s\t%.2f ± %.2f\t%.3f [%.3f, %.3f]\t%s\t%s\n", f.ID, f.Want, f.Tol, f.Value, f.Low, f.High, ok, f.Name)
	}
	fmt.Fprintf(tw, "\nparameter\tfitted\n")
	for _, p := range res.Params {
		fmt.Fprintf(tw, "%s\t%.6g\n", p.Name, *p.Field(&res.Behaviour))
	}
	tw.Flush()
	if !*ensembleOnly {
		fmt.Fprintf(stdout, "%d evaluations, loss %.3f\n", res.Evals, res.Loss)
	}
	prof := scenarios.Profile{Behaviour: res.Behaviour}
	if *ensembleSize > 0 && *out != "" {
		ens, err := calibrate.Ensemble(ctx, res.Behaviour, calibrate.DefaultParams(), targets, load, opts, calibrate.EnsembleOptions{Size: *ensembleSize, Steps: 10 * max(*ensembleSweeps, 0), Noise: noise, FitNoise: *fitNoise})
		if err != nil {
			return badInput(err)
		}
		prof.Ensemble = ens.Members
		chains := ""
		if ens.CenterDraws > 0 {
			chains = fmt.Sprintf("; the fit met every target under %d of %d chains' random numbers, %d chains stranded", ens.CenterPasses, ens.CenterDraws, ens.Stranded)
		}
		fmt.Fprintf(stdout, "ensemble: %d parameter sets (%d of %d proposals accepted; %d outside the bounds, %d turned down by the prior's ratio, %s%s)\n", len(ens.Members), ens.Accepted, ens.Proposed, ens.Outside, ens.Unlikely, missedText(ens.Missed), chains)
	}
	if *out != "" {
		f, err := os.Create(*out)
		if err == nil {
			err = scenarios.WriteProfile(f, prof, fmt.Sprintf("giftsim calibrate %s", joinArgs(args)))
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			return badInput(err)
		}
		fmt.Fprintf(stdout, "wrote %s\n", *out)
	}
	if !pass {
		return &exitError{code: exitThresholds} // the table says which target missed
	}
	return nil
}

// exampleOrPath maps a bundled example's name to its path; anything else is
// taken as a path.
func exampleOrPath(name string) string {
	for _, e := range scenarios.Examples() {
		if e.Name == name {
			return filepath.Join("scenarios", "examples", name+".yaml")
		}
	}
	return name
}

// joinArgs quotes args back into a command line for the profile's header.
func joinArgs(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if strings.ContainsAny(a, " \t'\"") {
			out[i] = strconv.Quote(a)
		}
	}
	return strings.Join(out, " ")
}

// missedText lists how many proposals missed each target first, e.g.
// "missed B1 12, B3 4", or "none missed a target".
func missedText(m map[string]int) string {
	if len(m) == 0 {
		return "none missed a target"
	}
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf("%s %d", id, m[id])
	}
	return "missed " + strings.Join(parts, ", ")
}
