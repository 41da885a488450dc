package reports

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"giftsim/results"
)

// WriteLoad writes the report of a load run into dir: report.html, the
// charts as SVG and PNG under charts/ and seconds.csv. Merge the summaries
// of several hosts with results.MergeLoad first.
func WriteLoad(ctx context.Context, dir string, l *results.Load) error {
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
		{"seconds.csv", seconds.Bytes()},
		{"report.html", html.Bytes()},
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
		{Name: "plan", Value: l.Plan},
		{Name: "target", Value: l.Target},
	}
	if len(l.Hosts) > 0 {
		p.Run = append(p.Run, results.Setting{Name: "hosts", Value: strings.Join(l.Hosts, ", ")})
	}
	p.Run = append(p.Run,
		results.Setting{Name: "started", Value: l.Started.UTC().Format(time.RFC3339)},
		results.Setting{Name: "duration", Value: formatNumber(l.Duration) + " s"},
		results.Setting{Name: "responses", Value: formatCount(total)},
		results.Setting{Name: "rate", Value: fmt.Sprintf("%s/s achieved of %s/s targeted", formatNumber(l.Rate.Achieved), formatNumber(l.Rate.Target))},
	)
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
		p.Quota = append(p.Quota, quotaRow{Merchant: q.Merchant, Used: formatCount(q.Used), Quota: formatCount(q.Quota), Share: share})
	}
	p.Nav = []navItem{{"verdict", "Verdict"}, {"run", "Run"}, {"charts", "Charts"}}
	if len(p.Quota) > 0 {
		p.Nav = append(p.Nav, navItem{"quota", "Quota"})
	}
	p.Nav = append(p.Nav, navItem{"files", "Files"})
	return p
}

// loadVerdict sums up the thresholds in one sentence.
func loadVerdict(l *results.Load) (string, bool) {
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
	case len(l.Thresholds) == 0:
		return "The plan set no thresholds, so the run neither passes nor fails.", true
	case len(failed) == 0:
		return fmt.Sprintf("Pass: all %d thresholds hold.", len(l.Thresholds)), true
	}
	return fmt.Sprintf("Fail: %d of %d thresholds do not hold: %s.", len(failed), len(l.Thresholds), strings.Join(failed, "; ")), false
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
