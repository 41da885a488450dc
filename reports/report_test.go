package reports

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"giftsim/results"
)

// rendered is a report written once and shared by the tests that read it.
type rendered struct {
	once sync.Once
	dir  string
	err  error
}

// get writes the report with write on first use; later calls reuse it.
func (r *rendered) get(t *testing.T, write func(dir string) error) string {
	t.Helper()
	r.once.Do(func() {
		r.dir, r.err = os.MkdirTemp("", "giftsim-report-")
		if r.err == nil {
			r.err = write(r.dir)
		}
	})
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.dir
}

// Reports shared by the tests of this file and the browser test; TestMain
// removes them.
var simReport, loadReport rendered

func TestMain(m *testing.M) {
	code := m.Run()
	for _, r := range []*rendered{&simReport, &loadReport} {
		if r.dir != "" {
			os.RemoveAll(r.dir)
		}
	}
	os.Exit(code)
}

func writeSimFixture(dir string) error {
	return WriteSimulation(context.Background(), dir, reportFixture())
}

// twoHostLoad merges two hosts' runs, the second started 30 s later.
func twoHostLoad() (*results.Load, error) {
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	return results.MergeLoad(loadFixture(90, "load-1", start), loadFixture(60, "load-2", start.Add(30*time.Second)))
}

func writeLoadFixture(dir string) error {
	l, err := twoHostLoad()
	if err != nil {
		return err
	}
	return WriteLoad(context.Background(), dir, l)
}

// readTree returns every file under dir by its relative path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		files[rel], err = os.ReadFile(path)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestWriteSimulation(t *testing.T) {
	dir := simReport.get(t, writeSimFixture)
	files := readTree(t, dir)
	sim := reportFixture()
	page := newSimPage(measurer(mustFont(t)), sim)
	for _, f := range page.figures() {
		for _, ext := range []string{".svg", ".png"} {
			if len(files[filepath.Join("charts", f.Name+ext)]) == 0 {
				t.Errorf("charts/%s%s is missing or empty", f.Name, ext)
			}
		}
	}
	html := string(files["report.html"])
	for _, want := range []string{
		"<!DOCTYPE html>", "@font-face", "<svg width=", "Claim conversion (K1) by arm",
		"Lifecycle funnel", "Redemptions by weekday and hour", "Gift cascade depth",
		"Trade-off: Redemption rate (K2) against New customers",
		`href="kpis.csv"`, `href="charts/funnel.png"`, page.Answer[:40],
	} {
		if !strings.Contains(html, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if n := strings.Count(html, "<figure"); n != len(page.figures()) {
		t.Errorf("report.html has %d figures, want %d", n, len(page.figures()))
	}
	for _, bad := range []string{"<script", `src="http`, `href="http`, "url(http", "ZgotmplZ"} {
		if strings.Contains(html, bad) {
			t.Errorf("report.html contains %q: not escaped, not self-contained, or a value html/template refused", bad)
		}
	}
	if !strings.Contains(html, "&lt;script&gt;alert(") {
		t.Error("the hostile arm name is not in report.html in escaped form")
	}
	for name, data := range files {
		if strings.HasSuffix(name, ".svg") {
			t.Run(name, func(t *testing.T) { checkSVG(t, data, "") })
		}
	}
}

func TestWriteSimulationDeterministic(t *testing.T) {
	first := readTree(t, simReport.get(t, writeSimFixture))
	dir := t.TempDir()
	// A chart left by an earlier report must go.
	if err := os.MkdirAll(filepath.Join(dir, "charts"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "charts", "heatmap-09.svg"), []byte("<svg/>"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeSimFixture(dir); err != nil {
		t.Fatal(err)
	}
	second := readTree(t, dir)
	if len(first) != len(second) {
		t.Errorf("%d files, then %d", len(first), len(second))
	}
	for name, data := range first {
		if !bytes.Equal(data, second[name]) {
			t.Errorf("%s differs between two renders of the same input", name)
		}
	}
}

func TestWriteSimulationErrors(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		sim  *results.Simulation
		want string
	}{
		{"nil", context.Background(), nil, "no simulation results"},
		{"no arms", context.Background(), &results.Simulation{Schema: results.SchemaVersion}, "no arms"},
		{"cancelled", ctx, reportFixture(), "context canceled"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := WriteSimulation(tc.ctx, t.TempDir(), tc.sim)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
	if err := WriteSimulation(ctx, t.TempDir(), reportFixture()); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v does not wrap context.Canceled", err)
	}
}

func TestWriteLoad(t *testing.T) {
	dir := loadReport.get(t, writeLoadFixture)
	files := readTree(t, dir)
	for _, name := range []string{"report.html", "seconds.csv", "charts/latency.svg", "charts/throughput.png",
		"charts/percentiles.svg", "charts/quota.png"} {
		if len(files[name]) == 0 {
			t.Errorf("%s is missing or empty", name)
		}
	}
	html := string(files["report.html"])
	for _, want := range []string{"Load report: quota-burst", "Fail: ", "accepted == quota", "load-1, load-2",
		"FREQUENCY_LIMITED", "Daily issuing quota used per merchant"} {
		if !strings.Contains(html, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	rows, err := csv.NewReader(bytes.NewReader(files["seconds.csv"])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// Host 1 ran seconds 0–89 and host 2 seconds 30–89 on the same clock.
	if len(rows) != 1+90 {
		t.Errorf("seconds.csv has %d rows, want a header and 90 seconds", len(rows))
	}
	again := t.TempDir()
	if err := writeLoadFixture(again); err != nil {
		t.Fatal(err)
	}
	for name, data := range readTree(t, again) {
		if !bytes.Equal(data, files[name]) {
			t.Errorf("%s differs between two renders of the same input", name)
		}
	}
}

func mustFont(t *testing.T) *fontSet {
	t.Helper()
	f, err := loadFont()
	if err != nil {
		t.Fatal(err)
	}
	return f
}
