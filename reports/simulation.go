package reports

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"giftsim/results"
)

// WriteSimulation writes the report of a simulation into dir: report.html,
// the charts as SVG and PNG under charts/, kpis.csv, timeseries.csv and
// summary.png (the first screen as one image, for chat). The
// page inlines its charts and font, so it opens offline on its own. The
// first arm is the baseline. Every interval shown, written or drawn lies
// within its quantity's bounds (see boundedSim). WithLang(Chinese) writes
// the page, its charts and summary.png in Chinese (KPI names, units,
// headings, the answer; the CSV headers stay English); WithCSVBOM starts
// kpis.csv and timeseries.csv with a UTF-8 byte-order mark.
func WriteSimulation(ctx context.Context, dir string, sim *results.Simulation, opts ...Option) error {
	if err := checkSimulation(sim); err != nil {
		return err
	}
	o := optionsOf(opts)
	sim = boundedSim(sim)
	font, err := loadFont()
	if err != nil {
		return err
	}
	mc := measurer(font)
	mc.lang = o.lang
	page := newSimPage(mc, localized(sim, o.lang))
	page.Head.Lang = o.lang
	if page.Adjustment != "" {
		page.Adjustment = zhAdjusted(o.lang, sim, page.Adjustment)
	}
	for i := range page.Nav {
		page.Nav[i].Title = o.lang.T(page.Nav[i].Title)
	}
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
	summary, err := summaryPNG(font, page)
	if err != nil {
		return err
	}
	return writeReport(dir, page.figures(), []outFile{
		{"kpis.csv", withBOM(kpis.Bytes(), o.csvBOM)},
		{"timeseries.csv", withBOM(series.Bytes(), o.csvBOM)},
		{"summary.png", summary},
		{"report.html", withCJKFace(html.Bytes(), font)},
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
	Cards        []card  // Cards are the focus KPIs on the first screen.
	Lead         *figure // Lead is the one chart beside the answer: the trade-off.
	LeadNote     string  // LeadNote says how to read Lead.
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
	// Blocks are the KPI table cut into blocks of at most maxTableArms
	// arms, so that it fits the width of a laptop's screen.
	Blocks     []kpiBlock
	Groups     []settingGroup // Groups are the scenario's settings by section.
	ZeroKPIs   string         // ZeroKPIs names the KPIs that are zero in every arm, which get no chart.
	KPIFigures [][]*figure
	Tradeoff   *figure
	Sweep      []*figure
	Time       []*figure
	Funnel     *figure
	Stages     []string
	FunnelRows []funnelRow
	Heatmaps   []*figure
	Cascade    *figure
	Schema     string
	Seed       uint64

	tradeX, tradeY results.KPI   // tradeX and tradeY are the trade-off chart's KPIs.
	changed        []results.KPI // changed are the KPIs of the change chart, when it is the lead.
}

type navItem struct{ ID, Title string }

type armRow struct {
	Name, Settings, Sweep, Color string
	Baseline                     bool
}

// maxTableArms is the most arms one block of the KPI table shows side by
// side: more would not fit 1,366 pixels.
const maxTableArms = 6

// kpiBlock is a block of the KPI table: some arms, and per KPI their cells.
type kpiBlock struct {
	Arms []armRow
	Rows []kpiRow
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
	l := mc.lang
	kpis := kpiList(sim)
	title := sim.Scenario.Name
	if title == "" {
		title = l.T("Simulation report")
	}
	dec := decideIn(l, sim, kpis)
	p := &simPage{
		Head:          head{Title: title},
		Question:      sim.Scenario.Question,
		Warnings:      sim.Warnings,
		Answer:        dec.Answer,
		Cards:         dec.Cards,
		Baseline:      sim.Arms[0].Name,
		Verdicts:      verdicts(sim, kpis),
		Run:           runSettings(l, sim),
		Setup:         setupSettings(sim.Scenario),
		Groups:        groupSettings(l, setupSettings(sim.Scenario)),
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
	var zero []string
	for i, k := range kpis {
		row := kpiRow{Name: k.Name}
		for _, a := range sim.Arms {
			row.Cells = append(row.Cells, kpiCellOf(a, k))
		}
		p.KPIRows = append(p.KPIRows, row)
		if allZero(sim, k) {
			zero = append(zero, k.Name)
			continue
		}
		stem := fmt.Sprintf("%02d-%s", i+1, slug(k.ID))
		figs := []*figure{kpiBarsFigure(mc, sim, k, "kpi-"+stem)}
		if len(sim.Arms) > 1 && anyDiffMoves(sim, k) {
			figs = append(figs, forestFigure(mc, sim, k, "diff-"+stem))
		}
		p.KPIFigures = append(p.KPIFigures, figs)
		if len(sim.Sweep) > 0 && len(sim.Arms) > 1 {
			p.Sweep = append(p.Sweep, sweepKPIFigure(mc, sim, sa, k, "sweep-"+stem))
		}
	}
	p.ZeroKPIs = strings.Join(zero, ", ")
	for lo := 0; lo < len(sim.Arms); lo += maxTableArms {
		hi := min(lo+maxTableArms, len(sim.Arms))
		b := kpiBlock{Arms: p.Arms[lo:hi]}
		for _, r := range p.KPIRows {
			b.Rows = append(b.Rows, kpiRow{Name: r.Name, Cells: r.Cells[lo:hi]})
		}
		p.Blocks = append(p.Blocks, b)
	}
	if xk, yk, ok := tradeoffKPIs(kpis, dec.Focus); ok && len(sim.Arms) > 1 {
		p.Tradeoff, p.tradeX, p.tradeY = tradeoffFigure(mc.lang, sim, sa.Groups, xk, yk), xk, yk
	}
	if len(sim.Arms) == 2 {
		p.Lead, p.changed = changeFigure(mc, sim, dec.Focus), dec.Focus
		p.LeadNote = l.T("How far %[1]s moves each card's KPI against %[2]s, as a share of %[2]s's mean: green where it is better, vermillion where it is worse.", sim.Arms[1].Name, sim.Arms[0].Name)
	}
	if p.Lead == nil && p.Tradeoff != nil {
		p.Lead, p.Tradeoff = p.Tradeoff, nil
		p.LeadNote = l.T("Each point is an arm's mean with its %s both ways; up and to the right is better when both KPIs are.", l.T(kindsOf(sim).Level()))
	}
	p.Time = []*figure{
		seriesFigure(mc, sim, "claims", l.T("Claims per day"), l.T("coupons claimed per day"), func(d results.Day) results.Estimate { return d.Claims }),
		seriesFigure(mc, sim, "gifts", l.T("Gifts on per day"), l.T("coupons gifted on per day"), func(d results.Day) results.Estimate { return d.Gifts }),
		seriesFigure(mc, sim, "redemptions", l.T("Redemptions per day"), l.T("coupons redeemed per day"), func(d results.Day) results.Estimate { return d.Redemptions }),
		seriesFigure(mc, sim, "expiries", l.T("Expiries per day"), l.T("coupons expired per day"), func(d results.Day) results.Estimate { return d.Expiries }),
		seriesFigure(mc, sim, "float", l.T("Fund float (K4) over time"), l.T("fund float, % of face value issued"), func(d results.Day) results.Estimate { return d.Float }),
	}
	p.Time = append(p.Time, quotaFigures(mc, sim)...) // quota use per day (quotacharts.go)
	p.Funnel = funnelFigure(mc, sim)
	stages := funnelStages(sim.Arms)
	p.Stages = translated(l, stages)
	for i, a := range sim.Arms {
		row := funnelRow{Arm: a.Name, Color: cssColor(i)}
		first := 0.0
		if len(a.Funnel) > 0 {
			first = a.Funnel[0].Count
		}
		for _, st := range stages {
			cell := l.T("n/a")
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
		p.Heatmaps = append(p.Heatmaps, heatmapFigure(mc.lang, a, i, vmax))
	}
	p.Cascade = cascadeFigure(mc, sim)

	p.Nav = []navItem{{"answer", "Answer"}, {"changed", "What changed"}, {"why", "Why"},
		{"tables", "Full tables"}, {"setup", "Setup"}, {"files", "Files"}}
	return p
}

// figures returns every figure of the page in page order.
func (p *simPage) figures() []*figure {
	var figs []*figure
	if p.Lead != nil {
		figs = append(figs, p.Lead)
	}
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
	m, ci := estimateText(e.Mean, e.Low, e.High, k.Unit, false)
	if e.NotReached() {
		m, ci = notReached(e), "restricted to the horizon "+ci // targets.go
	}
	c := kpiCell{Mean: m, CI: ci}
	if share, ok := modelShare(e); ok {
		c.CI += fmt.Sprintf(" · model %.0f%%", 100*share)
	}
	if d, ok := a.Diffs[k.ID]; ok {
		dm, _ := estimateText(d.Mean, d.Low, d.High, k.Unit, true)
		c.Diff = "Δ " + dm
		if d.Significant {
			c.Diff += " ★"
			c.Sig = true
		}
	}
	return c
}

// tradeoffKPIs returns the KPIs of the trade-off chart, x then y: the first
// two focus KPIs with a direction, else new customers (x) and the
// redemption rate (y).
func tradeoffKPIs(kpis, focus []results.KPI) (x, y results.KPI, ok bool) {
	var directed []results.KPI
	for _, k := range focus {
		if k.Better != "" {
			directed = append(directed, k)
		}
	}
	if len(directed) >= 2 {
		return directed[1], directed[0], true
	}
	if xk, ok := findKPI(kpis, "new_customers", "new customer"); ok {
		if yk, ok := findKPI(kpis, "redemption_rate", "(k2)", "redemption rate"); ok {
			return xk, yk, true
		}
	}
	return results.KPI{}, results.KPI{}, false
}

// anyDiffMoves reports whether some arm's paired difference on k is not
// exactly zero: a KPI no arm moves gets no forest plot.
func anyDiffMoves(sim *results.Simulation, k results.KPI) bool {
	for _, a := range sim.Arms[1:] {
		if d, ok := a.Diffs[k.ID]; ok && (d.Mean != 0 || d.Low != 0 || d.High != 0) {
			return true
		}
	}
	return false
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

// runSettings describes the run for the setup section, in l.
func runSettings(l Lang, sim *results.Simulation) []results.Setting {
	sc := sim.Scenario
	rows := []results.Setting{{Name: l.T("scenario"), Value: sc.Name}}
	if sc.File != "" {
		rows = append(rows, results.Setting{Name: l.T("file"), Value: sc.File})
	}
	rows = append(rows,
		results.Setting{Name: l.T("start"), Value: sc.Start},
		results.Setting{Name: l.T("horizon"), Value: l.T("%s (%d days)", sc.Horizon, sc.Days)},
		results.Setting{Name: l.T("seed"), Value: strconv.FormatUint(sim.Seed, 10)},
		results.Setting{Name: l.T("replications"), Value: strconv.Itoa(sim.Replications)},
		results.Setting{Name: l.T("arms"), Value: l.T("%d (baseline: %s)", len(sim.Arms), sim.Arms[0].Name)},
	)
	if len(sim.Sweep) > 0 {
		rows = append(rows, results.Setting{Name: l.T("sweep"), Value: strings.Join(sim.Sweep, " × ")})
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

// settingGroup is one section of the scenario's setup: its rows, rounded
// and with units.
type settingGroup struct {
	Name string
	Note string
	Rows []results.Setting
	Open bool // Open shows the group unfolded; the model's parameters start folded.
}

// settingSections name the setup's sections by the first part of a
// setting's path, in the order a reader asks for them.
var settingSections = []struct{ Prefix, Name, Note string }{
	{"coupon", "Coupon", ""},
	{"campaign", "Campaign", ""},
	{"merchant", "Merchant", ""},
	{"population", "Population and friend graph", ""},
	{"recovery", "Recovery (R14)", ""},
	{"risk", "Risk control (R16, R17)", ""},
	{"compliance", "Compliance", ""},
	{"behaviour", "Behavioural model", "The calibrated profile's central values (docs/MODEL.md); with an ensemble each replication draws its own set around them."},
}

// groupSettings sorts setup rows into sections (settingSections; anything
// else under "Run"), drops empty values, rounds numbers to four
// significant digits and adds the units its names imply (settingUnit).
// Section names, notes and units are in l; the settings' names are the
// scenario format's, English in every language.
func groupSettings(l Lang, rows []results.Setting) []settingGroup {
	groups := []settingGroup{{Name: l.T("Run"), Open: true}}
	for _, sec := range settingSections {
		groups = append(groups, settingGroup{Name: l.T(sec.Name), Note: l.T(sec.Note), Open: sec.Prefix != "behaviour"})
	}
	for _, r := range rows {
		v := strings.TrimSpace(r.Value)
		if v == "" || v == "[]" {
			continue
		}
		g := 0
		for i, sec := range settingSections {
			if r.Name == sec.Prefix || strings.HasPrefix(r.Name, sec.Prefix+".") || strings.HasPrefix(r.Name, sec.Prefix+"[") {
				g = i + 1
				break
			}
		}
		name := r.Name
		if g > 0 {
			name = strings.TrimPrefix(strings.TrimPrefix(name, settingSections[g-1].Prefix), ".")
		}
		groups[g].Rows = append(groups[g].Rows, results.Setting{Name: name, Value: roundSetting(v, l.T(l.unit(settingUnit(r.Name))))})
	}
	return slices.DeleteFunc(groups, func(g settingGroup) bool { return len(g.Rows) == 0 })
}

// settingUnit returns the unit a setting's name implies: CNY for money,
// hours, days, "%" for shares, a rate's "per day"; "" when the name says
// nothing.
func settingUnit(name string) string {
	leaf := name
	if i := strings.LastIndexAny(leaf, ".]"); i >= 0 {
		leaf = leaf[i+1:]
	}
	switch {
	case slices.Contains([]string{"face_value", "min_spend", "budget", "basket", "impulse_scale"}, leaf):
		return "CNY"
	case strings.HasSuffix(leaf, "_hours"):
		return "h"
	case strings.HasSuffix(leaf, "_days") || leaf == "days" || leaf == "first_day":
		return "days"
	case strings.HasSuffix(leaf, "_per_day"):
		return "per day"
	case strings.HasSuffix(leaf, "_prob") || strings.HasSuffix(leaf, "_share") || leaf == "share" || leaf == "margin" ||
		strings.HasPrefix(name, "population.") && slices.Contains([]string{"existing_customers", "members", "bank_card", "real_name", "followers"}, leaf):
		return "%"
	case leaf == "label_font_pt":
		return "pt"
	}
	return ""
}

// roundSetting rounds the numbers of a setting's value to four significant
// digits (a list's each) and adds unit: a share in "%" is shown as a
// percentage ("0.3" becomes "30%"). Values that are not numbers are kept.
func roundSetting(v, unit string) string {
	if strings.HasPrefix(v, "[") && strings.HasSuffix(v, "]") {
		parts := strings.Split(strings.Trim(v, "[]"), ",")
		for i, p := range parts {
			parts[i] = roundSetting(strings.TrimSpace(p), "")
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return v
	}
	if unit == "%" {
		x *= 100
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 4, 64), 64)
	s := strconv.FormatFloat(r, 'f', -1, 64)
	if math.Abs(r) >= 10000 {
		s = formatCount(int(r))
	}
	switch unit {
	case "":
		return s
	case "%":
		return s + "%"
	}
	return s + " " + unit
}
