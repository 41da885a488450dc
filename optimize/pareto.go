package optimize

import (
	"cmp"
	"context"
	"errors"
	"slices"

	"giftsim/results"
)

// pareto refines the survivors of two objectives and fills res with the
// front.
func (e *engine) pareto(ctx context.Context, res *results.Optimization, alive []int, n int) error {
	for n < 64 {
		was := e.exhaust
		ok, err := e.ensure(ctx, alive, n, 2*n, "refine the front")
		if err != nil {
			return err
		}
		if !ok {
			e.exhaust = was // refining is optional: the budget bounds it
			break
		}
		n *= 2
		alive = e.dropInfeasible(alive, 0, n, "refine")
		alive = e.dropDominated(alive, n, "refine")
		e.rounds = append(e.rounds, results.OptRound{Stage: "refine", Reps: n, Alive: len(alive)})
		if len(alive) == 0 {
			return errors.New("every candidate clearly breaks a constraint; loosen the constraints or move the levers' ranges")
		}
	}
	means := map[int][]float64{}
	for _, c := range alive {
		for x := range e.p.Objectives {
			m, _ := meanSD(e.series(c, x, 0, n, true))
			means[c] = append(means[c], m)
		}
	}
	layer := layers(alive, means)
	for _, c := range e.order(alive, 0, n, true) {
		if layer[c] == 0 {
			e.cands[c].fate, e.cands[c].stage = results.FateFront, "front"
		} else {
			e.cands[c].fate, e.cands[c].stage = results.FateNearFront, "front"
		}
	}
	for _, c := range e.allIDs() {
		oc := e.report(c, -1, -1, -1)
		res.Candidates = append(res.Candidates, oc)
		if oc.Fate == results.FateFront {
			res.Front = append(res.Front, oc)
		}
	}
	slices.SortStableFunc(res.Front, func(a, b results.OptCandidate) int {
		return cmp.Compare(b.Objectives[0].Mean*e.sign(0), a.Objectives[0].Mean*e.sign(0))
	})
	return nil
}
