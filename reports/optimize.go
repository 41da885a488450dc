package reports

import (
	"bytes"
	"cmp"
	"context"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"

	"github.com/wcharczuk/go-chart/v2/drawing"

	"giftsim/results"
)

//go:embed optimize.html.tmpl
var optimizeTemplate string

// WriteOptimization writes the report of an optimisation into dir:
// report.html (the answer, the best and its runners-up, the candidates'
// chart, for two objectives the Pareto front), the charts as SVG and PNG
// under charts/, optimize.csv and optimize.json.
// opts set the language (WithLang).
func WriteOptimization(ctx context.Context, dir string, r *results.Optimization, opts ...Option) error {
	if r == nil || len(r.Candidates) == 0 || len(r.Objectives) == 0 {
		return errors.New("reports: no optimisation results")
	}
	font, err := loadFont()
	if err != nil {
		return err
	}
	page := newOptPage(measurer(font), r, optionsOf(opts).lang)
	if err := renderAll(ctx, font, page.figures()); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	page.Head.FontFace = fontFace(font)
	var html, table, js bytes.Buffer
	t, err := template.New("page").Parse(pageTemplate)
	if err == nil {
		_, err = t.New("optimize").Parse(optimizeTemplate)
	}
	if err != nil {
		return fmt.Errorf("reports: page template: %w", err)
	}
	if err := t.ExecuteTemplate(&html, "optimize", page); err != nil {
		return fmt.Errorf("reports: page optimize: %w", err)
	}
	if err := WriteOptimizationCSV(&table, r); err != nil {
		return err
	}
	withAnswer := *r
	withAnswer.Answer = OptimizationAnswer(r)
	if err := writeIndented(&js, &withAnswer); err != nil {
		return err
	}
	return writeReport(dir, page.figures(), []outFile{
		{"optimize.csv", table.Bytes()},
		{"optimize.json", js.Bytes()},
		{"report.html", withCJKFace(html.Bytes(), font)},
	})
}

// OptimizationAnswer is the result in a sentence or two: the best strategy
// with its objective and interval, whether it keeps the constraints, and
// how many runners-up cannot be told apart from it; or for two objectives
// the size of the Pareto front. opts set the language (WithLang).
func OptimizationAnswer(r *results.Optimization, opts ...Option) string {
	lg := optionsOf(opts).lang
	return lg.spaced(optAnswerIn(lg, r))
}

// optAnswerIn is OptimizationAnswer in lg, before spacing.
func optAnswerIn(lg Lang, r *results.Optimization) string {
	var b strings.Builder
	o := r.Objectives[0]
	if len(r.Objectives) == 2 {
		o2 := r.Objectives[1]
		b.WriteString(lg.T("%d strategies form the Pareto front of %s %s against %s %s", len(r.Front), lg.T(o.Sense), lg.kpiName(o.Expr, o.Expr), lg.T(o2.Sense), lg.kpiName(o2.Expr, o2.Expr)))
		if len(r.Front) > 0 {
			f := r.Front[0].Objectives
			b.WriteString(lg.T("; the one best in %s is %s, with %s (95%% CI %s) and %s %s (95%% CI %s)", lg.kpiName(o.Expr, o.Expr), joinSettings(r.Front[0].Settings),
				lg.value(f[0].Mean, o.Unit), lg.interval(f[0].Low, f[0].High, o.Unit, false),
				lg.kpiName(o2.Expr, o2.Expr), lg.value(f[1].Mean, o2.Unit), lg.interval(f[1].Low, f[1].High, o2.Unit, false)))
		}
		b.WriteString(lg.T("."))
		return b.String()
	}
	best := r.Best
	if best == nil {
		return lg.T("No strategy was selected.")
	}
	e := best.Objectives[0]
	b.WriteString(lg.T("Best strategy: %s. It gives %s %s (95%% CI %s)", joinSettings(best.Settings), lg.kpiName(o.Expr, o.Expr), lg.value(e.Mean, o.Unit),
		lg.interval(e.Low, e.High, o.Unit, false)))
	switch best.Feasibility {
	case results.Feasible:
		if len(r.Constraints) > 0 {
			b.WriteString(lg.T(" and keeps every constraint"))
		}
	case results.Uncertain:
		var which []string
		for _, c := range best.Constraints {
			if c.Status == results.Uncertain {
				which = append(which, c.Text)
			}
		}
		b.WriteString(lg.T(", but it may break %s: the interval straddles the bound", lg.join(which)))
	}
	b.WriteString(lg.T("."))
	d := lg.value(r.Method.Delta, o.Unit)
	var risky []string
	n := 0
	for _, c := range r.RunnersUp {
		if c.Fate == results.FateRisky {
			risky = append(risky, fmt.Sprintf("#%d", c.ID))
		} else {
			n++
		}
	}
	if len(risky) > 0 {
		b.WriteString(lg.T(" %s does better on the objective but may break a constraint (an interval straddles its bound).", lg.join(risky)))
	}
	switch n {
	case 0:
		b.WriteString(lg.T(" No other strategy comes within δ = %s of it.", d))
	case 1:
		b.WriteString(lg.T(" 1 runner-up cannot be told apart from it (within δ = %s).", d))
	default:
		b.WriteString(lg.T(" %d runners-up cannot be told apart from it (within δ = %s).", n, d))
	}
	return b.String()
}

