package reports

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// TestSummaryPNG checks that a simulation report comes with its first
// screen as one image for chat: a PNG wide enough to hold the answer and
// the lead chart, and the page links to it.
func TestSummaryPNG(t *testing.T) {
	dir := writeSimTemp(t, pairFixture())
	b, err := os.ReadFile(filepath.Join(dir, "summary.png"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Width != summaryW || cfg.Height < 400 || cfg.Height > 1200 {
		t.Errorf("summary.png is %dx%d, want %d wide and one screen high", cfg.Width, cfg.Height, summaryW)
	}
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(page, []byte(`href="summary.png"`)) {
		t.Error("report.html does not link summary.png")
	}
}
