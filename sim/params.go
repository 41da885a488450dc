package sim

import (
	"strconv"

	"giftsim/platform"
)

// Parameter is one scalar behavioural parameter, declared once: the
// scenario format, Validate, the calibration and docs/MODEL.md all read it
// from Parameters.
type Parameter struct {
	// Name is the scenario name under behaviour, e.g. "forget_hours" or
	// "selection.live-stream".
	Name   string
	Unit   string  // Unit is what a value is measured in, e.g. "hours" or "CNY".
	Doc    string  // Doc says in one sentence what the parameter means.
	Source string  // Source says where its prior comes from, or what it is fitted to.
	Lo, Hi float64 // Lo and Hi bound the allowed values, in Unit.
	// Field points at a number parameter in b; nil for a money parameter.
	Field func(b *Behaviour) *float64
	// Money points at a money parameter (Unit "CNY") in b; nil otherwise.
	Money func(b *Behaviour) *platform.Money
}

// unbounded is the upper bound of a parameter whose only limit is being
// non-negative: large enough for any sensible value, small enough to keep
// arithmetic finite.
const unbounded = 999_999

// Get returns p's value in b, in p.Unit (yuan for money).
func (p Parameter) Get(b *Behaviour) float64 {
	if p.Money != nil {
		return p.Money(b).Yuan()
	}
	return *p.Field(b)
}

// Set sets p's value in b to v, in p.Unit (yuan for money).
func (p Parameter) Set(b *Behaviour, v float64) {
	if p.Money != nil {
		*p.Money(b) = platform.CNY(v)
		return
	}
	*p.Field(b) = v
}

// rangeText says in words which values p allows, e.g. "0 to 1" or "non-negative".
func (p Parameter) rangeText() string {
	if p.Lo == 0 && p.Hi == unbounded {
		return "non-negative"
	}
	return strconv.FormatFloat(p.Lo, 'f', -1, 64) + " to " + strconv.FormatFloat(p.Hi, 'f', -1, 64)
}

// check returns an error if v is outside p's range (or not a number).
func (p Parameter) check(v float64) error {
	if v >= p.Lo && v <= p.Hi {
		return nil
	}
	return invalid("behaviour."+p.Name, nil, "must be %s, got %g", p.rangeText(), v)
}

// LookupParameter returns the parameter named name in Parameters.
func LookupParameter(name string) (Parameter, bool) {
	for _, p := range Parameters() {
		if p.Name == name {
			return p, true
		}
	}
	return Parameter{}, false
}

// Sources of priors, shared by several parameters.
const (
	judgement  = "prior (judgement)"
	byIndustry = "prior (judgement) for catering; industries scale it (seed section 7)"
)

