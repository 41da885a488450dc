package reports

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/golang/freetype/truetype"

	"giftsim/results"
)

// zhPairFixture is pairFixture as the Chinese example has it: a Chinese
// name, question and arm names (三十天 the baseline, 七天 the arm the
// question asks about).
func zhPairFixture() *results.Simulation {
	sim := pairFixture()
	sim.Scenario.Name = "火锅有效期"
	sim.Scenario.Question = "七天有效期是否比三十天带来更高的核销使用率？"
	sim.Arms[0].Name, sim.Arms[1].Name = "三十天", "七天"
	return sim
}

// golden compares got with testdata/golden/name; -update rewrites it.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./reports -run %s -update)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test ./reports -run %s -update to accept):\n--- got\n%s\n--- want\n%s", name, t.Name(), got, want)
	}
}

func TestTextSummaryGoldenZh(t *testing.T) {
	for _, tc := range []struct {
		name string
		lang Lang
	}{{"text-zh.txt", Chinese}, {"text-en-cjk-arms.txt", English}} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteText(&buf, zhPairFixture(), WithLang(tc.lang)); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, buf.Bytes())
		})
	}
}

func TestAnswerGoldenZh(t *testing.T) {
	var buf bytes.Buffer
	for _, sim := range []*results.Simulation{zhPairFixture(), pairFixture(), reportFixture(), simFixture(1, 14, false), simFixture(5, 14, true), simFixture(4, 14, false)} {
		buf.WriteString(answerIn(Chinese, sim) + "\n")
	}
	got := buf.String()
	if strings.Contains(got, "%!") {
		t.Errorf("a format verb went wrong:\n%s", got)
	}
	golden(t, "answer-zh.txt", buf.Bytes())
	// A sweep's answer names where each KPI is best, the levels that trade
	// one for another and the dominated ones, as the English one does; three
	// arms name the trade-off.
	if a := answerIn(Chinese, simFixture(5, 14, true)); !strings.HasPrefix(a, "有效期从 1d 到 21d：") || !strings.Contains(a, "此消彼长") || !strings.Contains(a, "3d 则被支配") {
		t.Errorf("zh sweep answer %q lacks its levels, trade-offs or dominated levels", a)
	}
	if a := answerIn(Chinese, simFixture(4, 14, false)); !strings.Contains(a, "权衡：") {
		t.Errorf("zh answer for four arms %q names no trade-off", a)
	}
	// The Chinese question is a yes-or-no one about 七天, in both languages.
	if a := answerIn(Chinese, zhPairFixture()); !strings.HasPrefix(a, "是：") && !strings.HasPrefix(a, "否：") && !strings.HasPrefix(a, "可能") && !strings.HasPrefix(a, "不明确") {
		t.Errorf("zh answer %q does not answer the yes-or-no question", a)
	}
	if a := answerIn(English, zhPairFixture()); !strings.HasPrefix(a, "Yes: ") && !strings.HasPrefix(a, "No: ") && !strings.HasPrefix(a, "Probably") && !strings.HasPrefix(a, "Not clearly") {
		t.Errorf("en answer %q does not answer the Chinese yes-or-no question", a)
	}
}