// optRow is one candidate's row, formatted.
type optRow struct {
	ID          int
	Settings    []results.Setting
	Objectives  []string // "mean (lo to hi)" per objective
	VsBest      string
	Feasibility string
	Constraints []string
	Fate        string
	Stage       string
	Reps        int
	Best        bool
}

// optRows formats candidates.
func optRows(lg Lang, r *results.Optimization, cs []results.OptCandidate) []optRow {
	var rows []optRow
	for _, c := range cs {
		row := optRow{ID: c.ID, Settings: c.Settings, Feasibility: lg.T(c.Feasibility), Fate: lg.T(c.Fate), Stage: c.Stage, Reps: c.Reps,
			Best: c.Fate == results.FateBest}
		for i, o := range c.Objectives {
			u := r.Objectives[i].Unit
			row.Objectives = append(row.Objectives, lg.value(o.Mean, u)+" ("+lg.interval(o.Low, o.High, u, false)+")")
		}
		if c.VsBest != nil {
			u := r.Objectives[0].Unit
			row.VsBest = lg.diff(c.VsBest.Mean, u) + " (" + lg.interval(c.VsBest.Low, c.VsBest.High, u, true) + ")"
		}
		for _, k := range c.Constraints {
			row.Constraints = append(row.Constraints, fmt.Sprintf("%s: %s (%s%s%s)", k.Text, lg.T(k.Status), formatNumber(k.Value.Low), lg.T(" to "), formatNumber(k.Value.High)))
		}
		rows = append(rows, row)
	}
	return rows
}

// WriteOptimizationText writes the answer, the best with its runners-up
// (or the Pareto front) and what the procedure spent, in the language of
// opts (WithLang), English by default.
func WriteOptimizationText(w io.Writer, r *results.Optimization, opts ...Option) error {
	lg := optionsOf(opts).lang
	tw := newTextTable(w, 2, 2, false)
	title := r.Scenario.Name
	if r.Scenario.Question != "" {
		title += lg.T(": ") + r.Scenario.Question
	}
	fmt.Fprintln(tw, title)
	var objs []string
	for _, o := range r.Objectives {
		objs = append(objs, lg.T(o.Sense)+" "+lg.kpiName(o.Expr, o.Expr))
	}
	fmt.Fprintln(tw, lg.spaced(lg.T("%s; seed %d, %s users%s", lg.join(objs), r.Seed, formatCount(r.Users), ensembleText(lg, r.EnsembleSets))))
	if len(r.Constraints) > 0 {
		fmt.Fprintln(tw, lg.T("subject to %s", strings.Join(r.Constraints, lg.T(", "))))
	}
	fmt.Fprintf(tw, "\n%s\n\n", OptimizationAnswer(r, WithLang(lg)))
	list := r.Front
	head := lg.T("Pareto front")
	if r.Best != nil {
		list = append([]results.OptCandidate{*r.Best}, r.RunnersUp...)
		head = lg.T("best and runners-up")
	}
	fmt.Fprintln(tw, head+lg.T(":"))
	hdr := lg.T("id\tsettings\t")
	for _, o := range r.Objectives {
		hdr += lg.kpiName(o.Expr, o.Expr) + lg.T(" [95% CI]\t")
	}
	if r.Best != nil {
		hdr += lg.T("vs best [95% CI]\t")
	}
	if len(r.Constraints) > 0 {
		hdr += lg.T("constraints\t")
	}
	fmt.Fprintln(tw, hdr+lg.T("fate\t"))
	for _, row := range optRows(lg, r, list) {
		line := fmt.Sprintf("%d\t%s\t", row.ID, joinSettings(row.Settings))
		for _, o := range row.Objectives {
			line += o + "\t"
		}
		if r.Best != nil {
			line += dash(row.VsBest) + "\t"
		}
		if len(r.Constraints) > 0 {
			line += row.Feasibility + "\t"
		}
		fmt.Fprintln(tw, line+row.Fate+"\t")
	}
	m := r.Method
	fmt.Fprint(tw, lg.T("\n%s: %d candidates, %d replications each first; %s", lg.T(m.Design), m.Candidates, m.Screen, lg.T(m.Selection)))
	if r.Best != nil {
		fmt.Fprint(tw, lg.T(" with δ = %s (%s), α = %g", formatNumber(m.Delta), lg.T(m.DeltaFrom), m.Alpha))
	}
	fmt.Fprint(tw, lg.T(".\n%d of a budget of %d candidate-replications spent.\n", r.Evaluations, r.Budget))
	for _, n := range r.Notes {
		fmt.Fprint(tw, lg.T("Note: %s.\n", n))
	}
	return tw.Flush()
}

