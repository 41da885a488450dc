package reports

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"giftsim/results"
)

// num formats a number for CSV: the shortest text that reads back exactly.
func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// WriteKPIsCSV writes one row per arm and KPI: the estimate, its 95%
// interval and the paired difference from the baseline with its p-value
// before and after the adjustment for many comparisons (empty for the
// baseline). Swept fields, if any, get a column each after the arm.
func WriteKPIsCSV(w io.Writer, sim *results.Simulation) error {
	if err := checkSimulation(sim); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	header := append([]string{"arm"}, sim.Sweep...)
	header = append(header, "kpi", "name", "unit", "mean", "ci_low", "ci_high", "sd", "n",
		"diff_mean", "diff_ci_low", "diff_ci_high", "ratio", "significant", "p", "p_adjusted", "adjustment")
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
			row = append(row, k.ID, k.Name, k.Unit, num(e.Mean), num(e.Low), num(e.High), num(e.SD), strconv.Itoa(e.N))
			switch d, ok := a.Diffs[k.ID]; {
			case ok && d.Adjustment != "":
				row = append(row, num(d.Mean), num(d.Low), num(d.High), num(d.Ratio), strconv.FormatBool(d.Significant),
					num(d.P), num(d.PAdjusted), d.Adjustment)
			case ok:
				// Saved before there were p-values: none to write.
				row = append(row, num(d.Mean), num(d.Low), num(d.High), num(d.Ratio), strconv.FormatBool(d.Significant), "", "", "")
			default:
				row = append(row, "", "", "", "", "", "", "", "")
			}
			_ = cw.Write(row)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("reports: kpis.csv: %w", err)
	}
	return nil
}

// seriesColumns are the daily series of timeseries.csv, in column order.
func seriesColumns() []struct {
	Name string
	Get  func(results.Day) results.Estimate
} {
	return []struct {
		Name string
		Get  func(results.Day) results.Estimate
	}{
		{"exposed", func(d results.Day) results.Estimate { return d.Exposed }},
		{"issued", func(d results.Day) results.Estimate { return d.Issued }},
		{"claims", func(d results.Day) results.Estimate { return d.Claims }},
		{"gifts", func(d results.Day) results.Estimate { return d.Gifts }},
		{"redemptions", func(d results.Day) results.Estimate { return d.Redemptions }},
		{"expiries", func(d results.Day) results.Estimate { return d.Expiries }},
		{"float", func(d results.Day) results.Estimate { return d.Float }},
		{"dashboard_redemptions", func(d results.Day) results.Estimate { return d.DashboardRedemptions }},
	}
}

// WriteTimeseriesCSV writes one row per arm and day: each daily series as
// its mean and 95% interval (columns NAME, NAME_ci_low, NAME_ci_high).
func WriteTimeseriesCSV(w io.Writer, sim *results.Simulation) error {
	if err := checkSimulation(sim); err != nil {
		return err
	}
	cols := seriesColumns()
	cw := csv.NewWriter(w)
	header := []string{"arm", "day", "date"}
	for _, c := range cols {
		header = append(header, c.Name, c.Name+"_ci_low", c.Name+"_ci_high")
	}
	_ = cw.Write(header)
	for _, a := range sim.Arms {
		for _, d := range a.Series {
			row := []string{a.Name, strconv.Itoa(d.Day), d.Date}
			for _, c := range cols {
				e := c.Get(d)
				row = append(row, num(e.Mean), num(e.Low), num(e.High))
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
// to results.LoadSchemaVersion when it is empty.
func WriteLoadJSON(w io.Writer, l *results.Load) error {
	if l == nil {
		return errors.New("reports: no load summary")
	}
	s := *l
	if s.Schema == "" {
		s.Schema = results.LoadSchemaVersion
	}
	return writeIndented(w, &s)
}

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
		var l results.Load
		if err := decodeAs(&l); err != nil {
			return Input{}, err
		}
		return Input{Load: &l}, nil
	}
	return Input{}, fmt.Errorf("%w: schema %q is neither %q nor %q", ErrUnknownInput, *probe.Schema, results.SchemaVersion, results.LoadSchemaVersion)
}
