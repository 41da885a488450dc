package graph

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadEdgeList(t *testing.T) {
	tests := []struct {
		name  string
		input string
		wantN int
		want  [][2]int32
	}{
		{"csv", "0,1\n1,2\n", 3, [][2]int32{{0, 1}, {1, 2}}},
		{"header", "source,target\n0,1\n", 2, [][2]int32{{0, 1}}},
		{"header with spaces and case", " Source , TARGET \n2,1\n", 3, [][2]int32{{1, 2}}},
		{"header after comments", "# friends\n\nsource,target\n0,1\n", 2, [][2]int32{{0, 1}}},
		{"whitespace", "0 1\n1\t2\n  3   0  \n", 4, [][2]int32{{0, 1}, {0, 3}, {1, 2}}},
		{"spaces around comma", "0 , 1\n", 2, [][2]int32{{0, 1}}},
		{"comments", "# a comment\n0,1 # trailing\n#\n   # indented\n1,2#x\n", 3, [][2]int32{{0, 1}, {1, 2}}},
		{"crlf", "source,target\r\n0,1\r\n1,2\r\n", 3, [][2]int32{{0, 1}, {1, 2}}},
		{"bom", "\xef\xbb\xbfsource,target\n0,1\n", 2, [][2]int32{{0, 1}}},
		{"no final newline", "0,1\n1,2", 3, [][2]int32{{0, 1}, {1, 2}}},
		{"duplicates and self loops", "0,1\n1,0\n0,1\n4,4\n", 5, [][2]int32{{0, 1}}},
		{"leading zeros", "007,0010\n", 11, [][2]int32{{7, 10}}},
		{"empty", "", 0, nil},
		{"only comments and blanks", "# nothing\n\n   \n", 0, nil},
		{"header only", "source,target\n", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := ReadEdgeList(context.Background(), strings.NewReader(tt.input), "friends.csv")
			if err != nil {
				t.Fatalf("ReadEdgeList: %v", err)
			}
			checkGraph(t, g)
			if g.N() != tt.wantN {
				t.Errorf("N() = %d, want %d", g.N(), tt.wantN)
			}
			if got := edgeSet(g); !slices.Equal(got, tt.want) {
				t.Errorf("edges %v, want %v", got, tt.want)
			}
		})
	}
}

func TestReadEdgeListErrors(t *testing.T) {
	tests := []struct {
		name     string
		input    string
		wantLine int
		wantErr  error
		wantMsg  string
	}{
		{"bad target", "0,1\n1,x\n", 2, ErrSyntax, `graph: friends.csv:2: invalid target node id "x"`},
		{"bad source", "hello world\n", 1, ErrSyntax, `graph: friends.csv:1: invalid source node id "hello"`},
		{"missing column", "0,1\n\n# c\n2\n", 4, ErrSyntax, `graph: friends.csv:4: want 2 fields (source,target), got 1`},
		{"extra column", "0,1,5\n", 1, ErrSyntax, `graph: friends.csv:1: want 2 fields (source,target), got 3`},
		{"extra whitespace column", "0 1 2 3\n", 1, ErrSyntax, `graph: friends.csv:1: want 2 fields (source,target), got 4`},
		{"garbage", "0,1\n\x00\x01\x02\n", 2, ErrSyntax, `graph: friends.csv:2: want 2 fields (source,target), got 1`},
		{"garbage pair", "0,1\n\x00,\x01\n", 2, ErrSyntax, `graph: friends.csv:2: invalid source node id "\x00"`},
		{"empty target", "1,\n", 1, ErrSyntax, `graph: friends.csv:1: empty target node id`},
		{"empty source", " ,1\n", 1, ErrSyntax, `graph: friends.csv:1: empty source node id`},
		{"float id", "1.5,2\n", 1, ErrSyntax, `graph: friends.csv:1: invalid source node id "1.5"`},
		{"plus sign", "+1,2\n", 1, ErrSyntax, `graph: friends.csv:1: invalid source node id "+1"`},
		{"lone minus", "-,2\n", 1, ErrSyntax, `graph: friends.csv:1: invalid source node id "-"`},
		{"quoted", `"1","2"` + "\n", 1, ErrSyntax, `graph: friends.csv:1: invalid source node id "\"1\""`},
		{"header twice", "source,target\nsource,target\n", 2, ErrSyntax, `graph: friends.csv:2: invalid source node id "source"`},
		{"header not first", "0,1\nsource,target\n", 2, ErrSyntax, `graph: friends.csv:2: invalid source node id "source"`},
		{"other header", "from,to\n0,1\n", 1, ErrSyntax, `graph: friends.csv:1: invalid source node id "from"`},
		{"long field", "0," + strings.Repeat("ab", 40) + "\n", 1, ErrSyntax,
			`graph: friends.csv:1: invalid target node id "abababababababababababababababab"...`},
		{"negative", "-1,2\n", 1, ErrNodeRange, `graph: friends.csv:1: source node id -1 is negative`},
		{"absurd id", "1,99999999999\n", 1, ErrNodeRange, `graph: friends.csv:1: target node id 99999999999 exceeds the limit 67108863`},
		{"id at limit", "0,1\n67108864,0\n", 2, ErrNodeRange, `graph: friends.csv:2: source node id 67108864 exceeds the limit 67108863`},
		{"huge id", "1," + strings.Repeat("9", 100) + "\n", 1, ErrNodeRange,
			`graph: friends.csv:1: target node id 99999999999999999999999999999999... exceeds the limit 67108863`},
		{"line too long", "0,1\n" + strings.Repeat(" ", maxLineLen+1) + "\n", 2, ErrSyntax, `graph: friends.csv:2: line longer than 65536 bytes`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := ReadEdgeList(context.Background(), strings.NewReader(tt.input), "friends.csv")
			if g != nil || err == nil {
				t.Fatalf("ReadEdgeList = %v, %v; want an error", g, err)
			}
			if err.Error() != tt.wantMsg {
				t.Errorf("error %q\nwant  %q", err, tt.wantMsg)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *ParseError", err)
			}
			if pe.Name != "friends.csv" || pe.Line != tt.wantLine {
				t.Errorf("ParseError at %s:%d, want friends.csv:%d", pe.Name, pe.Line, tt.wantLine)
			}
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("error does not wrap %v", tt.wantErr)
			}
		})
	}
}

func TestReadEdgeListReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	rd := io.MultiReader(strings.NewReader("0,1\n"), iotest.ErrReader(boom))
	_, err := ReadEdgeList(context.Background(), rd, "friends.csv")
	if !errors.Is(err, boom) {
		t.Fatalf("error %v does not wrap the read error", err)
	}
	if want := "graph: reading friends.csv: disk on fire"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

// cancelReader cancels a context once its first read is done.
type cancelReader struct {
	r      io.Reader
	cancel context.CancelFunc
}

func (c cancelReader) Read(p []byte) (int, error) {
	defer c.cancel()
	return c.r.Read(p)
}

func TestReadEdgeListContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := ReadEdgeList(ctx, strings.NewReader("0,1\n"), "friends.csv")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled before reading: error %v", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	big := strings.Repeat("0,1\n", 3*ctxCheckLines)
	_, err = ReadEdgeList(ctx, cancelReader{strings.NewReader(big), cancel}, "friends.csv")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled while reading: error %v", err)
	}
	if want := "graph: reading friends.csv: context canceled"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

func TestReadEdgeListMatchesGenerator(t *testing.T) {
	g, err := BarabasiAlbert(newRand(4), 3000, 3)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	buf.WriteString("source,target\n")
	for _, e := range edgeSet(g) {
		// Alternate the separators and orientation to exercise both forms.
		if e[0]%2 == 0 {
			buf.WriteString(itoa(e[1]) + "\t" + itoa(e[0]) + "\n")
		} else {
			buf.WriteString(itoa(e[0]) + "," + itoa(e[1]) + "\n")
		}
	}
	h, err := ReadEdgeList(context.Background(), &buf, "ba.csv")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(g.Off, h.Off) || !slices.Equal(g.Adj, h.Adj) {
		t.Error("round trip through an edge list changed the graph")
	}
}

func itoa(v int32) string { return strconv.Itoa(int(v)) }

func TestReadEdgeListLimit(t *testing.T) {
	g, err := readEdgeList(context.Background(), strings.NewReader("0,99\n"), "small.csv", 100)
	if err != nil || g.N() != 100 || g.NumEdges() != 1 {
		t.Fatalf("id at limit-1: %v, %v", g, err)
	}
	_, err = readEdgeList(context.Background(), strings.NewReader("0,99\n100,0\n"), "small.csv", 100)
	if want := "graph: small.csv:2: source node id 100 exceeds the limit 99"; err == nil || err.Error() != want {
		t.Fatalf("id at limit: error %v, want %q", err, want)
	}
}

func FuzzReadEdgeList(f *testing.F) {
	for _, s := range []string{
		"0,1\n1,2\n",
		"source,target\n0,1\n",
		"# c\n3 4\n4\t5 # x\n",
		"1,1\n2,2\n",
		"0,1,2\n",
		"-1,2\n",
		"1,\n",
		"\xef\xbb\xbf0,9\r\n",
		"99999999999,1",
		"",
	} {
		f.Add([]byte(s))
	}
	const limit = 1 << 12
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := readEdgeList(context.Background(), bytes.NewReader(data), "fuzz", limit)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			if pe.Line < 1 || pe.Name != "fuzz" || !strings.HasPrefix(err.Error(), "graph: fuzz:") {
				t.Fatalf("bad ParseError %+v", pe)
			}
			if !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrNodeRange) {
				t.Fatalf("error %v wraps neither ErrSyntax nor ErrNodeRange", err)
			}
			return
		}
		checkGraph(t, g)
		if g.N() > limit {
			t.Fatalf("N() = %d exceeds the limit %d", g.N(), limit)
		}
		if g.N() > 0 && !bytes.Contains(data, []byte(itoa(int32(g.N()-1)))) {
			t.Fatalf("largest node %d does not appear in the input", g.N()-1)
		}
	})
}
