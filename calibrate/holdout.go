package calibrate

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"giftsim/sim"
)

// HeldOut is the outcome of fitting without one target and predicting it
// with the profile fitted on the others.
type HeldOut struct {
	Target    Target        // Target is the held-out target.
	Predicted Fitted        // Predicted is what Behaviour gives for Target.
	Behaviour sim.Behaviour // Behaviour is the profile fitted without Target.
	Fit       *Result       // Fit is the fit on the other targets; nil when no parameter drives them.
	// Drivers are the parameters that drive Target (their Param.Targets
	// list it).
	Drivers []string
	// Kept are the drivers whose only targets were held out: the fit could
	// not move them, so they kept their starting values.
	Kept []string
	// Via are the other targets the remaining drivers were fitted to.
	Via []string
}

// Misfit is the prediction's error, predicted minus wanted.
func (h HeldOut) Misfit() float64 { return h.Predicted.Value - h.Target.Want }

// Pass reports whether the prediction is within the target's tolerance.
func (h HeldOut) Pass() bool { return h.Predicted.Pass() }

// Identified reports whether any parameter that drives the target was
// fitted to the other targets; when none was, the prediction rests on the
// drivers' starting values (the priors), not on the data. It says that the
// other targets inform the parameters, not that they pin them down.
func (h HeldOut) Identified() bool { return len(h.Kept) < len(h.Drivers) }

// Status says in a few words how the held-out target's parameters were
// set: fitted to which other targets, or left at their starting values.
func (h HeldOut) Status() string {
	via := strings.Join(h.Via, ", ")
	switch {
	case len(h.Drivers) == 0:
		return "no parameter drives it"
	case !h.Identified():
		return "not identified without it (" + strings.Join(h.Kept, ", ") + " at start)"
	case len(h.Kept) > 0:
		return "partly identified: " + strings.Join(h.Kept, ", ") + " at start, the rest fitted to " + via
	}
	return "its parameters fitted to " + via
}

// evaluator returns what the model gives for each target with behaviour b.
type evaluator func(ctx context.Context, b sim.Behaviour, targets []Target) ([]Fitted, error)

// fitter fits params to targets from start.
type fitter func(ctx context.Context, start sim.Behaviour, params []Param, targets []Target) (*Result, error)

// HoldOut fits params to every target but the one called id, starting from
// start, and predicts that target with the fitted profile. Parameters whose
// only targets are the held-out one keep their starting values (so start
// must not be a profile already fitted to it, such as the shipped one; the
// priors, sim.DefaultBehaviour, are the honest start); the others fit as in
// Fit. The prediction is evaluated with opts, like the fit; it is
// deterministic for a seed.
func HoldOut(ctx context.Context, start sim.Behaviour, params []Param, targets []Target, id string, load Loader, opts Options) (HeldOut, error) {
	fit, eval := backend(load, opts)
	return holdOut(ctx, start, params, targets, id, fit, eval)
}

// LeaveOneOut runs HoldOut for every target in turn, in order.
func LeaveOneOut(ctx context.Context, start sim.Behaviour, params []Param, targets []Target, load Loader, opts Options) ([]HeldOut, error) {
	fit, eval := backend(load, opts)
	return leaveOneOut(ctx, start, params, targets, fit, eval, opts.Progress)
}

// backend returns Fit and Evaluate bound to load and opts.
func backend(load Loader, opts Options) (fitter, evaluator) {
	fit := func(ctx context.Context, start sim.Behaviour, params []Param, targets []Target) (*Result, error) {
		return Fit(ctx, start, params, targets, load, opts)
	}
	eval := func(ctx context.Context, b sim.Behaviour, targets []Target) ([]Fitted, error) {
		return Evaluate(ctx, b, targets, load, opts)
	}
	return fit, eval
}

// leaveOneOut is LeaveOneOut with the model behind fit and eval.
func leaveOneOut(ctx context.Context, start sim.Behaviour, params []Param, targets []Target, fit fitter, eval evaluator, progress io.Writer) ([]HeldOut, error) {
	out := make([]HeldOut, 0, len(targets))
	for i, t := range targets {
		if progress != nil {
			fmt.Fprintf(progress, "leave one out: holding out %s (%d of %d)\n", t.ID, i+1, len(targets))
		}
		h, err := holdOut(ctx, start, params, targets, t.ID, fit, eval)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

// holdOut is HoldOut with the model behind fit and eval.
func holdOut(ctx context.Context, start sim.Behaviour, params []Param, targets []Target, id string, fit fitter, eval evaluator) (HeldOut, error) {
	var held []Target
	var rest []Target
	var ids []string
	for _, t := range targets {
		ids = append(ids, t.ID)
		if t.ID == id {
			held = append(held, t)
		} else {
			rest = append(rest, t)
		}
	}
	switch len(held) {
	case 0:
		return HeldOut{}, fmt.Errorf("calibrate: hold out: no target %q (targets: %s)", id, strings.Join(ids, ", "))
	case 1:
	default:
		return HeldOut{}, fmt.Errorf("calibrate: hold out: %d targets are called %q", len(held), id)
	}
	h := HeldOut{Target: held[0], Behaviour: start}
	fitted := map[string]bool{}
	for _, g := range groupParams(params, rest) {
		for _, p := range g.params {
			fitted[p.Name] = true
		}
	}
	via := map[string]bool{}
	for _, p := range params {
		if !slices.Contains(p.Targets, id) {
			continue
		}
		h.Drivers = append(h.Drivers, p.Name)
		if !fitted[p.Name] {
			h.Kept = append(h.Kept, p.Name)
			continue
		}
		for _, tid := range p.Targets {
			via[tid] = true
		}
	}
	for _, t := range rest {
		if via[t.ID] && !slices.Contains(h.Via, t.ID) {
			h.Via = append(h.Via, t.ID)
		}
	}
	if len(fitted) > 0 {
		res, err := fit(ctx, start, params, rest)
		if err != nil {
			return HeldOut{}, fmt.Errorf("calibrate: hold out %s: %w", id, err)
		}
		h.Fit, h.Behaviour = res, res.Behaviour
	}
	fs, err := eval(ctx, h.Behaviour, held)
	if err != nil {
		return HeldOut{}, fmt.Errorf("calibrate: hold out %s: predict: %w", id, err)
	}
	if len(fs) != 1 {
		return HeldOut{}, fmt.Errorf("calibrate: hold out %s: no prediction", id)
	}
	h.Predicted = fs[0]
	return h, nil
}
