package results

// SchemaVersion names the results.json format; it changes only when a field
// changes meaning or is removed.
const SchemaVersion = "giftsim/results/v1"

// Simulation is the whole result of one scenario run: every arm, every KPI,
// with 95% intervals across replications and paired differences against the
// first arm (the baseline). The KPI levels' intervals are prediction
// intervals when the run drew from the calibrated ensemble (see
// PredictionIntervals), else confidence intervals of the mean; differences,
// ratios and daily series always have confidence intervals.
type Simulation struct {
	Schema       string   `json:"schema"`
	Scenario     Scenario `json:"scenario"`
	Seed         uint64   `json:"seed"`
	Replications int      `json:"replications"`
	KPIs         []KPI    `json:"kpis"` // KPIs describes each KPI id used in the arms, in display order.
	Arms         []Arm    `json:"arms"`
	// Sweep names the swept fields when the arms come from a sweep, else nil.
	Sweep []string `json:"sweep,omitempty"`
	// SweepUnits, parallel to Sweep, is the unit of each swept field's
	// numbers (Arm.SweepNumbers): UnitSeconds, UnitMinuteOfDay, UnitCNY,
	// UnitNumber, or "" for a field whose values are not numbers (a
	// choice). Absent in results saved before there were numbers.
	SweepUnits []string `json:"sweep_units,omitempty"`
	// EnsembleSets is how many of the calibrated ensemble's parameter sets
	// the replications ran with (0: the profile's central values only).
	EnsembleSets int `json:"ensemble_sets,omitempty"`
	// Warnings are sentences for people about results that may mislead, e.g.
	// an arm whose horizon ended while many of its coupons were still valid;
	// nil when there is nothing to warn of.
	Warnings []string `json:"warnings,omitempty"`
}

// The units of swept numbers (Simulation.SweepUnits).
const (
	UnitSeconds     = "seconds"       // a duration such as 1h30m: 5400
	UnitMinuteOfDay = "minute of day" // a time of day such as "19:30": 1170
	UnitCNY         = "CNY"           // an amount of money in yuan
	UnitNumber      = "number"        // a count, share or other plain number
)

// Scenario echoes what was run.
type Scenario struct {
	Name     string            `json:"name"`
	Question string            `json:"question,omitempty"`
	File     string            `json:"file,omitempty"`
	Start    string            `json:"start"`   // RFC 3339
	Horizon  string            `json:"horizon"` // e.g. "30d"
	Days     int               `json:"days"`
	Setup    []Setting         `json:"setup"` // Setup is the base configuration as name/value rows.
	Extra    map[string]string `json:"extra,omitempty"`
}

// Setting is one row of a setup table.
type Setting struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// KPI describes one indicator.
type KPI struct {
	ID     string `json:"id"`     // ID is the key in Arm.KPIs, e.g. "redemption_rate".
	Name   string `json:"name"`   // Name is for people, e.g. "Redemption rate (K2)".
	Unit   string `json:"unit"`   // Unit is "%", "CNY", "users" ...
	Better string `json:"better"` // Better is "higher", "lower" or "" when neither.
}

// Arm is one arm's aggregated result.
type Arm struct {
	Name string `json:"name"`
	// Settings are the fields this arm changes against the base scenario.
	Settings []Setting `json:"settings,omitempty"`
	// SweepValues are the swept values of this arm, parallel to Simulation.Sweep.
	SweepValues []string `json:"sweep_values,omitempty"`
	// SweepNumbers are the same values as numbers in Simulation.SweepUnits
	// (0 for a value that is not a number), so charts need not read the text.
	SweepNumbers []float64 `json:"sweep_numbers,omitempty"`
	// KPIs maps a KPI id to its estimate across replications.
	KPIs map[string]Estimate `json:"kpis"`
	// Diffs maps a KPI id to the paired difference arm − baseline (absent for
	// the baseline itself).
	Diffs map[string]Diff `json:"diffs,omitempty"`
	// Series are the daily time series, one entry per simulated day.
	Series []Day `json:"series"`
	// Heatmap[w][h] is the mean number of redemptions on weekday w (0 =
	// Monday) at hour h (0–23), in the scenario's time zone.
	Heatmap [7][24]float64 `json:"heatmap"`
	// CascadeDepth[d] is the mean number of coupons that reached depth d of
	// the gift cascade (0 = received from the merchant).
	CascadeDepth []float64 `json:"cascade_depth"`
	// Funnel is the lifecycle funnel: exposed, claimed, gifted on, redeemed.
	Funnel []Stage `json:"funnel"`
	// Quota is the arm's issuing day by day against its daily quota (R11)
	// and budget; absent in results saved before there was one.
	Quota []QuotaDay `json:"quota,omitempty"`
}

// QuotaDay is one day of an arm's issuing: the merchant's tier and daily
// quota that day (R11, which a tier schedule changes), and the means over
// replications of the sends that reached the platform's issue check, the
// sends that issued coupons (a combo counts once), and the sends refused
// because the day's quota was used or the budget spent.
type QuotaDay struct {
	Day           int      `json:"day"`
	Date          string   `json:"date"` // YYYY-MM-DD
	Tier          string   `json:"tier"`
	Quota         int      `json:"quota"`
	Attempted     Estimate `json:"attempted"`
	Issued        Estimate `json:"issued"`
	QuotaRefused  Estimate `json:"quota_refused"`
	BudgetRefused Estimate `json:"budget_refused"`
}

