package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// BarabasiAlbert returns a preferential attachment graph with n nodes.
// It starts from a clique on nodes 0..m (m+1 nodes, m(m+1)/2 edges); each
// later node u = m+1..n-1 then links to m distinct earlier nodes chosen with
// probability proportional to their degree, so the graph has
// m(m+1)/2 + (n-m-1)·m edges and mean degree close to 2m. Sampling draws
// uniformly from the list of edge endpoints, in which every node appears once
// per incident edge, so the run time is O(n·m). It needs 1 <= m < n.
func BarabasiAlbert(r *rand.Rand, n, m int) (*Graph, error) {
	if r == nil {
		return nil, fmt.Errorf("graph: BarabasiAlbert: nil *rand.Rand: %w", ErrInvalidArgument)
	}
	if m < 1 {
		return nil, fmt.Errorf("graph: BarabasiAlbert: m = %d, want m >= 1: %w", m, ErrInvalidArgument)
	}
	if n <= m {
		return nil, fmt.Errorf("graph: BarabasiAlbert: n = %d, want n > m = %d: %w", n, m, ErrInvalidArgument)
	}
	if n > MaxNodes {
		return nil, fmt.Errorf("graph: BarabasiAlbert: n = %d exceeds MaxNodes = %d: %w", n, MaxNodes, ErrTooLarge)
	}
	ne := int64(m)*int64(m+1)/2 + int64(n-m-1)*int64(m)
	if ne > MaxEdges {
		return nil, fmt.Errorf("graph: BarabasiAlbert: %d edges exceed MaxEdges = %d: %w", ne, MaxEdges, ErrTooLarge)
	}

	edges := make([][2]int32, 0, ne)
	for u := int32(0); u <= int32(m); u++ {
		for v := u + 1; v <= int32(m); v++ {
			edges = append(edges, [2]int32{u, v})
		}
	}
	// mark[t] == u records that t is already a target of u; u >= 2, so the
	// zero value never matches. The m endpoint indices of u are drawn before
	// any is loaded, so the cache misses of the loads overlap.
	mark := make([]int32, n)
	idx := make([]uint64, m)
	pick := make([]int32, m)
	for u := int32(m + 1); int(u) < n; u++ {
		ends := uint64(2 * len(edges))
		for j := range idx {
			idx[j] = r.Uint64N(ends)
		}
		for j, i := range idx {
			pick[j] = edges[i>>1][i&1]
		}
		for _, t := range pick {
			for mark[t] == u {
				i := r.Uint64N(ends)
				t = edges[i>>1][i&1]
			}
			mark[t] = u
			edges = append(edges, [2]int32{u, t})
		}
	}
	return build(countDegrees(n, edges), edges), nil
}

// WattsStrogatz returns a small-world graph with n nodes.
// It starts from a ring lattice in which every node u links to u±1..u±k/2
// (mod n), then visits the lattice edges (u, u+j) for j = 1..k/2 and, within
// each j, for u = 0..n-1; with probability beta it moves the far end of the
// edge to a node chosen uniformly among those that are neither u nor already
// linked to u. Nodes linked to all others are left alone. Rewiring keeps the
// edge count at n·k/2, so the mean degree is exactly k. It needs k even,
// 0 <= k < n and 0 <= beta <= 1.
func WattsStrogatz(r *rand.Rand, n, k int, beta float64) (*Graph, error) {
	if r == nil {
		return nil, fmt.Errorf("graph: WattsStrogatz: nil *rand.Rand: %w", ErrInvalidArgument)
	}
	if n < 1 {
		return nil, fmt.Errorf("graph: WattsStrogatz: n = %d, want n >= 1: %w", n, ErrInvalidArgument)
	}
	if n > MaxNodes {
		return nil, fmt.Errorf("graph: WattsStrogatz: n = %d exceeds MaxNodes = %d: %w", n, MaxNodes, ErrTooLarge)
	}
	if k < 0 || k%2 != 0 || k >= n {
		return nil, fmt.Errorf("graph: WattsStrogatz: k = %d, want an even k with 0 <= k < n = %d: %w", k, n, ErrInvalidArgument)
	}
	if !(beta >= 0 && beta <= 1) {
		return nil, fmt.Errorf("graph: WattsStrogatz: beta = %v, want 0 <= beta <= 1: %w", beta, ErrInvalidArgument)
	}
	if ne := int64(n) * int64(k/2); ne > MaxEdges {
		return nil, fmt.Errorf("graph: WattsStrogatz: %d edges exceed MaxEdges = %d: %w", ne, MaxEdges, ErrTooLarge)
	}

	h := k / 2
	// Edge u*h+j-1 is owned by u: its first end stays u, its second end
	// starts at u+j and may be rewired. Every edge has exactly one owner, so
	// {u, w} is an edge iff w is a second end of u's edges or u of w's.
	edges := make([][2]int32, n*h)
	for u := 0; u < n; u++ {
		for j := 1; j <= h; j++ {
			edges[u*h+j-1] = [2]int32{int32(u), int32((u + j) % n)}
		}
	}
	linked := func(u, w int32) bool {
		for _, e := range edges[int(u)*h : int(u)*h+h] {
			if e[1] == w {
				return true
			}
		}
		for _, e := range edges[int(w)*h : int(w)*h+h] {
			if e[1] == u {
				return true
			}
		}
		return false
	}
	if beta > 0 && h > 0 {
		deg := make([]int32, n)
		for i := range deg {
			deg[i] = int32(k)
		}
		for j := 1; j <= h; j++ {
			for u := int32(0); int(u) < n; u++ {
				if r.Float64() >= beta || int(deg[u]) >= n-1 {
					continue
				}
				w := int32(r.IntN(n))
				for w == u || linked(u, w) {
					w = int32(r.IntN(n))
				}
				e := &edges[int(u)*h+j-1]
				deg[e[1]]--
				deg[w]++
				e[1] = w
			}
		}
	}
	return build(countDegrees(n, edges), edges), nil
}