// Parameters lists every scalar behavioural parameter in display order
// (the order of the scenario reference), the per-channel selection and
// channel_claim last. The 24-hour activity profiles are not scalars and are
// not listed.
func Parameters() []Parameter {
	num := func(name, unit string, lo, hi float64, source, doc string, f func(*Behaviour) *float64) Parameter {
		return Parameter{Name: name, Unit: unit, Doc: doc, Source: source, Lo: lo, Hi: hi, Field: f}
	}
	prob := func(name, source, doc string, f func(*Behaviour) *float64) Parameter {
		return num(name, "probability", 0, 1, source, doc, f)
	}
	share := func(name, source, doc string, f func(*Behaviour) *float64) Parameter {
		return num(name, "share", 0, 1, source, doc, f)
	}
	nonneg := func(name, unit, source, doc string, f func(*Behaviour) *float64) Parameter {
		return num(name, unit, 0, unbounded, source, doc, f)
	}
	money := func(name, source, doc string, f func(*Behaviour) *platform.Money) Parameter {
		return Parameter{Name: name, Unit: "CNY", Doc: doc, Source: source, Lo: 0, Hi: 1_000_000, Money: f}
	}
	const rate = "per active hour"
	ps := []Parameter{
		prob("claim_prob", judgement, "Chance an exposed user who finds the offer fully attractive is interested.",
			func(b *Behaviour) *float64 { return &b.ClaimProb }),
		nonneg("claim_rate", rate, "fitted to B3", "Hazard of claiming once interested, per active hour.",
			func(b *Behaviour) *float64 { return &b.ClaimRate }),
		nonneg("attention_hours", "hours", "fitted to B3", "A push's salience decays with this time constant, in hours (0: no decay).",
			func(b *Behaviour) *float64 { return &b.AttentionHours }),
		prob("redeem_prob", "fitted to B1, B2", "Chance a holder who values the offer fully means to make a special trip for it.",
			func(b *Behaviour) *float64 { return &b.RedeemProb }),
		nonneg("redeem_rate", rate, judgement, "Hazard of that special trip while the holder recalls the coupon, per active hour.",
			func(b *Behaviour) *float64 { return &b.RedeemRate }),
		nonneg("forget_hours", "hours", "fitted to B1, B2", "The holder's recall of the coupon decays with this time constant, in hours (0: no decay).",
			func(b *Behaviour) *float64 { return &b.ForgetHours }),
		nonneg("plan_hours", "hours", "fitted to B1, B2", "Time constant, in hours, over which a planned trip lapses (0: plans never lapse).",
			func(b *Behaviour) *float64 { return &b.PlanHours }),
		num("plan_skew", "exponent", 0, 100, "fitted to B1, B2", "How a holder who means to go plans when: at U^(1/plan_skew) of the validity left (1: uniformly; larger: near the deadline; 0: no planned trips).",
			func(b *Behaviour) *float64 { return &b.PlanSkew }),
		prob("gift_prob", byIndustry, "Chance a holder tries to gift the coupon on.",
			func(b *Behaviour) *float64 { return &b.GiftProb }),
		nonneg("gift_rate", rate, "fitted to B1, B2", "Hazard of gifting once minded to, per active hour.",
			func(b *Behaviour) *float64 { return &b.GiftRate }),
		prob("accept_prob", judgement, "Chance a recipient who values the offer fully claims a gift; accept_prob + refuse_prob is at most 1.",
			func(b *Behaviour) *float64 { return &b.AcceptProb }),
		prob("refuse_prob", judgement, "Chance a recipient refuses a gift (R15).",
			func(b *Behaviour) *float64 { return &b.RefuseProb }),
		nonneg("accept_rate", rate, judgement, "Claim hazard of a gift, per active hour.",
			func(b *Behaviour) *float64 { return &b.AcceptRate }),
		nonneg("existing_boost", "factor", byIndustry, "How many times likelier a customer is than a prospect to make a trip for a coupon.",
			func(b *Behaviour) *float64 { return &b.ExistingBoost }),
		prob("inquiry_prob", judgement, "Chance a claim leads to a customer-service inquiry.",
			func(b *Behaviour) *float64 { return &b.InquiryProb }),
		prob("label_inquiry_prob", "fitted to B6", "Extra inquiry chance with the 24-hour label (B6).",
			func(b *Behaviour) *float64 { return &b.LabelInquiryProb }),
		nonneg("label_urgency", "factor", "fitted to B5", "Multiplies the early redemption hazard with the 24-hour label (B5).",
			func(b *Behaviour) *float64 { return &b.LabelUrgency }),
		nonneg("label_hours", "hours", "the label's 24 hours (B5)", "How long the label's urgency lasts, in hours.",
			func(b *Behaviour) *float64 { return &b.LabelHours }),
		money("basket", byIndustry, "Mean usual spend of a visit (客单价), in CNY.",
			func(b *Behaviour) *platform.Money { return &b.Basket }),
		share("margin", judgement, "Gross margin on sales.",
			func(b *Behaviour) *float64 { return &b.Margin }),
		num("intent_spread", "coefficient of variation", 0, 5, "fitted to B7", "Coefficient of variation of users' latent deal-proneness (gamma, mean 1), which scales interest and trip intent; 0 makes users alike.",
			func(b *Behaviour) *float64 { return &b.IntentSpread }),
		prob("impulse_prob", "fitted to B4, B4-high", "Chance a holder buys on impulse soon after the coupon arrives, for a ticket of 0 and a coupon that arrives at the busiest shopping hour; it falls as exp(−ticket/impulse_scale), so only low tickets are impulse buys, and with redeem_activity at the hour of arrival, so an impulse needs a moment of need (B4).",
			func(b *Behaviour) *float64 { return &b.ImpulseProb }),
		money("impulse_scale", "prior (judgement), at B4's 200 CNY threshold", "Ticket in CNY (the usual spend, or min_spend if higher) over which the impulse chance falls by a factor e.",
			func(b *Behaviour) *platform.Money { return &b.ImpulseScale }),
		nonneg("impulse_rate", rate, judgement, "Impulse redemption hazard per hour, weighted by redeem_activity.",
			func(b *Behaviour) *float64 { return &b.ImpulseRate }),
		nonneg("impulse_hours", "hours", "fitted to B4, B4-high", "How long after arrival an impulse redemption can happen, in hours.",
			func(b *Behaviour) *float64 { return &b.ImpulseHours }),
		nonneg("basket_spread", "coefficient of variation", judgement, "Coefficient of variation of users' usual spend (lognormal around basket).",
			func(b *Behaviour) *float64 { return &b.BasketSpread }),
		num("value_scale", "relative discount", 0.001, 100, judgement, "Relative discount (value over usual spend) at which an offer's appeal reaches 63% of its most.",
			func(b *Behaviour) *float64 { return &b.ValueScale }),
		share("top_up_aversion", judgement, "Share of a top-up to reach min_spend that a holder counts against the discount.",
			func(b *Behaviour) *float64 { return &b.TopUpAversion }),
		num("visit_days", "days", 0.01, 10000, byIndustry, "Mean days between an existing customer's own visits (catering; industries scale it).",
			func(b *Behaviour) *float64 { return &b.VisitDays }),
		nonneg("visit_spread", "coefficient of variation", judgement, "Coefficient of variation of customers' visit frequency.",
			func(b *Behaviour) *float64 { return &b.VisitSpread }),
		nonneg("opportunity_rate", "per day", judgement, "Moments a day a user could make a trip to the merchant; bounds coupon-induced trips.",
			func(b *Behaviour) *float64 { return &b.OpportunityRate }),
		nonneg("trial_rate", "per day", "fitted to B1, B2", "A prospect's occasions a day for a first visit (meals with friends, passing by), at which a held coupon comes to mind.",
			func(b *Behaviour) *float64 { return &b.TrialRate }),
		share("acceleration", judgement, "Share of a customer's coupon-induced visit that is a later visit brought forward.",
			func(b *Behaviour) *float64 { return &b.Acceleration }),
		nonneg("fatigue", "per exposure", judgement, "Interest lost per recent exposure: interest × exp(−fatigue × recent exposures).",
			func(b *Behaviour) *float64 { return &b.Fatigue }),
		nonneg("fatigue_days", "days", judgement, "Time constant, in days, over which recent exposures fade.",
			func(b *Behaviour) *float64 { return &b.FatigueDays }),
		num("unfollow_prob", "probability per exposure", 0, 1, judgement, "Chance per recent exposure that one more makes a user unfollow and block the merchant.",
			func(b *Behaviour) *float64 { return &b.UnfollowProb }),
		prob("lapse_prob", judgement, "Chance a customer who unfollows stops buying.",
			func(b *Behaviour) *float64 { return &b.LapseProb }),
		num("sensitive_claim", "factor", 0, 1, judgement, "Multiplies the interest of a sensitive user (R15: refused a coupon before).",
			func(b *Behaviour) *float64 { return &b.SensitiveClaim }),
		prob("retain_prob", judgement, "Chance a new customer keeps visiting (falls with the discount's depth).",
			func(b *Behaviour) *float64 { return &b.RetainProb }),
		num("retain_depth", "relative discount", 0.001, 100, judgement, "Discount depth (face over spend) over which retention falls by a factor e.",
			func(b *Behaviour) *float64 { return &b.RetainDepth }),
		num("gift_choice", "friends", 1, 1000, judgement, "How many friends a sharer considers before passing a coupon to the one likely to value it most.",
			func(b *Behaviour) *float64 { return &b.GiftChoice }),
		share("reminder_recall", judgement, "Share of a forgotten coupon an expiry reminder or recovery notice brings back to mind.",
			func(b *Behaviour) *float64 { return &b.ReminderRecall }),
		prob("nearby_conv", judgement, "Chance an interested user reached by geolocation near the store walks in at once (C6).",
			func(b *Behaviour) *float64 { return &b.NearbyConv }),
	}
	for _, ch := range platform.Channels() {
		source := judgement
		if ch == platform.ChannelLiveStream {
			source = "fitted to B7"
		}
		ps = append(ps, num("selection."+ch.String(), "exponent", 0, 10, source,
			"How strongly "+ch.String()+" selects high-intent users: an exposed user's interest is scaled by z^selection for intent factor z (B7).",
			func(b *Behaviour) *float64 { return &b.Selection[ch] }))
	}
	for _, ch := range platform.Channels() {
		ps = append(ps, num("channel_claim."+ch.String(), "factor", 0, 10, judgement,
			"Multiplies the interest of users "+ch.String()+" reaches, for the attention its moment gets.",
			func(b *Behaviour) *float64 { return &b.ChannelClaim[ch] }))
	}
	return ps
}
