package results

// OptimizationSchema names the optimize.json format.
const OptimizationSchema = "giftsim/optimize/v1"

// Feasibility of a candidate against the constraints, judged with 95%
// intervals of each constrained quantity.
const (
	Feasible   = "feasible"   // every constraint's interval lies inside its bound
	Infeasible = "infeasible" // some constraint's interval lies wholly outside its bound
	Uncertain  = "uncertain"  // no constraint is clearly broken, some interval straddles its bound
)

// Fates of a candidate.
const (
	FateBest      = "best"                           // FateBest is the strategy selected.
	FateRunnerUp  = "cannot be told apart"           // FateRunnerUp could not be told apart from the best.
	FateRisky     = "better, may break a constraint" // FateRisky beats the best but a constraint's interval straddles its bound.
	FateFront     = "on the Pareto front"            // FateFront is non-dominated (two objectives).
	FateNearFront = "not clearly dominated"          // FateNearFront is dominated by the means, not clearly.
	FateWorse     = "clearly worse"                  // FateWorse was dropped by racing: clearly worse than the leader.
	FateDominated = "clearly dominated"              // FateDominated was dropped: clearly dominated.
	FateBroken    = "clearly infeasible"             // FateBroken was dropped: a constraint clearly broken.
	FateHalved    = "halved out"                     // FateHalved was in the lower half of a successive-halving round.
	FateKN        = "eliminated by KN"               // FateKN was eliminated by the Kim–Nelson procedure.
)

// Optimization is the result of giftsim optimize: the strategies (lever
// settings) tried, how each fared, the best with its objective and
// interval, the runners-up that cannot be told apart from it, and for two
// objectives the Pareto front.
type Optimization struct {
	Schema   string   `json:"schema"`
	Scenario Scenario `json:"scenario"`
	Seed     uint64   `json:"seed"`
	Users    int      `json:"users"`
	// EnsembleSets is how many of the calibrated ensemble's parameter sets
	// the replications cycle through (0: central parameters only).
	EnsembleSets int                `json:"ensemble_sets,omitempty"`
	Objectives   []OptObjective     `json:"objectives"`
	Constraints  []string           `json:"constraints,omitempty"`
	Levers       []OptLever         `json:"levers"`
	Method       OptMethod          `json:"method"`
	Best         *OptCandidate      `json:"best,omitempty"`
	RunnersUp    []OptCandidate     `json:"runners_up,omitempty"`
	Front        []OptCandidate     `json:"front,omitempty"`
	Candidates   []OptCandidate     `json:"candidates"`
	Evaluations  int                `json:"evaluations"` // Evaluations is how many candidate-replications were simulated or read from the state file.
	Budget       int                `json:"budget"`
	Exhausted    bool               `json:"budget_exhausted"`
	Notes        []string           `json:"notes,omitempty"`
	Answer       string             `json:"answer"` // Answer is the report's sentence, set when the report is written.
	Rounds       []OptRound         `json:"rounds"`
	Units        map[string]string  `json:"units,omitempty"` // Units maps each objective's text to its unit, when all of its KPIs share one.
	KPIs         map[string]KPIInfo `json:"kpis,omitempty"`
}

// KPIInfo names a KPI an objective or constraint uses.
type KPIInfo struct {
	Name string `json:"name"`
	Unit string `json:"unit"`
}

// OptObjective is one objective: maximize or minimize an expression.
type OptObjective struct {
	Sense string `json:"sense"` // Sense is "maximize" or "minimize".
	Expr  string `json:"expr"`  // Expr is a KPI id or a linear combination, e.g. "redeemed - 20*coupon.validity".
	Unit  string `json:"unit,omitempty"`
}

// OptLever is one lever's range or levels.
type OptLever struct {
	Path   string   `json:"path"`
	Kind   string   `json:"kind"`
	Low    string   `json:"low,omitempty"`
	High   string   `json:"high,omitempty"`
	Levels []string `json:"levels,omitempty"`
	Base   string   `json:"base,omitempty"`
}

// OptMethod records the procedure and its settings.
type OptMethod struct {
	Design     string  `json:"design"`      // Design names the space-filling screen.
	Candidates int     `json:"candidates"`  // Candidates is the number of distinct strategies screened.
	Screen     int     `json:"screen_reps"` // Screen is the replications each candidate got first.
	Survivors  int     `json:"survivors"`   // Survivors is the most candidates racing hands on.
	Selection  string  `json:"selection"`   // Selection names the final procedure.
	FirstStage int     `json:"first_stage"` // FirstStage is the selection's first-stage replications n0.
	Alpha      float64 `json:"alpha"`
	Delta      float64 `json:"delta"` // Delta is the indifference zone δ, in the first objective's unit.
	DeltaFrom  string  `json:"delta_from"`
	Guarantee  string  `json:"guarantee"`
}

// OptRound is one step of the procedure: what ran and what it decided.
type OptRound struct {
	Stage string `json:"stage"`
	Reps  int    `json:"reps"`  // Reps is the replications per candidate after the round.
	Alive int    `json:"alive"` // Alive is the candidates still in after the round.
	Note  string `json:"note,omitempty"`
}

// OptCandidate is one strategy: its lever values, its estimates and fate.
type OptCandidate struct {
	ID       int       `json:"id"`
	Settings []Setting `json:"settings"`
	Reps     int       `json:"reps"`
	// Objectives are the estimates of each objective (mean and 95% CI over
	// its replications), in the objective's own sense.
	Objectives []Estimate `json:"objectives"`
	// VsBest is the paired difference of the first objective from the best
	// (this − best) over their common replications, with its 95% CI; nil
	// for the best itself or when they share too few replications.
	VsBest      *Estimate       `json:"vs_best,omitempty"`
	Constraints []OptConstraint `json:"constraints,omitempty"`
	Feasibility string          `json:"feasibility"`
	Fate        string          `json:"fate"`
	Stage       string          `json:"stage,omitempty"` // Stage is when the fate was decided.
}

// OptConstraint is a candidate's estimate of one constrained quantity.
type OptConstraint struct {
	Text   string   `json:"text"`
	Value  Estimate `json:"value"`
	Status string   `json:"status"`
}
