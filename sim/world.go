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
)

// World is the immutable part of a replication: the users' fixed attributes
// and their friend graph. Arms of an experiment that share a population
// share one World, which is what makes their comparison paired.
type World struct {
	Graph   *graph.Graph
	flags   []uint8
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
	w := &World{Graph: g, flags: make([]uint8, n), ipGroup: make([]int32, n), groups: p.AbnormalIPGroups,
		identity: streamKey(seed, rep, purposeIdentity)}
	r := newStream(seed, rep, purposePopulation).whole()
	for u := range n {
		var f uint8
		if r.Float64() < p.ExistingCustomers {
			f |= flagExisting
		}
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
		w.flags[u] = f
		if f&flagExisting != 0 {
			w.customers = append(w.customers, int32(u))
		} else {
			w.prospects = append(w.prospects, int32(u))
		}
	}
	return w, nil
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
	devices := []string{"iPhone", "Android", "HarmonyOS"}
	var b strings.Builder
	b.WriteString("o")
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for range 27 {
		b.WriteByte(alphabet[f.IntN(len(alphabet))])
	}
	fl := w.flags[u]
	return Identity{
		Name: f.Name(), OpenID: b.String(), City: f.City(), Device: devices[f.IntN(len(devices))],
		Existing: fl&flagExisting != 0, Member: fl&flagMember != 0, BankCard: fl&flagBankCard != 0,
		RealName: fl&flagRealName != 0, AbnormalIP: fl&flagAbnormalIP != 0,
	}
}

// expDraw returns a standard exponential variate.
func expDraw(r *rand.Rand) float64 { return -math.Log1p(-r.Float64()) }