// WriteOptimizationCSV writes one row per candidate.
func WriteOptimizationCSV(w io.Writer, r *results.Optimization) error {
	cw := csv.NewWriter(w)
	head := []string{"id"}
	for _, l := range r.Levers {
		head = append(head, l.Path)
	}
	for i := range r.Objectives {
		p := fmt.Sprintf("objective%d", i+1)
		head = append(head, p+"_mean", p+"_ci_low", p+"_ci_high")
	}
	head = append(head, "vs_best", "vs_best_ci_low", "vs_best_ci_high", "reps", "feasibility", "fate", "stage")
	for i := range r.Constraints {
		p := fmt.Sprintf("constraint%d", i+1)
		head = append(head, p+"_mean", p+"_ci_low", p+"_ci_high", p+"_status")
	}
	_ = cw.Write(head)
	for _, c := range r.Candidates {
		row := []string{fmt.Sprint(c.ID)}
		for _, s := range c.Settings {
			row = append(row, s.Value)
		}
		for i := range r.Objectives {
			if i < len(c.Objectives) {
				o := c.Objectives[i]
				row = append(row, num(o.Mean), num(o.Low), num(o.High))
			} else {
				row = append(row, "", "", "")
			}
		}
		if c.VsBest != nil {
			row = append(row, num(c.VsBest.Mean), num(c.VsBest.Low), num(c.VsBest.High))
		} else {
			row = append(row, "", "", "")
		}
		row = append(row, fmt.Sprint(c.Reps), c.Feasibility, c.Fate, c.Stage)
		for i := range r.Constraints {
			if i < len(c.Constraints) {
				k := c.Constraints[i]
				row = append(row, num(k.Value.Mean), num(k.Value.Low), num(k.Value.High), k.Status)
			} else {
				row = append(row, "", "", "", "")
			}
		}
		_ = cw.Write(row)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("reports: write CSV: %w", err)
	}
	return nil
}

// optPage is what the optimize template shows.
type optPage struct {
	Head        head
	Question    string
	Answer      string
	Objectives  []results.OptObjective
	Constraints []string
	Top         []optRow // Top is the best and its runners-up, or the front.
	All         []optRow
	HasBest     bool
	Chart       *figure
	Pareto      *figure
	Rounds      []results.OptRound
	Notes       []string
	Run         []results.Setting
	Levers      []results.Setting
	Setup       []results.Setting
	Guarantee   string
	Schema      string
	Seed        uint64
}

