package reports

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"image"
	"image/png"
	"runtime"
	"sync"

	chart "github.com/wcharczuk/go-chart/v2"
	xfont "golang.org/x/image/font"
)

// dpi is the resolution both renderers lay text out at.
const dpi = 92

// figure is one chart of a report, drawn once as SVG and once as PNG by the
// same function.
type figure struct {
	Name  string // Name is the file stem under charts/.
	Title string // Title is the caption and the text alternative.
	W, H  int
	draw  func(c *canvas)

	svg, png []byte
}

// svgText escapes text for SVG, which go-chart's SVG renderer writes as is.
type svgText struct {
	chart.Renderer
}

// Text draws body escaped.
func (s svgText) Text(body string, x, y int) {
	s.Renderer.Text(html.EscapeString(body), x, y)
}

// newCanvas returns a canvas on a new SVG or PNG renderer w×h pixels.
func newCanvas(svg bool, w, h int, font *fontSet) (*canvas, error) {
	if !svg {
		r, err := chart.PNG(w, h)
		if err != nil {
			return nil, err
		}
		r.SetDPI(dpi)
		return &canvas{r: r, font: font}, nil
	}
	r, err := chart.SVG(w, h)
	if err != nil {
		return nil, err
	}
	r.SetDPI(dpi)
	return &canvas{r: svgText{r}, font: font, faces: map[faceKey]xfont.Face{}, svg: true}, nil
}

// render draws f as SVG and as PNG.
func (f *figure) render(font *fontSet) error {
	if err := f.renderSVG(font); err != nil {
		return err
	}
	return f.renderPNG(font)
}

// renderSVG draws f as SVG.
func (f *figure) renderSVG(font *fontSet) error {
	c, err := newCanvas(true, f.W, f.H, font)
	if err != nil {
		return fmt.Errorf("chart %s: %w", f.Name, err)
	}
	f.draw(c)
	var buf bytes.Buffer
	if err := c.r.Save(&buf); err != nil {
		return fmt.Errorf("chart %s: %w", f.Name, err)
	}
	f.svg = sizeSVG(svgFontFamilies(buf.Bytes()), f.W, f.H, f.Title)
	return nil
}

// renderPNG draws f as PNG, compressed for speed: charts are mostly flat
// colour, so the files stay small.
func (f *figure) renderPNG(font *fontSet) error {
	c, err := newCanvas(false, f.W, f.H, font)
	if err != nil {
		return fmt.Errorf("chart %s: %w", f.Name, err)
	}
	f.draw(c)
	var img rgbaCollector
	if err := c.r.Save(&img); err != nil {
		return fmt.Errorf("chart %s: %w", f.Name, err)
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img.img); err != nil {
		return fmt.Errorf("chart %s: %w", f.Name, err)
	}
	f.png = buf.Bytes()
	return nil
}

// rgbaCollector takes the image from go-chart's PNG renderer, so that it can
// be encoded faster than go-chart's default compression.
type rgbaCollector struct {
	img *image.RGBA
}

// Write is never called: the renderer hands over the image instead.
func (c *rgbaCollector) Write(p []byte) (int, error) {
	return 0, errors.New("reports: unexpected PNG bytes")
}

// SetRGBA keeps the rendered image.
func (c *rgbaCollector) SetRGBA(img *image.RGBA) { c.img = img }

// sizeSVG gives the root element of an SVG from go-chart a size and a label,
// so that it keeps its size inline and in an image viewer.
func sizeSVG(b []byte, w, h int, title string) []byte {
	attrs := fmt.Sprintf(`<svg width="%d" height="%d" role="img" aria-label="%s" `, w, h, html.EscapeString(title))
	return bytes.Replace(b, []byte("<svg "), []byte(attrs), 1)
}

// renderAll renders every figure, on as many goroutines as there are CPUs.
func renderAll(ctx context.Context, font *fontSet, figs []*figure) error {
	next := make(chan *figure)
	errs := make(chan error, len(figs))
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(figs)) {
		wg.Go(func() {
			for f := range next {
				errs <- f.render(font)
			}
		})
	}
	var ctxErr error
	for _, f := range figs {
		if ctxErr = ctx.Err(); ctxErr != nil {
			break
		}
		next <- f
	}
	close(next)
	wg.Wait()
	close(errs)
	if ctxErr != nil {
		return ctxErr
	}
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
