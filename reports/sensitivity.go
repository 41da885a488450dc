package reports

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/wcharczuk/go-chart/v2/drawing"

	"giftsim/results"
)

// WriteSensitivity writes the report of a sensitivity analysis into dir:
// report.html (the answer, the tornado, the ranked table, the Morris and
// Sobol charts), the charts as SVG and PNG under charts/, sensitivity.csv
// and sensitivity.json.
// opts set the language (WithLang).
func WriteSensitivity(ctx context.Context, dir string, s *results.Sensitivity, opts ...Option) error {
	if s == nil || len(s.Levers) == 0 {
		return errors.New("reports: no sensitivity results")
	}
	font, err := loadFont()
	if err != nil {
		return err
	}
	page := newSensPage(measurer(font), s, optionsOf(opts).lang)
	if err := renderAll(ctx, font, page.figures()); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	page.Head.FontFace = fontFace(font)
	var html, table, js bytes.Buffer
	if err := executePage(&html, "sensitivity", page); err != nil {
		return err
	}
	if err := WriteSensitivityCSV(&table, s); err != nil {
		return err
	}
	if err := writeIndented(&js, s); err != nil {
		return err
	}
	return writeReport(dir, page.figures(), []outFile{
		{"sensitivity.csv", table.Bytes()},
		{"sensitivity.json", js.Bytes()},
		{"report.html", withCJKFace(html.Bytes(), font)},
	})
}

// SensitivityAnswer is the analysis in one sentence: the lever that matters
// most with its effect, and the levers that do not matter; in the language
// of opts (WithLang), English by default.
func SensitivityAnswer(s *results.Sensitivity, opts ...Option) string {
	return sensAnswerIn(optionsOf(opts).lang, s)
}

// sensAnswerIn is SensitivityAnswer in l.
func sensAnswerIn(lg Lang, s *results.Sensitivity) string {
	var not []string
	for _, l := range s.Levers {
		if l.Verdict == results.VerdictNotMatters {
			not = append(not, l.Path)
		}
	}
	var b strings.Builder
	first := s.Levers[0]
	if first.Verdict == results.VerdictMatters {
		b.WriteString(lg.T("%s matters most (%s)", first.Path, effectText(lg, first, s.Objective.Unit)))
	} else {
		b.WriteString(lg.T("No lever moves %s distinguishably from zero", lg.kpiName(s.Objective.ID, s.Objective.Name)))
	}
	switch {
	case len(not) == len(s.Levers):
		b.WriteString(lg.T(": every effect's interval includes zero."))
	case len(not) == 1:
		b.WriteString(lg.T("; %s does not matter: its effect's interval includes zero.", not[0]))
	case len(not) > 1:
		b.WriteString(lg.T("; %s do not matter: their effects' intervals include zero.", lg.join(not)))
	default:
		b.WriteString(lg.T("; every lever matters: each has an effect whose interval excludes zero."))
	}
	return lg.spaced(b.String())
}

// effectText names a lever's effect on the objective: its total Sobol
// index when there is one, and high − low one at a time, else Morris's μ*.
func effectText(lg Lang, l results.Lever, unit string) string {
	var parts []string
	if x := l.Sobol; x != nil {
		parts = append(parts, lg.T("its total Sobol index is %s, 95%% interval %s: that share of the variance over the levers' ranges involves it",
			share(x.Total), shareInterval(lg, x.TotalLow, x.TotalHigh)))
	}
	if o := l.OAT; o != nil {
		parts = append(parts, lg.T("%s → %s changes it by %s, 95%% CI %s", l.Low, l.High, lg.diff(o.Effect.Mean, unit),
			lg.interval(o.Effect.Low, o.Effect.High, unit, true)))
	} else if m := l.Morris; m != nil && l.Sobol == nil {
		parts = append(parts, lg.T("Morris μ* %s per range %s..%s, 95%% interval %s", lg.value(m.MuStar, unit), l.Low, l.High,
			lg.interval(m.MuStarLow, m.MuStarHigh, unit, false)))
	}
	return strings.Join(parts, lg.T("; "))
}

// share formats a Sobol index, a share of variance, with two decimals.
func share(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	if s == "-0.00" {
		return "0.00"
	}
	return s
}

