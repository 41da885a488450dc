package graph

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// generator builds a graph from a random source.
type generator struct {
	name string
	gen  func(r *rand.Rand) (*Graph, error)
}

func generators() []generator {
	return []generator{
		{"BA n=2 m=1", func(r *rand.Rand) (*Graph, error) { return BarabasiAlbert(r, 2, 1) }},
		{"BA clique only", func(r *rand.Rand) (*Graph, error) { return BarabasiAlbert(r, 6, 5) }},
		{"BA tree", func(r *rand.Rand) (*Graph, error) { return BarabasiAlbert(r, 500, 1) }},
		{"BA m=4", func(r *rand.Rand) (*Graph, error) { return BarabasiAlbert(r, 2000, 4) }},
		{"BA dense", func(r *rand.Rand) (*Graph, error) { return BarabasiAlbert(r, 60, 40) }},
		{"WS single node", func(r *rand.Rand) (*Graph, error) { return WattsStrogatz(r, 1, 0, 0.5) }},
		{"WS k=0", func(r *rand.Rand) (*Graph, error) { return WattsStrogatz(r, 10, 0, 0.5) }},
		{"WS lattice", func(r *rand.Rand) (*Graph, error) { return WattsStrogatz(r, 100, 6, 0) }},
		{"WS beta=0.2", func(r *rand.Rand) (*Graph, error) { return WattsStrogatz(r, 1000, 10, 0.2) }},
		{"WS beta=1", func(r *rand.Rand) (*Graph, error) { return WattsStrogatz(r, 1000, 4, 1) }},
		{"WS complete", func(r *rand.Rand) (*Graph, error) { return WattsStrogatz(r, 9, 8, 1) }},
		{"WS nearly complete", func(r *rand.Rand) (*Graph, error) { return WattsStrogatz(r, 10, 8, 1) }},
		{"SBM one block", func(r *rand.Rand) (*Graph, error) { return StochasticBlock(r, []int{300}, 0.05, 0.5) }},
		{"SBM sparse", func(r *rand.Rand) (*Graph, error) { return StochasticBlock(r, []int{100, 200, 300}, 0.05, 0.002) }},
		{"SBM singletons", func(r *rand.Rand) (*Graph, error) { return StochasticBlock(r, []int{1, 1, 1, 2}, 0.7, 0.7) }},
		{"SBM cliques", func(r *rand.Rand) (*Graph, error) { return StochasticBlock(r, []int{4, 5}, 1, 0) }},
		{"SBM bipartite", func(r *rand.Rand) (*Graph, error) { return StochasticBlock(r, []int{4, 5}, 0, 1) }},
		{"SBM complete", func(r *rand.Rand) (*Graph, error) { return StochasticBlock(r, []int{3, 3, 3}, 1, 1) }},
	}
}

func TestGeneratorInvariants(t *testing.T) {
	for _, tt := range generators() {
		t.Run(tt.name, func(t *testing.T) {
			for seed := range uint64(5) {
				g, err := tt.gen(newRand(seed))
				if err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				checkGraph(t, g)
			}
		})
	}
}

func TestGeneratorsDeterministic(t *testing.T) {
	for _, tt := range generators() {
		t.Run(tt.name, func(t *testing.T) {
			a, err := tt.gen(rand.New(rand.NewPCG(7, 11)))
			if err != nil {
				t.Fatal(err)
			}
			b, err := tt.gen(rand.New(rand.NewPCG(7, 11)))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(a.Off, b.Off) || !slices.Equal(a.Adj, b.Adj) {
				t.Error("same seed gave different graphs")
			}
		})
	}
	// Different seeds should give different graphs when there is randomness.
	a, _ := BarabasiAlbert(newRand(1), 1000, 3)
	b, _ := BarabasiAlbert(newRand(2), 1000, 3)
	if slices.Equal(a.Adj, b.Adj) {
		t.Error("BarabasiAlbert: different seeds gave identical graphs")
	}
}

