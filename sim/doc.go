// Package sim is giftsim's discrete-event simulator of coupon gifting: a
// population of users on a friend graph, a merchant campaign that issues
// coupons through channels within its quota, and the whole life of each
// coupon (issue, gift, claim or refusal or return after 48 hours, redeem or
// expire, recycle bin, recovery or purge) under the platform's rules.
//
// RunExperiment runs every arm of an Experiment over replications in
// parallel with common random numbers and aggregates the KPIs (K1–K4 and
// more) into results.Simulation with 95% intervals and paired differences.
// The same seed gives byte-identical results whatever the core count.
// Observe runs chosen (arm, replication) pairs on the same streams, for
// callers that allocate replications themselves (package optimize).
//
// Config.Validate and Config.CheckCompliance return every problem as a
// *FieldError that names the scenario field to change, the others it
// involves and the rule id, so callers place it without reading its text
// (errors.go).
//
// Budget and quota planning: a coupon budget (in CNY of face value issued,
// or in coupons) stops issuing once spent, the daily quota follows the
// merchant's tier schedule day by day (platform.TierSchedule, R11), and
// targets give the days until a count of holders or new customers is
// reached, censored at the horizon when it never is (target.go).
package sim