// shareInterval formats an interval of a Sobol index.
func shareInterval(lg Lang, lo, hi float64) string { return share(lo) + lg.T(" to ") + share(hi) }

// joinAnd joins names as "a, b and c".
func joinAnd(names []string) string {
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// sensRow is one lever's row of the ranked table, formatted.
type sensRow struct {
	Rank                    int
	Path, Range, Kind, Base string
	Verdict                 string
	Matters                 bool
	AtLow, AtHigh, Effect   string
	EffectCI, Agree         string
	MuStar, MuStarCI, Mu    string
	Sigma, SigmaCI          string
	First, FirstCI          string
	Total, TotalCI          string
}

// sensRows formats the levers in rank order.
func sensRows(lg Lang, s *results.Sensitivity) []sensRow {
	u := s.Objective.Unit
	var rows []sensRow
	for _, l := range s.Levers {
		r := sensRow{Rank: l.Rank, Path: l.Path, Range: l.Low + " → " + l.High, Kind: l.Kind, Base: l.Base,
			Verdict: lg.T(l.Verdict), Matters: l.Verdict == results.VerdictMatters}
		if o := l.OAT; o != nil {
			r.AtLow, r.AtHigh = lg.value(o.AtLow.Mean, u), lg.value(o.AtHigh.Mean, u)
			r.Effect, r.EffectCI = lg.diff(o.Effect.Mean, u), lg.interval(o.Effect.Low, o.Effect.High, u, true)
			if o.Effect.Members > 0 && o.Effect.Mean != 0 {
				r.Agree = lg.T("%d of %d", o.Effect.Agree, o.Effect.Members)
			}
		}
		if m := l.Morris; m != nil {
			r.MuStar, r.MuStarCI = lg.value(m.MuStar, u), lg.interval(m.MuStarLow, m.MuStarHigh, u, false)
			r.Mu = lg.diff(m.Mu, u)
			r.Sigma, r.SigmaCI = lg.value(m.Sigma, u), lg.interval(m.SigmaLow, m.SigmaHigh, u, false)
		}
		if x := l.Sobol; x != nil {
			r.First, r.FirstCI = share(x.First), shareInterval(lg, x.FirstLow, x.FirstHigh)
			r.Total, r.TotalCI = share(x.Total), shareInterval(lg, x.TotalLow, x.TotalHigh)
		}
		rows = append(rows, r)
	}
	return rows
}

// WriteSensitivityText writes the sentence and the ranked table, in the
// language of opts (WithLang), English by default.
func WriteSensitivityText(w io.Writer, s *results.Sensitivity, opts ...Option) error {
	lg := optionsOf(opts).lang
	tw := newTextTable(w, 2, 2, false)
	title := s.Scenario.Name
	if s.Scenario.Question != "" {
		title += lg.T(": ") + s.Scenario.Question
	}
	fmt.Fprintln(tw, title)
	fmt.Fprintln(tw, lg.spaced(lg.T("objective %s at base %s [%s]; seed %d, %d replications%s", lg.kpiName(s.Objective.ID, s.Objective.Name),
		lg.value(s.Base.Mean, s.Objective.Unit), lg.interval(s.Base.Low, s.Base.High, s.Objective.Unit, false),
		s.Seed, s.Replications, ensembleText(lg, s.EnsembleSets))))
	fmt.Fprintf(tw, "\n%s\n\n", sensAnswerIn(lg, s))
	head := lg.T("rank\tlever\trange\tverdict\thigh − low [95% CI]\tsets agree\tMorris μ* [95%]\tσ\t")
	if s.Sobol != nil {
		head += lg.T("Sobol S_i [95%]\tS_T [95%]\t")
	}
	fmt.Fprintln(tw, head)
	bracket := func(v, ci string) string {
		if v == "" {
			return "—"
		}
		return v + " [" + ci + "]"
	}
	for _, r := range sensRows(lg, s) {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t", r.Rank, r.Path, r.Range, r.Verdict, bracket(r.Effect, r.EffectCI),
			dash(r.Agree), bracket(r.MuStar, r.MuStarCI), dash(r.Sigma))
		if s.Sobol != nil {
			fmt.Fprintf(tw, "%s\t%s\t", bracket(r.First, r.FirstCI), bracket(r.Total, r.TotalCI))
		}
		fmt.Fprintln(tw)
	}
	fmt.Fprintln(tw)
	if s.Morris != nil {
		fmt.Fprintln(tw, lg.T("Morris: %d trajectories on %d levels, %d points, %d bootstrap resamples; effects per whole range of a lever.",
			s.Morris.Trajectories, s.Morris.Levels, s.Morris.Points, s.Morris.Bootstrap))
	}
	if d := s.Sobol; d != nil {
		fmt.Fprintln(tw, lg.T("Sobol: %s.", sobolText(lg, d)))
	} else if s.SobolNote != "" {
		fmt.Fprintln(tw, lg.T("Sobol indices: %s.", s.SobolNote))
	}
	return tw.Flush()
}

