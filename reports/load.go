package reports

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"giftsim/results"
)

// WriteLoad writes the report of a load run into dir: report.html, the
// charts as SVG and PNG under charts/ and seconds.csv. Merge the summaries
// of several hosts with results.MergeLoad first.
func WriteLoad(ctx context.Context, dir string, l *results.Load, opts ...Option) error {
	o := optionsOf(opts)
	if l == nil {
		return errors.New("reports: no load summary")
	}
	font, err := loadFont()
	if err != nil {
		return err
	}
	page := newLoadPage(measurer(font), l)
	if err := renderAll(ctx, font, page.Figures); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	page.Head.FontFace = fontFace(font)
	var html, seconds bytes.Buffer
	if err := executePage(&html, "load", page); err != nil {
		return err
	}
	if err := WriteLoadCSV(&seconds, l); err != nil {
		return err
	}
	return writeReport(dir, page.Figures, []outFile{
		{"seconds.csv", withBOM(seconds.Bytes(), o.csvBOM)},
		{"report.html", withCJKFace(html.Bytes(), font)},
	})
}

// loadPage is what the load template shows.
type loadPage struct {
	Head       head
	Nav        []navItem
	Verdict    string
	Pass       bool
	HasHosts   bool
	Thresholds []results.Threshold
	Run        []results.Setting
	Codes      []codeRow
	Figures    []*figure
	Quota      []quotaRow
	Schema     string
}

type codeRow struct{ Code, Count, Share, Color string }

type quotaRow struct{ Merchant, Used, Quota, Share string }

// newLoadPage lays out the page and builds its figures; mc measures text.
func newLoadPage(mc *canvas, l *results.Load) *loadPage {
	title := "Load report"
	if l.Plan != "" {
		title += ": " + l.Plan
	}
	p := &loadPage{Head: head{Title: title}, Thresholds: l.Thresholds, Schema: l.Schema}
	p.Verdict, p.Pass = loadVerdict(l)
	p.HasHosts = slices.ContainsFunc(l.Thresholds, func(t results.Threshold) bool { return t.Host != "" })
	total := l.Requests()
	p.Run = []results.Setting{
		{Name: "plan", Value: knownOr(l, results.UnknownPlan, l.Plan)},
		{Name: "target", Value: knownOr(l, results.UnknownTarget, l.Target)},
	}
	if len(l.Hosts) > 0 {
		p.Run = append(p.Run, results.Setting{Name: "hosts", Value: strings.Join(l.Hosts, ", ")})
	}
	rate := formatNumber(l.Rate.Achieved) + "/s achieved"
	if l.Knows(results.UnknownRate) {
		rate += " of " + formatNumber(l.Rate.Target) + "/s targeted"
	} else {
		rate += "; the target rate is not known"
	}
	p.Run = append(p.Run,
		results.Setting{Name: "started", Value: l.Started.UTC().Format(time.RFC3339)},
		results.Setting{Name: "duration", Value: formatNumber(l.Duration) + " s"},
		results.Setting{Name: "responses", Value: formatCount(total)},
		results.Setting{Name: "rate", Value: rate},
	)
	if len(l.Unknown) > 0 {
		p.Run = append(p.Run, results.Setting{Name: "not known", Value: strings.Join(l.Unknown, ", ") + ": " + unknownWhy})
	}
	if l.Seed != 0 || l.RunTag != "" {
		p.Run = append(p.Run, results.Setting{Name: "seed and run tag", Value: fmt.Sprintf("%d, %s", l.Seed, l.RunTag)})
	}
	if l.Shards > 1 {
		p.Run = append(p.Run, results.Setting{Name: "shard", Value: fmt.Sprintf("%d of %d", l.Shard, l.Shards)})
	}
	if l.Interrupted {
		p.Run = append(p.Run, results.Setting{Name: "interrupted", Value: "yes: the run stopped before its schedule ended; this report holds what ran"})
	}
	if l.Aborted != nil {
		p.Run = append(p.Run, results.Setting{Name: "aborted", Value: l.Aborted.String() + "; this report holds what ran"})
	}
	if l.Connection != "" {
		p.Run = append(p.Run, results.Setting{Name: "connection", Value: l.Connection})
	}
	if st := l.StartText(); st != "" {
		p.Run = append(p.Run, results.Setting{Name: "start", Value: st})
	}
	if l.Starts != nil {
		p.Run = append(p.Run, results.Setting{Name: "shard starts", Value: l.Starts.String()})
	}
	for _, x := range l.Warnings {
		p.Run = append(p.Run, results.Setting{Name: "WARNING", Value: x})
	}
	for _, ph := range l.Phases {
		p.Run = append(p.Run, results.Setting{Name: "phase " + ph.Name, Value: phaseText(&ph, l.Interrupted || l.Aborted != nil)})
	}
	codes := codeOrder(l)
	cols := codeColors(codes)
	for _, code := range codes {
		n := l.Codes[code]
		share := "n/a"
		if total > 0 {
			share = formatNumber(100*float64(n)/float64(total)) + "%"
		}
		c := cols[code]
		p.Codes = append(p.Codes, codeRow{Code: code, Count: formatCount(n), Share: share,
			Color: fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B)})
	}
	p.Figures = []*figure{latencyFigure(mc, l), throughputFigure(mc, l)}
	if len(l.Latency) > 0 {
		p.Figures = append(p.Figures, percentileFigure(l))
	}
	if len(l.Quota) > 0 {
		p.Figures = append(p.Figures, quotaFigure(mc, l))
	}
	for _, q := range l.Quota {
		share := "n/a"
		if q.Quota > 0 {
			share = formatNumber(100*float64(q.Used)/float64(q.Quota)) + "%"
		}
		p.Quota = append(p.Quota, quotaRow{Merchant: quotaName(l, q), Used: formatCount(q.Used), Quota: formatCount(q.Quota), Share: share})
	}
	p.Nav = []navItem{{"verdict", "Verdict"}, {"run", "Run"}, {"charts", "Charts"}}
	if len(p.Quota) > 0 {
		p.Nav = append(p.Nav, navItem{"quota", "Quota"})
	}
	p.Nav = append(p.Nav, navItem{"files", "Files"})
	return p
}

