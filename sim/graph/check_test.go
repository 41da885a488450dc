package graph

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// validate checks every CSR invariant of g independently of the package code.
func validate(g *Graph) error {
	if len(g.Off) == 0 {
		if len(g.Adj) != 0 {
			return fmt.Errorf("no offsets but %d neighbour ids", len(g.Adj))
		}
		return nil
	}
	n := len(g.Off) - 1
	if g.Off[0] != 0 {
		return fmt.Errorf("Off[0] = %d, want 0", g.Off[0])
	}
	if g.Off[n] != int64(len(g.Adj)) {
		return fmt.Errorf("Off[%d] = %d, want len(Adj) = %d", n, g.Off[n], len(g.Adj))
	}
	for u := 0; u < n; u++ {
		if g.Off[u+1] < g.Off[u] {
			return fmt.Errorf("Off not monotone at %d: %d > %d", u, g.Off[u], g.Off[u+1])
		}
	}
	for u := 0; u < n; u++ {
		nb := g.Adj[g.Off[u]:g.Off[u+1]]
		for i, v := range nb {
			switch {
			case v < 0 || int(v) >= n:
				return fmt.Errorf("node %d: neighbour %d out of range [0, %d)", u, v, n)
			case int(v) == u:
				return fmt.Errorf("node %d: self loop", u)
			case i > 0 && nb[i-1] == v:
				return fmt.Errorf("node %d: duplicate neighbour %d", u, v)
			case i > 0 && nb[i-1] > v:
				return fmt.Errorf("node %d: neighbours not sorted: %d before %d", u, nb[i-1], v)
			}
			if _, ok := slices.BinarySearch(g.Adj[g.Off[v]:g.Off[v+1]], int32(u)); !ok {
				return fmt.Errorf("edge %d-%d not symmetric", u, v)
			}
		}
	}
	if len(g.Adj)%2 != 0 {
		return fmt.Errorf("odd number of arcs %d", len(g.Adj))
	}
	if g.NumEdges() != int64(len(g.Adj))/2 {
		return fmt.Errorf("NumEdges() = %d, want %d", g.NumEdges(), len(g.Adj)/2)
	}
	return nil
}

// checkGraph fails the test if g breaks a CSR invariant.
func checkGraph(t testing.TB, g *Graph) {
	t.Helper()
	if g == nil {
		t.Fatal("nil graph")
	}
	if err := validate(g); err != nil {
		t.Fatalf("invalid graph: %v", err)
	}
}

// newRand returns a PCG generator seeded with (seed, 0x5eed).
func newRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x5eed))
}

// edgeSet returns the undirected edges of g with u < v, in order.
func edgeSet(g *Graph) [][2]int32 {
	var es [][2]int32
	for u := int32(0); int(u) < g.N(); u++ {
		for _, v := range g.Neighbors(u) {
			if u < v {
				es = append(es, [2]int32{u, v})
			}
		}
	}
	return es
}

// countTriangles counts the triangles of g by brute force over marked neighbourhoods.
func countTriangles(g *Graph) int64 {
	n := g.N()
	mark := make([]int32, n)
	for i := range mark {
		mark[i] = -1
	}
	var t int64
	for u := int32(0); int(u) < n; u++ {
		for _, v := range g.Neighbors(u) {
			mark[v] = u
		}
		for _, v := range g.Neighbors(u) {
			if v <= u {
				continue
			}
			for _, w := range g.Neighbors(v) {
				if w > v && mark[w] == u {
					t++
				}
			}
		}
	}
	return t
}

// bruteLocalClustering returns the local clustering of u by testing every neighbour pair.
func bruteLocalClustering(g *Graph, u int32) float64 {
	nb := g.Neighbors(u)
	d := len(nb)
	if d < 2 {
		return 0
	}
	links := 0
	for i := range nb {
		for j := i + 1; j < d; j++ {
			if _, ok := slices.BinarySearch(g.Neighbors(nb[i]), nb[j]); ok {
				links++
			}
		}
	}
	return float64(links) / (float64(d) * float64(d-1) / 2)
}

func TestValidateCatchesBrokenGraphs(t *testing.T) {
	tests := []struct {
		name string
		g    Graph
	}{
		{"adj without offsets", Graph{Adj: []int32{1}}},
		{"first offset not zero", Graph{Off: []int64{1, 1}, Adj: []int32{0}}},
		{"last offset not len", Graph{Off: []int64{0, 1, 1}, Adj: []int32{1, 0}}},
		{"offsets not monotone", Graph{Off: []int64{0, 2, 1, 2}, Adj: []int32{1, 2}}},
		{"neighbour out of range", Graph{Off: []int64{0, 1, 2}, Adj: []int32{2, 0}}},
		{"self loop", Graph{Off: []int64{0, 2, 2}, Adj: []int32{0, 0}}},
		{"duplicate", Graph{Off: []int64{0, 2, 4}, Adj: []int32{1, 1, 0, 0}}},
		{"unsorted", Graph{Off: []int64{0, 2, 3, 4}, Adj: []int32{2, 1, 0, 0}}},
		{"asymmetric", Graph{Off: []int64{0, 1, 1}, Adj: []int32{1}}},
		{"asymmetric pair", Graph{Off: []int64{0, 1, 2, 2}, Adj: []int32{1, 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := validate(&tt.g); err == nil {
				t.Errorf("validate accepted %+v", tt.g)
			}
		})
	}
}