// sobolText describes a Sobol design: its size, its bootstrap and the
// share of noise.
func sobolText(lg Lang, d *results.SobolDesign) string {
	t := lg.T("N = %d base samples, %s points, %s bootstrap resamples of the rows; %s", d.Samples,
		formatCount(d.Points), formatCount(d.Bootstrap), noiseText(lg, d))
	if d.Note != "" {
		t += lg.T("; ") + d.Note
	}
	return t
}

// noiseText says how much of the objective's variance between points is
// simulation noise, and that it was taken out.
func noiseText(lg Lang, d *results.SobolDesign) string {
	if !d.NoiseKnown {
		return lg.T("simulation noise not estimated (one replication, or none in the objective): it is left in the indices")
	}
	return lg.T("simulation noise is %s%% of the variance between points and is taken out of S_T and the variance",
		strconv.FormatFloat(100*d.NoiseShare, 'f', 1, 64))
}

// ensembleText names the parameter sets a run used.
func ensembleText(lg Lang, n int) string {
	if n == 0 {
		return lg.T(", central parameters")
	}
	return lg.T(", %d calibrated parameter sets", n)
}

// dash is s, or "—" when s is empty.
func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// WriteSensitivityCSV writes one row per lever in rank order.
func WriteSensitivityCSV(w io.Writer, s *results.Sensitivity) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"rank", "lever", "low", "high", "kind", "verdict", "kpi", "base_mean",
		"at_low", "at_high", "effect", "effect_ci_low", "effect_ci_high", "effect_p", "sets", "sets_agree",
		"mu_star", "mu_star_low", "mu_star_high", "mu", "sigma", "sigma_low", "sigma_high",
		"sobol_first", "sobol_first_low", "sobol_first_high", "sobol_total", "sobol_total_low", "sobol_total_high"})
	for _, l := range s.Levers {
		row := []string{fmt.Sprint(l.Rank), l.Path, l.Low, l.High, l.Kind, l.Verdict, s.Objective.ID, num(s.Base.Mean)}
		if o := l.OAT; o != nil {
			row = append(row, num(o.AtLow.Mean), num(o.AtHigh.Mean), num(o.Effect.Mean), num(o.Effect.Low), num(o.Effect.High),
				num(o.Effect.P), fmt.Sprint(o.Effect.Members), fmt.Sprint(o.Effect.Agree))
		} else {
			row = append(row, "", "", "", "", "", "", "", "")
		}
		if m := l.Morris; m != nil {
			row = append(row, num(m.MuStar), num(m.MuStarLow), num(m.MuStarHigh), num(m.Mu), num(m.Sigma), num(m.SigmaLow), num(m.SigmaHigh))
		} else {
			row = append(row, "", "", "", "", "", "", "")
		}
		if x := l.Sobol; x != nil {
			row = append(row, num(x.First), num(x.FirstLow), num(x.FirstHigh), num(x.Total), num(x.TotalLow), num(x.TotalHigh))
		} else {
			row = append(row, "", "", "", "", "", "")
		}
		_ = cw.Write(row)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("reports: write CSV: %w", err)
	}
	return nil
}

// sensPage is what the sensitivity template shows.
type sensPage struct {
	Head      head
	Question  string
	Answer    string
	Objective string
	Base      string
	Tornado   *figure
	Morris    *figure
	SobolFig  *figure
	Rows      []sensRow
	HasOAT    bool
	HasMorris bool
	HasSobol  bool
	Design    *results.MorrisDesign
	Sobol     *results.SobolDesign
	SobolText string
	SobolNote string
	Run       []results.Setting
	Setup     []results.Setting
	Schema    string
	Seed      uint64
}

