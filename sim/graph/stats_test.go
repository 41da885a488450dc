package graph

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestDegreeHistogram(t *testing.T) {
	tests := []struct {
		name  string
		n     int
		edges [][2]int32
		want  []int64
		mean  float64
	}{
		{"isolated", 3, nil, []int64{3}, 0},
		{"path", 4, [][2]int32{{0, 1}, {1, 2}, {2, 3}}, []int64{0, 2, 2}, 1.5},
		{"star", 5, [][2]int32{{0, 1}, {0, 2}, {0, 3}, {0, 4}}, []int64{0, 4, 0, 0, 1}, 1.6},
		{"triangle and isolated", 4, [][2]int32{{0, 1}, {1, 2}, {2, 0}}, []int64{1, 0, 3}, 1.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := FromEdges(tt.n, tt.edges)
			if err != nil {
				t.Fatal(err)
			}
			if got := g.DegreeHistogram(); !slices.Equal(got, tt.want) {
				t.Errorf("DegreeHistogram() = %v, want %v", got, tt.want)
			}
			if got := g.MeanDegree(); got != tt.mean {
				t.Errorf("MeanDegree() = %v, want %v", got, tt.mean)
			}
		})
	}
}

func TestClusteringKnownGraphs(t *testing.T) {
	complete := func(n int) [][2]int32 {
		var es [][2]int32
		for u := range int32(n) {
			for v := u + 1; int(v) < n; v++ {
				es = append(es, [2]int32{u, v})
			}
		}
		return es
	}
	tests := []struct {
		name  string
		n     int
		edges [][2]int32
		local []float64
	}{
		{"K5", 5, complete(5), []float64{1, 1, 1, 1, 1}},
		{"star", 4, [][2]int32{{0, 1}, {0, 2}, {0, 3}}, []float64{0, 0, 0, 0}},
		{"triangle with tail", 4, [][2]int32{{0, 1}, {1, 2}, {0, 2}, {2, 3}}, []float64{1, 1, 1.0 / 3, 0}},
		{"square with diagonal", 4, [][2]int32{{0, 1}, {1, 2}, {2, 3}, {3, 0}, {0, 2}}, []float64{2.0 / 3, 1, 2.0 / 3, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := FromEdges(tt.n, tt.edges)
			if err != nil {
				t.Fatal(err)
			}
			mean := 0.0
			for u, want := range tt.local {
				if got := g.LocalClustering(int32(u)); math.Abs(got-want) > 1e-12 {
					t.Errorf("LocalClustering(%d) = %v, want %v", u, got, want)
				}
				mean += want / float64(tt.n)
			}
			if got := g.ClusteringCoefficient(nil, 0); math.Abs(got-mean) > 1e-12 {
				t.Errorf("ClusteringCoefficient = %v, want %v", got, mean)
			}
		})
	}
}

func TestLocalClusteringMatchesBruteForce(t *testing.T) {
	for _, tt := range generators() {
		t.Run(tt.name, func(t *testing.T) {
			g, err := tt.gen(newRand(21))
			if err != nil {
				t.Fatal(err)
			}
			for u := range int32(g.N()) {
				if got, want := g.LocalClustering(u), bruteLocalClustering(g, u); math.Abs(got-want) > 1e-12 {
					t.Fatalf("LocalClustering(%d) = %v, want %v", u, got, want)
				}
			}
		})
	}
}

func TestClusteringSampled(t *testing.T) {
	g, err := WattsStrogatz(newRand(2), 20_000, 8, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	exact := g.ClusteringCoefficient(nil, 0)
	var ss float64
	for u := range int32(g.N()) {
		d := g.LocalClustering(u) - exact
		ss += d * d
	}
	sd := math.Sqrt(ss / float64(g.N()))
	for _, samples := range []int{500, 5000} {
		got := g.ClusteringCoefficient(newRand(uint64(samples)), samples)
		if se := sd / math.Sqrt(float64(samples)); math.Abs(got-exact) > 4*se {
			t.Errorf("%d samples: %v, want %v ± %v (4 SE)", samples, got, exact, 4*se)
		}
	}
	for _, samples := range []int{0, -1, g.N(), g.N() + 1} {
		if got := g.ClusteringCoefficient(newRand(1), samples); got != exact {
			t.Errorf("samples=%d: %v, want the exact %v", samples, got, exact)
		}
	}
	a := g.ClusteringCoefficient(rand.New(rand.NewPCG(1, 2)), 100)
	b := g.ClusteringCoefficient(rand.New(rand.NewPCG(1, 2)), 100)
	if a != b {
		t.Errorf("same seed gave %v and %v", a, b)
	}
}

func TestIntersectCount(t *testing.T) {
	r := newRand(8)
	randSorted := func(n, max int) []int32 {
		s := make([]int32, 0, n)
		for range n {
			s = append(s, int32(r.IntN(max)))
		}
		slices.Sort(s)
		return slices.Compact(s)
	}
	naive := func(a, b []int32) int {
		c := 0
		for _, x := range a {
			if _, ok := slices.BinarySearch(b, x); ok {
				c++
			}
		}
		return c
	}
	for _, sz := range [][2]int{{0, 0}, {0, 5}, {5, 0}, {10, 10}, {3, 200}, {200, 3}, {1, 1000}, {50, 60}} {
		for range 20 {
			a, b := randSorted(sz[0], 300), randSorted(sz[1], 300)
			if got, want := intersectCount(a, b), naive(a, b); got != want {
				t.Fatalf("intersectCount(%v, %v) = %d, want %d", a, b, got, want)
			}
		}
	}
}
