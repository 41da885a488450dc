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

	"giftsim/results"
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
      // The first screen, as the page opens: where the answer, the KPI
      // cards and the lead chart end.
      var first = {height: window.innerHeight, width: window.innerWidth, answer: -1, cards: [], chart: -1};
      var ans = document.querySelector(".first .answer");
      if (ans) { first.answer = ans.getBoundingClientRect().bottom; }
      document.querySelectorAll(".first .card").forEach(function (c) { first.cards.push(c.getBoundingClientRect().bottom); });
      var lead = document.querySelector(".first .lead-chart svg");
      if (lead) { first.chart = lead.getBoundingClientRect().bottom; }
      // Then everything unfolded, as a reader who opens every section.
      document.querySelectorAll("details").forEach(function (d) { d.open = true; });
      var wide = [];
      document.querySelectorAll("main *").forEach(function (el) {
        var st = getComputedStyle(el);
        if ((st.overflowX === "auto" || st.overflowX === "scroll") && el.scrollWidth > el.clientWidth + 1) {
          wide.push(el.tagName + "." + el.className + " " + el.scrollWidth + ">" + el.clientWidth);
        }
      });
      first.pageWidth = document.documentElement.scrollWidth;
      first.inner = wide;
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
      // Glyph coverage: every character of the charts' text, and every
      // CJK character of the page, must be drawn by the inlined fonts: its
      // pixels differ from the same character drawn by the system's
      // fallback alone (on a machine without a CJK font, a box).
      var chars = {};
      document.querySelectorAll("svg text").forEach(function (t) { for (var ch of t.textContent) { chars[ch] = true; } });
      for (var ch of document.body.textContent) { if (ch.codePointAt(0) >= 0x2E80) { chars[ch] = true; } }
      var cv = document.createElement("canvas");
      cv.width = 64; cv.height = 64;
      var cx = cv.getContext("2d");
      var draw = function (font, ch) {
        cx.clearRect(0, 0, 64, 64);
        cx.font = "40px " + font;
        cx.fillText(ch, 4, 48);
        return Array.prototype.join.call(cx.getImageData(0, 0, 64, 64).data);
      };
      var inlined = [];
      document.fonts.forEach(function (f) { inlined.push("'" + f.family.replace(/['"]/g, "") + "'"); });
      var missing = [];
      Object.keys(chars).forEach(function (ch) {
        if (/\s/.test(ch)) { return; }
        if (draw(inlined.join(","), ch) === draw("giftsim-no-such-font", ch)) { missing.push(ch); }
      });
      var out = document.createElement("pre");
      out.id = "giftsim-probe";
      out.textContent = JSON.stringify({errors: errors, images: images, fonts: fonts, first: first, missing: missing, checked: Object.keys(chars).length,
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
	Missing []string `json:"missing"` // Missing are characters the inlined fonts do not draw.
	Checked int      `json:"checked"` // Checked is how many characters the glyph check looked at.
	Figures int      `json:"figures"`
	First   struct {
		Height    float64   `json:"height"`
		Width     float64   `json:"width"`
		Answer    float64   `json:"answer"`
		Cards     []float64 `json:"cards"`
		Chart     float64   `json:"chart"`
		PageWidth float64   `json:"pageWidth"`
		Inner     []string  `json:"inner"`
	} `json:"first"`
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
	font := mustFont(t)
	figs := func(sim *results.Simulation) int { return len(newSimPage(measurer(font), sim).figures()) }
	twoArms, sweep12 := pairFixture(), simFixture(12, 30, true)
	twoArms.Warnings = []string{horizonWarning} // a warning box must leave room for the answer too
	cases := []struct {
		name  string
		dir   string
		figs  int
		title string
		sim   bool // sim is set for simulation reports, which must answer on the first screen
	}{
		{"simulation", simReport.get(t, writeSimFixture), figs(reportFixture()), "validity-7-vs-30", true},
		{"two-arms", writeSimTemp(t, twoArms), figs(twoArms), "validity-7-vs-30", true},
		{"sweep-12", writeSimTemp(t, sweep12), figs(sweep12), "validity-7-vs-30", true},
		{"load", loadReport.get(t, writeLoadFixture), 4, "Load report: quota-burst", false},
		{"sensitivity", writeSensFixture(t), 3, "Sensitivity: sensitivity-catering", false},
		{"optimize", writeOptFixture(t, false), 1, "Optimisation: optimize-retail-budget", false},
		{"optimize-pareto", writeOptFixture(t, true), 2, "Optimisation: optimize-retail-budget", false},
		{"chinese-zh", writeSimTemp(t, zhPairFixture(), WithLang(Chinese)), figs(zhPairFixture()), "火锅有效期", true},
		{"chinese-en", writeSimTemp(t, zhPairFixture()), figs(zhPairFixture()), "火锅有效期", true},
		newMerchantQuotaCase(t, figs),
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
			if len(got.Missing) > 0 || got.Checked == 0 {
				t.Errorf("%d of %d characters are not drawn by the inlined fonts: %q", len(got.Missing), got.Checked, got.Missing)
			}
			if strings.HasPrefix(tc.name, "chinese") && !slicesContainsPrefix(got.Fonts, "Droid Sans Fallback loaded") {
				t.Errorf("the CJK font did not load: %q", got.Fonts)
			}
			if !bytes.Contains(dom, []byte("<title>"+tc.title)) {
				t.Errorf("the page's title is not %q", tc.title)
			}
			if tc.sim {
				checkFirstScreen(t, got)
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
	dom := runChromium(t, bin, path, "--virtual-time-budget=10000", "--window-size=1366,768", "--hide-scrollbars", "--dump-dom")
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

// checkFirstScreen fails unless, at 1366 px wide, the answer, every KPI
// card and the lead chart end within the first 768 px (a laptop's
// screen: headless chromium's window keeps some of its height for the
// browser's frame, and the layout depends on the width alone), and, with
// every section unfolded, nothing scrolls sideways: not the page, not a
// table.
func checkFirstScreen(t *testing.T, got probe) {
	t.Helper()
	f := got.First
	if f.Width != 1366 {
		t.Fatalf("the window is %.0f px wide, want 1366", f.Width)
	}
	f.Height = 768
	if f.Answer <= 0 || f.Answer > f.Height {
		t.Errorf("the answer ends at %.0f px, outside the first screen of %.0f px", f.Answer, f.Height)
	}
	if n := len(f.Cards); n < 3 || n > 5 {
		t.Errorf("%d KPI cards, want 3 to 5", n)
	}
	for i, b := range f.Cards {
		if b > f.Height {
			t.Errorf("KPI card %d ends at %.0f px, below the first screen", i+1, b)
		}
	}
	if f.Chart <= 0 || f.Chart > f.Height {
		t.Errorf("the lead chart ends at %.0f px, outside the first screen", f.Chart)
	}
	if f.PageWidth > f.Width {
		t.Errorf("the page scrolls sideways: %.0f px wide in a %.0f px window", f.PageWidth, f.Width)
	}
	for _, e := range f.Inner {
		t.Errorf("an inner box scrolls sideways: %s", e)
	}
}

// writeSimTemp writes sim's report into a temporary directory.
func writeSimTemp(t *testing.T, sim *results.Simulation, opts ...Option) string {
	t.Helper()
	dir := t.TempDir()
	if err := WriteSimulation(context.Background(), dir, sim, opts...); err != nil {
		t.Fatal(err)
	}
	return dir
}
