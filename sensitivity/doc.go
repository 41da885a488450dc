// Package sensitivity asks which levers of a scenario move an objective KPI
// and which do not.
//
// A lever is a scenario path with a range, such as coupon.validity from 3d
// to 30d. Every point the analysis evaluates is the scenario's base arm
// with the levers set through Scenario.Set, so it is checked as a
// scenario file is, and it runs with the scenario's seed, replications and
// calibrated ensemble: every point shares the same common random numbers
// and parameter sets, as the arms of giftsim run do.
//
// Three methods: a one-at-a-time tornado (each lever at its low and its
// high end, the others at base, with the paired difference high − low and
// its 95% interval); Morris screening (Morris 1991) of elementary effects
// over random one-at-a-time trajectories on a grid, summarised by μ*
// (Campolongo, Cariboni and Saltelli 2007) and σ with bootstrap intervals;
// and Sobol indices, first-order S_i and total S_Ti, from N(k + 2) points
// of a scrambled Halton design (Saltelli et al. 2010, Jansen 1999) with
// bootstrap intervals and the simulation's noise taken out of S_Ti. The
// cores (Morris, Sobol) take any evaluator of points of the unit cube, so
// they are tested on functions with known indices without the simulator.
// docs/STRATEGY.md describes the method.
package sensitivity