// StochasticBlock returns a stochastic block model graph.
// Block b holds sizes[b] consecutive node ids, starting after the nodes of
// blocks 0..b-1. Each pair of nodes in the same block is linked independently
// with probability pIn, and each pair in different blocks with probability
// pOut. For every block and block pair it jumps between successive edges by
// geometric skips over the pair space, so the run time is O(n + edges), not
// O(n²). It needs at least one block, every size >= 1 and probabilities in
// [0, 1].
func StochasticBlock(r *rand.Rand, sizes []int, pIn, pOut float64) (*Graph, error) {
	if r == nil {
		return nil, fmt.Errorf("graph: StochasticBlock: nil *rand.Rand: %w", ErrInvalidArgument)
	}
	if len(sizes) == 0 {
		return nil, fmt.Errorf("graph: StochasticBlock: no blocks: %w", ErrInvalidArgument)
	}
	n := 0
	for b, s := range sizes {
		if s < 1 {
			return nil, fmt.Errorf("graph: StochasticBlock: sizes[%d] = %d, want >= 1: %w", b, s, ErrInvalidArgument)
		}
		if s > MaxNodes || n+s > MaxNodes {
			return nil, fmt.Errorf("graph: StochasticBlock: more than MaxNodes = %d nodes: %w", MaxNodes, ErrTooLarge)
		}
		n += s
	}
	if !(pIn >= 0 && pIn <= 1) {
		return nil, fmt.Errorf("graph: StochasticBlock: pIn = %v, want 0 <= pIn <= 1: %w", pIn, ErrInvalidArgument)
	}
	if !(pOut >= 0 && pOut <= 1) {
		return nil, fmt.Errorf("graph: StochasticBlock: pOut = %v, want 0 <= pOut <= 1: %w", pOut, ErrInvalidArgument)
	}
	var inPairs, allPairs float64
	for _, s := range sizes {
		inPairs += float64(s) * float64(s-1) / 2
	}
	allPairs = float64(n) * float64(n-1) / 2
	mean := pIn*inPairs + pOut*(allPairs-inPairs)
	if mean > MaxEdges {
		return nil, fmt.Errorf("graph: StochasticBlock: %.0f expected edges exceed MaxEdges = %d: %w", mean, MaxEdges, ErrTooLarge)
	}

	sd := math.Sqrt(mean)
	edges := make([][2]int32, 0, int(min(mean+4*sd+16, MaxEdges)))
	base := 0
	for a, sa := range sizes {
		edges = sampleWithin(r, edges, int32(base), int64(sa), pIn)
		other := base + sa
		for _, sb := range sizes[a+1:] {
			edges = sampleBetween(r, edges, int32(base), int64(sa), int32(other), int64(sb), pOut)
			other += sb
		}
		base += sa
	}
	return build(countDegrees(n, edges), edges), nil
}

// maxSkip caps geometric skips so that index arithmetic cannot overflow.
const maxSkip = 1 << 62

// geomSkip returns the number of failures before the next success in a run of
// Bernoulli trials with success probability p, where lq = log(1-p) and 0 < p < 1.
func geomSkip(r *rand.Rand, lq float64) int64 {
	x := math.Log1p(-r.Float64()) / lq
	if x >= maxSkip {
		return maxSkip
	}
	return int64(x)
}

// sampleWithin appends the edges of a G(s, p) graph on nodes base..base+s-1.
// Pair index i enumerates (v, w) with w < v row by row: row v starts at
// v(v-1)/2 and holds w = 0..v-1.
func sampleWithin(r *rand.Rand, edges [][2]int32, base int32, s int64, p float64) [][2]int32 {
	total := s * (s - 1) / 2
	if p <= 0 || total == 0 {
		return edges
	}
	if p >= 1 {
		for v := int32(1); int64(v) < s; v++ {
			for w := int32(0); w < v; w++ {
				edges = append(edges, [2]int32{base + v, base + w})
			}
		}
		return edges
	}
	lq := math.Log1p(-p)
	v, row := int64(1), int64(0)
	for i := int64(-1); ; {
		i += 1 + geomSkip(r, lq)
		if i >= total || i < 0 {
			return edges
		}
		for i >= row+v {
			row += v
			v++
		}
		edges = append(edges, [2]int32{base + int32(v), base + int32(i-row)})
	}
}

// sampleBetween appends the edges of a bipartite G(sa, sb, p) graph between
// nodes ba..ba+sa-1 and bb..bb+sb-1, with pair index i = x*sb + y.
func sampleBetween(r *rand.Rand, edges [][2]int32, ba int32, sa int64, bb int32, sb int64, p float64) [][2]int32 {
	total := sa * sb
	if p <= 0 {
		return edges
	}
	if p >= 1 {
		for x := int32(0); int64(x) < sa; x++ {
			for y := int32(0); int64(y) < sb; y++ {
				edges = append(edges, [2]int32{ba + x, bb + y})
			}
		}
		return edges
	}
	lq := math.Log1p(-p)
	for i := int64(-1); ; {
		i += 1 + geomSkip(r, lq)
		if i >= total || i < 0 {
			return edges
		}
		edges = append(edges, [2]int32{ba + int32(i/sb), bb + int32(i%sb)})
	}
}