// unknownWhy says why a load summary does not know something.
const unknownWhy = "read from raw vegeta results without the summary.json that giftsim load --out writes beside them"

// knownOr returns v, or says that what is not known.
func knownOr(l *results.Load, what, v string) string {
	if !l.Knows(what) {
		return "not known (" + unknownWhy + ")"
	}
	return v
}

// quotaName names a quota row: its merchant, and its run when the rows
// come from several runs (quota is attributed per run and merchant).
func quotaName(l *results.Load, q results.QuotaUse) string {
	if q.Run == "" || !slices.ContainsFunc(l.Quota, func(o results.QuotaUse) bool { return o.Run != q.Run }) {
		return q.Merchant
	}
	return q.Merchant + " (run " + q.Run + ")"
}

// loadVerdict sums up the thresholds in one sentence.
func loadVerdict(l *results.Load) (string, bool) {
	if len(l.Unjudged) > 0 && len(l.Thresholds) == 0 {
		what := "these shards' results"
		if l.Shards > 1 {
			what = fmt.Sprintf("shard %d of %d alone", l.Shard, l.Shards)
		}
		return fmt.Sprintf("Not judged: the plan's %d thresholds (%s) were not judged on %s, since a shard's share cannot be judged against whole-run thresholds; giftsim load --merge PLAN DIR... judges the shards together.",
			len(l.Unjudged), strings.Join(l.Unjudged, "; "), what), false
	}
	if !l.Knows(results.UnknownThresholds) {
		return "Not judged: the plan's thresholds are not known (" + unknownWhy + "); giftsim load --merge PLAN DIR... judges them.", false
	}
	var failed []string
	for _, t := range l.Thresholds {
		if !t.Pass {
			s := t.Expr + " (observed " + t.Observed + ")"
			if t.Host != "" {
				s += " on " + t.Host
			}
			failed = append(failed, s)
		}
	}
	switch {
	case l.Aborted != nil && len(failed) == 0:
		return "Fail: the run was " + l.Aborted.String() + "; the figures below are what ran.", false
	case l.Aborted != nil:
		return fmt.Sprintf("Fail: the run was %s, and %d of %d thresholds do not hold on what ran: %s.", l.Aborted, len(failed), len(l.Thresholds), strings.Join(failed, "; ")), false
	case l.Interrupted && len(failed) == 0:
		return "Not judged: the run was interrupted before its schedule ended, so it does not pass; the figures below are what ran.", false
	case l.Interrupted:
		return fmt.Sprintf("Fail: the run was interrupted before its schedule ended, and %d of %d thresholds do not hold on what ran: %s.", len(failed), len(l.Thresholds), strings.Join(failed, "; ")), false
	case len(l.Thresholds) == 0:
		return "The plan set no thresholds, so the run neither passes nor fails.", true
	case len(failed) == 0:
		return fmt.Sprintf("Pass: all %d thresholds hold.", len(l.Thresholds)), true
	}
	return fmt.Sprintf("Fail: %d of %d thresholds do not hold: %s.", len(failed), len(l.Thresholds), strings.Join(failed, "; ")), false
}

