package reports

// This file holds how a time to a target (days_to_holders,
// days_to_new_customers) reads when some replications never reached the
// target by the horizon: "not reached in k of n", never a plain number.

import (
	"fmt"

	"giftsim/results"
)

// notReached says in how many replications e's target was not reached,
// with the time restricted to the horizon as a lower bound: "not reached
// in 3 of 10 (≥ 27.5)". It is "" when every replication reached it.
func notReached(e results.Estimate) string {
	if !e.NotReached() {
		return ""
	}
	return fmt.Sprintf("not reached in %d of %d (≥ %s)", e.Censored, e.N, formatNumber(e.Mean))
}

// censoredColumn is kpis.csv's censored cell for e of KPI k: the count of
// replications that never reached the target for a time to a target
// (unit days), else empty.
func censoredColumn(k results.KPI, e results.Estimate) string {
	if k.Unit != "days" {
		return ""
	}
	return fmt.Sprint(e.Censored)
}
