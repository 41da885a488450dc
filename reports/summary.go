package reports

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/png"

	"github.com/wcharczuk/go-chart/v2/drawing"
)

// Layout of the summary image, in pixels.
const (
	summaryW    = 1240
	summaryPad  = 24.0
	summaryText = 560.0 // summaryText is the width of the text column.
)

// summaryPNG draws the first screen of a simulation report as one PNG for
// chat: the title, the question, the answer and the KPI cards on the left,
// the lead chart (already rendered as PNG) on the right. It is drawn with
// the charts' renderer and font, so it needs no browser.
func summaryPNG(font *fontSet, p *simPage) ([]byte, error) {
	mc := measurer(font)
	lineH := func(size float64) float64 { return mc.px(size) * 1.45 }
	type textLine struct {
		s     string
		size  float64
		col   drawing.Color
		x, y  float64
		boxed bool
	}
	var lines []textLine
	y := summaryPad
	add := func(s string, size float64, col drawing.Color, x, w float64) {
		for _, l := range wrapText(mc, s, size, w) {
			y += lineH(size)
			lines = append(lines, textLine{s: l, size: size, col: col, x: x, y: y})
		}
	}
	add(p.Head.Title, sizeTitle+3, rgb(hexText), summaryPad, summaryText)
	if p.Question != "" {
		add(p.Head.T("Question: ")+p.Question, sizeLabel+1, rgb(hexMuted), summaryPad, summaryText)
	}
	y += 6
	answerTop := y
	add(p.Answer, sizeLabel+1, rgb(hexText), summaryPad+12, summaryText-16)
	answerBottom := y + 8
	y = answerBottom + 6
	// The cards, two to a row.
	type box struct{ x0, y0, x1, y1 float64 }
	var boxes []box
	var tops []drawing.Color
	cardW := (summaryText - 10) / 2
	for i := 0; i < len(p.Cards); i += 2 {
		rowTop, rowBottom := y, y
		for j := i; j < min(i+2, len(p.Cards)); j++ {
			cd := p.Cards[j]
			x := summaryPad + float64(j-i)*(cardW+10)
			y = rowTop + 4
			add(cd.KPI, sizeSmall, rgb(hexMuted), x+8, cardW-16)
			add(cd.Main, sizeLabel+2, rgb(hexText), x+8, cardW-16)
			for _, s := range append([]string{cd.CI}, cd.Lines...) {
				if s != "" {
					add(s, sizeSmall, rgb(hexText), x+8, cardW-16)
				}
			}
			if cd.Note != "" {
				add(cd.Note, sizeSmall, rgb(hexMuted), x+8, cardW-16)
			}
			rowBottom = max(rowBottom, y+8)
			col := rgb(0x999999)
			if cd.Color != "" {
				var r, g, b uint8
				if _, err := fmt.Sscanf(cd.Color, "#%02x%02x%02x", &r, &g, &b); err == nil {
					col = drawing.Color{R: r, G: g, B: b, A: 0xff}
				}
			}
			boxes = append(boxes, box{x, rowTop, x + cardW, 0})
			tops = append(tops, col)
		}
		for k := len(boxes) - min(2, len(p.Cards)-i); k < len(boxes); k++ {
			boxes[k].y1 = rowBottom
		}
		y = rowBottom + 10
	}
	var lead image.Image
	if p.Lead != nil && len(p.Lead.png) > 0 {
		img, err := png.Decode(bytes.NewReader(p.Lead.png))
		if err != nil {
			return nil, fmt.Errorf("reports: summary: %w", err)
		}
		lead = img
	}
	h := y + summaryPad
	if lead != nil {
		h = max(h, float64(lead.Bounds().Dy())+2*summaryPad)
	}
	c, err := newCanvas(false, summaryW, int(h), font)
	if err != nil {
		return nil, fmt.Errorf("reports: summary: %w", err)
	}
	c.rect(0, 0, summaryW, h, rgb(hexWhite), drawing.Color{})
	c.rect(summaryPad, answerTop, summaryPad+summaryText, answerBottom, rgb(0xf6f6f4), drawing.Color{})
	c.rect(summaryPad, answerTop, summaryPad+4, answerBottom, rgb(0x0072b2), drawing.Color{})
	for i, b := range boxes {
		c.rect(b.x0, b.y0, b.x1, b.y1, rgb(hexWhite), rgb(0xdddddd))
		c.rect(b.x0, b.y0, b.x1, b.y0+4, tops[i], drawing.Color{})
	}
	for _, l := range lines {
		c.text(l.s, l.x, l.y-lineH(l.size)/2, l.size, l.col, alignLeft)
	}
	var out rgbaCollector
	if err := c.r.Save(&out); err != nil {
		return nil, fmt.Errorf("reports: summary: %w", err)
	}
	if lead != nil {
		at := image.Pt(int(summaryPad+summaryText+28), int(summaryPad))
		draw.Draw(out.img, lead.Bounds().Add(at), lead, lead.Bounds().Min, draw.Over)
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, out.img); err != nil {
		return nil, fmt.Errorf("reports: summary: %w", err)
	}
	return buf.Bytes(), nil
}
