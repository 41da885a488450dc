package sim

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/brianvoe/gofakeit/v7"

	"giftsim/sim/graph"
)

// User flags, one bit each (struct of arrays: one byte per user).
const (
	flagExisting   uint8 = 1 << iota // an existing customer
	flagMember                       // a member account (R3)
	flagBankCard                     // a bound bank card (R8)
	flagRealName                     // real-name verified (R6)
	flagAbnormalIP                   // behind a shared abnormal IP (R17)
	flagFollower                     // follows the official account (C2's audience)
)

// Device families, for pushes that target one (C6).
const (
	deviceIPhone uint8 = iota
	deviceAndroid
	deviceHarmony
)

var deviceNames = []string{"iPhone", "Android", "HarmonyOS"}

// deviceShares are the device families' shares of users in China (about a
// quarter iPhone, one in ten HarmonyOS).
var deviceShares = [3]float64{0.25, 0.65, 0.10}

// deviceOf reads a push's device filter: "" (any) or a family's name.
func deviceOf(s string) (int, bool) {
	switch strings.ToLower(s) {
	case "":
		return -1, true
	case "iphone":
		return int(deviceIPhone), true
	case "android":
		return int(deviceAndroid), true
	case "harmonyos":
		return int(deviceHarmony), true
	}
	return 0, false
}

// World is the immutable part of a replication: the users' fixed attributes
// and their friend graph. Arms of an experiment that share a population
// share one World, which is what makes their comparison paired.
type World struct {
	Graph   *graph.Graph
	flags   []uint8
	device  []uint8
	ipGroup []int32 // abnormal IP group per user, -1 for none
	groups  int
	// customers and prospects list existing customers and the rest, for
	// campaigns that target one of them.
	customers, prospects []int32
	identity             uint64 // identity seeds the users' fake identities
}

// NewWorld builds the population and friend graph of one replication from
// its own random streams.
func NewWorld(ctx context.Context, p Population, seed uint64, rep int, dir string) (*World, error) {
	g, err := buildGraph(ctx, p, newStream(seed, rep, purposeGraph).whole(), dir)
	if err != nil {
		return nil, err
	}
	n := g.N()
	if p.Graph.Model != "edge-list" && n != p.Users {
		return nil, fmt.Errorf("graph has %d nodes, want %d", n, p.Users)
	}
	w := &World{Graph: g, flags: make([]uint8, n), device: make([]uint8, n), ipGroup: make([]int32, n), groups: p.AbnormalIPGroups,
		identity: streamKey(seed, rep, purposeIdentity)}
	r := newStream(seed, rep, purposePopulation).whole()
	affinity := make([]float32, n)
	follow := make([]float32, n)
	for u := range n {
		affinity[u] = float32(r.NormFloat64())
		var f uint8
		if r.Float64() < p.Members {
			f |= flagMember
		}
		if r.Float64() < p.BankCard {
			f |= flagBankCard
		}
		if r.Float64() < p.RealName {
			f |= flagRealName
		}
		w.ipGroup[u] = -1
		if r.Float64() < p.AbnormalIPShare {
			f |= flagAbnormalIP
			w.ipGroup[u] = int32(r.IntN(p.AbnormalIPGroups))
		}
		follow[u] = float32(r.Float64())
		x := r.Float64()
		switch {
		case x < deviceShares[deviceIPhone]:
			w.device[u] = deviceIPhone
		case x < deviceShares[deviceIPhone]+deviceShares[deviceAndroid]:
			w.device[u] = deviceAndroid
		default:
			w.device[u] = deviceHarmony
		}
		w.flags[u] = f
	}
	// Homophily: a user's affinity for the merchant is their own taste
	// blended with the mean of their friends' affinity, a few rounds over,
	// then standardised; customers are the users of highest affinity. Where
	// friends share friends (clustering, communities) the blend stays local,
	// so customers cluster there; in a random graph it washes out.
	a := homophilous(g, affinity, p.Homophily)
	cut := math.Inf(1)
	if p.ExistingCustomers > 0 {
		cut = math.Sqrt2 * math.Erfinv(1-2*p.ExistingCustomers)
	}
	for u := range n {
		if p.ExistingCustomers >= 1 || a[u] > cut {
			w.flags[u] |= flagExisting | flagFollower
			w.customers = append(w.customers, int32(u))
		} else {
			if float64(follow[u]) < p.Followers {
				w.flags[u] |= flagFollower
			}
			w.prospects = append(w.prospects, int32(u))
		}
	}
	return w, nil
}

