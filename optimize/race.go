package optimize

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"giftsim/results"
)

// race drops candidates clearly worse (or clearly dominated) or clearly
// infeasible, halving the field and doubling replications while more than
// cap remain. It returns the survivors and their replications.
func (e *engine) race(ctx context.Context, alive []int, n, cap int, two bool) ([]int, int, error) {
	round := 0
	for {
		round++
		stage := fmt.Sprintf("race %d", round)
		before := len(alive)
		alive = e.dropInfeasible(alive, 0, n, stage)
		if len(alive) == 0 {
			break
		}
		if two {
			alive = e.dropDominated(alive, n, stage)
		} else {
			alive = e.dropWorse(alive, n, stage)
		}
		note := fmt.Sprintf("%d dropped as clearly worse or infeasible", before-len(alive))
		if len(alive) > cap {
			keep := max(cap, (len(alive)+1)/2)
			order := e.order(alive, 0, n, two)
			for _, c := range order[keep:] {
				e.cands[c].fate, e.cands[c].stage = results.FateHalved, stage
			}
			alive = slices.Clone(order[:keep])
			slices.Sort(alive)
			note += fmt.Sprintf(", halved to %d", keep)
		}
		e.rounds = append(e.rounds, results.OptRound{Stage: stage, Reps: n, Alive: len(alive), Note: note})
		e.say("%s: %d candidates left (%s)", stage, len(alive), note)
		if len(alive) <= cap {
			break
		}
		ok, err := e.ensure(ctx, alive, n, 2*n, fmt.Sprintf("race %d", round+1))
		if err != nil {
			return nil, 0, err
		}
		if !ok {
			order := e.order(alive, 0, n, two)
			for _, c := range order[cap:] {
				e.cands[c].fate, e.cands[c].stage = results.FateHalved, stage
			}
			alive = slices.Clone(order[:cap])
			slices.Sort(alive)
			break
		}
		n *= 2
	}
	if len(alive) == 0 {
		return nil, 0, errors.New("every candidate clearly breaks a constraint; loosen the constraints or move the levers' ranges")
	}
	return alive, n, nil
}

// dropInfeasible drops the candidates that clearly break a constraint
// over replications [from, to).
func (e *engine) dropInfeasible(alive []int, from, to int, stage string) []int {
	return slices.DeleteFunc(slices.Clone(alive), func(c int) bool {
		s, _ := e.feasibility(c, from, to)
		if s == results.Infeasible {
			e.cands[c].fate, e.cands[c].stage = results.FateBroken, stage
			return true
		}
		return false
	})
}

// rank orders feasibility: feasible before uncertain.
func rankOf(s string) int {
	if s == results.Feasible {
		return 0
	}
	return 1
}

// leader is the candidate with the highest mean gain among the most
// feasible of alive.
func (e *engine) leader(alive []int, from, to int) int {
	best, bestM, bestR := -1, math.Inf(-1), 2
	for _, c := range alive {
		s, _ := e.feasibility(c, from, to)
		m, _ := meanSD(e.gain(c, from, to))
		if r := rankOf(s); r < bestR || (r == bestR && m > bestM) {
			best, bestM, bestR = c, m, r
		}
	}
	return best
}

// dropWorse drops candidates whose paired difference from the leader has
// a one-sided lower bound above zero at α over the field (Bonferroni).
func (e *engine) dropWorse(alive []int, n int, stage string) []int {
	if len(alive) < 2 || n < 2 {
		return alive
	}
	lead := e.leader(alive, 0, n)
	a := e.o.Alpha / float64(len(alive)-1)
	lg := e.gain(lead, 0, n)
	return slices.DeleteFunc(slices.Clone(alive), func(c int) bool {
		if c == lead {
			return false
		}
		g := e.gain(c, 0, n)
		d := make([]float64, n)
		for r := range d {
			d[r] = lg[r] - g[r]
		}
		if lowerBound(d, a) > 0 {
			e.cands[c].fate, e.cands[c].stage = results.FateWorse, stage
			return true
		}
		return false
	})
}