func TestGeneratorErrors(t *testing.T) {
	r := newRand(1)
	tests := []struct {
		name    string
		gen     func() (*Graph, error)
		want    error
		wantMsg string
	}{
		{"BA nil rand", func() (*Graph, error) { return BarabasiAlbert(nil, 10, 2) }, ErrInvalidArgument,
			"graph: BarabasiAlbert: nil *rand.Rand: invalid argument"},
		{"BA m=0", func() (*Graph, error) { return BarabasiAlbert(r, 10, 0) }, ErrInvalidArgument,
			"graph: BarabasiAlbert: m = 0, want m >= 1: invalid argument"},
		{"BA n=m", func() (*Graph, error) { return BarabasiAlbert(r, 3, 3) }, ErrInvalidArgument,
			"graph: BarabasiAlbert: n = 3, want n > m = 3: invalid argument"},
		{"BA n too large", func() (*Graph, error) { return BarabasiAlbert(r, MaxNodes+1, 3) }, ErrTooLarge,
			"graph: BarabasiAlbert: n = 67108865 exceeds MaxNodes = 67108864: graph too large"},
		{"BA too many edges", func() (*Graph, error) { return BarabasiAlbert(r, MaxNodes, 100) }, ErrTooLarge,
			"graph: BarabasiAlbert: 6710881350 edges exceed MaxEdges = 1073741824: graph too large"},
		{"WS nil rand", func() (*Graph, error) { return WattsStrogatz(nil, 10, 2, 0.1) }, ErrInvalidArgument,
			"graph: WattsStrogatz: nil *rand.Rand: invalid argument"},
		{"WS n=0", func() (*Graph, error) { return WattsStrogatz(r, 0, 0, 0.1) }, ErrInvalidArgument,
			"graph: WattsStrogatz: n = 0, want n >= 1: invalid argument"},
		{"WS n too large", func() (*Graph, error) { return WattsStrogatz(r, MaxNodes+1, 2, 0.1) }, ErrTooLarge,
			"graph: WattsStrogatz: n = 67108865 exceeds MaxNodes = 67108864: graph too large"},
		{"WS odd k", func() (*Graph, error) { return WattsStrogatz(r, 10, 3, 0.1) }, ErrInvalidArgument,
			"graph: WattsStrogatz: k = 3, want an even k with 0 <= k < n = 10: invalid argument"},
		{"WS negative k", func() (*Graph, error) { return WattsStrogatz(r, 10, -2, 0.1) }, ErrInvalidArgument,
			"graph: WattsStrogatz: k = -2, want an even k with 0 <= k < n = 10: invalid argument"},
		{"WS k=n", func() (*Graph, error) { return WattsStrogatz(r, 10, 10, 0.1) }, ErrInvalidArgument,
			"graph: WattsStrogatz: k = 10, want an even k with 0 <= k < n = 10: invalid argument"},
		{"WS beta<0", func() (*Graph, error) { return WattsStrogatz(r, 10, 2, -0.1) }, ErrInvalidArgument,
			"graph: WattsStrogatz: beta = -0.1, want 0 <= beta <= 1: invalid argument"},
		{"WS beta>1", func() (*Graph, error) { return WattsStrogatz(r, 10, 2, 1.5) }, ErrInvalidArgument,
			"graph: WattsStrogatz: beta = 1.5, want 0 <= beta <= 1: invalid argument"},
		{"WS beta NaN", func() (*Graph, error) { return WattsStrogatz(r, 10, 2, math.NaN()) }, ErrInvalidArgument,
			"graph: WattsStrogatz: beta = NaN, want 0 <= beta <= 1: invalid argument"},
		{"WS too many edges", func() (*Graph, error) { return WattsStrogatz(r, MaxNodes, 40, 0) }, ErrTooLarge,
			"graph: WattsStrogatz: 1342177280 edges exceed MaxEdges = 1073741824: graph too large"},
		{"SBM nil rand", func() (*Graph, error) { return StochasticBlock(nil, []int{2}, 0.1, 0.1) }, ErrInvalidArgument,
			"graph: StochasticBlock: nil *rand.Rand: invalid argument"},
		{"SBM no blocks", func() (*Graph, error) { return StochasticBlock(r, nil, 0.1, 0.1) }, ErrInvalidArgument,
			"graph: StochasticBlock: no blocks: invalid argument"},
		{"SBM empty block", func() (*Graph, error) { return StochasticBlock(r, []int{3, 0}, 0.1, 0.1) }, ErrInvalidArgument,
			"graph: StochasticBlock: sizes[1] = 0, want >= 1: invalid argument"},
		{"SBM too many nodes", func() (*Graph, error) { return StochasticBlock(r, []int{MaxNodes, 1}, 0, 0) }, ErrTooLarge,
			"graph: StochasticBlock: more than MaxNodes = 67108864 nodes: graph too large"},
		{"SBM huge block", func() (*Graph, error) { return StochasticBlock(r, []int{math.MaxInt}, 0, 0) }, ErrTooLarge,
			"graph: StochasticBlock: more than MaxNodes = 67108864 nodes: graph too large"},
		{"SBM pIn>1", func() (*Graph, error) { return StochasticBlock(r, []int{3}, 1.01, 0.1) }, ErrInvalidArgument,
			"graph: StochasticBlock: pIn = 1.01, want 0 <= pIn <= 1: invalid argument"},
		{"SBM pOut NaN", func() (*Graph, error) { return StochasticBlock(r, []int{3}, 0.1, math.NaN()) }, ErrInvalidArgument,
			"graph: StochasticBlock: pOut = NaN, want 0 <= pOut <= 1: invalid argument"},
		{"SBM pOut<0", func() (*Graph, error) { return StochasticBlock(r, []int{3}, 0.1, -1) }, ErrInvalidArgument,
			"graph: StochasticBlock: pOut = -1, want 0 <= pOut <= 1: invalid argument"},
		{"SBM too many edges", func() (*Graph, error) { return StochasticBlock(r, []int{100_000}, 1, 0) }, ErrTooLarge,
			"graph: StochasticBlock: 4999950000 expected edges exceed MaxEdges = 1073741824: graph too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := tt.gen()
			if g != nil || !errors.Is(err, tt.want) {
				t.Fatalf("got %v, %v; want nil, %v", g, err, tt.want)
			}
			if err.Error() != tt.wantMsg {
				t.Errorf("error %q\nwant  %q", err, tt.wantMsg)
			}
		})
	}
}

