package reports

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"giftsim/results"
)

// WriteSimulation writes the report of a simulation into dir: report.html,
// the charts as SVG and PNG under charts/, kpis.csv and timeseries.csv. The
// page inlines its charts and font, so it opens offline on its own. The
// first arm is the baseline. Every interval shown, written or drawn lies
// within its quantity's bounds (see boundedSim).
func WriteSimulation(ctx context.Context, dir string, sim *results.Simulation) error {
	if err := checkSimulation(sim); err != nil {
		return err
	}
	sim = boundedSim(sim)
	font, err := loadFont()
	if err != nil {
		return err
	}
	page := newSimPage(measurer(font), sim)
	if err := renderAll(ctx, font, page.figures()); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	page.Head.FontFace = fontFace(font)
	var html, kpis, series bytes.Buffer
	if err := executePage(&html, "simulation", page); err != nil {
		return err
	}
	if err := WriteKPIsCSV(&kpis, sim); err != nil {
		return err
	}
	if err := WriteTimeseriesCSV(&series, sim); err != nil {
		return err
	}
	return writeReport(dir, page.figures(), []outFile{
		{"kpis.csv", kpis.Bytes()},
		{"timeseries.csv", series.Bytes()},
		{"report.html", html.Bytes()},
	})
}

// checkSimulation rejects results a report cannot be made of.
func checkSimulation(sim *results.Simulation) error {
	switch {
	case sim == nil:
		return errors.New("reports: no simulation results")
	case len(sim.Arms) == 0:
		return errors.New("reports: the simulation results have no arms")
	}
	return nil
}

// simPage is what the simulation template shows.
type simPage struct {
	Head         head
	Nav          []navItem
	Question     string
	Warnings     []string // Warnings are the simulation's warnings, shown above the answer.
	Answer       string
	Baseline     string
	Verdicts     []verdictRow
	Run, Setup   []results.Setting
	SweepFields  string
	Arms         []armRow
	Replications int
	Adjustment   string // Adjustment says how significance was adjusted for many comparisons (adjustedOver), or "".
	Ensemble     int    // Ensemble is how many calibrated parameter sets the run used (0: the central values only).
	// Prediction is set when the KPI levels' intervals are prediction
	// intervals (model uncertainty and simulation noise), else they are
	// confidence intervals of the mean.
	Prediction bool
	// LevelInterval names the levels' interval, "95% prediction interval"
	// or "95% CI".
	LevelInterval string
	KPIRows       []kpiRow
	KPIFigures    [][]*figure
	Tradeoff      *figure
	Sweep         []*figure
	Time          []*figure
	Funnel        *figure
	Stages        []string
	FunnelRows    []funnelRow
	Heatmaps      []*figure
	Cascade       *figure
	Schema        string
	Seed          uint64
}

type navItem struct{ ID, Title string }

type armRow struct {
	Name, Settings, Sweep, Color string
	Baseline                     bool
}

type kpiRow struct {
	Name  string
	Cells []kpiCell
}

type kpiCell struct {
	Mean, CI, Diff string
	Sig            bool
}

type funnelRow struct {
	Arm, Color string
	Cells      []string
}