// newOptPage lays out the page and builds its figures.
func newOptPage(mc *canvas, r *results.Optimization, lg Lang) *optPage {
	mc.lang = lg
	p := &optPage{Head: head{Title: lg.T("Optimisation: %s", r.Scenario.Name), Lang: lg}, Question: r.Scenario.Question, Answer: OptimizationAnswer(r, WithLang(lg)),
		Objectives: r.Objectives, Constraints: r.Constraints, HasBest: r.Best != nil, Rounds: r.Rounds, Notes: r.Notes,
		Guarantee: r.Method.Guarantee, Schema: r.Schema, Seed: r.Seed, Setup: setupSettings(r.Scenario)}
	if r.Best != nil {
		p.Top = optRows(lg, r, append([]results.OptCandidate{*r.Best}, r.RunnersUp...))
	} else {
		p.Top = optRows(lg, r, r.Front)
	}
	sorted := slices.Clone(r.Candidates)
	sign := 1.0
	if r.Objectives[0].Sense == "minimize" {
		sign = -1
	}
	// Feasible first, then uncertain, infeasible and never run; each group
	// by the first objective, best first.
	group := func(c results.OptCandidate) int {
		switch {
		case len(c.Objectives) == 0:
			return 3
		case c.Feasibility == results.Uncertain:
			return 1
		case c.Feasibility == results.Infeasible:
			return 2
		}
		return 0
	}
	slices.SortStableFunc(sorted, func(a, b results.OptCandidate) int {
		if c := cmp.Compare(group(a), group(b)); c != 0 || group(a) == 3 {
			return cmp.Or(c, cmp.Compare(a.ID, b.ID))
		}
		return cmp.Or(cmp.Compare(sign*b.Objectives[0].Mean, sign*a.Objectives[0].Mean), cmp.Compare(a.ID, b.ID))
	})
	p.All = optRows(lg, r, sorted)
	for _, l := range r.Levers {
		v := l.Low + " → " + l.High
		if l.Levels != nil {
			v = strings.Join(l.Levels, ", ")
		}
		p.Levers = append(p.Levers, results.Setting{Name: l.Path, Value: v + " (" + l.Kind + ")"})
	}
	m := r.Method
	p.Run = []results.Setting{
		{Name: lg.T("design"), Value: lg.T("%s, %d candidates", lg.T(m.Design), m.Candidates)},
		{Name: lg.T("screen"), Value: lg.T("%d replications each", m.Screen)},
		{Name: lg.T("selection"), Value: lg.T(m.Selection)},
		{Name: lg.T("replications run"), Value: lg.T("%s of a budget of %s", formatCount(r.Evaluations), formatCount(r.Budget))},
		{Name: lg.T("users"), Value: formatCount(r.Users)},
		{Name: lg.T("parameter sets"), Value: strings.TrimPrefix(strings.TrimPrefix(ensembleText(lg, r.EnsembleSets), ", "), "，")},
		{Name: lg.T("seed"), Value: fmt.Sprint(r.Seed)},
	}
	if r.Best != nil {
		p.Run = append(p.Run, results.Setting{Name: lg.T("indifference zone δ"), Value: formatNumber(m.Delta) + " (" + lg.T(m.DeltaFrom) + ")"},
			results.Setting{Name: lg.T("confidence"), Value: fmt.Sprintf("%.0f%% (α = %g)", 100*(1-m.Alpha), m.Alpha)},
			results.Setting{Name: lg.T("KN first stage n₀"), Value: fmt.Sprint(m.FirstStage)})
	}
	p.Chart = candidatesFigure(mc, r, sorted, "candidates")
	if len(r.Objectives) == 2 {
		p.Pareto = paretoFigure(lg, r, "pareto")
	}
	return p
}

// figures lists the page's figures.
func (p *optPage) figures() []*figure {
	var out []*figure
	for _, f := range []*figure{p.Chart, p.Pareto} {
		if f != nil {
			out = append(out, f)
		}
	}
	return out
}

// maxChartRows caps the candidates the chart shows.
const maxChartRows = 20