// baPMF is the asymptotic Barabási–Albert degree distribution 2m(m+1)/(k(k+1)(k+2)), k >= m.
func baPMF(m, k int) float64 {
	fk := float64(k)
	return 2 * float64(m) * float64(m+1) / (fk * (fk + 1) * (fk + 2))
}

func TestBarabasiAlbertEdgesAndDegrees(t *testing.T) {
	for _, tc := range []struct{ n, m int }{{2, 1}, {10, 9}, {1000, 1}, {5000, 7}} {
		g, err := BarabasiAlbert(newRand(3), tc.n, tc.m)
		if err != nil {
			t.Fatal(err)
		}
		n, m := int64(tc.n), int64(tc.m)
		wantE := m*(m+1)/2 + (n-m-1)*m
		if g.NumEdges() != wantE {
			t.Errorf("n=%d m=%d: NumEdges() = %d, want %d", n, m, g.NumEdges(), wantE)
		}
		if got, want := g.MeanDegree(), 2*float64(wantE)/float64(n); got != want {
			t.Errorf("n=%d m=%d: MeanDegree() = %v, want %v", n, m, got, want)
		}
		for u := range int32(n) {
			if g.Degree(u) < tc.m {
				t.Fatalf("n=%d m=%d: node %d has degree %d < m", n, m, u, g.Degree(u))
			}
		}
	}
}

