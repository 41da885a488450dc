// Package optimize searches a scenario's levers for the best strategy under
// an objective and constraints, by simulation, with a stated guarantee.
//
// The levers, objective and constraints come from the scenario's levers:,
// objective: and constraints: sections (scenarios.Study). Every candidate
// strategy is the scenario's first arm with the levers set through
// Scenario.Set (the file's decoder and checks), and every candidate runs replication r on the same
// world, random numbers and calibrated parameter set (sim.Observe), so
// differences between candidates are paired (common random numbers).
//
// The procedure has three stages (docs/STRATEGY.md gives the statistics):
//
//  1. Screen: a Latin hypercube of candidates over the levers' unit cube
//     (gonum's samplemv), categorical levers cut into equal strata so their
//     levels appear evenly, each candidate run for a few replications.
//  2. Race: candidates clearly worse than the leader (a one-sided paired
//     test, Bonferroni over the field) or clearly infeasible (a
//     constraint's 95% interval wholly past its bound) are dropped; while
//     more than the survivors' cap remain, the lower half by mean is
//     dropped (successive halving) and the replications doubled.
//  3. Select: the Kim–Nelson fully sequential procedure (KN, 2001) on fresh
//     replications of the survivors, with indifference zone δ and
//     confidence 1 − α. With two objectives there is no single best: the
//     survivors' Pareto front is reported instead, each point with its
//     intervals.
//
// A state file records every observation, so a run stopped part-way
// continues where it stopped and, with the same seed, gives the same
// answer. Results are byte-identical whatever the number of cores.
package optimize
