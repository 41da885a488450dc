package reports

import (
	"bytes"
	"io"
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// textTable aligns tab-terminated cells into columns as text/tabwriter
// does (padding with spaces, columns in blocks of consecutive lines), but
// measures cells by their width on a terminal: a Chinese character such as
// 七 takes two columns, where tabwriter counts one and shifts the columns.
type textTable struct {
	w        io.Writer
	buf      bytes.Buffer
	minwidth int
	padding  int
	right    bool // right aligns cells' text to the right of their column.
}

// newTextTable returns a textTable writing to w; cells are at least
// minwidth wide, padding included, with padding spaces after the widest.
func newTextTable(w io.Writer, minwidth, padding int, alignRight bool) *textTable {
	return &textTable{w: w, minwidth: minwidth, padding: padding, right: alignRight}
}

// Write buffers p until Flush.
func (t *textTable) Write(p []byte) (int, error) { return t.buf.Write(p) }

// Flush writes the buffered text with its cells aligned.
func (t *textTable) Flush() error {
	text := t.buf.String()
	t.buf.Reset()
	trailing := strings.HasSuffix(text, "\n")
	text = strings.TrimSuffix(text, "\n")
	var lines [][]string
	for _, l := range strings.Split(text, "\n") {
		lines = append(lines, strings.Split(l, "\t"))
	}
	widths := make([][]int, len(lines))
	t.format(lines, widths, 0, 0, len(lines))
	var out strings.Builder
	for i, cells := range lines {
		for j, c := range cells {
			if j == len(cells)-1 {
				out.WriteString(c)
				break
			}
			pad := strings.Repeat(" ", max(0, widths[i][j]-displayWidth(c)))
			if t.right {
				out.WriteString(pad + c)
			} else {
				out.WriteString(c + pad)
			}
		}
		if i < len(lines)-1 || trailing {
			out.WriteByte('\n')
		}
	}
	_, err := io.WriteString(t.w, out.String())
	return err
}

// format sets the widths of column col in lines l0 to l1: each block of
// consecutive lines with a terminated cell in that column takes the width
// of its widest cell plus the padding, then the next column in that block.
func (t *textTable) format(lines [][]string, widths [][]int, col, l0, l1 int) {
	for l := l0; l < l1; l++ {
		if col >= len(lines[l])-1 {
			continue
		}
		w := t.minwidth
		end := l
		for ; end < l1 && col < len(lines[end])-1; end++ {
			w = max(w, displayWidth(lines[end][col])+t.padding)
		}
		for i := l; i < end; i++ {
			widths[i] = append(widths[i], w)
		}
		t.format(lines, widths, col+1, l, end)
		l = end - 1
	}
}

// displayWidth is the number of terminal columns s takes: two for wide and
// full-width characters (East Asian Wide or Fullwidth, such as Chinese),
// none for combining marks and format characters, one for the rest.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || unicode.Is(unicode.Cf, r):
		case width.LookupRune(r).Kind() == width.EastAsianWide || width.LookupRune(r).Kind() == width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}
