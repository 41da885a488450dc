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
package sim