// TestTextColumnsAlignWide checks that every row of the terminal table puts
// its columns at the same display column when arm names and KPI names are
// Chinese (two columns per character).
func TestTextColumnsAlignWide(t *testing.T) {
	for _, l := range []Lang{English, Chinese} {
		var buf bytes.Buffer
		if err := WriteText(&buf, zhPairFixture(), WithLang(l)); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(buf.String(), "\n")
		// The first table: from the header row (starting with the KPI
		// column's title) to the blank line after it.
		start := -1
		for i, ln := range lines {
			if strings.HasPrefix(ln, l.T("KPI")+" ") {
				start = i
				break
			}
		}
		if start < 0 {
			t.Fatalf("%s: no table header in\n%s", l, buf.String())
		}
		head := lines[start]
		col := displayWidth(head[:strings.Index(head, "三十天")])
		col2 := displayWidth(head[:strings.Index(head, "七天")])
		for _, ln := range lines[start+1:] {
			if ln == "" {
				break
			}
			cells := strings.SplitAfter(ln, "  ")
			// The arm columns start where the header's arm names do: the
			// text before them is as wide as the header's.
			w := 0
			var starts []int
			prevSpace := true
			for _, r := range ln {
				if r != ' ' && prevSpace {
					starts = append(starts, w)
				}
				prevSpace = r == ' '
				w += displayWidth(string(r))
			}
			_ = cells
			if !containsInt(starts, col) || !containsInt(starts, col2) {
				t.Errorf("%s: row %q does not start cells at display columns %d and %d (starts %v)", l, ln, col, col2, starts)
			}
		}
	}
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// TestTextTableMatchesTabwriter checks that textTable writes ASCII text
// exactly as text/tabwriter does with the same settings.
func TestTextTableMatchesTabwriter(t *testing.T) {
	for _, in := range []string{
		"a\tbb\tccc\t\nxxxx\ty\tz\t\n",
		"title line\nKPI\tarm one\tarm two\t\nClaim conversion (K1) (%)\t9.1 [8.3, 10]\t9.1 [8.2, 10]\t\n\nnext\n",
		"p\t1\t2\t\nlonger phase\t100\t\t\nno tabs\n\tlead\t\n",
		"",
	} {
		for _, right := range []bool{false, true} {
			var want, got bytes.Buffer
			flags := uint(0)
			if right {
				flags = tabwriter.AlignRight
			}
			tw := tabwriter.NewWriter(&want, 2, 4, 2, ' ', flags)
			tw.Write([]byte(in))
			tw.Flush()
			tt := newTextTable(&got, 2, 2, right)
			tt.Write([]byte(in))
			tt.Flush()
			if got.String() != want.String() {
				t.Errorf("right=%v %q:\ngot  %q\nwant %q", right, in, got.String(), want.String())
			}
		}
	}
}

func TestDisplayWidth(t *testing.T) {
	for _, tc := range []struct {
		s string
		w int
	}{{"", 0}, {"abc", 3}, {"七天", 4}, {"三十天 (K2)", 11}, {"１", 2}, {"é", 1}, {"e\u0301", 1}, {"×…", 2}} {
		if got := displayWidth(tc.s); got != tc.w {
			t.Errorf("displayWidth(%q) = %d, want %d", tc.s, got, tc.w)
		}
	}
}

func TestParseLang(t *testing.T) {
	for in, want := range map[string]Lang{"en": English, "zh": Chinese, "ZH": Chinese, "zh-CN": Chinese, "zh_CN.UTF-8": Chinese, "en_US": English} {
		if got, err := ParseLang(in); err != nil || got != want {
			t.Errorf("ParseLang(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "fr", "chinese", "z"} {
		if _, err := ParseLang(bad); err == nil {
			t.Errorf("ParseLang(%q) accepted", bad)
		}
	}
}

func TestLangFromEnv(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want Lang
	}{
		{nil, English},
		{map[string]string{"LANG": "zh_CN.UTF-8"}, Chinese},
		{map[string]string{"LANG": "en_US.UTF-8"}, English},
		{map[string]string{"LANG": "C.UTF-8"}, English},
		{map[string]string{"LC_MESSAGES": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, Chinese},
		{map[string]string{"LC_ALL": "en_GB.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, English},
		{map[string]string{"LC_ALL": "zh_CN.UTF-8", "LANG": "C"}, Chinese},
	} {
		if got := LangFromEnv(func(k string) string { return tc.env[k] }); got != tc.want {
			t.Errorf("LangFromEnv(%v) = %q, want %q", tc.env, got, tc.want)
		}
	}
}

func TestFormatNumberIn(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		want string
	}{{0, "0"}, {9999, "9,999"}, {12000, "1.2万"}, {123456, "12.35万"}, {-25000, "-2.5万"}, {1.5e8, "1.5亿"}, {3.14, "3.14"}, {1234567, "123.5万"}} {
		if got := formatNumberIn(Chinese, tc.v); got != tc.want {
			t.Errorf("formatNumberIn(zh, %g) = %q, want %q", tc.v, got, tc.want)
		}
		if got, want := formatNumberIn(English, tc.v), formatNumber(tc.v); got != want {
			t.Errorf("formatNumberIn(en, %g) = %q, want %q", tc.v, got, want)
		}
	}
}

func TestFormatDateIn(t *testing.T) {
	for _, tc := range []struct {
		in   string
		l    Lang
		want string
	}{
		{"2026-03-02T00:00:00+08:00", Chinese, "2026年3月2日"},
		{"2026-03-02", Chinese, "2026年3月2日"},
		{"2026-03-02T00:00:00+08:00", English, "2026-03-02T00:00:00+08:00"},
		{"soon", Chinese, "soon"},
	} {
		if got := formatDateIn(tc.l, tc.in); got != tc.want {
			t.Errorf("formatDateIn(%s, %q) = %q, want %q", tc.l, tc.in, got, tc.want)
		}
	}
}

// TestCatalogueVerbs checks that every translation keeps its message's
// format verbs, so that no argument is lost or misplaced.
func TestCatalogueVerbs(t *testing.T) {
	for id, zh := range catalogue {
		if a, b := verbCount(id), verbCount(zh); a != b {
			t.Errorf("%q has %d verbs, its translation %q %d", id, a, zh, b)
		}
	}
}

// verbCount counts the fmt verbs in s (%% is none).
func verbCount(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+1 < len(s) {
			switch c := s[i+1]; {
			case c == '%':
				i++
			case c == '[' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z'):
				n++
			}
		}
	}
	return n
}

// TestGlyphCoverage draws every chart of the simulation page (two arms, a
// sweep with its sweep charts, a quota that binds with its note), of the
// sensitivity page and of both optimisation pages, in Chinese and English,
// and checks that the fonts have a glyph for every character of every
// string drawn; then that the CJK font has every Chinese character of the
// catalogue's messages and the KPI names, which the pages show.
func TestGlyphCoverage(t *testing.T) {
	fonts := mustFont(t)
	for _, l := range []Lang{Chinese, English} {
		mc := measurer(fonts)
		mc.lang = l
		quota := simFixture(1, 30, false)
		quota.Arms = append(quota.Arms, quotaFixture())
		pages := map[string][]*figure{
			"optimize":        newOptPage(mc, optFixture(false), l).figures(),
			"optimize-pareto": newOptPage(mc, optFixture(true), l).figures(),
			"sensitivity":     newSensPage(mc, sensFixture(), l).figures(),
		}
		var texts []string
		for name, sim := range map[string]*results.Simulation{"pair": zhPairFixture(), "sweep": simFixture(5, 14, true), "quota": quota} {
			page := newSimPage(mc, localized(sim, l))
			pages["simulation "+name] = page.figures()
			texts = append(texts, page.Head.Title, page.Question, page.Answer)
		}
		drawn := map[string]int{}
		for name, figs := range pages {
			for _, f := range figs {
				for _, svg := range []bool{false, true} {
					c, err := newCanvas(svg, f.W, f.H, fonts)
					if err != nil {
						t.Fatal(err)
					}
					c.lang = l
					c.trace = func(it traceItem) {
						if it.Kind != traceText {
							return
						}
						drawn[name]++
						if miss := fonts.missingGlyphs(it.Text); len(miss) > 0 {
							t.Errorf("%s, %s chart %s: no glyph for %q in %q", l, name, f.Name, string(miss), it.Text)
						}
					}
					f.draw(c)
				}
			}
		}
		for name := range pages {
			if drawn[name] == 0 {
				t.Errorf("%s: no text drawn on the %s page", l, name)
			}
		}
		for _, s := range texts {
			if miss := fonts.missingGlyphs(s); len(miss) > 0 {
				t.Errorf("%s: summary.png cannot draw %q in %q", l, string(miss), s)
			}
		}
	}
	// The page's CJK text is drawn by the inlined CJK font: every Chinese
	// character and full-width mark of a message must be in it.
	cjk := func(s string) string {
		return strings.Map(func(r rune) rune {
			if isHan(r) || r >= 0x3000 && r <= 0x303f || r >= 0xff00 && r <= 0xffef {
				return r
			}
			return -1
		}, s)
	}
	for id, zh := range catalogue {
		if miss := fonts.missingGlyphs(cjk(zh)); len(miss) > 0 {
			t.Errorf("no glyph for %q in the translation of %q: %q", string(miss), id, zh)
		}
	}
	for id, zh := range zhKPINames {
		if miss := fonts.missingGlyphs(cjk(zh)); len(miss) > 0 {
			t.Errorf("no glyph for %q in KPI %s's name %q", string(miss), id, zh)
		}
	}
}

// TestTemplateMessagesTranslated checks that every message the page
// templates pass through Head.T, Head.TH or Head.Tf has a Chinese
// translation (TestCatalogueVerbs checks their verbs).
func TestTemplateMessagesTranslated(t *testing.T) {
	re := regexp.MustCompile("Head\\.T[Hf]? [`\"]([^`\"]*)[`\"]")
	n := 0
	for _, src := range []string{pageTemplate, optimizeTemplate} {
		for _, m := range re.FindAllStringSubmatch(src, -1) {
			n++
			if _, ok := catalogue[m[1]]; !ok {
				t.Errorf("no Chinese for the template's %q", m[1])
			}
		}
	}
	if n < 50 {
		t.Errorf("found %d template messages: the pattern no longer matches the templates", n)
	}
}

// TestCJKDrawnNotBoxes draws a Chinese arm name with the fonts and with
// Roboto alone: Roboto draws every character as the same missing-glyph box,
// the fonts draw different shapes, so the two images differ and the
// characters' images differ from each other.
func TestCJKDrawnNotBoxes(t *testing.T) {
	fonts := mustFont(t)
	robotoOnly := &fontSet{latin: fonts.latin, cjk: fonts.latin}
	draw := func(fs *fontSet, s string) []byte { return drawPNGText(t, fs, s) }
	if bytes.Equal(draw(fonts, "七天"), draw(robotoOnly, "七天")) {
		t.Error("七天 drawn with the CJK font looks as drawn with Roboto's missing-glyph boxes")
	}
	if !bytes.Equal(draw(robotoOnly, "七"), draw(robotoOnly, "天")) {
		t.Skip("Roboto draws 七 and 天 differently: the box comparison does not apply")
	}
	if bytes.Equal(draw(fonts, "七"), draw(fonts, "天")) {
		t.Error("七 and 天 draw the same image: boxes, not glyphs")
	}
	if len(fonts.missingGlyphs("七天三十天火锅有效期领取转化率核销使用率分享裂变系数资金沉淀率元人张")) != 0 {
		t.Error("the CJK font lacks a common character")
	}
}

// TestSVGNamesCJKFamilies checks that SVG text drawn in the CJK font names
// the shipped font and a CJK fallback list.
func TestSVGNamesCJKFamilies(t *testing.T) {
	mc := measurer(mustFont(t))
	mc.lang = Chinese
	page := newSimPage(mc, localized(zhPairFixture(), Chinese))
	f := page.KPIFigures[0][0]
	if err := f.renderSVG(mustFont(t)); err != nil {
		t.Fatal(err)
	}
	svg := string(f.svg)
	if !strings.Contains(svg, "font-family:"+cjkFamilies) {
		t.Errorf("the SVG does not name the CJK families %s", cjkFamilies)
	}
	if !strings.Contains(svg, "七天") {
		t.Error("the SVG lacks the arm name 七天")
	}
	checkSVG(t, f.svg, "")
}

// TestWriteSimulationZh writes the Chinese report and checks the page's
// language, headings, answer, the inlined CJK font and the CSV files'
// byte-order marks.
func TestWriteSimulationZh(t *testing.T) {
	dir := t.TempDir()
	if err := WriteSimulation(context.Background(), dir, zhPairFixture(), WithLang(Chinese), WithCSVBOM(true)); err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	page := string(html)
	for _, want := range []string{`<html lang="zh-CN">`, "有何变化", "核销使用率 (K2)", "七天", "font-family:'Droid Sans Fallback'", answerIn(Chinese, zhPairFixture())[:30]} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	for _, name := range []string{"kpis.csv", "timeseries.csv"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte(utf8BOM)) {
			t.Errorf("%s has no byte-order mark", name)
		}
		if !utf8.Valid(b) || !bytes.Contains(b, []byte("七天")) {
			t.Errorf("%s is not UTF-8 with the arm names", name)
		}
		if !bytes.HasPrefix(b[len(utf8BOM):], []byte("arm,")) {
			t.Errorf("%s: the header after the mark is not English: %q", name, b[:20])
		}
	}
	if _, err := png.Decode(bytes.NewReader(mustRead(t, filepath.Join(dir, "summary.png")))); err != nil {
		t.Errorf("summary.png: %v", err)
	}
	// Without the option: no mark, and an English page has no CJK face
	// unless it needs one (it does here, for the arm names).
	dir2 := t.TempDir()
	if err := WriteSimulation(context.Background(), dir2, pairFixture()); err != nil {
		t.Fatal(err)
	}
	if b := mustRead(t, filepath.Join(dir2, "kpis.csv")); bytes.HasPrefix(b, []byte(utf8BOM)) {
		t.Error("kpis.csv has a byte-order mark without WithCSVBOM")
	}
	if b := mustRead(t, filepath.Join(dir2, "report.html")); bytes.Contains(b, []byte("'Droid Sans Fallback';src")) {
		t.Error("an all-Latin report inlines the CJK font")
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSubsetTrueType checks that the cut-down CJK font keeps the glyphs of
// the characters asked for, drawing them exactly as the whole font does,
// empties the others and is much smaller.
func TestSubsetTrueType(t *testing.T) {
	fonts := mustFont(t)
	used := []rune("火锅有效期七天三十天核销使用率")
	data, err := subsetTrueType(droidSansFallback, fonts.cjk, used)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > len(droidSansFallback)/4 {
		t.Errorf("the subset is %d bytes of the font's %d", len(data), len(droidSansFallback))
	}
	sub, err := truetype.Parse(data)
	if err != nil {
		t.Fatalf("the subset does not parse: %v", err)
	}
	if sfntChecksum(data) != 0xB1B0AFBA {
		t.Errorf("the subset's checksum adjustment is wrong: whole-file sum %#x", sfntChecksum(data))
	}
	draw := func(f *truetype.Font, s string) []byte {
		return drawPNGText(t, &fontSet{latin: fonts.latin, cjk: f}, s)
	}
	if !bytes.Equal(draw(sub, "火锅有效期 七天"), draw(fonts.cjk, "火锅有效期 七天")) {
		t.Error("the subset draws the kept characters differently from the whole font")
	}
	if bytes.Equal(draw(sub, "龙"), draw(fonts.cjk, "龙")) {
		t.Error("the subset still draws a character it was not asked for")
	}
	for _, r := range used {
		if sub.Index(r) != fonts.cjk.Index(r) {
			t.Errorf("%q: glyph %d in the subset, %d in the font", r, sub.Index(r), fonts.cjk.Index(r))
		}
	}
}

// FuzzSubsetTrueType feeds the subsetter damaged fonts: it must return an
// error or a font, never panic.
func FuzzSubsetTrueType(f *testing.F) {
	f.Add(droidSansFallback[:4096])
	f.Add([]byte{0, 1, 0, 0, 0, 1, 0, 16, 0, 0, 0, 0})
	f.Add(append([]byte(nil), droidSansFallback[:300]...))
	fonts, err := loadFont()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = subsetTrueType(data, fonts.cjk, []rune("七天"))
	})
}

// FuzzParseLang checks that ParseLang never panics and accepts only what
// names English or Chinese.
func FuzzParseLang(f *testing.F) {
	for _, s := range []string{"en", "zh", "zh_CN.UTF-8", "fr", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLang(s)
		if err == nil && l != English && l != Chinese {
			t.Errorf("ParseLang(%q) = %q", s, l)
		}
	})
}

// FuzzTextTable checks the property textTable keeps for ASCII text in
// whole lines (the summaries end every line): it lays it out exactly as
// text/tabwriter does.
func FuzzTextTable(f *testing.F) {
	f.Add("a\tbb\t\nccc\td\t\n", true)
	f.Add("x\n\ty\t\nzz\t\t\n", false)
	f.Fuzz(func(t *testing.T, in string, right bool) {
		if !strings.HasSuffix(in, "\n") {
			return
		}
		for _, r := range in {
			if r > 0x7e || (r < ' ' && r != '\t' && r != '\n') {
				return
			}
		}
		for _, minwidth := range []int{0, 2} { // the load summary's and the others'
			var want, got bytes.Buffer
			flags := uint(0)
			if right {
				flags = tabwriter.AlignRight
			}
			tw := tabwriter.NewWriter(&want, minwidth, 4, 2, ' ', flags)
			tw.Write([]byte(in))
			tw.Flush()
			tt := newTextTable(&got, minwidth, 2, right)
			tt.Write([]byte(in))
			tt.Flush()
			if got.String() != want.String() {
				t.Errorf("%q (minwidth %d, right %v):\ngot  %q\nwant %q", in, minwidth, right, got.String(), want.String())
			}
		}
	})
}

func TestWriteLoadTextZh(t *testing.T) {
	l, err := twoHostLoad()
	if err != nil {
		t.Fatal(err)
	}
	var zh, en bytes.Buffer
	if err := WriteLoadText(&zh, l, WithLang(Chinese)); err != nil {
		t.Fatal(err)
	}
	if err := WriteLoadText(&en, l); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"压测计划", "阶段", "请求数"} {
		if !strings.Contains(zh.String(), want) {
			t.Errorf("the Chinese load summary lacks %q:\n%s", want, zh.String())
		}
	}
	if strings.Contains(en.String(), "阶段") || !strings.Contains(en.String(), "phase") {
		t.Errorf("the English load summary is not English:\n%s", en.String())
	}
}

// drawPNGText draws s with fs on a PNG canvas 200×40 and returns its pixels.
func drawPNGText(t *testing.T, fs *fontSet, s string) []byte {
	t.Helper()
	c, err := newCanvas(false, 200, 40, fs)
	if err != nil {
		t.Fatal(err)
	}
	c.text(s, 4, 20, sizeTitle, rgb(hexText), alignLeft)
	var img rgbaCollector
	if err := c.r.Save(&img); err != nil {
		t.Fatal(err)
	}
	return img.img.Pix
}