// newSensPage lays out the page and builds its figures; mc measures text.
func newSensPage(mc *canvas, s *results.Sensitivity, lg Lang) *sensPage {
	mc.lang = lg
	title := lg.T("Sensitivity: %s", s.Scenario.Name)
	p := &sensPage{
		Head: head{Title: title, Lang: lg}, Question: s.Scenario.Question, Answer: sensAnswerIn(lg, s),
		Objective: lg.kpiName(s.Objective.ID, s.Objective.Name), Rows: sensRows(lg, s), Design: s.Morris, Sobol: s.Sobol, SobolNote: s.SobolNote,
		Base:  lg.value(s.Base.Mean, s.Objective.Unit) + " (" + lg.interval(s.Base.Low, s.Base.High, s.Objective.Unit, false) + ")",
		Setup: setupSettings(s.Scenario), Schema: s.Schema, Seed: s.Seed,
		Run: []results.Setting{
			{Name: lg.T("objective"), Value: lg.kpiName(s.Objective.ID, s.Objective.Name) + " (" + s.Objective.ID + ")"},
			{Name: lg.T("methods"), Value: strings.Join(s.Methods, ", ")},
			{Name: lg.T("replications"), Value: fmt.Sprint(s.Replications)},
			{Name: lg.T("parameter sets"), Value: strings.TrimPrefix(strings.TrimPrefix(ensembleText(lg, s.EnsembleSets), ", "), "，")},
			{Name: lg.T("arm-replications run"), Value: formatCount(s.Runs)},
			{Name: lg.T("seed"), Value: fmt.Sprint(s.Seed)},
		},
	}
	for _, l := range s.Levers {
		p.HasOAT = p.HasOAT || l.OAT != nil
		p.HasMorris = p.HasMorris || l.Morris != nil
		p.HasSobol = p.HasSobol || l.Sobol != nil
	}
	if s.Sobol != nil {
		p.SobolText = sobolText(lg, s.Sobol)
	}
	if p.HasOAT {
		p.Tornado = tornadoFigure(mc, s, "tornado")
	}
	if p.HasMorris {
		p.Morris = morrisFigure(lg, s, "morris")
	}
	if p.HasSobol {
		p.SobolFig = sobolFigure(mc, s, "sobol")
	}
	return p
}

// figures lists the page's figures.
func (p *sensPage) figures() []*figure {
	var out []*figure
	for _, f := range []*figure{p.Tornado, p.Morris, p.SobolFig} {
		if f != nil {
			out = append(out, f)
		}
	}
	return out
}

// abs is |v|.
func abs(v float64) float64 { return math.Abs(v) }

// leverLabel names a lever with its range, for an axis: "7d to 30d" (the
// charts' fonts have no arrow).
func leverLabel(lg Lang, l results.Lever) string {
	return l.Path + " (" + l.Low + lg.T(" to ") + l.High + ")"
}

// leversWith returns s's levers, in rank order, for which has is true.
func leversWith(s *results.Sensitivity, has func(results.Lever) bool) []results.Lever {
	var out []results.Lever
	for _, l := range s.Levers {
		if has(l) {
			out = append(out, l)
		}
	}
	return out
}

// leverBands lays out a wide chart with a band per lever under legend:
// the bands' labels, the legend's rows and the chart's height.
func leverBands(mc *canvas, levers []results.Lever, legend []legendItem) (cats []string, rows [][]int, h int) {
	rows, lh := legendBlock(mc, legend, wideW)
	cats = make([]string, len(levers))
	for i, l := range levers {
		cats[i] = leverLabel(mc.lang, l)
	}
	return cats, rows, barsHeight(len(levers)) + lh
}