// TestBarabasiAlbertDegreeDistribution compares one graph of n = 50,000 nodes
// with P(k) = 2m(m+1)/(k(k+1)(k+2)). Each fraction is held to four binomial
// standard errors; over 100 seeds the observed spread was at most the binomial
// one and the mean within 0.0003 of theory.
func TestBarabasiAlbertDegreeDistribution(t *testing.T) {
	const n = 50_000
	for _, m := range []int{1, 3, 5} {
		t.Run(fmt.Sprintf("m=%d", m), func(t *testing.T) {
			g, err := BarabasiAlbert(newRand(uint64(100+m)), n, m)
			if err != nil {
				t.Fatal(err)
			}
			if mean := g.MeanDegree(); math.Abs(mean-2*float64(m)) > 2*float64(m)*1e-3 {
				t.Errorf("mean degree %.4f, want about %d", mean, 2*m)
			}
			h := g.DegreeHistogram()
			for k := m; k <= m+2; k++ {
				p := baPMF(m, k)
				got := float64(h[k]) / n
				if se := math.Sqrt(p * (1 - p) / n); math.Abs(got-p) > 4*se {
					t.Errorf("P(k=%d) = %.5f, want %.5f ± %.5f (4 SE)", k, got, p, 4*se)
				}
			}
			// The complementary CDF is P(K >= k) = m(m+1)/(k(k+1)).
			for _, k := range []int{2 * m, 5 * m, 10 * m} {
				var c int64
				for d := k; d < len(h); d++ {
					c += h[d]
				}
				s := float64(m*(m+1)) / float64(k*(k+1))
				got := float64(c) / n
				if se := math.Sqrt(s * (1 - s) / n); math.Abs(got-s) > 4*se {
					t.Errorf("P(K>=%d) = %.5f, want %.5f ± %.5f (4 SE)", k, got, s, 4*se)
				}
			}
		})
	}
}

// TestBarabasiAlbertTailExponent fits the discrete power-law tail exponent by
// maximum likelihood (Clauset et al. 2009, eq. 3.7) for k >= kmin = 5m. The
// estimator's value under the exact P(k) is within 0.1 of 3; the fit must lie
// within three standard errors of that value. The standard error is the
// delta-method one for independent degrees; the degrees of one BA graph are
// negatively correlated, so it overstates the spread (over 100 seeds with
// m = 3 the estimate had SD 0.021 against an SE of 0.038).
func TestBarabasiAlbertTailExponent(t *testing.T) {
	const n = 50_000
	for _, m := range []int{3, 5} {
		g, err := BarabasiAlbert(newRand(uint64(200+m)), n, m)
		if err != nil {
			t.Fatal(err)
		}
		kmin := 5 * m
		h := g.DegreeHistogram()
		var sumL float64
		var tail int64
		for k := kmin; k < len(h); k++ {
			sumL += float64(h[k]) * math.Log(float64(k)/(float64(kmin)-0.5))
			tail += h[k]
		}
		alpha := 1 + float64(tail)/sumL

		// Moments of L = ln(k/(kmin-1/2)) under the exact tail distribution.
		var z, el, el2 float64
		for k := kmin; k < 1_000_000; k++ {
			p := baPMF(m, k)
			l := math.Log(float64(k) / (float64(kmin) - 0.5))
			z += p
			el += p * l
			el2 += p * l * l
		}
		el, el2 = el/z, el2/z
		want := 1 + 1/el
		se := math.Sqrt((el2-el*el)/float64(tail)) / (el * el)
		if math.Abs(want-3) > 0.1 {
			t.Fatalf("m=%d: estimator under theory is %.3f, not near 3", m, want)
		}
		if math.Abs(alpha-want) > 3*se {
			t.Errorf("m=%d: tail exponent %.3f, want %.3f ± %.3f (3 SE, %d nodes with k >= %d)", m, alpha, want, 3*se, tail, kmin)
		}
		t.Logf("m=%d: tail exponent %.3f, expected %.3f, SE %.3f, %d tail nodes", m, alpha, want, se, tail)
	}
}

