package results

import (
	"encoding/json"
	"fmt"
	"math"
)

// FiellerMethod names Fieller's theorem in Diff.RatioMethod.
const FiellerMethod = "fieller"

// HasRatioInterval reports whether d carries an interval for its ratio.
func (d Diff) HasRatioInterval() bool { return d.RatioMethod != "" }

// HasRatio reports whether d has a ratio: its baseline's mean is not 0. In
// results saved before ratios had intervals, a ratio of 0 counts as none.
func (d Diff) HasRatio() bool { return d.RatioMethod != "" || d.Ratio != 0 }

// diffFields is Diff without its methods, so that Diff's JSON methods can
// encode its other fields as usual.
type diffFields Diff

// diffJSON is Diff as results.json holds it: RatioLow and RatioHigh follow
// the other fields, an infinite end as null, both left out without a
// RatioMethod.
type diffJSON struct {
	diffFields
	RatioLow  json.RawMessage `json:"ratio_low,omitempty"`
	RatioHigh json.RawMessage `json:"ratio_high,omitempty"`
}

// MarshalJSON writes d with its ratio's interval as ratio_low and
// ratio_high, an infinite end as null (JSON has no infinity); without a
// RatioMethod both are left out, as in results saved before them.
func (d Diff) MarshalJSON() ([]byte, error) {
	w := diffJSON{diffFields: diffFields(d)}
	if d.RatioMethod != "" {
		var err error
		if w.RatioLow, err = ratioEnd(d.RatioLow); err != nil {
			return nil, err
		}
		if w.RatioHigh, err = ratioEnd(d.RatioHigh); err != nil {
			return nil, err
		}
	}
	return json.Marshal(w)
}

// ratioEnd encodes an end of a ratio's interval: null when infinite.
func ratioEnd(v float64) (json.RawMessage, error) {
	switch {
	case math.IsInf(v, 0):
		return json.RawMessage("null"), nil
	case math.IsNaN(v):
		return nil, fmt.Errorf("results: ratio interval end is NaN")
	}
	return json.Marshal(v)
}

// UnmarshalJSON reads what MarshalJSON writes: with a RatioMethod, a null
// or missing ratio_low is −∞ and ratio_high +∞.
func (d *Diff) UnmarshalJSON(data []byte) error {
	var w diffJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*d = Diff(w.diffFields)
	if d.RatioMethod == "" {
		return nil
	}
	var err error
	if d.RatioLow, err = readRatioEnd(w.RatioLow, math.Inf(-1)); err != nil {
		return fmt.Errorf("ratio_low: %w", err)
	}
	if d.RatioHigh, err = readRatioEnd(w.RatioHigh, math.Inf(1)); err != nil {
		return fmt.Errorf("ratio_high: %w", err)
	}
	return nil
}

// readRatioEnd decodes an end of a ratio's interval: inf when null or
// missing.
func readRatioEnd(raw json.RawMessage, inf float64) (float64, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return inf, nil
	}
	var v float64
	err := json.Unmarshal(raw, &v)
	return v, err
}

// PredictionIntervals reports whether the KPI levels' intervals are 95%
// prediction intervals: the replications drew their behavioural parameters
// from the calibrated ensemble, so the intervals hold the model's
// uncertainty as well as simulation noise. Otherwise they are 95%
// confidence intervals of the mean, simulation noise alone. Differences,
// ratios and daily series have confidence intervals either way.
func (s *Simulation) PredictionIntervals() bool {
	if s.EnsembleSets > 0 {
		return true
	}
	for _, a := range s.Arms {
		for _, e := range a.KPIs {
			if e.ModelSD != 0 || e.NoiseSD != 0 {
				return true
			}
		}
	}
	return false
}
