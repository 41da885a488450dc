package reports

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// requireBrowserEnv makes a missing chromium a failure instead of a skip
// (CI sets it).
const requireBrowserEnv = "GIFTSIM_REQUIRE_BROWSER"

// probeScript records errors from the start of the page, then, once the page
// and its fonts have loaded, writes what it saw into the DOM as JSON.
const probeScript = `<script>
(function () {
  var errors = [];
  window.addEventListener("error", function (e) {
    var t = e.target || {};
    errors.push("error: " + (e.message || t.src || t.href || t.tagName || "unknown"));
  }, true);
  window.addEventListener("unhandledrejection", function (e) { errors.push("unhandled rejection: " + e.reason); });
  document.addEventListener("securitypolicyviolation", function (e) { errors.push("CSP: " + e.violatedDirective); });
  var consoleError = console.error;
  console.error = function () { errors.push("console.error: " + Array.prototype.join.call(arguments, " ")); consoleError.apply(console, arguments); };
  window.addEventListener("load", function () {
    document.fonts.ready.then(function () {
      var images = [];
      document.querySelectorAll("img, svg").forEach(function (el) {
        var r = el.getBoundingClientRect();
        var ok = r.width > 0 && r.height > 0;
        if (el.tagName === "IMG") { ok = ok && el.complete && el.naturalWidth > 0; }
        var fig = el.closest("figure");
        images.push({tag: el.tagName, figure: fig ? fig.id : "", width: r.width, height: r.height, ok: ok});
      });
      var fonts = [];
      document.fonts.forEach(function (f) { fonts.push(f.family + " " + f.status); });
      var out = document.createElement("pre");
      out.id = "giftsim-probe";
      out.textContent = JSON.stringify({errors: errors, images: images, fonts: fonts,
        figures: document.querySelectorAll("figure").length});
      document.body.appendChild(out);
    });
  });
})();
</script>`

// probe is what probeScript reports.
type probe struct {
	Errors []string `json:"errors"`
	Images []struct {
		Tag    string  `json:"tag"`
		Figure string  `json:"figure"`
		Width  float64 `json:"width"`
		Height float64 `json:"height"`
		OK     bool    `json:"ok"`
	} `json:"images"`
	Fonts   []string `json:"fonts"`
	Figures int      `json:"figures"`
}

// chromium returns the path of a chromium binary, or "" when there is none.
func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// runChromium runs headless chromium on a page opened from disk, with no
// network beyond loopback, and returns its standard output.
func runChromium(t *testing.T, bin, page string, extra ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-extensions", "--no-default-browser-check", "--mute-audio",
		"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
		"--user-data-dir=" + t.TempDir(),
	}, extra...)
	args = append(args, "file://"+page)
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(extra, " "), err, stderr.String())
	}
	return stdout.Bytes()
}

// TestReportInBrowser opens a simulation report and a load report from disk
// in headless chromium: no errors, every chart shown with a size, the
// charts' font loaded; it saves a screenshot of each under testdata/out.
// Without chromium it skips, unless GIFTSIM_REQUIRE_BROWSER is set.
func TestReportInBrowser(t *testing.T) {
	bin := chromium()
	if bin == "" {
		if os.Getenv(requireBrowserEnv) != "" {
			t.Fatalf("chromium is not installed and %s is set: install it with apt-get install -y chromium", requireBrowserEnv)
		}
		t.Skipf("chromium is not installed (apt-get install -y chromium); set %s=1 to make this a failure", requireBrowserEnv)
	}
	cases := []struct {
		name  string
		dir   string
		figs  int
		title string
	}{
		{"simulation", simReport.get(t, writeSimFixture), len(newSimPage(measurer(mustFont(t)), reportFixture()).figures()), "validity-7-vs-30"},
		{"load", loadReport.get(t, writeLoadFixture), 4, "Load report: quota-burst"},
		{"sensitivity", writeSensFixture(t), 2, "Sensitivity: sensitivity-catering"},
	}
	t.Run("probe", func(t *testing.T) {
		// The probe must see what it looks for: a page with a broken image
		// and a script error.
		dir := t.TempDir()
		page := `<!DOCTYPE html><html><head><title>broken</title></head><body><figure id="f"><img src="charts/missing.png"></figure><script>undefinedFunction();</script></body></html>`
		if err := os.WriteFile(filepath.Join(dir, "report.html"), []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
		got, _ := probePage(t, bin, dir)
		if len(got.Errors) < 2 || len(got.Images) != 1 || got.Images[0].OK {
			t.Errorf("the probe missed a broken page: %+v", got)
		}
	})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, dom := probePage(t, bin, tc.dir)
			for _, e := range got.Errors {
				t.Errorf("page error: %s", e)
			}
			if got.Figures != tc.figs || len(got.Images) != tc.figs {
				t.Errorf("%d figures and %d images, want %d of each", got.Figures, len(got.Images), tc.figs)
			}
			for _, img := range got.Images {
				if !img.OK {
					t.Errorf("%s in %q did not load or has no size (%.0fx%.0f)", img.Tag, img.Figure, img.Width, img.Height)
				}
			}
			if !slicesContainsPrefix(got.Fonts, "Roboto") || !slicesContainsSuffix(got.Fonts, " loaded") {
				t.Errorf("the charts' font did not load: %q", got.Fonts)
			}
			if !bytes.Contains(dom, []byte("<title>"+tc.title)) {
				t.Errorf("the page's title is not %q", tc.title)
			}

			out, err := filepath.Abs(filepath.Join("testdata", "out"))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				t.Fatal(err)
			}
			shot := filepath.Join(out, tc.name+".png")
			runChromium(t, bin, filepath.Join(tc.dir, "report.html"), "--hide-scrollbars", "--window-size=1280,2400", "--screenshot="+shot)
			f, err := os.Open(shot)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			cfg, err := png.DecodeConfig(f)
			if err != nil || cfg.Width == 0 || cfg.Height == 0 {
				t.Fatalf("screenshot %s: %v (%dx%d)", shot, err, cfg.Width, cfg.Height)
			}
			t.Logf("screenshot: %s", shot)
		})
	}
}

// probePage opens dir/report.html with the probe in headless chromium and
// returns the probe's result and the page's DOM.
func probePage(t *testing.T, bin, dir string) (probe, []byte) {
	t.Helper()
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	// The probe goes into a copy beside the report, so that relative links
	// resolve as they do for the report itself.
	probed := bytes.Replace(page, []byte("<head>"), []byte("<head>\n"+probeScript), 1)
	path := filepath.Join(dir, "probe.html")
	if err := os.WriteFile(path, probed, 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(path)
	dom := runChromium(t, bin, path, "--virtual-time-budget=10000", "--dump-dom")
	m := regexp.MustCompile(`(?s)<pre id="giftsim-probe">(.*?)</pre>`).FindSubmatch(dom)
	if m == nil {
		t.Fatalf("the probe wrote no result; the page did not finish loading:\n%.2000s", dom)
	}
	var got probe
	if err := json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &got); err != nil {
		t.Fatalf("probe result: %v", err)
	}
	return got, dom
}

func slicesContainsPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

func slicesContainsSuffix(list []string, suffix string) bool {
	for _, s := range list {
		if strings.HasSuffix(s, suffix) {
			return true
		}
	}
	return false
}
