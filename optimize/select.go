package optimize

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"giftsim/results"
)

// delta is the indifference zone: the option, else the objective's own,
// else 1% of the leader's mean (or of the spread of the survivors' means
// when that is larger), on the replications [0, n).
func (e *engine) delta(alive []int, n int) (float64, string) {
	if e.o.Delta > 0 {
		return e.o.Delta, "--delta"
	}
	if d := e.p.Objectives[0].Indifference; d > 0 {
		return d, "objective.indifference"
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range alive {
		m, _ := meanSD(e.gain(c, 0, n))
		lo, hi = min(lo, m), max(hi, m)
	}
	d := max(0.01*math.Max(math.Abs(lo), math.Abs(hi)), 0.01*(hi-lo))
	if !(d > 0) {
		d = 1e-9
	}
	return d, "1% of the leading survivor's mean objective (or of the survivors' spread)"
}

// select_ runs KN on fresh replications of alive and fills res.
func (e *engine) select_(ctx context.Context, res *results.Optimization, alive []int, n int, delta float64) error {
	start := n // fresh replications start after the race's
	for _, c := range alive {
		for e.charged[[2]int{c, start}] {
			start++
		}
	}
	n0 := e.o.FirstStage
	I := slices.Clone(alive)
	r := 0 // replications of the selection so far
	if len(I) > 1 {
		ok, err := e.ensure(ctx, I, start, start+n0, "KN first stage")
		if err != nil {
			return err
		}
		if !ok {
			e.notes = append(e.notes, "the budget left no room for Kim–Nelson's first stage: the best is the leader of the race, and every survivor is a runner-up")
			from, to := 0, n
			best := e.leader(I, from, to)
			e.finishSingle(res, best, I, from, to, delta)
			return nil
		}
		r = n0
		k := len(I)
		eta := 0.5 * (math.Pow(2*e.o.Alpha/float64(k-1), -2/float64(n0-1)) - 1)
		h2 := 2 * eta * float64(n0-1)
		s2 := map[[2]int]float64{}
		for _, i := range I {
			for _, l := range I {
				if i < l {
					gi, gl := e.gain(i, start, start+n0), e.gain(l, start, start+n0)
					d := make([]float64, n0)
					for t := range d {
						d[t] = gi[t] - gl[t]
					}
					_, sd := meanSD(d)
					s2[[2]int{i, l}], s2[[2]int{l, i}] = sd*sd, sd*sd
				}
			}
		}
		maxN := 0.0
		for _, v := range s2 {
			maxN = max(maxN, h2*v/(delta*delta))
		}
		e.say("KN: %d survivors, n0 %d, δ %s, at most %.0f replications each", k, n0, trimFloat(delta), math.Ceil(maxN))
		for {
			I = e.dropInfeasible(I, start, start+r, "KN")
			if len(I) <= 1 {
				break
			}
			means := map[int]float64{}
			feas := map[int]int{}
			for _, i := range I {
				means[i], _ = meanSD(e.gain(i, start, start+r))
				s, _ := e.feasibility(i, start, start+r)
				feas[i] = rankOf(s)
			}
			next := slices.DeleteFunc(slices.Clone(I), func(i int) bool {
				for _, l := range I {
					if l == i || feas[l] > feas[i] {
						continue
					}
					w := max(0, delta/(2*float64(r))*(h2*s2[[2]int{i, l}]/(delta*delta)-float64(r)))
					if means[i] < means[l]-w {
						e.cands[i].fate, e.cands[i].stage = results.FateKN, fmt.Sprintf("KN, replication %d", r)
						return true
					}
				}
				return false
			})
			I = next
			if len(I) <= 1 || float64(r) > maxN {
				break
			}
			if !e.charged[[2]int{I[0], start + r}] {
				batch := knBatch
				left := (e.o.Budget - len(e.charged)) / len(I)
				batch = min(batch, left)
				if batch <= 0 {
					e.exhaust = true
					break
				}
				ok, err := e.ensure(ctx, I, start+r, start+r+batch, "KN")
				if err != nil {
					return err
				}
				if !ok {
					break
				}
			}
			r++
		}
		e.rounds = append(e.rounds, results.OptRound{Stage: "select (KN)", Reps: r, Alive: len(I),
			Note: fmt.Sprintf("η %.3g, h² %.3g, δ %s", eta, h2, trimFloat(delta))})
	} else {
		e.notes = append(e.notes, "one candidate survived the race, so no selection ran; its interval is from the race's replications")
		e.finishSingle(res, I[0], I, 0, n, delta)
		return nil
	}
	best := e.leader(I, start, start+r)
	e.finishSingle(res, best, I, start, start+r, delta)
	return nil
}

// finishSingle fills res with best, the runners-up among contenders and
// every candidate's estimates; the best's interval is over [from, to).
func (e *engine) finishSingle(res *results.Optimization, best int, contenders []int, from, to int, delta float64) {
	e.cands[best].fate, e.cands[best].stage = results.FateBest, "selection"
	b := e.report(best, best, from, to)
	res.Best = &b
	for _, c := range e.allIDs() {
		if c == best {
			continue
		}
		oc := e.report(c, best, -1, -1)
		contend := slices.Contains(contenders, c)
		// near: the paired interval reaches within δ of the best, so c
		// cannot be told apart from it at the indifference level.
		near := oc.VsBest != nil && e.cands[c].fate != results.FateBroken &&
			((e.sign(0) > 0 && oc.VsBest.High >= -delta) || (e.sign(0) < 0 && oc.VsBest.Low <= delta))
		if contend || (near && e.cands[c].refused == nil) {
			fate := results.FateRunnerUp
			if oc.Feasibility == results.Uncertain && oc.VsBest != nil &&
				((e.sign(0) > 0 && oc.VsBest.Low > 0) || (e.sign(0) < 0 && oc.VsBest.High < 0)) {
				fate = results.FateRisky
			}
			e.cands[c].fate, oc.Fate = fate, fate
			res.RunnersUp = append(res.RunnersUp, oc)
		}
	}
	slices.SortStableFunc(res.RunnersUp, func(a, b results.OptCandidate) int {
		return cmp.Compare(b.Objectives[0].Mean*e.sign(0), a.Objectives[0].Mean*e.sign(0))
	})
	for _, c := range e.allIDs() {
		res.Candidates = append(res.Candidates, e.report(c, best, -1, -1))
	}
	res.Candidates[best] = *res.Best
}

// sign is +1 for a maximised objective x, −1 for a minimised one.
func (e *engine) sign(x int) float64 {
	if e.p.Objectives[x].Maximize {
		return 1
	}
	return -1
}
func (e *engine) allIDs() []int {
	out := make([]int, len(e.cands))
	for i := range out {
		out[i] = i
	}
	return out
}

// reps lists the replications candidate c has, in order.
func (e *engine) reps(c int) []int {
	var out []int
	for k := range e.charged {
		if k[0] == c {
			out = append(out, k[1])
		}
	}
	slices.Sort(out)
	return out
}

// report is candidate c's estimates over its replications (or [from, to)
// when from ≥ 0), with its paired difference from best.
func (e *engine) report(c, best, from, to int) results.OptCandidate {
	cd := e.cands[c]
	oc := results.OptCandidate{ID: cd.id, Fate: cd.fate, Stage: cd.stage}
	for i, l := range e.p.Levers {
		oc.Settings = append(oc.Settings, results.Setting{Name: l.Path, Value: strings.Trim(cd.values[i], `"`)})
	}
	if cd.refused != nil {
		oc.Feasibility = results.Infeasible
		return oc
	}
	reps := e.reps(c)
	if from >= 0 {
		reps = reps[:0]
		for r := from; r < to; r++ {
			reps = append(reps, r)
		}
	}
	oc.Reps = len(reps)
	pick := func(x int, rs []int) []float64 {
		out := make([]float64, len(rs))
		for i, r := range rs {
			out[i] = e.value(c, r, x)
		}
		return out
	}
	for x := range e.p.Objectives {
		oc.Objectives = append(oc.Objectives, interval(pick(x, reps)))
	}
	oc.Feasibility, oc.Constraints = e.judgeAll(c, reps)
	if c != best && best >= 0 {
		common := slices.DeleteFunc(e.reps(c), func(r int) bool { return !e.charged[[2]int{best, r}] })
		if len(common) >= 2 {
			d := make([]float64, len(common))
			for i, r := range common {
				d[i] = e.value(c, r, 0) - e.value(best, r, 0)
			}
			est := interval(d)
			oc.VsBest = &est
		}
	}
	return oc
}
