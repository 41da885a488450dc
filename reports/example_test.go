package reports_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"giftsim/reports"
	"giftsim/results"
)

// exampleSimulation returns a one-arm, two-day simulation.
func exampleSimulation() *results.Simulation {
	e := func(m float64) results.Estimate {
		return results.Estimate{Mean: m, Low: m - 2, High: m + 2, SD: 1, N: 10}
	}
	arm := results.Arm{
		Name:         "7-day",
		KPIs:         map[string]results.Estimate{"redemption_rate": e(31.5)},
		Series:       []results.Day{{Day: 1, Date: "2026-03-02", Claims: e(900)}, {Day: 2, Date: "2026-03-03", Claims: e(950)}},
		CascadeDepth: []float64{1000, 120, 14},
		Funnel:       []results.Stage{{Name: "exposed", Count: 3000}, {Name: "claimed", Count: 1100}},
	}
	arm.Heatmap[0][10] = 12
	return &results.Simulation{
		Schema:       results.SchemaVersion,
		Scenario:     results.Scenario{Name: "validity-7d", Start: "2026-03-02T00:00:00+08:00", Horizon: "2d", Days: 2},
		Seed:         1,
		Replications: 10,
		KPIs:         []results.KPI{{ID: "redemption_rate", Name: "Redemption rate (K2)", Unit: "%", Better: "higher"}},
		Arms:         []results.Arm{arm},
	}
}

func ExampleWriteSimulation() {
	dir, err := os.MkdirTemp("", "report")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := reports.WriteSimulation(context.Background(), dir, exampleSimulation()); err != nil {
		log.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		fmt.Println(e.Name())
	}
	charts, _ := filepath.Glob(filepath.Join(dir, "charts", "*.svg"))
	fmt.Println(len(charts), "charts")
	// Output:
	// charts
	// kpis.csv
	// report.html
	// summary.png
	// timeseries.csv
	// 9 charts
}

func ExampleWriteKPIsCSV() {
	if err := reports.WriteKPIsCSV(os.Stdout, exampleSimulation()); err != nil {
		log.Fatal(err)
	}
	// Output:
	// arm,kpi,name,unit,mean,ci_low,ci_high,interval,sd,model_sd,noise_sd,n,diff_mean,diff_ci_low,diff_ci_high,ratio,ratio_low,ratio_high,significant,p,p_adjusted,adjustment,censored,diff_censored
	// 7-day,redemption_rate,Redemption rate (K2),%,31.5,29.5,33.5,confidence,1,,,10,,,,,,,,,,,,
}

func ExampleDecode() {
	for _, in := range []string{
		`{"schema": "giftsim/load/v1", "plan": "burst"}`,
		`{"schema": "vegeta/v12"}`,
	} {
		got, err := reports.Decode(strings.NewReader(in))
		switch {
		case err != nil:
			fmt.Println("error:", err)
		case got.Load != nil:
			fmt.Println("load summary of plan", got.Load.Plan)
		}
	}
	// Output:
	// load summary of plan burst
	// error: not a giftsim result: schema "vegeta/v12" is neither "giftsim/results/v1" nor "giftsim/load/v1"
}

func ExampleWriteLoad() {
	dir, err := os.MkdirTemp("", "load")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	l := &results.Load{
		Schema: results.LoadSchemaVersion, Plan: "smoke", Target: "http://127.0.0.1:8080",
		Started: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), Duration: 2,
		Rate: results.Rate{Target: 10, Achieved: 10},
		Seconds: []results.LoadSecond{
			{T: 0, Count: 10, P50: 3, P90: 5, P99: 9, Codes: map[string]int{"accepted": 10}},
			{T: 1, Count: 10, P50: 3, P90: 6, P99: 11, Codes: map[string]int{"accepted": 9, "FREQUENCY_LIMITED": 1}},
		},
		Latency:    []results.LoadPercentile{{Quantile: 0.5, Ms: 3}, {Quantile: 0.99, Ms: 10}, {Quantile: 1, Ms: 12}},
		Codes:      map[string]int{"accepted": 19, "FREQUENCY_LIMITED": 1},
		Thresholds: []results.Threshold{{Expr: "p99 < 50ms", Observed: "10ms", Pass: true}},
	}
	if err := reports.WriteLoad(context.Background(), dir, l); err != nil {
		log.Fatal(err)
	}
	page, _ := os.ReadFile(filepath.Join(dir, "report.html"))
	fmt.Println(strings.Contains(string(page), "Pass: all 1 thresholds hold."))
	// Output:
	// true
}
