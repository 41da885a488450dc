package graph

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// maxLineLen is the longest edge list line ReadEdgeList accepts, in bytes.
const maxLineLen = 1 << 16

// ctxCheckLines is how many lines ReadEdgeList reads between context checks.
const ctxCheckLines = 1 << 12

// ParseError describes a malformed line in an edge list.
type ParseError struct {
	Name string // Name is the input's name as passed to ReadEdgeList.
	Line int    // Line is the 1-based line number.
	Msg  string // Msg says what is wrong with the line.
	Err  error  // Err is ErrSyntax or ErrNodeRange.
}

// Error returns "graph: name:line: msg".
func (e *ParseError) Error() string {
	return fmt.Sprintf("graph: %s:%d: %s", e.Name, e.Line, e.Msg)
}

// Unwrap returns the sentinel that classifies the error.
func (e *ParseError) Unwrap() error { return e.Err }

// ReadEdgeList reads an undirected edge list and builds a Graph from it.
// Each data line holds two node ids, "u,v" or "u v" (any spaces or tabs).
// Text from '#' to the end of a line is a comment, blank lines are skipped,
// and the first data line may be the header "source,target". Ids must be
// decimal integers in [0, MaxNodes); the graph has max id + 1 nodes, so an
// empty list gives an empty graph. Self loops are dropped and duplicate edges
// merged, as in FromEdges. A malformed line yields a *ParseError that names
// the input (name) and the line; a read failure or a cancelled ctx yields an
// error wrapping the cause.
func ReadEdgeList(ctx context.Context, rd io.Reader, name string) (*Graph, error) {
	return readEdgeList(ctx, rd, name, MaxNodes)
}

// readEdgeList is ReadEdgeList with ids limited to [0, maxNodes).
func readEdgeList(ctx context.Context, rd io.Reader, name string, maxNodes int) (*Graph, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("graph: reading %s: %w", name, err)
	}
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 0, 64<<10), maxLineLen)
	var (
		edges    [][2]int32
		maxID    = int32(-1)
		line     = 0
		seenData = false
		fields   [][]byte
	)
	for sc.Scan() {
		line++
		if line%ctxCheckLines == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("graph: reading %s: %w", name, err)
			}
		}
		b := sc.Bytes()
		if line == 1 {
			b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
		}
		if i := bytes.IndexByte(b, '#'); i >= 0 {
			b = b[:i]
		}
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			continue
		}
		fields = splitFields(fields[:0], b)
		if !seenData {
			seenData = true
			if len(fields) == 2 && bytes.EqualFold(fields[0], []byte("source")) && bytes.EqualFold(fields[1], []byte("target")) {
				continue
			}
		}
		if len(fields) != 2 {
			return nil, &ParseError{Name: name, Line: line, Msg: fmt.Sprintf("want 2 fields (source,target), got %d", len(fields)), Err: ErrSyntax}
		}
		u, err := parseID(fields[0], "source", maxNodes)
		if err != nil {
			err.Name, err.Line = name, line
			return nil, err
		}
		v, err := parseID(fields[1], "target", maxNodes)
		if err != nil {
			err.Name, err.Line = name, line
			return nil, err
		}
		if len(edges) == MaxEdges {
			return nil, fmt.Errorf("graph: reading %s: more than MaxEdges = %d edges: %w", name, MaxEdges, ErrTooLarge)
		}
		maxID = max(maxID, u, v)
		edges = append(edges, [2]int32{u, v})
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &ParseError{Name: name, Line: line + 1, Msg: fmt.Sprintf("line longer than %d bytes", maxLineLen), Err: ErrSyntax}
		}
		return nil, fmt.Errorf("graph: reading %s: %w", name, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("graph: reading %s: %w", name, err)
	}
	n := int(maxID) + 1
	return build(countDegrees(n, edges), edges), nil
}

// splitFields appends the fields of a trimmed, non-empty line to dst.
// A line containing a comma is split at commas and each field is trimmed;
// otherwise it is split at runs of spaces and tabs.
func splitFields(dst [][]byte, b []byte) [][]byte {
	if bytes.IndexByte(b, ',') >= 0 {
		for {
			i := bytes.IndexByte(b, ',')
			if i < 0 {
				return append(dst, bytes.TrimSpace(b))
			}
			dst = append(dst, bytes.TrimSpace(b[:i]))
			b = b[i+1:]
		}
	}
	for len(b) > 0 {
		i := bytes.IndexAny(b, " \t\v\f\r")
		if i < 0 {
			return append(dst, b)
		}
		if i > 0 {
			dst = append(dst, b[:i])
		}
		b = b[i+1:]
	}
	return dst
}

// parseID parses a node id in [0, limit). On failure it returns a
// *ParseError whose Name and Line the caller fills in.
func parseID(f []byte, role string, limit int) (int32, *ParseError) {
	if len(f) == 0 {
		return 0, &ParseError{Msg: "empty " + role + " node id", Err: ErrSyntax}
	}
	digits := f
	if f[0] == '-' {
		digits = f[1:]
	}
	if len(digits) == 0 || !allDigits(digits) {
		return 0, &ParseError{Msg: fmt.Sprintf("invalid %s node id %s", role, quote(f)), Err: ErrSyntax}
	}
	if f[0] == '-' {
		return 0, &ParseError{Msg: fmt.Sprintf("%s node id %s is negative", role, shorten(f)), Err: ErrNodeRange}
	}
	v := 0
	for _, c := range digits {
		v = v*10 + int(c-'0')
		if v >= limit {
			return 0, &ParseError{Msg: fmt.Sprintf("%s node id %s exceeds the limit %d", role, shorten(f), limit-1), Err: ErrNodeRange}
		}
	}
	return int32(v), nil
}

// allDigits reports whether b consists of ASCII digits only.
func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// maxShown is how many bytes of a bad field an error message shows.
const maxShown = 32

// shorten returns f as a string, cut to maxShown bytes plus "..." if longer.
func shorten(f []byte) string {
	if len(f) > maxShown {
		return string(f[:maxShown]) + "..."
	}
	return string(f)
}

// quote returns f as a Go string literal, shortened if it is long.
func quote(f []byte) string {
	if len(f) > maxShown {
		return strconv.Quote(string(f[:maxShown])) + "..."
	}
	return strconv.Quote(string(f))
}
