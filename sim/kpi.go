package sim

import "giftsim/results"

// KPI ids, in display order. Each is computed per replication in outcome.
const (
	kpiClaimConversion = iota // K1
	kpiRedemptionRate         // K2
	kpiViral                  // K3
	kpiFloat                  // K4
	kpiNewCustomers
	kpiInquiries
	kpiTimely
	kpiExposed
	kpiIssued
	kpiClaims
	kpiGifts
	kpiRedeemed
	kpiQuotaRefused
	kpiRiskBlocked
	kpiRuleRefused
	kpiRecovered
	kpiCost
	kpiRevenue
	kpiROI
	kpiCascadeMean
	numKPIs
)

// KPIs describes every KPI the simulator reports, in display order.
func KPIs() []results.KPI {
	return []results.KPI{
		kpiClaimConversion: {ID: "claim_conversion", Name: "Claim conversion (K1)", Unit: "%", Better: "higher"},
		kpiRedemptionRate:  {ID: "redemption_rate", Name: "Redemption rate (K2)", Unit: "%", Better: "higher"},
		kpiViral:           {ID: "viral_coefficient", Name: "Viral coefficient (K3)", Unit: "new customers per sharer", Better: "higher"},
		kpiFloat:           {ID: "fund_float", Name: "Fund float (K4)", Unit: "%"},
		kpiNewCustomers:    {ID: "new_customers", Name: "New customers", Unit: "users", Better: "higher"},
		kpiInquiries:       {ID: "inquiries", Name: "Customer-service inquiries", Unit: "inquiries", Better: "lower"},
		kpiTimely:          {ID: "timely_redemption", Name: "Redeemed within 24 h", Unit: "%", Better: "higher"},
		kpiExposed:         {ID: "exposed_users", Name: "Users exposed", Unit: "users"},
		kpiIssued:          {ID: "issued", Name: "Coupons issued", Unit: "coupons"},
		kpiClaims:          {ID: "claims", Name: "Claims (merchant and gift)", Unit: "claims"},
		kpiGifts:           {ID: "gifts", Name: "Gift offers", Unit: "offers"},
		kpiRedeemed:        {ID: "redeemed", Name: "Coupons redeemed", Unit: "coupons", Better: "higher"},
		kpiQuotaRefused:    {ID: "quota_refused", Name: "Refused by the daily quota (R11)", Unit: "sends"},
		kpiRiskBlocked:     {ID: "risk_blocked", Name: "Blocked by risk control (R16, R17)", Unit: "attempts", Better: "lower"},
		kpiRuleRefused:     {ID: "rule_refused", Name: "Refused by rules (R6, R8, R15, R18, C1, C3)", Unit: "attempts"},
		kpiRecovered:       {ID: "recovered", Name: "Recovered from the bin (R14)", Unit: "coupons"},
		kpiCost:            {ID: "cost", Name: "Cost", Unit: "CNY", Better: "lower"},
		kpiRevenue:         {ID: "revenue", Name: "Sales at redemption", Unit: "CNY", Better: "higher"},
		kpiROI:             {ID: "roi", Name: "ROI", Unit: "ratio", Better: "higher"},
		kpiCascadeMean:     {ID: "cascade_depth", Name: "Mean cascade depth", Unit: "hops"},
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
}