// tornadoFigure draws each lever's one-at-a-time effect as a bar from the
// objective at its low end to the objective at its high end, around the
// base (a dashed line), in rank order; the whisker is the 95% interval of
// high − low drawn from the low end, so that it reaches back across the
// low end exactly when the effect could be zero.
func tornadoFigure(mc *canvas, s *results.Sensitivity, name string) *figure {
	levers := leversWith(s, func(l results.Lever) bool { return l.OAT != nil })
	lg := mc.lang
	k := localKPI(lg, s.Objective)
	title := lg.T("Tornado: %s, each lever from low to high", k.Name)
	lowLook, highLook := look{Color: rgb(0x56b4e9)}, look{Color: rgb(0xe69f00)}
	legend := []legendItem{
		{Label: lg.T("low end"), Look: lowLook, Kind: legendBox},
		{Label: lg.T("high end"), Look: highLook, Kind: legendBox},
		{Label: lg.T("95% CI of high − low, from the low end"), Look: look{Color: rgb(hexText)}, Kind: legendWhisker},
		{Label: lg.T("base"), Look: look{Color: rgb(hexMuted), Dash: []float64{4, 3}}, Kind: legendLine},
	}
	cats, rows, h := leverBands(mc, levers, legend)
	return &figure{
		Name: name, Title: title, W: wideW, H: h,
		draw: func(c *canvas) {
			p := plot{Title: title, W: wideW, H: h,
				X:      axis{Label: axisLabel(k.Name, k.Unit), Nice: true},
				Y:      axis{Kind: scaleBand, Cats: cats},
				Legend: legend, Rows: rows}
			p.X.include(s.Base.Mean)
			labels := make([]string, len(levers))
			for i, l := range levers {
				o := l.OAT
				p.X.include(o.AtLow.Mean, o.AtHigh.Mean, o.AtLow.Mean+o.Effect.Low, o.AtLow.Mean+o.Effect.High)
				labels[i] = fmt.Sprintf("%s [%s, %s]", signed(o.Effect.Mean), signed(o.Effect.Low), signed(o.Effect.High))
				p.Right = max(p.Right, c.textWidth(labels[i], sizeSmall)+8)
			}
			p.layout(c)
			p.drawFrame(c)
			half := p.Y.bandWidth() * 0.32
			base := p.X.pos(s.Base.Mean)
			for i, l := range levers {
				o := l.OAT
				y := p.Y.pos(float64(i))
				ends := []struct {
					v float64
					l look
				}{{o.AtLow.Mean, lowLook}, {o.AtHigh.Mean, highLook}}
				if abs(o.AtLow.Mean-s.Base.Mean) < abs(o.AtHigh.Mean-s.Base.Mean) {
					// The longer bar first, so that one on the same side shows.
					ends[0], ends[1] = ends[1], ends[0]
				}
				for _, end := range ends {
					x := p.X.pos(end.v)
					c.bar(min(x, base), y-half, max(x, base), y+half, end.l)
				}
				lo := o.AtLow.Mean
				p.errorBarX(c, lo+o.Effect.Low, lo+o.Effect.Mean, lo+o.Effect.High, y, 4, rgb(hexText))
				c.text(labels[i], p.area.R+8, y, sizeSmall, rgb(hexText), alignLeft)
			}
			c.polyline([]pt{{base, p.area.T}, {base, p.area.B}}, rgb(hexMuted), 1, []float64{4, 3})
			p.drawAxes(c)
		},
	}
}

// morrisFigure plots each lever's Morris μ* against σ with their 95%
// bootstrap intervals: far right matters, high up interacts or bends.
func morrisFigure(lg Lang, s *results.Sensitivity, name string) *figure {
	k := localKPI(lg, s.Objective)
	title := lg.T("Morris screening: μ* against σ of %s", k.Name)
	const w, h = 760, 480
	unit := ""
	if k.Unit != "" {
		unit = lg.T(", %s per range", k.Unit)
	}
	return &figure{
		Name: name, Title: title, W: w, H: h,
		draw: func(c *canvas) {
			p := plot{Title: title, W: w, H: h,
				X:      axis{Label: lg.T("μ*, mean absolute elementary effect%s", unit), Zero: true, Nice: true, Limits: limits(results.NonNegative)},
				Y:      axis{Label: lg.T("σ, spread of elementary effects%s", unit), Zero: true, Nice: true, Limits: limits(results.NonNegative)},
				Legend: []legendItem{{Label: lg.T("95% bootstrap interval over trajectories"), Look: look{Color: rgb(hexNeutral)}, Kind: legendWhisker}}}
			for _, l := range s.Levers {
				if m := l.Morris; m != nil {
					p.X.include(m.MuStarLow, m.MuStarHigh)
					p.Y.include(m.SigmaLow, m.SigmaHigh)
				}
			}
			p.layout(c)
			p.drawFrame(c)
			var placed [][4]float64
			for i, l := range s.Levers {
				m := l.Morris
				if m == nil {
					continue
				}
				col := seriesLook(i).Color
				at := p.at(m.MuStar, m.Sigma)
				p.errorBarX(c, m.MuStarLow, m.MuStar, m.MuStarHigh, at.Y, 3, col)
				p.errorBarY(c, at.X, m.SigmaLow, m.Sigma, m.SigmaHigh, 3, col)
				fill := col
				if l.Verdict != results.VerdictMatters {
					fill = drawing.Color{}
				}
				c.marker(at, 5, seriesLook(i).Shape, fill, col)
			}
			for _, l := range s.Levers {
				if m := l.Morris; m != nil {
					placed = placeLabel(c, p, c.fitText(l.Path, sizeSmall, 180), p.at(m.MuStar, m.Sigma), placed)
				}
			}
			p.drawAxes(c)
		},
	}
}