func TestWattsStrogatzLattice(t *testing.T) {
	const n, k = 50, 6
	g, err := WattsStrogatz(newRand(1), n, k, 0)
	if err != nil {
		t.Fatal(err)
	}
	for u := range int32(n) {
		var want []int32
		for j := int32(1); j <= k/2; j++ {
			want = append(want, (u+j)%n, (u-j+n)%n)
		}
		slices.Sort(want)
		if got := g.Neighbors(u); !slices.Equal(got, want) {
			t.Fatalf("Neighbors(%d) = %v, want %v", u, got, want)
		}
	}
}

func TestWattsStrogatzMeanDegree(t *testing.T) {
	for _, beta := range []float64{0, 0.1, 0.5, 1} {
		for _, k := range []int{2, 4, 10} {
			const n = 3000
			g, err := WattsStrogatz(newRand(uint64(k)), n, k, beta)
			if err != nil {
				t.Fatal(err)
			}
			if g.NumEdges() != n*int64(k)/2 || g.MeanDegree() != float64(k) {
				t.Errorf("k=%d beta=%v: %d edges, mean degree %v; want %d, %d", k, beta, g.NumEdges(), g.MeanDegree(), n*k/2, k)
			}
		}
	}
}

// TestWattsStrogatzClustering checks C(β) ≈ C(0)(1−β)³ with
// C(0) = 3(k−2)/(4(k−1)) (Barrat and Weigt 2000). The formula counts a lattice
// triangle as surviving when none of its three edges is rewired, so the
// triangle count T(β) is compared with T(0)(1−β)³ within four standard
// deviations of that sum of correlated indicators, plus at most k³β/2
// triangles closed by rewired edges. The average local clustering, which the
// formula only approximates, must be within 5% of it.
func TestWattsStrogatzClustering(t *testing.T) {
	const n, k = 10_000, 10
	h := k / 2
	c0 := 3 * float64(k-2) / (4 * float64(k-1))
	// A lattice edge of length j lies in c_j = 2h-j-1 triangles.
	var sumC, sumCC float64
	for j := 1; j <= h; j++ {
		c := float64(2*h - j - 1)
		sumC += c
		sumCC += c * (c - 1)
	}
	t0 := float64(n) * sumC / 3
	for _, beta := range []float64{0, 0.05, 0.1, 0.2, 0.3, 0.5} {
		g, err := WattsStrogatz(newRand(uint64(beta*1000)), n, k, beta)
		if err != nil {
			t.Fatal(err)
		}
		q := 1 - beta
		want := t0 * q * q * q
		sd := math.Sqrt(t0*(q*q*q-math.Pow(q, 6)) + float64(n)*sumCC*(math.Pow(q, 5)-math.Pow(q, 6)))
		got := float64(countTriangles(g))
		if lo, hi := want-4*sd, want+4*sd+k*k*k*beta/2; got < lo || got > hi {
			t.Errorf("beta=%v: %v triangles, want in [%.0f, %.0f]", beta, got, lo, hi)
		}
		c := g.ClusteringCoefficient(nil, 0)
		if wantC := c0 * q * q * q; math.Abs(c-wantC) > 0.05*wantC {
			t.Errorf("beta=%v: clustering %.4f, want %.4f ± 5%%", beta, c, wantC)
		}
		if beta == 0 && math.Abs(c-c0) > 1e-12 {
			t.Errorf("lattice clustering %v, want exactly %v", c, c0)
		}
	}
}

