package graph

import (
	"errors"
	"slices"
	"testing"
)

func TestFromEdges(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		edges   [][2]int32
		wantOff []int64
		wantAdj []int32
	}{
		{"empty", 0, nil, []int64{0}, []int32{}},
		{"isolated nodes", 3, nil, []int64{0, 0, 0, 0}, []int32{}},
		{"single edge", 2, [][2]int32{{1, 0}}, []int64{0, 1, 2}, []int32{1, 0}},
		{"triangle", 3, [][2]int32{{0, 1}, {2, 1}, {0, 2}}, []int64{0, 2, 4, 6}, []int32{1, 2, 0, 2, 0, 1}},
		{"self loops dropped", 3, [][2]int32{{1, 1}, {0, 2}, {2, 2}}, []int64{0, 1, 1, 2}, []int32{2, 0}},
		{"duplicates merged", 3, [][2]int32{{0, 1}, {1, 0}, {0, 1}, {2, 1}, {1, 2}}, []int64{0, 1, 3, 4}, []int32{1, 0, 2, 1}},
		{"only self loops", 2, [][2]int32{{0, 0}, {1, 1}}, []int64{0, 0, 0}, []int32{}},
		{"star unsorted input", 5, [][2]int32{{0, 4}, {3, 0}, {0, 1}, {2, 0}}, []int64{0, 4, 5, 6, 7, 8}, []int32{1, 2, 3, 4, 0, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.edges)
			g, err := FromEdges(tt.n, tt.edges)
			if err != nil {
				t.Fatalf("FromEdges: %v", err)
			}
			checkGraph(t, g)
			if !slices.Equal(g.Off, tt.wantOff) || !slices.Equal(g.Adj, tt.wantAdj) {
				t.Errorf("got Off %v Adj %v, want Off %v Adj %v", g.Off, g.Adj, tt.wantOff, tt.wantAdj)
			}
			if !slices.Equal(in, tt.edges) {
				t.Errorf("FromEdges modified its input: %v, want %v", tt.edges, in)
			}
			if g.N() != tt.n {
				t.Errorf("N() = %d, want %d", g.N(), tt.n)
			}
		})
	}
}

func TestFromEdgesErrors(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		edges   [][2]int32
		want    error
		wantMsg string
	}{
		{"negative n", -1, nil, ErrInvalidArgument, "graph: FromEdges: n = -1 is negative: invalid argument"},
		{"too many nodes", MaxNodes + 1, nil, ErrTooLarge, "graph: FromEdges: n = 67108865 exceeds MaxNodes = 67108864: graph too large"},
		{"id equal to n", 3, [][2]int32{{0, 1}, {1, 3}}, ErrNodeRange, "graph: FromEdges: edge 1 is (1, 3), want ids in [0, 3): node id out of range"},
		{"negative id", 3, [][2]int32{{-1, 1}}, ErrNodeRange, "graph: FromEdges: edge 0 is (-1, 1), want ids in [0, 3): node id out of range"},
		{"any id with no nodes", 0, [][2]int32{{0, 0}}, ErrNodeRange, "graph: FromEdges: edge 0 is (0, 0), want ids in [0, 0): node id out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := FromEdges(tt.n, tt.edges)
			if g != nil || !errors.Is(err, tt.want) {
				t.Fatalf("FromEdges = %v, %v; want nil, %v", g, err, tt.want)
			}
			if err.Error() != tt.wantMsg {
				t.Errorf("error %q, want %q", err, tt.wantMsg)
			}
		})
	}
}

func TestFromEdgesRandom(t *testing.T) {
	r := newRand(1)
	const n = 200
	edges := make([][2]int32, 3000)
	want := make(map[[2]int32]bool)
	for i := range edges {
		u, v := int32(r.IntN(n)), int32(r.IntN(n))
		edges[i] = [2]int32{u, v}
		if u != v {
			want[[2]int32{min(u, v), max(u, v)}] = true
		}
	}
	g, err := FromEdges(n, edges)
	if err != nil {
		t.Fatal(err)
	}
	checkGraph(t, g)
	got := edgeSet(g)
	if len(got) != len(want) {
		t.Fatalf("got %d edges, want %d", len(got), len(want))
	}
	for _, e := range got {
		if !want[e] {
			t.Errorf("unexpected edge %v", e)
		}
	}
}

func TestAccessors(t *testing.T) {
	g, err := FromEdges(4, [][2]int32{{0, 1}, {0, 2}, {0, 3}, {1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	if g.N() != 4 || g.NumEdges() != 4 {
		t.Errorf("N() = %d, NumEdges() = %d; want 4, 4", g.N(), g.NumEdges())
	}
	wantDeg := []int{3, 2, 2, 1}
	for u, d := range wantDeg {
		if got := g.Degree(int32(u)); got != d {
			t.Errorf("Degree(%d) = %d, want %d", u, got, d)
		}
	}
	if nb := g.Neighbors(0); !slices.Equal(nb, []int32{1, 2, 3}) {
		t.Errorf("Neighbors(0) = %v", nb)
	}
	nb := g.Neighbors(1)
	_ = append(nb, 99)
	if !slices.Equal(g.Neighbors(2), []int32{0, 1}) {
		t.Errorf("append to Neighbors(1) clobbered Neighbors(2): %v", g.Neighbors(2))
	}
	if a := testing.AllocsPerRun(100, func() { _ = g.Neighbors(0) }); a != 0 {
		t.Errorf("Neighbors allocates %v times", a)
	}
}

func TestZeroGraph(t *testing.T) {
	var g Graph
	checkGraph(t, &g)
	if g.N() != 0 || g.NumEdges() != 0 || g.MeanDegree() != 0 || g.DegreeHistogram() != nil || g.ClusteringCoefficient(nil, 0) != 0 {
		t.Errorf("zero Graph: N %d, edges %d, mean %v, hist %v, C %v", g.N(), g.NumEdges(), g.MeanDegree(), g.DegreeHistogram(), g.ClusteringCoefficient(nil, 0))
	}
}
