package graph

import (
	"fmt"
	"slices"
)

// MaxNodes is the largest number of nodes a Graph built by this package may have.
// It keeps an absurd node id in an edge list from forcing a huge allocation.
const MaxNodes = 1 << 26

// MaxEdges bounds the number of undirected edges. FromEdges and ReadEdgeList
// refuse longer edge lists, and the generators refuse parameters whose
// (expected) edge count is above it.
const MaxEdges = 1 << 30

// Error is the type of the package's sentinel errors.
// It is a string type so that the sentinels can be constants.
type Error string

// Error returns the text of the sentinel.
func (e Error) Error() string { return string(e) }

const (
	// ErrInvalidArgument is wrapped by errors about invalid parameters.
	ErrInvalidArgument Error = "invalid argument"
	// ErrTooLarge is wrapped by errors about graphs above MaxNodes or MaxEdges.
	ErrTooLarge Error = "graph too large"
	// ErrNodeRange is wrapped by errors about node ids out of range.
	ErrNodeRange Error = "node id out of range"
	// ErrSyntax is wrapped by errors about malformed edge list lines.
	ErrSyntax Error = "syntax error"
)

// Graph is an undirected simple graph in compressed sparse row form.
// The neighbours of u are Adj[Off[u]:Off[u+1]], sorted ascending, with no self
// loops and no duplicates; every edge appears in the lists of both endpoints.
// Off has N()+1 entries starting at 0, so 1M nodes with mean degree 10 take
// about 8 MB of offsets and 40 MB of neighbour ids. The zero value is an empty
// graph.
type Graph struct {
	Off []int64
	Adj []int32
}

// N returns the number of nodes.
func (g *Graph) N() int {
	if len(g.Off) == 0 {
		return 0
	}
	return len(g.Off) - 1
}

// Degree returns the number of neighbours of u.
// It panics if u is not in [0, N()).
func (g *Graph) Degree(u int32) int {
	return int(g.Off[u+1] - g.Off[u])
}

// Neighbors returns the sorted neighbours of u as a sub-slice of Adj.
// The slice is capped, so appending to it never overwrites Adj; callers must
// not modify its elements. It panics if u is not in [0, N()).
func (g *Graph) Neighbors(u int32) []int32 {
	lo, hi := g.Off[u], g.Off[u+1]
	return g.Adj[lo:hi:hi]
}

// NumEdges returns the number of undirected edges.
func (g *Graph) NumEdges() int64 {
	if len(g.Off) == 0 {
		return 0
	}
	return g.Off[len(g.Off)-1] / 2
}

// FromEdges builds a Graph with n nodes from a list of undirected edges.
// Self loops are dropped, and duplicate edges in either orientation are
// merged. Every id must lie in [0, n), and there may be at most MaxEdges
// edges. The edges slice is not modified. It runs in O(n + len(edges)) plus
// the sort of each neighbour list, with a constant number of allocations.
func FromEdges(n int, edges [][2]int32) (*Graph, error) {
	if n < 0 {
		return nil, fmt.Errorf("graph: FromEdges: n = %d is negative: %w", n, ErrInvalidArgument)
	}
	if n > MaxNodes {
		return nil, fmt.Errorf("graph: FromEdges: n = %d exceeds MaxNodes = %d: %w", n, MaxNodes, ErrTooLarge)
	}
	if len(edges) > MaxEdges {
		return nil, fmt.Errorf("graph: FromEdges: %d edges exceed MaxEdges = %d: %w", len(edges), MaxEdges, ErrTooLarge)
	}
	deg := make([]uint32, n)
	for i, e := range edges {
		u, v := e[0], e[1]
		if uint32(u) >= uint32(n) || uint32(v) >= uint32(n) {
			return nil, fmt.Errorf("graph: FromEdges: edge %d is (%d, %d), want ids in [0, %d): %w", i, u, v, n, ErrNodeRange)
		}
		if u != v {
			deg[u]++
			deg[v]++
		}
	}
	return build(deg, edges), nil
}

// countDegrees returns the number of arcs leaving each of the n nodes,
// ignoring self loops. All ids must be in [0, n).
func countDegrees(n int, edges [][2]int32) []uint32 {
	deg := make([]uint32, n)
	for _, e := range edges {
		if e[0] != e[1] {
			deg[e[0]]++
			deg[e[1]]++
		}
	}
	return deg
}

// build turns per-node arc counts and the matching edge list, which must
// hold fewer than 2³¹ edges, into a Graph. A counting sort places each arc, then every
// neighbour list is sorted and compacted in place to drop duplicates. The
// counts are reused as 32-bit write cursors, which keeps the random accesses
// of the scatter in a small array.
func build(deg []uint32, edges [][2]int32) *Graph {
	n := len(deg)
	off := make([]int64, n+1)
	for u, d := range deg {
		off[u+1] = off[u] + int64(d)
	}
	cur := deg
	for u := range cur {
		cur[u] = uint32(off[u])
	}
	adj := make([]int32, off[n])
	for _, e := range edges {
		u, v := e[0], e[1]
		if u != v {
			adj[cur[u]] = v
			cur[u]++
			adj[cur[v]] = u
			cur[v]++
		}
	}

	w := int64(0)
	for u := 0; u < n; u++ {
		lo, hi := off[u], off[u+1]
		off[u] = w
		seg := adj[lo:hi]
		if len(seg) > 1 {
			slices.Sort(seg)
		}
		last := int32(-1)
		for _, x := range seg {
			if x != last {
				adj[w] = x
				w++
				last = x
			}
		}
	}
	off[n] = w
	if w < int64(len(adj)) {
		if w < int64(len(adj))-int64(len(adj))/8 {
			adj = slices.Clone(adj[:w])
		} else {
			adj = adj[:w:w]
		}
	}
	return &Graph{Off: off, Adj: adj}
}