// phaseText sums up one phase in a sentence for the page: its requests and
// rates, its latency, and what fell behind, was cut off or held.
func phaseText(p *results.LoadPhase, interrupted bool) string {
	parts := []string{formatCount(p.Requests) + " requests"}
	if p.Achieved != nil {
		r := formatNumber(*p.Achieved) + "/s"
		if p.Target != nil {
			r += " of " + formatNumber(*p.Target) + "/s targeted"
		}
		parts = append(parts, r)
	}
	if p.P50 != nil && p.P99 != nil && p.Max != nil {
		parts = append(parts, fmt.Sprintf("latency p50 %s, p99 %s, max %s", msText(p.P50), msText(p.P99), msText(p.Max)))
	}
	if p.FellBack > 0 {
		parts = append(parts, fmt.Sprintf("%s operations found no coupon and were sent as sends", formatCount(p.FellBack)))
	}
	if p.Behind != "" {
		parts = append(parts, p.Behind)
	}
	if p.CutOff(interrupted) {
		parts = append(parts, fmt.Sprintf("cut off after %s of its %s requests", formatCount(p.Requests), formatCount(p.Planned)))
	}
	for i, st := range p.Steps {
		switch {
		case !st.Judged:
			parts = append(parts, fmt.Sprintf("steps %d to %d not finished", i+1, len(p.Steps)))
		case st.Held:
			parts = append(parts, fmt.Sprintf("step %d at %.0f/s held (%s)", i+1, st.Rate, st.Observed))
		default:
			parts = append(parts, fmt.Sprintf("step %d at %.0f/s broke the hold (%s)", i+1, st.Rate, st.Observed))
		}
		if !st.Judged {
			break
		}
	}
	if p.Capacity != nil {
		parts = append(parts, fmt.Sprintf("capacity %.0f requests/s held", *p.Capacity))
	}
	return strings.Join(parts, "; ")
}

// WriteLoadCSV writes one row per second of a load run: the count, the
// pacer's target, the percentiles and a column per response code.
func WriteLoadCSV(w io.Writer, l *results.Load) error {
	if l == nil {
		return errors.New("reports: no load summary")
	}
	codes := codeOrder(l)
	cw := csv.NewWriter(w)
	_ = cw.Write(append([]string{"t", "count", "target", "p50_ms", "p90_ms", "p99_ms"}, codes...))
	for _, s := range l.Seconds {
		row := []string{strconv.Itoa(s.T), strconv.Itoa(s.Count), num(s.Target), num(s.P50), num(s.P90), num(s.P99)}
		for _, code := range codes {
			row = append(row, strconv.Itoa(s.Codes[code]))
		}
		_ = cw.Write(row)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("reports: seconds.csv: %w", err)
	}
	return nil
}