// candidatesFigure draws the leading candidates' first objective with its
// 95% interval, best first: the best in colour, runners-up outlined.
func candidatesFigure(mc *canvas, r *results.Optimization, sorted []results.OptCandidate, name string) *figure {
	var cs []results.OptCandidate
	for _, c := range sorted {
		if len(c.Objectives) > 0 && len(cs) < maxChartRows {
			cs = append(cs, c)
		}
	}
	o := r.Objectives[0]
	lg := mc.lang
	title := lg.T("Candidates: %s %s, 95%% CI (%d of %d, feasible first)", lg.T(o.Sense), lg.kpiName(o.Expr, o.Expr), len(cs), len(r.Candidates))
	bestLook := look{Color: rgb(0xd55e00)}
	nearLook := look{Color: rgb(0x0072b2)}
	otherLook := look{Color: rgb(hexNeutral)}
	legend := []legendItem{
		{Label: lg.T("best"), Look: bestLook, Kind: legendBox},
		{Label: lg.T("cannot be told apart / on the front"), Look: nearLook, Kind: legendBox},
		{Label: lg.T("other"), Look: otherLook, Kind: legendBox},
	}
	rows, lh := legendBlock(mc, legend, wideW)
	h := barsHeight(len(cs)) + lh
	cats := make([]string, len(cs))
	for i, c := range cs {
		cats[i] = mc.fitText(fmt.Sprintf("#%d %s", c.ID, joinSettings(c.Settings)), sizeSmall, 360)
	}
	return &figure{
		Name: name, Title: title, W: wideW, H: h,
		draw: func(c *canvas) {
			p := plot{Title: title, W: wideW, H: h,
				X:      axis{Label: axisLabel(lg.kpiName(o.Expr, o.Expr), lg.unit(o.Unit)), Nice: true},
				Y:      axis{Kind: scaleBand, Cats: cats},
				Legend: legend, Rows: rows}
			for _, cd := range cs {
				p.X.include(cd.Objectives[0].Low, cd.Objectives[0].High)
			}
			p.layout(c)
			p.drawFrame(c)
			for i, cd := range cs {
				y := p.Y.pos(float64(i))
				e := cd.Objectives[0]
				l := otherLook
				switch cd.Fate {
				case results.FateBest:
					l = bestLook
				case results.FateRunnerUp, results.FateFront:
					l = nearLook
				}
				p.errorBarX(c, e.Low, e.Mean, e.High, y, 4, l.Color)
				fill := l.Color
				if cd.Feasibility == results.Infeasible {
					fill = drawing.Color{}
				}
				c.marker(p.at(e.Mean, float64(i)), 5, shapeCircle, fill, l.Color)
			}
			p.drawAxes(c)
		},
	}
}

// paretoFigure plots every run candidate's two objectives with their 95%
// intervals; the front is joined by a line.
func paretoFigure(lg Lang, r *results.Optimization, name string) *figure {
	o1, o2 := r.Objectives[0], r.Objectives[1]
	title := lg.T("Pareto front: %s %s against %s %s", lg.T(o1.Sense), lg.kpiName(o1.Expr, o1.Expr), lg.T(o2.Sense), lg.kpiName(o2.Expr, o2.Expr))
	const w, h = 760, 520
	frontLook, otherLook := look{Color: rgb(0xd55e00)}, look{Color: rgb(hexNeutral)}
	return &figure{
		Name: name, Title: title, W: w, H: h,
		draw: func(c *canvas) {
			p := plot{Title: title, W: w, H: h,
				X: axis{Label: axisLabel(lg.kpiName(o1.Expr, o1.Expr), lg.unit(o1.Unit)), Nice: true},
				Y: axis{Label: axisLabel(lg.kpiName(o2.Expr, o2.Expr), lg.unit(o2.Unit)), Nice: true},
				Legend: []legendItem{
					{Label: lg.T("on the front (95% CI)"), Look: frontLook, Kind: legendWhisker},
					{Label: lg.T("other candidates"), Look: otherLook, Kind: legendBox},
				}}
			for _, cd := range r.Candidates {
				if len(cd.Objectives) == 2 {
					p.X.include(cd.Objectives[0].Low, cd.Objectives[0].High)
					p.Y.include(cd.Objectives[1].Low, cd.Objectives[1].High)
				}
			}
			p.layout(c)
			p.drawFrame(c)
			for _, cd := range r.Candidates {
				if len(cd.Objectives) == 2 && cd.Fate != results.FateFront {
					c.marker(p.at(cd.Objectives[0].Mean, cd.Objectives[1].Mean), 3, shapeCircle, drawing.Color{}, otherLook.Color)
				}
			}
			front := slices.Clone(r.Front)
			slices.SortFunc(front, func(a, b results.OptCandidate) int { return cmp.Compare(a.Objectives[0].Mean, b.Objectives[0].Mean) })
			var line []pt
			for _, cd := range front {
				line = append(line, p.at(cd.Objectives[0].Mean, cd.Objectives[1].Mean))
			}
			if len(line) > 1 {
				c.polyline(line, frontLook.Color, 1.5, []float64{5, 3})
			}
			var placed [][4]float64
			for _, cd := range front {
				a, b := cd.Objectives[0], cd.Objectives[1]
				at := p.at(a.Mean, b.Mean)
				p.errorBarX(c, a.Low, a.Mean, a.High, at.Y, 3, frontLook.Color)
				p.errorBarY(c, at.X, b.Low, b.Mean, b.High, 3, frontLook.Color)
				c.marker(at, 5, shapeCircle, frontLook.Color, frontLook.Color)
				placed = placeLabel(c, p, fmt.Sprintf("#%d", cd.ID), at, placed)
			}
			p.drawAxes(c)
		},
	}
}
