package reports

import (
	"bytes"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/golang/freetype/truetype"
	chart "github.com/wcharczuk/go-chart/v2"
	"github.com/wcharczuk/go-chart/v2/roboto"
)

//go:embed page.html.tmpl
var pageTemplate string

// head is what the page's head shows.
type head struct {
	Title    string
	FontFace template.CSS
	Lang     Lang // Lang is the page's language ("" for English).
}

// T returns the message id in the page's language (see catalogue).
func (h head) T(id string) string { return h.Lang.T(id) }

// HTMLLang is the page's html lang attribute: en or zh-CN.
func (h head) HTMLLang() string {
	if h.Lang == Chinese {
		return "zh-CN"
	}
	return "en"
}

// Basis returns the width a figure takes in a row of figures before it
// grows: three quarters of its own, so that wide charts get a row each and
// narrow ones pair up.
func (f *figure) Basis() int { return f.W * 3 / 4 }

// Inline returns the figure's SVG for the page. go-chart writes only numbers
// and colours into it, and svgText escapes its text.
func (f *figure) Inline() template.HTML { return template.HTML(f.svg) }

// measurer returns a canvas that measures text for sizing charts before
// they are drawn. It measures as the PNG renderer does, whose text runs
// about a tenth wider than the SVG's, so that what fits one fits both.
func measurer(font *fontSet) *canvas {
	r, _ := chart.PNG(1, 1) // chart.PNG fails only for an unknown font
	r.SetDPI(dpi)
	return &canvas{r: r, font: font}
}

// fontFace declares the charts' Latin font for the page, inlined so that
// the inline SVG text is set in the font it was measured with, offline too;
// withCJKFace adds the CJK font when the page needs it.
func fontFace(font *fontSet) template.CSS {
	return template.CSS(faceRule(font.latin, roboto.Roboto))
}

// withCJKFace adds an @font-face rule for Droid Sans Fallback after the
// Latin one of fontFace when the page html holds text that only the CJK
// font draws (Chinese scenario or arm names, a zh report), so that the page
// draws it offline on a machine without a CJK font. The font is cut down
// to the characters the page uses (subsetTrueType): a few hundred kB
// instead of 4.6 MB as base64.
func withCJKFace(html []byte, font *fontSet) []byte {
	seen := map[rune]bool{}
	var runes []rune
	for _, r := range string(html) {
		if r < utf8.RuneSelf {
			continue // ASCII, which Roboto draws
		}
		if !seen[r] {
			seen[r] = true
			if font.fontFor(r) == font.cjk {
				runes = append(runes, r)
			}
		}
	}
	if len(runes) == 0 {
		return html
	}
	data, err := subsetTrueType(droidSansFallback, font.cjk, runes)
	if err != nil {
		data = droidSansFallback // the whole font draws the page as well
	}
	latin := []byte(faceRule(font.latin, roboto.Roboto))
	return bytes.Replace(html, latin, append(latin, faceRule(font.cjk, data)...), 1)
}

// faceRule is one @font-face rule for f, whose file is data.
func faceRule(f *truetype.Font, data []byte) string {
	family := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9') {
			return r
		}
		return -1
	}, f.Name(truetype.NameIDFontFamily))
	return fmt.Sprintf("@font-face{font-family:'%s';src:url(data:font/ttf;base64,%s) format('truetype')}",
		family, base64.StdEncoding.EncodeToString(data))
}

// executePage renders the named page template.
func executePage(w io.Writer, name string, data any) error {
	t, err := template.New("page").Parse(pageTemplate)
	if err != nil {
		return fmt.Errorf("reports: page template: %w", err)
	}
	if err := t.ExecuteTemplate(w, name, data); err != nil {
		return fmt.Errorf("reports: page %s: %w", name, err)
	}
	return nil
}

// outFile is a file of a report, relative to its directory.
type outFile struct {
	Name string
	Data []byte
}

// writeReport writes the figures under dir/charts, removes charts left there
// by an earlier report, then writes files, the page last.
func writeReport(dir string, figs []*figure, files []outFile) error {
	charts := filepath.Join(dir, "charts")
	if err := os.MkdirAll(charts, 0o755); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	keep := map[string]bool{}
	for _, f := range figs {
		for ext, data := range map[string][]byte{".svg": f.svg, ".png": f.png} {
			keep[f.Name+ext] = true
			if err := os.WriteFile(filepath.Join(charts, f.Name+ext), data, 0o644); err != nil {
				return fmt.Errorf("reports: %w", err)
			}
		}
	}
	entries, err := os.ReadDir(charts)
	if err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.Type().IsRegular() && (ext == ".svg" || ext == ".png") && !keep[e.Name()] {
			if err := os.Remove(filepath.Join(charts, e.Name())); err != nil {
				return fmt.Errorf("reports: %w", err)
			}
		}
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			return fmt.Errorf("reports: %w", err)
		}
	}
	return nil
}
