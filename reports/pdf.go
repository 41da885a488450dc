package reports

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Browsers are the names under which PrintPDF looks for headless Chromium
// on PATH, in order.
var Browsers = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// ErrNoBrowser is returned by PrintPDF when no Chromium is installed.
var ErrNoBrowser = errors.New("report --pdf needs headless Chromium, and none of " +
	strings.Join(Browsers, ", ") + " is on PATH (on Debian: apt-get install chromium)")

// findBrowser returns the path of the first of Browsers on PATH.
func findBrowser() (string, error) {
	for _, name := range Browsers {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoBrowser
}

// PrintPDF prints dir/report.html to dir/report.pdf with headless
// Chromium's print-to-pdf, every folded section unfolded (a PDF cannot be
// clicked open), and returns the PDF's path. It returns ErrNoBrowser when
// Chromium is not installed.
func PrintPDF(ctx context.Context, dir string) (string, error) {
	bin, err := findBrowser()
	if err != nil {
		return "", err
	}
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		return "", fmt.Errorf("reports: pdf: %w", err)
	}
	// The copy sits beside the report, so that its links resolve alike.
	open := bytes.ReplaceAll(page, []byte("<details"), []byte("<details open"))
	tmp, err := os.CreateTemp(dir, ".report-print-*.html")
	if err != nil {
		return "", fmt.Errorf("reports: pdf: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(open); err != nil {
		tmp.Close()
		return "", fmt.Errorf("reports: pdf: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("reports: pdf: %w", err)
	}
	profile, err := os.MkdirTemp("", "giftsim-chromium-")
	if err != nil {
		return "", fmt.Errorf("reports: pdf: %w", err)
	}
	defer os.RemoveAll(profile)
	abs, err := filepath.Abs(tmp.Name())
	if err != nil {
		return "", fmt.Errorf("reports: pdf: %w", err)
	}
	out := filepath.Join(dir, "report.pdf")
	args := []string{"--headless", "--disable-gpu", "--no-first-run", "--disable-extensions",
		"--disable-background-networking", "--user-data-dir=" + profile,
		"--no-pdf-header-footer", "--print-to-pdf=" + out, "file://" + filepath.ToSlash(abs)}
	if os.Geteuid() == 0 {
		args = append([]string{"--no-sandbox"}, args...) // Chromium refuses to sandbox as root
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("reports: pdf: %s: %w\n%s", bin, err, lastLines(stderr.String(), 5))
	}
	if st, err := os.Stat(out); err != nil || st.Size() == 0 {
		return "", fmt.Errorf("reports: pdf: %s wrote no PDF\n%s", bin, lastLines(stderr.String(), 5))
	}
	return out, nil
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