// newSimPage lays out the page and builds its figures; mc measures text.
// It shows sim's intervals within their quantities' bounds.
func newSimPage(mc *canvas, sim *results.Simulation) *simPage {
	sim = boundedSim(sim)
	kpis := kpiList(sim)
	title := sim.Scenario.Name
	if title == "" {
		title = "Simulation report"
	}
	p := &simPage{
		Head:          head{Title: title},
		Question:      sim.Scenario.Question,
		Warnings:      sim.Warnings,
		Answer:        answer(sim, kpis),
		Baseline:      sim.Arms[0].Name,
		Verdicts:      verdicts(sim, kpis),
		Run:           runSettings(sim),
		Setup:         setupSettings(sim.Scenario),
		SweepFields:   strings.Join(sim.Sweep, " × "),
		Replications:  sim.Replications,
		Adjustment:    simAdjustment(sim),
		Ensemble:      sim.EnsembleSets,
		Prediction:    kindsOf(sim).Prediction,
		LevelInterval: kindsOf(sim).Level(),
		Schema:        sim.Schema,
		Seed:          sim.Seed,
	}
	for i, a := range sim.Arms {
		p.Arms = append(p.Arms, armRow{Name: a.Name, Settings: joinSettings(a.Settings),
			Sweep: strings.Join(a.SweepValues, " × "), Color: cssColor(i), Baseline: i == 0})
	}
	var sa sweepAxis
	if len(sim.Sweep) > 0 {
		sa = newSweepAxis(sim)
	}
	for i, k := range kpis {
		row := kpiRow{Name: k.Name}
		for _, a := range sim.Arms {
			row.Cells = append(row.Cells, kpiCellOf(a, k))
		}
		p.KPIRows = append(p.KPIRows, row)
		stem := fmt.Sprintf("%02d-%s", i+1, slug(k.ID))
		figs := []*figure{kpiBarsFigure(mc, sim, k, "kpi-"+stem)}
		if len(sim.Arms) > 1 {
			figs = append(figs, forestFigure(mc, sim, k, "diff-"+stem))
		}
		p.KPIFigures = append(p.KPIFigures, figs)
		if len(sim.Sweep) > 0 && len(sim.Arms) > 1 {
			p.Sweep = append(p.Sweep, sweepKPIFigure(mc, sim, sa, k, "sweep-"+stem))
		}
	}
	if xk, ok := findKPI(kpis, "new_customers", "new customer"); ok && len(sim.Arms) > 1 {
		if yk, ok := findKPI(kpis, "redemption_rate", "(k2)", "redemption rate"); ok {
			p.Tradeoff = tradeoffFigure(sim, sa.Groups, xk, yk)
		}
	}
	p.Time = []*figure{
		seriesFigure(mc, sim, "claims", "Claims per day", "coupons claimed per day", func(d results.Day) results.Estimate { return d.Claims }),
		seriesFigure(mc, sim, "gifts", "Gifts on per day", "coupons gifted on per day", func(d results.Day) results.Estimate { return d.Gifts }),
		seriesFigure(mc, sim, "redemptions", "Redemptions per day", "coupons redeemed per day", func(d results.Day) results.Estimate { return d.Redemptions }),
		seriesFigure(mc, sim, "expiries", "Expiries per day", "coupons expired per day", func(d results.Day) results.Estimate { return d.Expiries }),
		seriesFigure(mc, sim, "float", "Fund float (K4) over time", "fund float, % of face value issued", func(d results.Day) results.Estimate { return d.Float }),
	}
	p.Funnel = funnelFigure(mc, sim)
	p.Stages = funnelStages(sim.Arms)
	for i, a := range sim.Arms {
		row := funnelRow{Arm: a.Name, Color: cssColor(i)}
		first := 0.0
		if len(a.Funnel) > 0 {
			first = a.Funnel[0].Count
		}
		for _, st := range p.Stages {
			cell := "n/a"
			if j := slices.IndexFunc(a.Funnel, func(s results.Stage) bool { return s.Name == st }); j >= 0 {
				cell = formatNumber(a.Funnel[j].Count)
				if first > 0 {
					cell += " (" + formatNumber(100*a.Funnel[j].Count/first) + "%)"
				}
			}
			row.Cells = append(row.Cells, cell)
		}
		p.FunnelRows = append(p.FunnelRows, row)
	}
	vmax := heatmapMax(sim.Arms)
	for i, a := range sim.Arms {
		p.Heatmaps = append(p.Heatmaps, heatmapFigure(a, i, vmax))
	}
	p.Cascade = cascadeFigure(mc, sim)

	p.Nav = []navItem{{"answer", "Answer"}, {"setup", "Setup"}, {"kpis", "KPIs"}}
	if len(p.Sweep) > 0 {
		p.Nav = append(p.Nav, navItem{"sweep", "Sweep"})
	}
	p.Nav = append(p.Nav, navItem{"time", "Over time"}, navItem{"funnel", "Funnel"},
		navItem{"heatmaps", "Heat maps"}, navItem{"cascade", "Cascade"}, navItem{"files", "Files"})
	return p
}

