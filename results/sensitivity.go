package results

// SensitivitySchema names the sensitivity.json format.
const SensitivitySchema = "giftsim/sensitivity/v2"

// Sensitivity is the result of a sensitivity analysis of one scenario: how
// much an objective KPI moves when each lever moves over its range, one at
// a time (a tornado) and globally (Morris screening and Sobol indices),
// every point run with the same common random numbers and calibrated
// parameter sets.
type Sensitivity struct {
	Schema       string   `json:"schema"`
	Scenario     Scenario `json:"scenario"`
	Seed         uint64   `json:"seed"`
	Replications int      `json:"replications"`
	// EnsembleSets is how many of the calibrated ensemble's parameter sets
	// the replications ran with (0: the profile's central values only).
	EnsembleSets int `json:"ensemble_sets,omitempty"`
	// Objective is the KPI analysed.
	Objective KPI `json:"objective"`
	// Base is the objective with every lever at the scenario's own value.
	Base Estimate `json:"base"`
	// Methods names what ran: "oat", "morris", "sobol", in that order.
	Methods []string `json:"methods"`
	// Morris describes the screening design; nil when it did not run.
	Morris *MorrisDesign `json:"morris,omitempty"`
	// Sobol describes the Sobol design; nil when it did not run.
	Sobol *SobolDesign `json:"sobol,omitempty"`
	// SobolNote says why there are no Sobol indices; "" when there are.
	SobolNote string `json:"sobol_note,omitempty"`
	// Levers are in rank order, the one that matters most first.
	Levers []Lever `json:"levers"`
	// Runs is how many arm-replications the analysis simulated.
	Runs int `json:"runs"`
}

// MorrisDesign describes a Morris screening design.
type MorrisDesign struct {
	Trajectories int `json:"trajectories"` // Trajectories is r, the number of one-at-a-time paths.
	Levels       int `json:"levels"`       // Levels is p, the grid levels of each lever's range.
	Points       int `json:"points"`       // Points is how many distinct points were simulated.
	Bootstrap    int `json:"bootstrap"`    // Bootstrap is the number of resamples of trajectories.
}

// Verdicts of a lever.
const (
	VerdictMatters    = "matters"         // an interval of its effect excludes zero
	VerdictNotMatters = "does not matter" // every interval of its effect includes zero
)

// Lever is one lever's range and effects.
type Lever struct {
	Path string `json:"path"` // Path is the scenario path, e.g. coupon.validity.
	Low  string `json:"low"`  // Low is the low end as a scenario value, e.g. 3d.
	High string `json:"high"` // High is the high end.
	Base string `json:"base"` // Base is the scenario's own value, or "" when it is not one field.
	// Kind is how values between the ends are made: "number", "integer",
	// "duration", "time" (of day) or "category" (two levels, no between).
	Kind string `json:"kind"`
	// Rank is 1 for the lever that matters most.
	Rank int `json:"rank"`
	// Verdict is VerdictMatters or VerdictNotMatters.
	Verdict string `json:"verdict"`
	// OAT is the one-at-a-time effect; nil when it did not run.
	OAT *OAT `json:"oat,omitempty"`
	// Morris holds the lever's Morris indices; nil when screening did not run.
	Morris *MorrisIndex `json:"morris,omitempty"`
	// Sobol holds the lever's Sobol indices; nil when they were not computed.
	Sobol *SobolIndex `json:"sobol,omitempty"`
}

// OAT is a lever's one-at-a-time effect, every other lever at its base.
type OAT struct {
	AtLow  Estimate `json:"at_low"`  // AtLow is the objective at the low end.
	AtHigh Estimate `json:"at_high"` // AtHigh is the objective at the high end.
	// Effect is the paired difference high − low over common random
	// numbers, with its 95% confidence interval and how many of the
	// ensemble's parameter sets agree on its sign.
	Effect Diff `json:"effect"`
}

// MorrisIndex is a lever's Morris screening indices: statistics of its
// elementary effects, each the change of the objective per whole range of
// the lever, with 95% bootstrap intervals over trajectories.
type MorrisIndex struct {
	MuStar     float64 `json:"mu_star"` // MuStar is the mean absolute elementary effect.
	MuStarLow  float64 `json:"mu_star_low"`
	MuStarHigh float64 `json:"mu_star_high"`
	Mu         float64 `json:"mu"`    // Mu is the mean signed elementary effect.
	Sigma      float64 `json:"sigma"` // Sigma is their standard deviation (interactions, curvature).
	SigmaLow   float64 `json:"sigma_low"`
	SigmaHigh  float64 `json:"sigma_high"`
	Effects    int     `json:"effects"` // Effects is the number of elementary effects, one per trajectory.
}

// SobolDesign describes how Sobol indices were estimated.
type SobolDesign struct {
	// Samples is the base sample size N: the rows of the matrices A and B.
	Samples int `json:"samples"`
	// Sequence names how A and B were drawn, e.g. "scrambled Halton (Owen)".
	Sequence string `json:"sequence"`
	// Estimator names the estimators of the first-order and total indices.
	Estimator string `json:"estimator"`
	// Points is how many distinct points were simulated, at most N(k + 2).
	Points int `json:"points"`
	// Bootstrap is the number of resamples of the N rows.
	Bootstrap int `json:"bootstrap"`
	// Variance is the variance of the objective over the levers' ranges,
	// with the simulation noise taken out (in the objective's unit squared).
	Variance float64 `json:"variance"`
	// NoiseShare is the share of the variance of the replication-mean
	// objective between two independent points that is simulation noise
	// (0 for one replication, when it cannot be estimated: see NoiseKnown).
	NoiseShare float64 `json:"noise_share"`
	// NoiseKnown is true when the noise could be estimated and taken out
	// (two or more replications).
	NoiseKnown bool `json:"noise_known"`
	// Note says what to make of the indices when the objective does not
	// vary beyond noise; "" otherwise.
	Note string `json:"note,omitempty"`
}

// SobolIndex is a lever's Sobol indices with their 95% bootstrap
// intervals: shares of the objective's variance over the levers' ranges.
type SobolIndex struct {
	// First is S_i, the share of the variance the lever causes alone.
	First     float64 `json:"first"`
	FirstLow  float64 `json:"first_low"`
	FirstHigh float64 `json:"first_high"`
	// Total is S_Ti, the share it causes alone or with other levers.
	Total     float64 `json:"total"`
	TotalLow  float64 `json:"total_low"`
	TotalHigh float64 `json:"total_high"`
}
