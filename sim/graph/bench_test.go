package graph

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkBarabasiAlbert1M builds a 1M-node preferential attachment graph with m = 5.
func BenchmarkBarabasiAlbert1M(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := BarabasiAlbert(rand.New(rand.NewPCG(1, 2)), 1_000_000, 5); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFromEdges10M builds a graph from 10M uniformly random edges on 1M nodes.
func BenchmarkFromEdges10M(b *testing.B) {
	const n, ne = 1_000_000, 10_000_000
	r := rand.New(rand.NewPCG(3, 4))
	edges := make([][2]int32, ne)
	for i := range edges {
		edges[i] = [2]int32{int32(r.IntN(n)), int32(r.IntN(n))}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := FromEdges(n, edges); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWattsStrogatz1M builds a 1M-node small-world graph with k = 10 and beta = 0.1.
func BenchmarkWattsStrogatz1M(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := WattsStrogatz(rand.New(rand.NewPCG(1, 2)), 1_000_000, 10, 0.1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStochasticBlock1M builds a 1M-node graph of 100 blocks with mean degree about 10.
func BenchmarkStochasticBlock1M(b *testing.B) {
	sizes := make([]int, 100)
	for i := range sizes {
		sizes[i] = 10_000
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := StochasticBlock(rand.New(rand.NewPCG(1, 2)), sizes, 8e-4, 2e-6); err != nil {
			b.Fatal(err)
		}
	}
}