func TestStochasticBlockCounts(t *testing.T) {
	tests := []struct {
		name      string
		sizes     []int
		pIn, pOut float64
	}{
		{"three blocks", []int{3000, 2000, 1000}, 0.01, 0.001},
		{"dense", []int{400, 300}, 0.5, 0.3},
		{"unequal", []int{5000, 50, 7}, 0.002, 0.02},
		{"sparse large", []int{50_000, 100_000}, 2e-5, 1e-6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := StochasticBlock(newRand(9), tt.sizes, tt.pIn, tt.pOut)
			if err != nil {
				t.Fatal(err)
			}
			checkGraph(t, g)
			nb := len(tt.sizes)
			block := make([]int, 0, g.N())
			for b, s := range tt.sizes {
				for range s {
					block = append(block, b)
				}
			}
			count := make([]int64, nb*nb)
			for _, e := range edgeSet(g) {
				a, b := block[e[0]], block[e[1]]
				count[min(a, b)*nb+max(a, b)]++
			}
			for a := range nb {
				for b := a; b < nb; b++ {
					sa, sb := float64(tt.sizes[a]), float64(tt.sizes[b])
					pairs, p := sa*sb, tt.pOut
					if a == b {
						pairs, p = sa*(sa-1)/2, tt.pIn
					}
					mean, sd := pairs*p, math.Sqrt(pairs*p*(1-p))
					if got := float64(count[a*nb+b]); math.Abs(got-mean) > 4*sd {
						t.Errorf("blocks %d-%d: %v edges, want %.1f ± %.1f (4 SD)", a, b, got, mean, 4*sd)
					}
				}
			}
		})
	}
}

// TestStochasticBlockPairsUniform checks that geometric skipping reaches every
// pair with probability p: over many graphs each pair's count is binomial, and
// the chi-square statistic over all pairs must stay below its 99.99% quantile.
func TestStochasticBlockPairsUniform(t *testing.T) {
	const reps = 2000
	sizes := []int{6, 5}
	const pIn, pOut = 0.3, 0.1
	const n = 11
	var count [n][n]int
	r := newRand(5)
	for range reps {
		g, err := StochasticBlock(r, sizes, pIn, pOut)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range edgeSet(g) {
			count[e[0]][e[1]]++
		}
	}
	chi2, df := 0.0, 0
	for u := range n {
		for v := u + 1; v < n; v++ {
			p := pOut
			if (u < 6) == (v < 6) {
				p = pIn
			}
			mean := reps * p
			d := float64(count[u][v]) - mean
			chi2 += d * d / (mean * (1 - p))
			df++
		}
	}
	// Wilson–Hilferty: the 99.99% quantile of chi-square(df).
	const z = 3.719
	q := float64(df) * math.Pow(1-2/(9*float64(df))+z*math.Sqrt(2/(9*float64(df))), 3)
	if chi2 > q {
		t.Errorf("chi-square %.1f over %d pairs exceeds %.1f", chi2, df, q)
	}
}

func TestStochasticBlockExtremes(t *testing.T) {
	g, err := StochasticBlock(newRand(1), []int{3, 4}, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]int32{{0, 1}, {0, 2}, {1, 2}, {3, 4}, {3, 5}, {3, 6}, {4, 5}, {4, 6}, {5, 6}}
	if got := edgeSet(g); !slices.Equal(got, want) {
		t.Errorf("two cliques: %v, want %v", got, want)
	}
	g, err = StochasticBlock(newRand(1), []int{2, 2}, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	want = [][2]int32{{0, 2}, {0, 3}, {1, 2}, {1, 3}}
	if got := edgeSet(g); !slices.Equal(got, want) {
		t.Errorf("complete bipartite: %v, want %v", got, want)
	}
	g, err = StochasticBlock(newRand(1), []int{1000, 1000}, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if g.N() != 2000 || g.NumEdges() != 0 {
		t.Errorf("empty SBM: N %d, %d edges", g.N(), g.NumEdges())
	}
}
