package sim

import "giftsim/results"

// KPI ids, in display order. Each is computed per replication in outcome.
const (
	kpiClaimConversion = iota // K1
	kpiRedemptionRate         // K2
	kpiViral                  // K3
	kpiFloat                  // K4
	kpiNewCustomers
	kpiIncrementalProfit
	kpiROI
	kpiIncrementalRevenue
	kpiRetained
	kpiRepeatPurchases
	kpiInquiries
	kpiTimely
	kpiExposed
	kpiIssued
	kpiClaims
	kpiGifts
	kpiRedeemed
	kpiRedeemedNatural
	kpiTopUps
	kpiNewPerSharer
	kpiUnfollowed
	kpiLapsed
	kpiQuotaRefused
	kpiBudgetRefused
	kpiRiskBlocked
	kpiRuleRefused
	kpiRecovered
	kpiCost
	kpiRevenue
	kpiGrossROI
	kpiCascadeMean
	kpiValidAtEnd
	kpiDaysToHolders
	kpiDaysToNewCustomers
	numKPIs
)

// KPIs describes every KPI the simulator reports, in display order.
func KPIs() []results.KPI {
	return []results.KPI{
		kpiClaimConversion:    {ID: "claim_conversion", Name: "Claim conversion (K1)", Unit: "%", Better: "higher"},
		kpiRedemptionRate:     {ID: "redemption_rate", Name: "Redemption rate (K2)", Unit: "%", Better: "higher"},
		kpiViral:              {ID: "viral_coefficient", Name: "Viral coefficient (K3): new customers via gifts per campaign claimer", Unit: "new customers per user", Better: "higher"},
		kpiFloat:              {ID: "fund_float", Name: "Fund float (K4)", Unit: "%"},
		kpiNewCustomers:       {ID: "new_customers", Name: "New customers", Unit: "users", Better: "higher"},
		kpiIncrementalProfit:  {ID: "incremental_profit", Name: "Incremental profit", Unit: "CNY", Better: "higher"},
		kpiROI:                {ID: "roi", Name: "ROI (incremental profit / cost)", Unit: "ratio", Better: "higher"},
		kpiIncrementalRevenue: {ID: "incremental_revenue", Name: "Incremental sales", Unit: "CNY", Better: "higher"},
		kpiRetained:           {ID: "retained_customers", Name: "New customers who stay", Unit: "users", Better: "higher"},
		kpiRepeatPurchases:    {ID: "repeat_purchases", Name: "Repeat purchases of new customers (expected, to the horizon)", Unit: "purchases", Better: "higher"},
		kpiInquiries:          {ID: "inquiries", Name: "Customer-service inquiries", Unit: "inquiries", Better: "lower"},
		kpiTimely:             {ID: "timely_redemption", Name: "Redeemed within 24 h", Unit: "%", Better: "higher"},
		kpiExposed:            {ID: "exposed_users", Name: "Users exposed", Unit: "users"},
		kpiIssued:             {ID: "issued", Name: "Coupons issued", Unit: "coupons"},
		kpiClaims:             {ID: "claims", Name: "Claims that got a coupon (merchant and gift)", Unit: "claims"},
		kpiGifts:              {ID: "gifts", Name: "Gift offers", Unit: "offers"},
		kpiRedeemed:           {ID: "redeemed", Name: "Coupons redeemed", Unit: "coupons", Better: "higher"},
		kpiRedeemedNatural:    {ID: "redeemed_natural", Name: "Redeemed on a purchase that would have happened anyway", Unit: "coupons", Better: "lower"},
		kpiTopUps:             {ID: "top_ups", Name: "Redemptions topped up to reach min_spend", Unit: "coupons"},
		kpiNewPerSharer:       {ID: "new_per_sharer", Name: "New customers via gifts per sharer", Unit: "new customers per sharer", Better: "higher"},
		kpiUnfollowed:         {ID: "unfollowed", Name: "Users who unfollowed (fatigue)", Unit: "users", Better: "lower"},
		kpiLapsed:             {ID: "lapsed_customers", Name: "Customers lost to over-marketing", Unit: "users", Better: "lower"},
		kpiQuotaRefused:       {ID: "quota_refused", Name: "Refused by the daily quota (R11)", Unit: "sends"},
		kpiBudgetRefused:      {ID: "budget_refused", Name: "Refused: budget spent", Unit: "sends"},
		kpiRiskBlocked:        {ID: "risk_blocked", Name: "Blocked by risk control (R16, R17)", Unit: "attempts", Better: "lower"},
		kpiRuleRefused:        {ID: "rule_refused", Name: "Refused by rules (R6, R8, R15, R18, C1, C3)", Unit: "attempts"},
		kpiRecovered:          {ID: "recovered", Name: "Recovered from the bin (R14)", Unit: "coupons"},
		kpiCost:               {ID: "cost", Name: "Cost (face redeemed, fees, channel)", Unit: "CNY", Better: "lower"},
		kpiRevenue:            {ID: "revenue", Name: "Gross sales at redemption", Unit: "CNY"},
		kpiGrossROI:           {ID: "gross_roi", Name: "Gross ROI (all sales with a coupon)", Unit: "ratio"},
		kpiCascadeMean:        {ID: "cascade_depth", Name: "Mean cascade depth", Unit: "hops"},
		kpiValidAtEnd:         {ID: "valid_at_end", Name: "Coupons still valid at the horizon", Unit: "coupons"},
		kpiDaysToHolders:      {ID: "days_to_holders", Name: "Days to the holders target (targets.holders)", Unit: "days", Better: "lower"},
		kpiDaysToNewCustomers: {ID: "days_to_new_customers", Name: "Days to the new-customers target (targets.new_customers)", Unit: "days", Better: "lower"},
	}
}

// Daily series, in the order of results.Day's fields.
const (
	seriesExposed = iota
	seriesIssued
	seriesClaims
	seriesGifts
	seriesRedemptions
	seriesExpiries
	seriesFloat
	seriesDashboard
	// The issue step's day (the quota-utilisation chart): sends that
	// reached the issue check, sends that issued, and refusals by the
	// day's quota (R11) and by the budget.
	seriesAttempts
	seriesSent
	seriesQuotaRefused
	seriesBudgetRefused
	numSeries
)

// outcome is one arm's result in one replication.
type outcome struct {
	kpi    [numKPIs]float64
	series [][numSeries]float64 // per day
	heat   [7][24]float64
	depth  []float64 // coupons by final cascade depth
	funnel [4]float64
	events uint64
	// censored marks the targets not reached by the horizon (days_to_*),
	// indexed like targetKPIs.
	censored [numTargets]bool
}
