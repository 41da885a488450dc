package reports

import (
	_ "embed"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/golang/freetype/truetype"
	"github.com/wcharczuk/go-chart/v2/roboto"
)

// droidSansFallback is Droid Sans Fallback (Apache License 2.0, © Google),
// the TrueType CJK font of Debian's fonts-droid-fallback package
// (/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf), shipped
// in the binary so that charts draw Chinese with only Go installed. It has
// CJK glyphs and no Latin ones: Roboto draws those (see fontSet).
//
//go:embed fonts/DroidSansFallback.ttf
var droidSansFallback []byte

// cjkFamilies is the CSS font-family list SVG text drawn in the CJK font
// names: the shipped font first, then common CJK fonts a viewer may have.
const cjkFamilies = `'Droid Sans Fallback','Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei','WenQuanYi Micro Hei',sans-serif`

// fontSet is the charts' fonts: Roboto for Latin text, Droid Sans Fallback
// for what Roboto lacks (Chinese, Japanese, Korean). Text is drawn and
// measured in runs, each in the first font that has its glyphs, so layout
// is measured with the font actually drawn.
type fontSet struct {
	latin, cjk *truetype.Font
}

// loadFont parses the charts' fonts. Each report parses its own copy rather
// than share go-chart's lazily set global.
func loadFont() (*fontSet, error) {
	latin, err := truetype.Parse(roboto.Roboto)
	if err != nil {
		return nil, fmt.Errorf("reports: parse font Roboto: %w", err)
	}
	cjk, err := truetype.Parse(droidSansFallback)
	if err != nil {
		return nil, fmt.Errorf("reports: parse font Droid Sans Fallback: %w", err)
	}
	return &fontSet{latin: latin, cjk: cjk}, nil
}

// textRun is a stretch of text drawn in one font.
type textRun struct {
	s    string
	font *truetype.Font
}

// fontFor returns the font that draws r: Roboto when it has the glyph, else
// the CJK font when it has it, else Roboto (which draws its missing-glyph
// box; see missingGlyphs).
func (fs *fontSet) fontFor(r rune) *truetype.Font {
	if fs.latin.Index(r) != 0 || r == ' ' { // the CJK font has no space
		return fs.latin
	}
	if fs.cjk.Index(r) != 0 {
		return fs.cjk
	}
	return fs.latin
}

// runs cuts s into runs that one font draws each.
func (fs *fontSet) runs(s string) []textRun {
	ascii := true
	for i := 0; i < len(s) && ascii; i++ {
		ascii = s[i] < utf8.RuneSelf
	}
	if ascii {
		return []textRun{{s, fs.latin}} // Roboto has every printable ASCII glyph
	}
	var out []textRun
	var b strings.Builder
	var cur *truetype.Font
	for _, r := range s {
		f := fs.fontFor(r)
		if f != cur && b.Len() > 0 {
			out = append(out, textRun{b.String(), cur})
			b.Reset()
		}
		cur = f
		b.WriteRune(r)
	}
	if b.Len() > 0 {
		out = append(out, textRun{b.String(), cur})
	}
	return out
}

// missingGlyphs returns the runes of s that neither font draws.
func (fs *fontSet) missingGlyphs(s string) []rune {
	var out []rune
	for _, r := range s {
		if r != ' ' && r >= ' ' && fs.latin.Index(r) == 0 && fs.cjk.Index(r) == 0 {
			out = append(out, r)
		}
	}
	return out
}

// needsCJK reports whether drawing s takes the CJK font.
func (fs *fontSet) needsCJK(s string) bool {
	for _, r := range s {
		if fs.fontFor(r) == fs.cjk {
			return true
		}
	}
	return false
}

// svgFontFamilies rewrites the font-family go-chart's SVG renderer writes
// for the CJK font (the font's own name, then sans-serif) into the CJK
// fallback list, so a viewer without the inlined font still finds one.
func svgFontFamilies(svg []byte) []byte {
	return []byte(strings.ReplaceAll(string(svg), `font-family:'Droid Sans Fallback',sans-serif`, "font-family:"+cjkFamilies))
}
