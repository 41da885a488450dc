package reports

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"giftsim/results"
)

// num formats a number for CSV: the shortest text that reads back exactly.
func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// estCSV formats an estimate's mean and interval for CSV, rounded to what
// the interval supports (csvNum).
func estCSV(e results.Estimate) []string {
	hw := (e.High - e.Low) / 2
	return []string{csvNum(e.Mean, hw), csvNum(e.Low, hw), csvNum(e.High, hw)}
}

// ratioCSV formats a ratio and its interval for CSV, rounded to what the
// interval supports when it is bounded, else to four significant digits.
func ratioCSV(d results.Diff) (ratio, lo, hi string) {
	hw := (d.RatioHigh - d.RatioLow) / 2
	if !d.HasRatioInterval() || math.IsInf(hw, 0) {
		hw = 0
	}
	f := func(v float64) string {
		if hw > 0 {
			return csvNum(v, hw)
		}
		return csvSig(v, 4)
	}
	if d.HasRatio() {
		ratio = f(d.Ratio)
	}
	if d.HasRatioInterval() {
		lo, hi = f(d.RatioLow), f(d.RatioHigh)
	}
	return ratio, lo, hi
}

// WriteKPIsCSV writes one row per arm and KPI: the estimate, its 95%
// interval and which kind it is ("prediction" when the run drew from the
// calibrated ensemble, with the model's and the noise's spread; else
// "confidence"), and the paired difference from the baseline with its 95%
// confidence interval, the ratio of the means with its (an unbounded end
// as +Inf or -Inf), and the p-value before and after the adjustment for
// many comparisons (empty for the baseline), and for a time to a target
// (unit days) the replications that never reached it by the horizon
// (censored; diff_censored: the pairs where either arm did not). Every
// interval lies within its quantity's bounds. Numbers are rounded to what
// their interval supports (csvNum): spreads and ratios without a bounded
// interval to a few significant digits, p-values to three. Swept fields,
// if any, get a column each after the arm.
func WriteKPIsCSV(w io.Writer, sim *results.Simulation) error {
	if err := checkSimulation(sim); err != nil {
		return err
	}
	sim = boundedSim(sim)
	kind := "confidence"
	if sim.PredictionIntervals() {
		kind = "prediction"
	}
	cw := csv.NewWriter(w)
	header := append([]string{"arm"}, sim.Sweep...)
	header = append(header, "kpi", "name", "unit", "mean", "ci_low", "ci_high", "interval", "sd", "model_sd", "noise_sd", "n",
		"diff_mean", "diff_ci_low", "diff_ci_high", "ratio", "ratio_low", "ratio_high", "significant", "p", "p_adjusted", "adjustment", "censored", "diff_censored")
	_ = cw.Write(header)
	for _, a := range sim.Arms {
		for _, k := range kpiList(sim) {
			e, ok := a.KPIs[k.ID]
			if !ok {
				continue
			}
			row := []string{a.Name}
			for i := range sim.Sweep {
				v := ""
				if i < len(a.SweepValues) {
					v = a.SweepValues[i]
				}
				row = append(row, v)
			}
			model, noise := "", ""
			if e.ModelSD != 0 || e.NoiseSD != 0 {
				model, noise = csvSig(e.ModelSD, 3), csvSig(e.NoiseSD, 3)
			}
			row = append(row, k.ID, k.Name, k.Unit)
			row = append(row, estCSV(e)...)
			row = append(row, kind, csvSig(e.SD, 3), model, noise, strconv.Itoa(e.N))
			d, ok := a.Diffs[k.ID]
			if !ok {
				row = append(row, "", "", "", "", "", "", "", "", "", "", censoredColumn(k, e), "")
				_ = cw.Write(row)
				continue
			}
			ratio, ratioLow, ratioHigh := ratioCSV(d)
			row = append(row, estCSV(d.Estimate)...)
			row = append(row, ratio, ratioLow, ratioHigh, strconv.FormatBool(d.Significant))
			if d.Adjustment != "" {
				row = append(row, csvSig(d.P, 3), csvSig(d.PAdjusted, 3), d.Adjustment)
			} else {
				// Saved before there were p-values: none to write.
				row = append(row, "", "", "")
			}
			row = append(row, censoredColumn(k, e), censoredColumn(k, d.Estimate))
			_ = cw.Write(row)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("reports: kpis.csv: %w", err)
	}
	return nil
}

// seriesColumn is one daily series of timeseries.csv: its name, and how to
// read and write it in a results.Day.
type seriesColumn struct {
	Name string
	Unit string // Unit is what the series counts, or "%" for the fund float.
	Get  func(results.Day) results.Estimate
	Set  func(*results.Day, results.Estimate)
}

// seriesColumns are the daily series of timeseries.csv, in column order.
func seriesColumns() []seriesColumn {
	return []seriesColumn{
		{"exposed", "users", func(d results.Day) results.Estimate { return d.Exposed }, func(d *results.Day, e results.Estimate) { d.Exposed = e }},
		{"issued", "coupons", func(d results.Day) results.Estimate { return d.Issued }, func(d *results.Day, e results.Estimate) { d.Issued = e }},
		{"claims", "claims", func(d results.Day) results.Estimate { return d.Claims }, func(d *results.Day, e results.Estimate) { d.Claims = e }},
		{"gifts", "offers", func(d results.Day) results.Estimate { return d.Gifts }, func(d *results.Day, e results.Estimate) { d.Gifts = e }},
		{"redemptions", "coupons", func(d results.Day) results.Estimate { return d.Redemptions }, func(d *results.Day, e results.Estimate) { d.Redemptions = e }},
		{"expiries", "coupons", func(d results.Day) results.Estimate { return d.Expiries }, func(d *results.Day, e results.Estimate) { d.Expiries = e }},
		{"float", "%", func(d results.Day) results.Estimate { return d.Float }, func(d *results.Day, e results.Estimate) { d.Float = e }},
		{"dashboard_redemptions", "coupons", func(d results.Day) results.Estimate { return d.DashboardRedemptions },
			func(d *results.Day, e results.Estimate) { d.DashboardRedemptions = e }},
	}
}

// WriteTimeseriesCSV writes one row per arm and day: each daily series as
// its mean and 95% confidence interval of the mean across replications
// (columns NAME, NAME_ci_low, NAME_ci_high), within its bounds (counts
// never below zero, the fund float within 0–100%) and rounded to what the
// interval supports; then each series' unit (columns NAME_unit, after all
// the numbers, so that the earlier columns keep their places).
func WriteTimeseriesCSV(w io.Writer, sim *results.Simulation) error {
	if err := checkSimulation(sim); err != nil {
		return err
	}
	sim = boundedSim(sim)
	cols := seriesColumns()
	cw := csv.NewWriter(w)
	header := []string{"arm", "day", "date"}
	for _, c := range cols {
		header = append(header, c.Name, c.Name+"_ci_low", c.Name+"_ci_high")
	}
	for _, c := range cols {
		header = append(header, c.Name+"_unit")
	}
	_ = cw.Write(header)
	for _, a := range sim.Arms {
		for _, d := range a.Series {
			row := []string{a.Name, strconv.Itoa(d.Day), d.Date}
			for _, c := range cols {
				row = append(row, estCSV(c.Get(d))...)
			}
			for _, c := range cols {
				row = append(row, c.Unit)
			}
			_ = cw.Write(row)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("reports: timeseries.csv: %w", err)
	}
	return nil
}

// WriteJSON writes a simulation's results as indented JSON (results.json),
// with the schema set to results.SchemaVersion when it is empty.
func WriteJSON(w io.Writer, sim *results.Simulation) error {
	if sim == nil {
		return errors.New("reports: no simulation results")
	}
	s := *sim
	if s.Schema == "" {
		s.Schema = results.SchemaVersion
	}
	return writeIndented(w, &s)
}

// WriteLoadJSON writes a load summary as indented JSON, with the schema set
// to results.LoadSchemaVersion when it is empty (results.EncodeLoad).
func WriteLoadJSON(w io.Writer, l *results.Load) error { return results.EncodeLoad(w, l) }

func writeIndented(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("reports: write JSON: %w", err)
	}
	return nil
}

// Input is one decoded results file: exactly one of its fields is set.
type Input struct {
	Simulation *results.Simulation
	Load       *results.Load
}

// ErrUnknownInput is returned by Decode for JSON that is not a giftsim
// result.
var ErrUnknownInput = errors.New("not a giftsim result")

// Decode reads a saved result, a simulation's results.json or a load
// summary, and tells them apart by their "schema" field.
func Decode(r io.Reader) (Input, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return Input{}, fmt.Errorf("read: %w", err)
	}
	var probe struct {
		Schema *string `json:"schema"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return Input{}, fmt.Errorf("%w: not a JSON object: %w", ErrUnknownInput, err)
	}
	decodeAs := func(v any) error {
		dec := json.NewDecoder(bytes.NewReader(data))
		if err := dec.Decode(v); err != nil {
			return fmt.Errorf("%s: %w", *probe.Schema, err)
		}
		return nil
	}
	switch {
	case probe.Schema == nil:
		return Input{}, fmt.Errorf(`%w: no "schema" field (want %q or %q)`, ErrUnknownInput, results.SchemaVersion, results.LoadSchemaVersion)
	case *probe.Schema == results.SchemaVersion:
		var sim results.Simulation
		if err := decodeAs(&sim); err != nil {
			return Input{}, err
		}
		if err := checkSimulation(&sim); err != nil {
			return Input{}, err
		}
		return Input{Simulation: &sim}, nil
	case *probe.Schema == results.LoadSchemaVersion:
		l, err := results.DecodeLoad(bytes.NewReader(data))
		if err != nil {
			return Input{}, fmt.Errorf("%s: %w", *probe.Schema, err)
		}
		return Input{Load: l}, nil
	}
	return Input{}, fmt.Errorf("%w: schema %q is neither %q nor %q", ErrUnknownInput, *probe.Schema, results.SchemaVersion, results.LoadSchemaVersion)
}