// Stage is one step of the funnel with its mean count.
type Stage struct {
	Name  string  `json:"name"`
	Count float64 `json:"count"`
}

// Estimate is a mean across replications with its 95% interval, which lies
// within the quantity's bounds (see Bounds): a confidence interval of the
// mean, or for a KPI level of a run with an ensemble a prediction interval
// (ModelSD and NoiseSD are then set).
type Estimate struct {
	Mean float64 `json:"mean"`
	Low  float64 `json:"ci_low"`
	High float64 `json:"ci_high"`
	SD   float64 `json:"sd"`
	N    int     `json:"n"`
	// ModelSD and NoiseSD split SD, when replications drew their behavioural
	// parameters from the calibrated ensemble: the spread the parameters'
	// uncertainty causes and the spread of simulation noise. Both are 0
	// without an ensemble.
	ModelSD float64 `json:"model_sd,omitempty"`
	NoiseSD float64 `json:"noise_sd,omitempty"`
	// Censored counts the replications that never reached the quantity's
	// target by the horizon (a time to a target, e.g. days_to_holders; for
	// a difference, the pairs where either arm never did). Each counts as
	// the horizon, so when Censored > 0 the mean and interval are of the
	// time restricted to the horizon, a lower bound of the time to the
	// target: read them as "not reached in Censored of N replications".
	Censored int `json:"censored,omitempty"`
}

// NotReached reports whether some replications never reached the target
// of a time-to-target estimate by the horizon.
func (e Estimate) NotReached() bool { return e.Censored > 0 }

// Diff is a paired difference arm − baseline over common random numbers.
type Diff struct {
	Estimate
	// Ratio is mean(arm)/mean(baseline); 0 when the baseline mean is 0.
	Ratio float64 `json:"ratio"`
	// Significant is true when the difference is significant at the 95%
	// level after the adjustment for many comparisons that Adjustment
	// names: PAdjusted is below 0.05. In results without an Adjustment
	// (saved before there was one) it is true when the 95% interval
	// excludes zero.
	Significant bool `json:"significant"`
	// P is the two-sided p-value of the paired t test that the mean
	// difference is zero, before any adjustment (below 0.05 exactly when the
	// 95% interval excludes zero): 1 when there is nothing to test (one
	// replication, or no difference in any), 0 when every replication
	// differs by the same non-zero amount.
	P float64 `json:"p"`
	// PAdjusted is P adjusted for the simulation's many comparisons by the
	// method Adjustment names over Comparisons tests.
	PAdjusted float64 `json:"p_adjusted"`
	// Adjustment names the multiplicity adjustment: "holm", Holm's
	// step-down over every arm × KPI paired difference of the simulation
	// that has something to test; "" in results saved before there was one.
	Adjustment string `json:"adjustment,omitempty"`
	// Comparisons is how many paired differences the adjustment ran over.
	Comparisons int `json:"comparisons,omitempty"`
	// Members counts the ensemble's parameter sets the run drew, and Agree
	// how many of them gave a mean difference of the same sign as the whole
	// (0 without an ensemble). An answer is robust when they all agree.
	Members int `json:"members,omitempty"`
	Agree   int `json:"agree,omitempty"`
	// RatioMethod names how RatioLow and RatioHigh were found: "fieller",
	// Fieller's theorem on the paired replications; "" when there is no
	// ratio (a baseline mean of 0) or in results saved before ratios had
	// intervals, when RatioLow and RatioHigh are 0 and mean nothing.
	RatioMethod string `json:"ratio_method,omitempty"`
	// RatioLow and RatioHigh are the 95% confidence interval of Ratio,
	// within the ratio's bounds (never negative for a quantity that is
	// not). An end is infinite when the baseline's mean is not
	// distinguishable from zero: the ratio then has no bound on that side.
	// results.json writes them as ratio_low and ratio_high after
	// ratio_method, an infinite end as null (see MarshalJSON).
	RatioLow  float64 `json:"-"`
	RatioHigh float64 `json:"-"`
}

// Robust reports whether every parameter set of the ensemble gave the
// difference the same sign; without an ensemble it is false.
func (d Diff) Robust() bool { return d.Members > 0 && d.Agree == d.Members }

// Day is one day of an arm's time series.
type Day struct {
	Day         int      `json:"day"`
	Date        string   `json:"date"` // YYYY-MM-DD
	Exposed     Estimate `json:"exposed"`
	Issued      Estimate `json:"issued"`
	Claims      Estimate `json:"claims"`
	Gifts       Estimate `json:"gifts"`
	Redemptions Estimate `json:"redemptions"`
	Expiries    Estimate `json:"expiries"`
	// Float is the fund float at the end of the day (K4 so far), in %.
	Float Estimate `json:"float"`
	// DashboardRedemptions is what the merchant's dashboard shows for the day
	// at its end, given channel reporting delays (B8).
	DashboardRedemptions Estimate `json:"dashboard_redemptions"`
}
