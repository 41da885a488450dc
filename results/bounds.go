package results

import "math"

// Bounds are the values a quantity can take, Lo ≤ x ≤ Hi; either end may be
// infinite.
type Bounds struct{ Lo, Hi float64 }

// The bounds of the quantities giftsim reports.
var (
	// Unbounded is any value: net money, ROI, a difference of counts.
	Unbounded = Bounds{Lo: math.Inf(-1), Hi: math.Inf(1)}
	// NonNegative is a count, a count per person, money spent or taken, a
	// ratio of such.
	NonNegative = Bounds{Lo: 0, Hi: math.Inf(1)}
	// Percentage is a share in percent, 0–100.
	Percentage = Bounds{Lo: 0, Hi: 100}
)

// countUnits are the KPI units of things counted, and counts per person:
// never negative.
var countUnits = map[string]bool{
	"users": true, "coupons": true, "claims": true, "offers": true, "sends": true, "attempts": true,
	"inquiries": true, "purchases": true, "hops": true,
	"new customers per user": true, "new customers per sharer": true,
}

// netKPIs are the KPIs in CNY that net a loss against a gain (lapsed
// customers' lost visits, the cost), so may be negative.
var netKPIs = map[string]bool{"incremental_profit": true, "incremental_revenue": true}

// Bounds returns the values k can take, from its unit: a percentage lies in
// 0–100; counts, counts per person and CNY costs and sales are never
// negative, and so are times in days (a time to a target, which
// the simulator also keeps within the horizon); net money (incremental
// sales and profit), ratios (ROI) and
// units it does not know are unbounded.
func (k KPI) Bounds() Bounds {
	switch {
	case k.Unit == "%":
		return Percentage
	case k.Unit == "CNY":
		if netKPIs[k.ID] {
			return Unbounded
		}
		return NonNegative
	case countUnits[k.Unit], k.Unit == "days":
		return NonNegative
	}
	return Unbounded
}

// Contains reports whether x lies within b.
func (b Bounds) Contains(x float64) bool { return b.Lo <= x && x <= b.Hi }

// Clip returns x moved into b.
func (b Bounds) Clip(x float64) float64 { return min(max(x, b.Lo), b.Hi) }

// Diff returns the bounds of a difference of two quantities within b: a
// difference of percentages lies within ±100 points; one of quantities
// unbounded on either side is unbounded.
func (b Bounds) Diff() Bounds { return Bounds{Lo: b.Lo - b.Hi, Hi: b.Hi - b.Lo} }

// Ratio returns the bounds of a ratio of two quantities within b: never
// negative when b lies on one side of zero, else unbounded.
func (b Bounds) Ratio() Bounds {
	if b.Lo >= 0 || b.Hi <= 0 {
		return NonNegative
	}
	return Unbounded
}

// Within returns e with its interval cut to b; its mean is left alone.
// Cutting a 95% interval to the values its quantity can take keeps it a
// 95% interval.
func (e Estimate) Within(b Bounds) Estimate {
	e.Low, e.High = b.Clip(e.Low), b.Clip(e.High)
	return e
}

// Within returns d, a difference of two quantities within b, with its
// interval cut to b.Diff() and its ratio's interval to b.Ratio().
func (d Diff) Within(b Bounds) Diff {
	d.Estimate = d.Estimate.Within(b.Diff())
	if d.RatioMethod != "" {
		r := b.Ratio()
		d.RatioLow, d.RatioHigh = r.Clip(d.RatioLow), r.Clip(d.RatioHigh)
	}
	return d
}
