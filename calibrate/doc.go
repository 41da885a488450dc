// Package calibrate fits the simulator's behavioural parameters so that
// paired experiments reproduce measured effects: the seed's B1–B7 by
// default, or a user's own observed KPIs from past campaigns. It minimises
// the squared, tolerance-scaled misfit with a Nelder–Mead simplex over
// common random numbers, so the objective is deterministic for a seed.
package calibrate
