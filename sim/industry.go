package sim

import "giftsim/platform"

// Industry is how a merchant's industry shapes behaviour (seed section 7):
// multipliers on the behavioural profile, which is calibrated on catering.
type Industry struct {
	Basket  float64 // Basket multiplies the spend at redemption.
	Repeat  float64 // Repeat multiplies existing customers' extra intent (ExistingBoost − 1): repeat purchase.
	Sharing float64 // Sharing multiplies the chance a holder gifts a coupon on (GiftProb).
	Visit   float64 // Visit multiplies the days between a customer's own visits (VisitDays).
}

// IndustryPreset returns the preset of an industry:
//   - catering (gift after spending, birthday gifts; aim: repeat purchase):
//     the reference, all 1;
//   - retail e-commerce (new-user gifts, group-buy rewards; aim:
//     acquisition): larger baskets, less repeat, more sharing;
//   - life services (booking gifts, referral rebates; aim: stickiness): more
//     repeat and a little more sharing;
//   - finance and insurance (account-opening rewards, renewal gifts; aim:
//     compliance): large tickets, little repeat or sharing.
//
// Retail customers come by half as often as catering's, life services' two
// thirds as often, finance's a sixth.
func IndustryPreset(i platform.Industry) Industry {
	switch i {
	case platform.IndustryRetail:
		return Industry{Basket: 1.9, Repeat: 0.8, Sharing: 1.3, Visit: 2}
	case platform.IndustryLifeServices:
		return Industry{Basket: 1.5, Repeat: 1.3, Sharing: 1.1, Visit: 1.5}
	case platform.IndustryFinance:
		return Industry{Basket: 6, Repeat: 0.5, Sharing: 0.5, Visit: 6}
	}
	return Industry{Basket: 1, Repeat: 1, Sharing: 1, Visit: 1}
}

// apply returns b adjusted for the industry.
func (ind Industry) apply(b Behaviour) Behaviour {
	b.Basket = platform.Money(float64(b.Basket) * ind.Basket)
	b.ExistingBoost = 1 + (b.ExistingBoost-1)*ind.Repeat
	b.GiftProb = min(1, b.GiftProb*ind.Sharing)
	b.VisitDays *= ind.Visit
	return b
}
