package calibrate

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"giftsim/sim"
)

// fakeFit is a fitter that records the targets it is given and "fits" by
// doubling every parameter that one of them drives, as Fit would move only
// those.
type fakeFit struct{ calls [][]string }

func (f *fakeFit) fit(_ context.Context, start sim.Behaviour, params []Param, targets []Target) (*Result, error) {
	var ids []string
	for _, t := range targets {
		ids = append(ids, t.ID)
	}
	f.calls = append(f.calls, ids)
	b := start
	for _, g := range groupParams(params, targets) {
		for _, p := range g.params {
			*p.Field(&b) *= 2
		}
	}
	return &Result{Behaviour: b, Params: params, Evals: 1}, nil
}

// productModel gives every target the product of the parameters that drive
// it, so a prediction shows which values it was made with.
func productModel(params []Param) evaluator {
	return func(_ context.Context, b sim.Behaviour, ts []Target) ([]Fitted, error) {
		out := make([]Fitted, len(ts))
		for i, t := range ts {
			v := 1.0
			for _, p := range params {
				if slices.Contains(p.Targets, t.ID) {
					v *= *p.Field(&b)
				}
			}
			out[i] = Fitted{Target: t, Value: v, Low: v, High: v}
		}
		return out, nil
	}
}

// holdOutSetup is B1 and B2 sharing plan_hours, B1 alone driving
// forget_hours, and B6 alone driving label_inquiry_prob.
func holdOutSetup() ([]Param, []Target, sim.Behaviour) {
	params := []Param{
		fitted("plan_hours", 6, 3000, "B1", "B2"),
		fitted("forget_hours", 6, 3000, "B1"),
		fitted("label_inquiry_prob", 1e-6, 0.05, "B6"),
	}
	var targets []Target
	for _, t := range DefaultTargets() {
		if t.ID == "B1" || t.ID == "B2" || t.ID == "B6" {
			targets = append(targets, t)
		}
	}
	b := sim.DefaultBehaviour()
	b.PlanHours, b.ForgetHours, b.LabelInquiryProb = 100, 10, 0.002
	return params, targets, b
}

func TestHoldOutLeavesTargetOut(t *testing.T) {
	params, targets, start := holdOutSetup()
	tests := []struct {
		id        string
		fitOn     []string
		predicted float64
		kept      []string
		status    string
	}{
		// B1's plan_hours is fitted on B2; forget_hours only on B1, so it
		// stays at its start.
		{"B1", []string{"B2", "B6"}, 200 * 10, []string{"forget_hours"}, "partly identified: forget_hours at start, the rest fitted to B2"},
		{"B2", []string{"B1", "B6"}, 200, nil, "its parameters fitted to B1"},
		{"B6", []string{"B1", "B2"}, 0.002, []string{"label_inquiry_prob"}, "not identified without it (label_inquiry_prob at start)"},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			f := &fakeFit{}
			h, err := holdOut(context.Background(), start, params, targets, tc.id, f.fit, productModel(params))
			if err != nil {
				t.Fatal(err)
			}
			if len(f.calls) != 1 || !slices.Equal(f.calls[0], tc.fitOn) {
				t.Errorf("fitted on %v, want %v", f.calls, tc.fitOn)
			}
			if h.Target.ID != tc.id || h.Predicted.ID != tc.id {
				t.Errorf("held out %s, predicted %s; want %s", h.Target.ID, h.Predicted.ID, tc.id)
			}
			if !near(h.Predicted.Value, tc.predicted, 1e-12) {
				t.Errorf("predicted %g, want %g", h.Predicted.Value, tc.predicted)
			}
			if !slices.Equal(h.Kept, tc.kept) || h.Status() != tc.status {
				t.Errorf("kept %v (%s), want %v (%s)", h.Kept, h.Status(), tc.kept, tc.status)
			}
			if got, want := h.Misfit(), h.Predicted.Value-h.Target.Want; got != want {
				t.Errorf("misfit %g, want %g", got, want)
			}
		})
	}
}

func TestHoldOutNothingLeftToFit(t *testing.T) {
	params, targets, start := holdOutSetup()
	f := &fakeFit{}
	h, err := holdOut(context.Background(), start, params[2:], targets[2:], "B6", f.fit, productModel(params))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.calls) != 0 || h.Fit != nil || h.Predicted.Value != 0.002 || h.Identified() {
		t.Errorf("fit %v, predicted %g, identified %v; want no fit, the start's 0.002, not identified", f.calls, h.Predicted.Value, h.Identified())
	}
}

func TestHoldOutErrors(t *testing.T) {
	params, targets, start := holdOutSetup()
	f := &fakeFit{}
	_, err := holdOut(context.Background(), start, params, targets, "B9", f.fit, productModel(params))
	if err == nil || err.Error() != `calibrate: hold out: no target "B9" (targets: B1, B2, B6)` {
		t.Errorf("err = %v", err)
	}
	twice := append(slices.Clone(targets), targets[0])
	if _, err := holdOut(context.Background(), start, params, twice, "B1", f.fit, productModel(params)); err == nil || !strings.Contains(err.Error(), "2 targets are called") {
		t.Errorf("err = %v", err)
	}
}

func TestLeaveOneOutEveryTarget(t *testing.T) {
	params, targets, start := holdOutSetup()
	f := &fakeFit{}
	hs, err := leaveOneOut(context.Background(), start, params, targets, f.fit, productModel(params), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range hs {
		got = append(got, h.Target.ID)
	}
	if !slices.Equal(got, []string{"B1", "B2", "B6"}) || len(f.calls) != 3 {
		t.Errorf("held out %v in %d fits, want B1, B2, B6 in 3", got, len(f.calls))
	}
}

// TestHoldOutRealFit holds B6 out of a tiny real fit of the label-24h
// example: label_urgency fits on B5, label_inquiry_prob keeps its start,
// and the same seed gives the same prediction twice.
func TestHoldOutRealFit(t *testing.T) {
	if raceEnabled {
		t.Skip("runs the simulator; .ci/run runs this test without -race")
	}
	params := []Param{
		fitted("label_urgency", 0.01, 200, "B5"),
		fitted("label_inquiry_prob", 1e-6, 0.05, "B6"),
	}
	var targets []Target
	for _, tg := range DefaultTargets() {
		if tg.ID == "B5" || tg.ID == "B6" {
			targets = append(targets, tg)
		}
	}
	start := sim.DefaultBehaviour()
	opts := Options{Scale: 0.05, Replications: 2, MaxEvals: 6, Passes: 1, Seed: 3}
	var prev float64
	for run := range 2 {
		h, err := HoldOut(context.Background(), start, params, targets, "B6", loadExample, opts)
		if err != nil {
			t.Fatal(err)
		}
		if h.Behaviour.LabelInquiryProb != start.LabelInquiryProb {
			t.Errorf("label_inquiry_prob %g, want its start %g", h.Behaviour.LabelInquiryProb, start.LabelInquiryProb)
		}
		if h.Fit == nil || h.Fit.Evals == 0 || h.Identified() {
			t.Errorf("fit %v, identified %v; want a fit of label_urgency, B6 not identified", h.Fit, h.Identified())
		}
		if math.IsNaN(h.Predicted.Value) || (run == 1 && h.Predicted.Value != prev) {
			t.Errorf("prediction %g, first run %g", h.Predicted.Value, prev)
		}
		prev = h.Predicted.Value
	}
}