// figures returns every figure of the page in page order.
func (p *simPage) figures() []*figure {
	var figs []*figure
	for _, row := range p.KPIFigures {
		figs = append(figs, row...)
	}
	if p.Tradeoff != nil {
		figs = append(figs, p.Tradeoff)
	}
	figs = append(figs, p.Sweep...)
	figs = append(figs, p.Time...)
	figs = append(figs, p.Funnel)
	figs = append(figs, p.Heatmaps...)
	return append(figs, p.Cascade)
}

// kpiCellOf formats an arm's estimate of k and its difference from the
// baseline.
func kpiCellOf(a results.Arm, k results.KPI) kpiCell {
	e, ok := a.KPIs[k.ID]
	if !ok {
		return kpiCell{Mean: "n/a"}
	}
	c := kpiCell{Mean: formatValue(e.Mean, k.Unit), CI: "[" + formatNumber(e.Low) + ", " + formatNumber(e.High) + "]"}
	if share, ok := modelShare(e); ok {
		c.CI += fmt.Sprintf(" · model %.0f%%", 100*share)
	}
	if d, ok := a.Diffs[k.ID]; ok {
		c.Diff = "Δ " + formatDiff(d.Mean, k.Unit)
		if d.Significant {
			c.Diff += " ★"
			c.Sig = true
		}
	}
	return c
}

// findKPI returns the KPI with the given id, else the first whose name
// contains one of hints (case-insensitive).
func findKPI(kpis []results.KPI, id string, hints ...string) (results.KPI, bool) {
	for _, k := range kpis {
		if k.ID == id {
			return k, true
		}
	}
	for _, k := range kpis {
		name := strings.ToLower(k.Name)
		for _, h := range hints {
			if strings.Contains(name, h) {
				return k, true
			}
		}
	}
	return results.KPI{}, false
}

// runSettings describes the run for the setup section.
func runSettings(sim *results.Simulation) []results.Setting {
	sc := sim.Scenario
	rows := []results.Setting{{Name: "scenario", Value: sc.Name}}
	if sc.File != "" {
		rows = append(rows, results.Setting{Name: "file", Value: sc.File})
	}
	rows = append(rows,
		results.Setting{Name: "start", Value: sc.Start},
		results.Setting{Name: "horizon", Value: fmt.Sprintf("%s (%d days)", sc.Horizon, sc.Days)},
		results.Setting{Name: "seed", Value: strconv.FormatUint(sim.Seed, 10)},
		results.Setting{Name: "replications", Value: strconv.Itoa(sim.Replications)},
		results.Setting{Name: "arms", Value: fmt.Sprintf("%d (baseline: %s)", len(sim.Arms), sim.Arms[0].Name)},
	)
	if len(sim.Sweep) > 0 {
		rows = append(rows, results.Setting{Name: "sweep", Value: strings.Join(sim.Sweep, " × ")})
	}
	return rows
}

// setupSettings returns the scenario's setup rows, then its extra fields by
// name.
func setupSettings(sc results.Scenario) []results.Setting {
	rows := slices.Clone(sc.Setup)
	for _, k := range slices.Sorted(maps.Keys(sc.Extra)) {
		rows = append(rows, results.Setting{Name: k, Value: sc.Extra[k]})
	}
	return rows
}

// modelShare is the share of a level's prediction interval that the
// parameters' uncertainty causes, model² / (model² + noise²/n); ok is false
// for a run without an ensemble.
func modelShare(e results.Estimate) (float64, bool) {
	if e.ModelSD == 0 && e.NoiseSD == 0 || e.N == 0 {
		return 0, false
	}
	m := e.ModelSD * e.ModelSD
	total := m + e.NoiseSD*e.NoiseSD/float64(e.N)
	if total == 0 {
		return 0, false
	}
	return m / total, true
}
