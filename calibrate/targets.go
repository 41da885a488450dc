package calibrate

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// targetColumns are the columns of a targets file, in order.
var targetColumns = []string{"id", "scenario", "arm", "baseline", "kpi", "want", "tol"}

// ReadTargets reads targets from CSV with the header
// id,scenario,arm,baseline,kpi,want,tol. A row with an empty baseline is an
// observed absolute KPI value of one arm (e.g. the redemption rate a past
// campaign achieved); with a baseline, want is the ratio arm/baseline.
// Errors name the file and line.
func ReadTargets(r io.Reader, name string) ([]Target, error) {
	cr := csv.NewReader(io.LimitReader(r, 1<<20))
	cr.FieldsPerRecord = -1
	cr.Comment = '#'
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: empty; want the header %s", name, strings.Join(targetColumns, ","))
	}
	for i, h := range rows[0] {
		if i >= len(targetColumns) || strings.TrimSpace(strings.ToLower(h)) != targetColumns[i] || len(rows[0]) != len(targetColumns) {
			return nil, fmt.Errorf("%s:1: header must be %s", name, strings.Join(targetColumns, ","))
		}
	}
	var out []Target
	var errs []error
	for i, row := range rows[1:] {
		line := i + 2
		if len(row) != len(targetColumns) {
			errs = append(errs, fmt.Errorf("%s:%d: want %d columns (%s), got %d", name, line, len(targetColumns), strings.Join(targetColumns, ","), len(row)))
			continue
		}
		for j := range row {
			row[j] = strings.TrimSpace(row[j])
		}
		t := Target{ID: row[0], Name: row[0], Scenario: row[1], Arm: row[2], Baseline: row[3], KPI: row[4]}
		want, err1 := strconv.ParseFloat(row[5], 64)
		tol, err2 := strconv.ParseFloat(row[6], 64)
		switch {
		case t.ID == "" || t.Scenario == "" || t.Arm == "" || t.KPI == "":
			errs = append(errs, fmt.Errorf("%s:%d: id, scenario, arm and kpi must not be empty", name, line))
		case err1 != nil || math.IsNaN(want) || math.IsInf(want, 0):
			errs = append(errs, fmt.Errorf("%s:%d: want %q is not a number", name, line, row[5]))
		case err2 != nil || !(tol > 0) || math.IsInf(tol, 0):
			errs = append(errs, fmt.Errorf("%s:%d: tol %q must be a positive number", name, line, row[6]))
		default:
			t.Want, t.Tol = want, tol
			out = append(out, t)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no targets", name)
	}
	return out, nil
}