// dropDominated drops candidates that another, at least as feasible,
// clearly dominates: better in both objectives by one-sided paired bounds
// at α over the field and both objectives (Bonferroni).
func (e *engine) dropDominated(alive []int, n int, stage string) []int {
	if len(alive) < 2 || n < 2 {
		return alive
	}
	a := e.o.Alpha / float64(2*(len(alive)-1))
	feas := map[int]int{}
	for _, c := range alive {
		s, _ := e.feasibility(c, 0, n)
		feas[c] = rankOf(s)
	}
	var dropped []int
	for _, c := range alive {
		for _, j := range alive {
			if j == c || feas[j] > feas[c] || slices.Contains(dropped, j) {
				continue
			}
			if e.clearlyBetter(j, c, 0, n, a) {
				e.cands[c].fate, e.cands[c].stage = results.FateDominated, stage
				dropped = append(dropped, c)
				break
			}
		}
	}
	return slices.DeleteFunc(slices.Clone(alive), func(c int) bool { return slices.Contains(dropped, c) })
}

// clearlyBetter reports whether j beats c in every objective by a paired
// one-sided lower bound above zero at level a.
func (e *engine) clearlyBetter(j, c, from, to int, a float64) bool {
	for x := range e.p.Objectives {
		gj, gc := e.series(j, x, from, to, true), e.series(c, x, from, to, true)
		d := make([]float64, len(gj))
		for r := range d {
			d[r] = gj[r] - gc[r]
		}
		if !(lowerBound(d, a) > 0) {
			return false
		}
	}
	return true
}

// order sorts alive best first: by mean gain, or with two objectives by
// Pareto layer of the means, then the sum of ranks in each objective.
func (e *engine) order(alive []int, from, to int, two bool) []int {
	out := slices.Clone(alive)
	means := map[int][]float64{}
	for _, c := range out {
		for x := range e.p.Objectives {
			m, _ := meanSD(e.series(c, x, from, to, true))
			means[c] = append(means[c], m)
		}
	}
	if !two {
		slices.SortStableFunc(out, func(a, b int) int { return cmp.Or(cmp.Compare(means[b][0], means[a][0]), cmp.Compare(a, b)) })
		return out
	}
	layer := layers(out, means)
	score := map[int]int{}
	for x := range e.p.Objectives {
		byX := slices.Clone(out)
		slices.SortStableFunc(byX, func(a, b int) int { return cmp.Compare(means[b][x], means[a][x]) })
		for i, c := range byX {
			score[c] += i
		}
	}
	slices.SortStableFunc(out, func(a, b int) int {
		return cmp.Or(cmp.Compare(layer[a], layer[b]), cmp.Compare(score[a], score[b]), cmp.Compare(a, b))
	})
	return out
}

// dominates reports whether a is at least as good as b in every objective
// and better in one (all maximised).
func dominates(a, b []float64) bool {
	better := false
	for i := range a {
		if a[i] < b[i] {
			return false
		}
		if a[i] > b[i] {
			better = true
		}
	}
	return better
}

// layers assigns each candidate its Pareto layer by means: 0 for the
// non-dominated, 1 for those dominated only by layer 0, and so on.
func layers(cs []int, means map[int][]float64) map[int]int {
	out := map[int]int{}
	left := slices.Clone(cs)
	for l := 0; len(left) > 0; l++ {
		var front []int
		for _, c := range left {
			if !slices.ContainsFunc(left, func(o int) bool { return o != c && dominates(means[o], means[c]) }) {
				front = append(front, c)
			}
		}
		for _, c := range front {
			out[c] = l
		}
		left = slices.DeleteFunc(left, func(c int) bool { return slices.Contains(front, c) })
	}
	return out
}