// WriteLoadText writes the terminal summary of a load run: a table of the
// phases (requests, achieved and target rate, latency percentiles, lag),
// each phase's responses by operation and code, what fell behind or was cut
// off, the capacity search, the quota used, whether the run was
// interrupted, and the thresholds as judged. It renders the same
// results.Load as the HTML page.
func WriteLoadText(w io.Writer, l *results.Load, opts ...Option) error {
	if l == nil {
		return errors.New("reports: no load summary")
	}
	lang := optionsOf(opts).lang
	plan, target := l.Plan, l.Target
	if !l.Knows(results.UnknownPlan) {
		plan = "?"
	}
	if !l.Knows(results.UnknownTarget) {
		target = "?"
	}
	fmt.Fprint(w, lang.T("plan %s  target %s  seed %d  run %s", plan, target, l.Seed, l.RunTag))
	if l.Shards > 1 {
		fmt.Fprint(w, lang.T("  shard %d/%d", l.Shard, l.Shards))
	}
	fmt.Fprintln(w)
	if l.Connection != "" {
		fmt.Fprintf(w, "connection  %s\n", l.Connection)
	}
	if st := l.StartText(); st != "" {
		fmt.Fprintf(w, "start  %s\n", st)
	}
	if l.Starts != nil {
		fmt.Fprintf(w, "starts  %s\n", l.Starts)
	}
	for _, x := range l.Warnings {
		fmt.Fprintf(w, "WARNING: %s\n", x)
	}
	tw := newTextTable(w, 0, 2, true)
	fmt.Fprintln(tw, lang.T("phase\trequests\trate/s\ttarget/s\tp50\tp90\tp99\tmax\tlag p99\t"))
	row := func(name string, st results.LoadStats) {
		rate := func(v *float64) string {
			if v == nil {
				return "-"
			}
			return fmt.Sprintf("%.0f", *v)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", name, st.Requests, rate(st.Achieved), rate(st.Target),
			msText(st.P50), msText(st.P90), msText(st.P99), msText(st.Max), msText(st.LagP99))
	}
	for _, p := range l.Phases {
		row(p.Name, p.LoadStats)
	}
	if len(l.Phases) > 1 && l.Total != nil {
		row(lang.T("total"), *l.Total)
	}
	tw.Flush()

	fmt.Fprintln(w)
	for _, p := range l.Phases {
		var parts []string
		for _, o := range p.Ops {
			var cs []string
			for _, c := range acceptedFirst(o.Codes) {
				cs = append(cs, fmt.Sprintf("%s %d", c, o.Codes[c]))
			}
			if o.Replayed > 0 {
				cs = append(cs, fmt.Sprintf("(replayed %d)", o.Replayed))
			}
			parts = append(parts, fmt.Sprintf("%s %d: %s", o.Op, o.Total, strings.Join(cs, ", ")))
		}
		fmt.Fprintf(w, "%s  %s\n", p.Name, strings.Join(parts, "; "))
		if p.FellBack > 0 {
			fmt.Fprintf(w, "%s  %d operations found no coupon to act on and were sent as sends\n", p.Name, p.FellBack)
		}
		if p.Behind != "" {
			fmt.Fprintf(w, "%s  %s\n", p.Name, p.Behind)
		}
		if p.CutOff(l.Interrupted || l.Aborted != nil) {
			fmt.Fprintf(w, "%s  sent %d of its %d requests before its bound (its time, or the end of its platform day) cut it off\n", p.Name, p.Requests, p.Planned)
		}
		for i, st := range p.Steps {
			if !st.Judged {
				fmt.Fprintf(w, "%s  steps %d to %d not finished\n", p.Name, i+1, len(p.Steps))
				break
			}
			state := "broke the hold"
			if st.Held {
				state = "held"
			}
			fmt.Fprintf(w, "%s  step %d at %.0f/s %s (%s)\n", p.Name, i+1, st.Rate, state, st.Observed)
		}
		if p.Capacity != nil {
			fmt.Fprintf(w, "%s  capacity: %.0f requests/s held\n", p.Name, *p.Capacity)
		}
	}
	for _, q := range l.Quota {
		fmt.Fprintln(w, lang.T("quota  merchant %s issued %d of %d a day", quotaName(l, q), q.Used, q.Quota))
	}
	if len(l.Unknown) > 0 {
		fmt.Fprintf(w, "not known: %s (%s)\n", strings.Join(l.Unknown, ", "), unknownWhy)
	}
	if len(l.Unjudged) > 0 && len(l.Thresholds) == 0 {
		fmt.Fprintf(w, "%d thresholds not judged: a shard's share alone cannot be judged against whole-run thresholds (giftsim load --merge PLAN DIR... judges the shards together)\n", len(l.Unjudged))
	}
	if l.Interrupted {
		fmt.Fprintln(w, lang.T("the run was interrupted before its schedule ended"))
	}
	if l.Aborted != nil {
		fmt.Fprintln(w, l.Aborted)
	}
	if len(l.Thresholds) > 0 {
		fmt.Fprintln(w, "\n"+lang.T("thresholds"))
		for _, t := range l.Thresholds {
			s := lang.T("FAIL")
			if t.Pass {
				s = lang.T("PASS")
			}
			on := ""
			if t.Host != "" {
				on = lang.T(" on %s", t.Host)
			}
			fmt.Fprintf(w, "  %s  %s  (%s)%s\n", s, t.Expr, t.Observed, on)
		}
	}
	_, err := fmt.Fprintln(w)
	return err
}

// msText formats milliseconds for the terminal, "-" when not measured.
func msText(v *float64) string {
	if v == nil {
		return "-"
	}
	return results.FormatSeconds(*v / 1e3)
}

// acceptedFirst returns the codes of counts, accepted first, then by name.
func acceptedFirst(counts map[string]int) []string {
	codes := slices.Sorted(maps.Keys(counts))
	rank := func(c string) int {
		if c == results.CodeAccepted {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(codes, func(a, b string) int { return cmp.Compare(rank(a), rank(b)) })
	return codes
}