// sobolFigure draws each lever's first-order index S_i and total index
// S_T as a pair of bars with their 95% bootstrap intervals, in rank
// order: the share of the objective's variance over the levers' ranges
// the lever causes alone (S_i) and alone or together with others (S_T).
func sobolFigure(mc *canvas, s *results.Sensitivity, name string) *figure {
	levers := leversWith(s, func(l results.Lever) bool { return l.Sobol != nil })
	lg := mc.lang
	title := lg.T("Sobol indices: shares of the variance of %s", lg.kpiName(s.Objective.ID, s.Objective.Name))
	firstLook, totalLook := look{Color: rgb(0x56b4e9)}, look{Color: rgb(0x0072b2)}
	legend := []legendItem{
		{Label: lg.T("S_i, first order (alone)"), Look: firstLook, Kind: legendBox},
		{Label: lg.T("S_T, total (alone or with others)"), Look: totalLook, Kind: legendBox},
		{Label: lg.T("95% bootstrap interval"), Look: look{Color: rgb(hexText)}, Kind: legendWhisker},
	}
	cats, rows, h := leverBands(mc, levers, legend)
	return &figure{
		Name: name, Title: title, W: wideW, H: h,
		draw: func(c *canvas) {
			p := plot{Title: title, W: wideW, H: h,
				X:      axis{Label: lg.T("share of variance over the levers' ranges"), Nice: true},
				Y:      axis{Kind: scaleBand, Cats: cats},
				Legend: legend, Rows: rows}
			p.X.include(0, 1)
			labels := make([]string, len(levers))
			for i, l := range levers {
				x := l.Sobol
				p.X.include(x.FirstLow, x.FirstHigh, x.TotalLow, x.TotalHigh)
				labels[i] = "S_T " + share(x.Total) + " [" + share(x.TotalLow) + ", " + share(x.TotalHigh) + "]"
				p.Right = max(p.Right, c.textWidth(labels[i], sizeSmall)+8)
			}
			p.layout(c)
			p.drawFrame(c)
			bw := p.Y.bandWidth() * 0.3
			zero := p.X.pos(0)
			for i, l := range levers {
				x := l.Sobol
				y := p.Y.pos(float64(i))
				for _, b := range []struct {
					v, lo, hi, y float64
					l            look
				}{{x.First, x.FirstLow, x.FirstHigh, y - bw/2, firstLook}, {x.Total, x.TotalLow, x.TotalHigh, y + bw/2, totalLook}} {
					v := p.X.pos(b.v)
					c.bar(min(v, zero), b.y-bw/2+1, max(v, zero), b.y+bw/2-1, b.l)
					p.errorBarX(c, b.lo, b.v, b.hi, b.y, 3, rgb(hexText))
				}
				c.text(labels[i], p.area.R+8, y, sizeSmall, rgb(hexText), alignLeft)
			}
			c.polyline([]pt{{zero, p.area.T}, {zero, p.area.B}}, rgb(hexMuted), 1, nil)
			p.drawAxes(c)
		},
	}
}

// localKPI returns k with its name and unit in lg, for charts.
func localKPI(lg Lang, k results.KPI) results.KPI {
	k.Name, k.Unit = lg.kpiName(k.ID, k.Name), lg.unit(k.Unit)
	return k
}