// homophilyRounds is how many rounds of blending homophily takes.
const homophilyRounds = 3

// homophilous blends each user's own value x with the mean of their
// friends' blended values, weight h, over homophilyRounds rounds, and
// returns the result standardised to mean 0 and variance 1.
func homophilous(g *graph.Graph, x []float32, h float64) []float64 {
	n := len(x)
	a := make([]float64, n)
	for u := range n {
		a[u] = float64(x[u])
	}
	if h > 0 {
		next := make([]float64, n)
		for range homophilyRounds {
			for u := range n {
				next[u] = float64(x[u])
				if nb := g.Neighbors(int32(u)); len(nb) > 0 {
					var sum float64
					for _, v := range nb {
						sum += a[v]
					}
					next[u] = (1-h)*float64(x[u]) + h*sum/float64(len(nb))
				}
			}
			a, next = next, a
		}
	}
	var mean, ss float64
	for _, v := range a {
		mean += v
	}
	mean /= float64(max(n, 1))
	for _, v := range a {
		ss += (v - mean) * (v - mean)
	}
	sd := math.Sqrt(ss / float64(max(n, 1)))
	if sd == 0 {
		sd = 1
	}
	for u := range a {
		a[u] = (a[u] - mean) / sd
	}
	return a
}

func buildGraph(ctx context.Context, p Population, r *rand.Rand, dir string) (*graph.Graph, error) {
	gs := p.Graph
	switch gs.Model {
	case "", "barabasi-albert":
		return graph.BarabasiAlbert(r, p.Users, gs.M)
	case "watts-strogatz":
		return graph.WattsStrogatz(r, p.Users, gs.K, gs.Beta)
	case "stochastic-block":
		blocks := max(gs.Blocks, 1)
		sizes := make([]int, blocks)
		for i := range sizes {
			sizes[i] = p.Users / blocks
			if i < p.Users%blocks {
				sizes[i]++
			}
		}
		return graph.StochasticBlock(r, sizes, gs.PIn, gs.POut)
	case "edge-list":
		path := gs.File
		if !filepath.IsAbs(path) && dir != "" {
			path = filepath.Join(dir, path)
		}
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("population.graph.file: %w", err)
		}
		defer f.Close()
		return graph.ReadEdgeList(ctx, f, path)
	}
	return nil, fmt.Errorf("population.graph.model %q: want barabasi-albert, watts-strogatz, stochastic-block or edge-list", gs.Model)
}

// N is the number of users.
func (w *World) N() int { return len(w.flags) }

// Identity is a user's synthetic identity.
type Identity struct {
	Name, OpenID, City, Device string
	Existing, Member           bool
	BankCard, RealName         bool
	AbnormalIP                 bool
}

// Identity returns user u's synthetic identity, made with gofakeit from a
// stream keyed by the user, so it is the same in every arm and never stored.
func (w *World) Identity(u int32) Identity {
	src := rand.NewPCG(w.identity, splitmix64(uint64(u)))
	f := gofakeit.NewFaker(src, false)
	var b strings.Builder
	b.WriteString("o")
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for range 27 {
		b.WriteByte(alphabet[f.IntN(len(alphabet))])
	}
	fl := w.flags[u]
	return Identity{
		Name: f.Name(), OpenID: b.String(), City: f.City(), Device: deviceNames[w.device[u]],
		Existing: fl&flagExisting != 0, Member: fl&flagMember != 0, BankCard: fl&flagBankCard != 0,
		RealName: fl&flagRealName != 0, AbnormalIP: fl&flagAbnormalIP != 0,
	}
}

// expDraw returns a standard exponential variate.
func expDraw(r *rand.Rand) float64 { return -math.Log1p(-r.Float64()) }
