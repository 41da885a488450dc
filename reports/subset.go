package reports

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/golang/freetype/truetype"
)

// subsetTrueType returns a copy of the TrueType font data (parsed as f)
// that keeps the outlines of only the glyphs that draw runes, glyph 0 and
// the components of composite glyphs among them; every other glyph is left
// empty. Glyph ids, the character map and the metrics stay as they were,
// so text is laid out exactly as with the whole font. The vertical metrics
// (vhea, vmtx) are dropped: the reports set text horizontally. It lets a
// page inline the CJK font at the size of the characters it uses (a few
// hundred kB) instead of the whole font (3.4 MB).
func subsetTrueType(data []byte, f *truetype.Font, runes []rune) ([]byte, error) {
	tables, err := sfntTables(data)
	if err != nil {
		return nil, err
	}
	head, maxp, loca, glyf := tables["head"], tables["maxp"], tables["loca"], tables["glyf"]
	if len(head) < 54 || len(maxp) < 6 || loca == nil || glyf == nil {
		return nil, errors.New("subset: not a TrueType font with glyf outlines")
	}
	n := int(binary.BigEndian.Uint16(maxp[4:]))
	long := binary.BigEndian.Uint16(head[50:]) == 1
	offsets := make([]int, n+1)
	for i := range offsets {
		switch {
		case long && len(loca) >= 4*(i+1):
			offsets[i] = int(binary.BigEndian.Uint32(loca[4*i:]))
		case !long && len(loca) >= 2*(i+1):
			offsets[i] = 2 * int(binary.BigEndian.Uint16(loca[2*i:]))
		default:
			return nil, errors.New("subset: loca table too short")
		}
		if offsets[i] > len(glyf) || (i > 0 && offsets[i] < offsets[i-1]) {
			return nil, errors.New("subset: loca table out of order")
		}
	}
	keep := map[int]bool{0: true}
	todo := []int{0}
	for _, r := range runes {
		if g := int(f.Index(r)); g > 0 && g < n && !keep[g] {
			keep[g] = true
			todo = append(todo, g)
		}
	}
	for len(todo) > 0 {
		g := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		for _, c := range glyphComponents(glyf[offsets[g]:offsets[g+1]]) {
			if c < n && !keep[c] {
				keep[c] = true
				todo = append(todo, c)
			}
		}
	}
	var newGlyf []byte
	newLoca := make([]byte, 4*(n+1))
	for g := range n {
		binary.BigEndian.PutUint32(newLoca[4*g:], uint32(len(newGlyf)))
		if keep[g] {
			newGlyf = append(newGlyf, glyf[offsets[g]:offsets[g+1]]...)
			for len(newGlyf)%4 != 0 {
				newGlyf = append(newGlyf, 0)
			}
		}
	}
	binary.BigEndian.PutUint32(newLoca[4*n:], uint32(len(newGlyf)))
	newHead := slices.Clone(head)
	binary.BigEndian.PutUint16(newHead[50:], 1) // long loca offsets
	binary.BigEndian.PutUint32(newHead[8:], 0)  // checkSumAdjustment, set below
	tables["head"], tables["loca"], tables["glyf"] = newHead, newLoca, newGlyf
	delete(tables, "vhea")
	delete(tables, "vmtx")
	out := writeSFNT(data[:4], tables)
	binary.BigEndian.PutUint32(out[headOffset(out):][8:], 0xB1B0AFBA-sfntChecksum(out))
	return out, nil
}

// sfntTables returns the tables of an sfnt font by tag.
func sfntTables(data []byte) (map[string][]byte, error) {
	if len(data) < 12 {
		return nil, errors.New("subset: font too short")
	}
	num := int(binary.BigEndian.Uint16(data[4:]))
	if len(data) < 12+16*num {
		return nil, errors.New("subset: table directory too short")
	}
	tables := map[string][]byte{}
	for i := range num {
		rec := data[12+16*i:]
		off, n := int(binary.BigEndian.Uint32(rec[8:])), int(binary.BigEndian.Uint32(rec[12:]))
		if off < 0 || n < 0 || off+n > len(data) {
			return nil, fmt.Errorf("subset: table %q out of the file", rec[:4])
		}
		tables[string(rec[:4])] = data[off : off+n]
	}
	return tables, nil
}

// glyphComponents returns the glyph ids a composite glyph is made of; none
// for a simple glyph.
func glyphComponents(g []byte) []int {
	if len(g) < 10 || int16(binary.BigEndian.Uint16(g)) >= 0 {
		return nil
	}
	var out []int
	for p := 10; p+4 <= len(g); {
		flags := binary.BigEndian.Uint16(g[p:])
		out = append(out, int(binary.BigEndian.Uint16(g[p+2:])))
		p += 4
		if flags&0x0001 != 0 { // ARG_1_AND_2_ARE_WORDS
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&0x0008 != 0: // WE_HAVE_A_SCALE
			p += 2
		case flags&0x0040 != 0: // WE_HAVE_AN_X_AND_Y_SCALE
			p += 4
		case flags&0x0080 != 0: // WE_HAVE_A_TWO_BY_TWO
			p += 8
		}
		if flags&0x0020 == 0 { // MORE_COMPONENTS
			break
		}
	}
	return out
}

// writeSFNT lays out tables, sorted by tag and 4-byte aligned, behind an
// sfnt header with version.
func writeSFNT(version []byte, tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	for t := range tables {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	num := len(tags)
	es := 0
	for 1<<(es+1) <= num {
		es++
	}
	out := make([]byte, 12+16*num)
	copy(out, version)
	binary.BigEndian.PutUint16(out[4:], uint16(num))
	binary.BigEndian.PutUint16(out[6:], uint16(16<<es))
	binary.BigEndian.PutUint16(out[8:], uint16(es))
	binary.BigEndian.PutUint16(out[10:], uint16(16*num-16<<es))
	for i, t := range tags {
		data := tables[t]
		rec := out[12+16*i:]
		copy(rec, t)
		binary.BigEndian.PutUint32(rec[4:], sfntChecksum(data))
		binary.BigEndian.PutUint32(rec[8:], uint32(len(out)))
		binary.BigEndian.PutUint32(rec[12:], uint32(len(data)))
		out = append(out, data...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	return out
}

// headOffset returns where the head table starts in an sfnt font.
func headOffset(font []byte) int {
	num := int(binary.BigEndian.Uint16(font[4:]))
	for i := range num {
		rec := font[12+16*i:]
		if string(rec[:4]) == "head" {
			return int(binary.BigEndian.Uint32(rec[8:]))
		}
	}
	return 0
}

// sfntChecksum is the sfnt checksum of b: the sum of its big-endian 32-bit
// words, the last padded with zeros.
func sfntChecksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}
