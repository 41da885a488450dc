package graph

import (
	"math/rand/v2"
	"slices"
)

// DegreeHistogram returns h where h[d] is the number of nodes of degree d.
// Its length is the maximum degree plus one; it is nil for a graph with no nodes.
func (g *Graph) DegreeHistogram() []int64 {
	n := g.N()
	if n == 0 {
		return nil
	}
	maxDeg := int64(0)
	for u := 0; u < n; u++ {
		maxDeg = max(maxDeg, g.Off[u+1]-g.Off[u])
	}
	h := make([]int64, maxDeg+1)
	for u := 0; u < n; u++ {
		h[g.Off[u+1]-g.Off[u]]++
	}
	return h
}

// MeanDegree returns the average degree 2·NumEdges()/N(), or 0 for no nodes.
func (g *Graph) MeanDegree() float64 {
	n := g.N()
	if n == 0 {
		return 0
	}
	return 2 * float64(g.NumEdges()) / float64(n)
}

// LocalClustering returns the fraction of pairs of neighbours of u that are
// themselves linked, or 0 if u has fewer than two neighbours.
// It panics if u is not in [0, N()).
func (g *Graph) LocalClustering(u int32) float64 {
	nb := g.Neighbors(u)
	d := len(nb)
	if d < 2 {
		return 0
	}
	tri := 0
	for i, v := range nb[:d-1] {
		// Count each triangle {u, v, w} once, at its smaller neighbour v < w.
		nv := g.Neighbors(v)
		j, _ := slices.BinarySearch(nv, v+1)
		tri += intersectCount(nb[i+1:], nv[j:])
	}
	return 2 * float64(tri) / (float64(d) * float64(d-1))
}

// ClusteringCoefficient returns the average local clustering coefficient,
// counting nodes of degree below two as 0. It is exact, averaging over every
// node, when samples <= 0, samples >= N() or r is nil; otherwise it averages
// over samples nodes drawn uniformly with replacement using r. It returns 0
// for a graph with no nodes.
func (g *Graph) ClusteringCoefficient(r *rand.Rand, samples int) float64 {
	n := g.N()
	if n == 0 {
		return 0
	}
	sum := 0.0
	if samples <= 0 || samples >= n || r == nil {
		for u := 0; u < n; u++ {
			sum += g.LocalClustering(int32(u))
		}
		return sum / float64(n)
	}
	for range samples {
		sum += g.LocalClustering(int32(r.IntN(n)))
	}
	return sum / float64(samples)
}

// intersectCount returns the number of values common to the sorted slices a
// and b. It merges lists of similar length and binary searches the longer list
// otherwise.
func intersectCount(a, b []int32) int {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(a) == 0 {
		return 0
	}
	c := 0
	if len(a)*16 < len(b) {
		for _, x := range a {
			j, found := slices.BinarySearch(b, x)
			if found {
				c++
				j++
			}
			b = b[j:]
			if len(b) == 0 {
				break
			}
		}
		return c
	}
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			c++
			i++
			j++
		}
	}
	return c
}
