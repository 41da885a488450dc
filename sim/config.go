package sim

import (
	"errors"
	"fmt"
	"time"

	"giftsim/platform"
)

// Config is one arm's complete setup: who the users are, what the merchant
// issues, through which channels, and how people behave. Every field has a
// default (DefaultConfig); Validate says what is wrong in plain words.
type Config struct {
	Start      time.Time     // Start fixes the weekday and hour of simulated time 0.
	Horizon    time.Duration // Horizon is how long to simulate.
	Population Population
	Merchant   Merchant
	Coupon     Coupon
	Campaign   []Push
	Recovery   Recovery
	// ReferralReward issues a fresh coupon to every new customer acquired
	// through a gift, so they can pass it on in turn: the seed's
	// second-level sharing reward (section 5), which turns gifting into a
	// branching process.
	ReferralReward bool
	// Targets are the counts whose time to reach the strategist asks for
	// (the days_to_* KPIs).
	Targets    Targets
	Risk       platform.Risk
	Behaviour  Behaviour
	Compliance platform.Compliance
}

// Population describes the users and their friend graph.
type Population struct {
	Users int
	Graph GraphSpec
	// The shares of users with each flag, 0–1.
	ExistingCustomers float64
	Members           float64
	BankCard          float64 // R8: needed to gift
	RealName          float64 // R6: needed to receive education coupons
	// AbnormalIPShare of users sit behind AbnormalIPGroups shared abnormal IPs (R17).
	AbnormalIPShare  float64
	AbnormalIPGroups int
	// Homophily, 0–1, is how strongly friends resemble each other: a
	// user's affinity for the merchant is blended with their friends' before
	// the existing customers are chosen, so customers cluster in the graph
	// (McPherson et al., 2001).
	Homophily float64
	// Followers is the share of non-customers who follow the merchant's
	// official account (customers all follow): the official account's
	// audience (C2).
	Followers float64
}

// GraphSpec chooses the friend-graph model and its parameters.
type GraphSpec struct {
	Model string  // "barabasi-albert", "watts-strogatz", "stochastic-block" or "edge-list"
	M     int     // barabasi-albert: edges per new node
	K     int     // watts-strogatz: ring neighbours (even)
	Beta  float64 // watts-strogatz: rewiring probability
	// Blocks, PIn and POut describe a stochastic block model of equal blocks.
	Blocks    int
	PIn, POut float64
	File      string // edge-list: CSV path
}

// Merchant is the issuing merchant.
type Merchant struct {
	Industry platform.Industry
	// Tier is the merchant's tier on the first day.
	Tier platform.Tier
	// DailyQuota is the R11 quota at Tier; 0 means the tier's default.
	DailyQuota int
	// CertifiedFrom and FiledFrom are the campaign days (from 0) on which
	// the merchant becomes certified and filed, 0 when not scheduled: from
	// then on it has that tier's quota and channels (R11, C2, C4).
	CertifiedFrom, FiledFrom int
}

// Schedule returns the merchant's tier schedule over the campaign (R11).
func (m Merchant) Schedule() platform.TierSchedule {
	s := platform.TierSchedule{Start: m.Tier, Quota: m.DailyQuota}
	if m.CertifiedFrom > 0 {
		s.Changes = append(s.Changes, platform.TierChange{FromDay: m.CertifiedFrom, Tier: platform.TierCertified})
	}
	if m.FiledFrom > 0 {
		s.Changes = append(s.Changes, platform.TierChange{FromDay: m.FiledFrom, Tier: platform.TierFiled})
	}
	return s
}

// Scheduled reports whether the merchant's tier changes during the campaign.
func (m Merchant) Scheduled() bool { return m.CertifiedFrom > 0 || m.FiledFrom > 0 }

// Quota returns the merchant's daily quota on the first day (R11).
func (m Merchant) Quota() int { return m.QuotaOn(0) }

// QuotaOn returns the merchant's daily quota on campaign day day (R11).
func (m Merchant) QuotaOn(day int) int { return m.Schedule().QuotaOn(day) }

// TierOn returns the merchant's tier on campaign day day.
func (m Merchant) TierOn(day int) platform.Tier { return m.Schedule().TierOn(day) }

// Targets are counts a strategist wants to reach; 0 sets no target.
type Targets struct {
	// Holders is a number of holders: users who have held at least one of
	// the campaign's coupons, from the merchant or as a gift, counted once.
	Holders int
	// NewCustomers is a number of new customers (the new_customers KPI).
	NewCustomers int
}

// Coupon is the stock the campaign issues.
type Coupon struct {
	platform.Stock
	Label string // Label is "" or "limited-24h" (B5, B6).
	// Tiers are further spend thresholds with larger discounts (a tiered
	// discount: Face off MinSpend, and each tier's Face off its MinSpend);
	// the holder uses the tier worth most to them.
	Tiers []Tier
	// Reminder, if positive, is how long before expiry the merchant reminds
	// holders that the coupon is about to lapse.
	Reminder time.Duration
	// Budget caps the face value the campaign issues (0: no cap): a send is
	// refused once its face value would take the total issued past it.
	// Spent means issued, redeemed or not, as a platform stock's budget
	// counts (max coupons × face value): the most the discounts can cost.
	Budget platform.Money
	// BudgetCoupons caps the number of sends that issue coupons (0: no
	// cap; a combo counts once). With Budget too, the tighter one binds.
	BudgetCoupons int
}

// MaxSends returns how many sends the budget allows: 0 for no cap, -1
// when not even one coupon fits in Budget.
func (c Coupon) MaxSends() int {
	n := 0
	if c.Budget > 0 && c.Face > 0 {
		n = int(c.Budget / c.Face)
		if n == 0 {
			return -1
		}
	}
	if c.BudgetCoupons > 0 && (n == 0 || c.BudgetCoupons < n) {
		n = c.BudgetCoupons
	}
	return n
}

// Tier is one step of a tiered discount.
type Tier struct {
	MinSpend platform.Money
	Face     platform.Money
}

// LabelLimited24h is the "limited 24 hours" label (B5, B6).
const LabelLimited24h = "limited-24h"

// Push is one channel of the campaign: how many sends a day, when, and to whom.
type Push struct {
	Channel      platform.Channel
	SendsPerDay  int           // SendsPerDay: exposures a day (API: coupons issued directly).
	PushAt       time.Duration // PushAt is the time of day of the push, from midnight.
	WeekdaysOnly bool
	FirstDay     int    // FirstDay is the first campaign day, 0-based.
	Days         int    // Days is how many days the push runs; 0 means to the horizon.
	Target       string // Target is "all", "customers" or "non-customers".
	// Device limits the push to users of one device family ("iphone",
	// "android", "harmonyos"); "" reaches every device (C6 targeting).
	Device string
}

// Recovery is the merchant's policy for the recycle bin (R14).
type Recovery struct {
	Share float64       // Share of recycled coupons the merchant recovers, 0–1.
	After time.Duration // After is how long after recycling it recovers them (< 30 days).
}

// Behaviour holds the behavioural parameters: rates are per hour of active
// time (activity-weighted clock time) unless named per day, probabilities are
// 0–1. Parameters declares each scalar one's meaning, unit, range and
// source (docs/MODEL.md lists them); a new field needs an entry there.
type Behaviour struct {
	ClaimProb      float64 // ClaimProb: chance an exposed user who finds the offer fully attractive is interested.
	ClaimRate      float64 // ClaimRate: hazard of claiming once interested, per active hour.
	AttentionHours float64 // AttentionHours: a push's salience decays with this time constant (0: no decay).
	RedeemProb     float64 // RedeemProb: chance a holder who values the offer fully makes a special trip for it.
	RedeemRate     float64 // RedeemRate: hazard of that trip per active hour, at receipt.
	ForgetHours    float64 // ForgetHours: the holder's memory of the coupon decays with this time constant (0: none).
	// PlanSkew is how a holder who means to go plans when (0: no planned
	// trips): at a time in the
	// validity left drawn as U^(1/PlanSkew) of it (1: uniform; larger puts
	// plans near the deadline, procrastination). The plan happens only if
	// the plan still stands then: plans lapse with the time constant
	// PlanHours (prospective memory, which outlasts the recall of a coupon
	// at the till that ForgetHours describes).
	PlanSkew         float64
	PlanHours        float64
	GiftProb         float64        // GiftProb: chance a holder tries to gift the coupon on.
	GiftRate         float64        // GiftRate: hazard of gifting per active hour, once minded to.
	AcceptProb       float64        // AcceptProb: chance a recipient who values the offer fully claims a gift.
	RefuseProb       float64        // RefuseProb: chance a recipient refuses (R15).
	AcceptRate       float64        // AcceptRate: claim hazard of a gift per active hour.
	ExistingBoost    float64        // ExistingBoost is how many times likelier a customer is than a prospect to make a trip for a coupon.
	InquiryProb      float64        // InquiryProb: chance a claim leads to a customer-service inquiry.
	LabelInquiryProb float64        // LabelInquiryProb: extra inquiry chance with the 24 h label (B6).
	LabelUrgency     float64        // LabelUrgency multiplies the early trip hazard with the label (B5).
	LabelHours       float64        // LabelHours is how long the label's urgency lasts.
	Basket           platform.Money // Basket is the mean usual spend of a visit (客单价).
	Margin           float64        // Margin is the gross margin on sales, 0–1.
	// Activity[h] weighs user activity at hour h (0–23) on weekdays and
	// WeekendActivity on weekends; both are normalised to mean 1. They shape
	// claims and gifts.
	Activity        [24]float64
	WeekendActivity [24]float64
	// RedeemActivity[h] weighs when people shop (meal and shopping times),
	// every day; normalised to mean 1.
	RedeemActivity [24]float64
	// IntentSpread is the coefficient of variation of users' latent
	// deal-proneness (a gamma-distributed factor with mean 1 that scales
	// interest and trip intent); 0 makes users alike.
	IntentSpread float64
	// Selection[c] is how strongly channel c selects high-intent users: an
	// exposed user's interest is scaled by z^Selection[c] for intent factor z
	// (B7: a live-stream grab takes effort, so claimers are keen). Indexed by
	// platform.Channel.
	Selection [8]float64
	// ChannelClaim[c] multiplies the interest of a user the channel reaches,
	// for the attention its moment gets (a popup on the payment page, a
	// personal chat message). Indexed by platform.Channel.
	ChannelClaim [8]float64
	// ImpulseProb is the chance that a holder whose usual ticket is 0 buys
	// on impulse soon after the coupon arrives at the busiest shopping
	// hour; it falls as exp(−basket/ImpulseScale), so only low-ticket
	// purchases are impulse buys, and with RedeemActivity at the hour of
	// arrival, so an impulse needs a moment of need (B4). ImpulseRate is
	// the impulse hazard per hour, weighted by RedeemActivity, within
	// ImpulseHours.
	ImpulseProb  float64
	ImpulseScale platform.Money
	ImpulseRate  float64
	ImpulseHours float64

	// BasketSpread is the coefficient of variation of users' usual spend
	// (lognormal around Basket).
	BasketSpread float64
	// ValueScale is the relative discount (perceived value over usual
	// spend) at which an offer's appeal reaches 1 − 1/e of its most.
	ValueScale float64
	// TopUpAversion, 0–1, is the share of a top-up to reach min_spend that
	// the holder counts against the discount.
	TopUpAversion float64
	// VisitDays is the mean time between an existing customer's own visits
	// (their natural purchase occasions), in days; VisitSpread is its
	// coefficient of variation across customers.
	VisitDays   float64
	VisitSpread float64
	// OpportunityRate is how many moments a day a user could make a trip to
	// the merchant; it bounds coupon-induced trips.
	OpportunityRate float64
	// TrialRate is a prospect's rate, per day, of occasions for a first
	// visit (a meal with friends, passing by), at which the coupon comes to
	// mind; they go if the offer is worth it (scaled by appeal and intent).
	TrialRate float64
	// Acceleration, 0–1, is the share of a customer's coupon-induced visit
	// that is a later own visit brought forward, not extra.
	Acceleration float64
	// Fatigue is the interest lost per recent exposure (exp(−Fatigue·n)),
	// where recent exposures n fade with the time constant FatigueDays.
	Fatigue     float64
	FatigueDays float64
	// UnfollowProb is the chance, per recent exposure before this one, that
	// an exposure makes a user unfollow and block the merchant's pushes;
	// LapseProb is the chance an unfollowing customer stops buying.
	UnfollowProb float64
	LapseProb    float64
	// SensitiveClaim multiplies the interest of a sensitive user (R15: who
	// refused a coupon before).
	SensitiveClaim float64
	// RetainProb is the chance a new customer keeps visiting; it falls as
	// exp(−depth/RetainDepth) with the depth of the discount that won them
	// (deal-prone customers won by deep discounts stay less).
	RetainProb  float64
	RetainDepth float64
	// GiftChoice is how many friends a sharer considers; they pass the
	// coupon to the one likely to value it most.
	GiftChoice float64
	// ReminderRecall is the share of a forgotten coupon an expiry reminder
	// (or a recovery notice) brings back to mind.
	ReminderRecall float64
	// NearbyConv is the chance an interested user reached by a geolocation
	// push near the store goes in at once (C6).
	NearbyConv float64
}

// DefaultConfig returns a small, valid scenario: 10,000 users on a
// Barabási–Albert graph, a certified catering merchant pushing a 20 CNY
// discount coupon through its official account at 10:00 on weekdays, for 30
// days from Monday 2 March 2026 (Beijing time).
func DefaultConfig() Config {
	return Config{
		Start:   time.Date(2026, 3, 2, 0, 0, 0, 0, platform.Beijing),
		Horizon: 30 * platform.Day,
		Population: Population{
			Users:             10000,
			Graph:             GraphSpec{Model: "barabasi-albert", M: 5, K: 10, Beta: 0.1, Blocks: 10, PIn: 0.01, POut: 0.0005},
			ExistingCustomers: 0.2,
			Members:           0.1,
			BankCard:          0.8,
			RealName:          0.9,
			AbnormalIPShare:   0.002,
			AbnormalIPGroups:  5,
			Homophily:         0.5,
			Followers:         0.25,
		},
		Merchant: Merchant{Industry: platform.IndustryCatering, Tier: platform.TierCertified},
		Coupon: Coupon{Stock: platform.Stock{
			Kind: platform.KindDiscount, Category: platform.CategoryGeneral,
			Face: platform.CNY(20), MinSpend: platform.CNY(60), Validity: 30 * platform.Day, AllowTransfer: true,
		}},
		Campaign:   []Push{{Channel: platform.ChannelOfficialAccount, SendsPerDay: 1000, PushAt: 10 * time.Hour, WeekdaysOnly: true, Target: "all"}},
		Recovery:   Recovery{Share: 0, After: 3 * platform.Day},
		Risk:       platform.DefaultRisk(),
		Behaviour:  DefaultBehaviour(),
		Compliance: platform.Compliance{BrandLabel: "this coupon is provided by BRAND", LabelFontPt: 12},
	}
}

// DefaultBehaviour returns the uncalibrated priors of the behavioural
// parameters: the starting point of `giftsim calibrate --from-defaults`.
// Scenarios start from the calibrated profile it writes
// (scenarios/profiles/default.yaml), not from these.
func DefaultBehaviour() Behaviour {
	b := Behaviour{
		ClaimProb: 0.35, ClaimRate: 0.2, AttentionHours: 8,
		RedeemProb: 0.6, RedeemRate: 0.002, ForgetHours: 48, PlanSkew: 1.5, PlanHours: 120,
		GiftProb: 0.2, GiftRate: 0.005,
		AcceptProb: 0.6, RefuseProb: 0.1, AcceptRate: 0.2,
		ExistingBoost: 2, InquiryProb: 0.05, LabelInquiryProb: 0.002, LabelUrgency: 1.5, LabelHours: 24,
		Basket: platform.CNY(80), Margin: 0.6,
	}
	// A working day: quiet at night, peaks late morning, noon and evening.
	b.Activity = [24]float64{0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.3, 0.7, 1.1, 1.3, 1.6, 1.6, 1.8, 1.4, 1.1, 1.1, 1.1, 1.2, 1.4, 1.6, 1.7, 1.5, 1.0, 0.4}
	b.WeekendActivity = [24]float64{0.2, 0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.3, 0.7, 1.1, 1.4, 1.5, 1.7, 1.5, 1.4, 1.4, 1.4, 1.4, 1.5, 1.6, 1.7, 1.6, 1.2, 0.6}
	// Redemptions follow meals and shopping: lunch, then dinner and the evening.
	b.RedeemActivity = [24]float64{0.1, 0.05, 0.02, 0.02, 0.02, 0.05, 0.2, 0.6, 0.8, 0.9, 1.1, 2.2, 3.0, 1.8, 1.0, 0.9, 1.0, 1.6, 2.4, 2.2, 1.6, 1.1, 0.6, 0.3}
	b.IntentSpread = 0.9
	b.Selection[platform.ChannelLiveStream] = 2.5
	b.ImpulseProb, b.ImpulseScale, b.ImpulseRate, b.ImpulseHours = 0.1, platform.CNY(200), 1, 2
	// A personal message or a popup on the payment page gets more attention
	// than a message in the official account's feed.
	b.ChannelClaim = [8]float64{1, 1.5, 1, 1.2, 1, 1.5, 1.2, 1}
	b.BasketSpread, b.ValueScale, b.TopUpAversion = 0.5, 0.15, 0.5
	b.VisitDays, b.VisitSpread, b.OpportunityRate = 10, 1, 0.5
	b.TrialRate, b.Acceleration = 0.03, 0.5
	b.Fatigue, b.FatigueDays, b.UnfollowProb, b.LapseProb = 0.3, 7, 0.01, 0.3
	b.SensitiveClaim, b.RetainProb, b.RetainDepth = 0.5, 0.35, 0.5
	b.GiftChoice, b.ReminderRecall, b.NearbyConv = 10, 0.5, 0.15
	return b
}

// Validate returns every problem with c, joined; nil if c can run. Each
// problem is a *FieldError naming the scenario field it concerns; rule
// violations carry their DOMAIN.md id (see platform.RuleOf). The compliance
// rules (R18–R20) are CheckCompliance's.
func (c *Config) Validate() error { return errors.Join(c.validate()...) }

// Problems returns every problem Validate and then CheckCompliance find,
// one *FieldError each; a scenario checker places each by its fields and
// may let one marked Warn through.
func (c *Config) Problems() []*FieldError {
	var out []*FieldError
	for _, err := range append(c.validate(), c.compliance()...) {
		out = append(out, err.(*FieldError))
	}
	return out
}

// validate is Validate's problems, each a *FieldError.
func (c *Config) validate() []error {
	var errs []error
	bad := func(path string, also []string, format string, a ...any) {
		errs = append(errs, invalid(path, also, format, a...))
	}
	if c.Horizon < time.Hour || c.Horizon > 366*platform.Day {
		bad("horizon", nil, "must be 1h to 366d, got %s", platform.FormatDuration(c.Horizon))
	}
	p := c.Population
	if p.Users < 2 || p.Users > 50_000_000 {
		bad("population.users", nil, "must be 2 to 50,000,000, got %d", p.Users)
	}
	for _, s := range []struct {
		name string
		v    float64
	}{{"existing_customers", p.ExistingCustomers}, {"members", p.Members}, {"bank_card", p.BankCard}, {"real_name", p.RealName}, {"abnormal_ip_share", p.AbnormalIPShare}} {
		if !(s.v >= 0 && s.v <= 1) {
			bad("population."+s.name, nil, "must be 0 to 1, got %g", s.v)
		}
	}
	if p.AbnormalIPShare > 0 && p.AbnormalIPGroups < 1 {
		bad("population.abnormal_ip_groups", []string{"population.abnormal_ip_share"}, "must be at least 1 when abnormal_ip_share > 0")
	}
	errs = append(errs, stockProblems(c.Coupon.Stock)...)
	for i, t := range c.Coupon.Tiers {
		prev := Tier{MinSpend: c.Coupon.MinSpend, Face: c.Coupon.Face}
		if i > 0 {
			prev = c.Coupon.Tiers[i-1]
		}
		if t.MinSpend <= prev.MinSpend || t.Face <= prev.Face {
			bad(fmt.Sprintf("coupon.tiers[%d]", i), nil, "must have a larger min_spend and face_value than the tier before it")
		}
		if t.Face >= t.MinSpend {
			bad(fmt.Sprintf("coupon.tiers[%d].face_value", i), nil, "must be below its min_spend")
		}
	}
	if len(c.Coupon.Tiers) > 0 && c.Coupon.Kind != platform.KindDiscount {
		bad("coupon.tiers", []string{"coupon.kind"}, "tiers apply to discount coupons only, this one is %s", c.Coupon.Kind)
	}
	if c.Coupon.Reminder < 0 || c.Coupon.Reminder >= c.Coupon.Validity && c.Coupon.Reminder > 0 {
		bad("coupon.reminder", []string{"coupon.validity"}, "must be shorter than the validity, got %s", platform.FormatDuration(c.Coupon.Reminder))
	}
	if c.Coupon.Budget < 0 {
		bad("coupon.budget", nil, "must not be negative")
	}
	if c.Coupon.BudgetCoupons < 0 {
		bad("coupon.budget_coupons", nil, "must not be negative")
	}
	if c.Coupon.Budget >= 0 && c.Coupon.BudgetCoupons >= 0 && c.Coupon.MaxSends() < 0 {
		bad("coupon.budget", []string{"coupon.face_value"}, "budget of %s CNY is below one coupon's face value (%s CNY): nothing could be issued", c.Coupon.Budget, c.Coupon.Face)
	}
	if c.Targets.Holders < 0 {
		bad("targets.holders", nil, "must not be negative")
	}
	if c.Targets.NewCustomers < 0 {
		bad("targets.new_customers", nil, "must not be negative")
	}
	if !(p.Homophily >= 0 && p.Homophily <= 1) {
		bad("population.homophily", nil, "must be 0 to 1, got %g", p.Homophily)
	}
	if !(p.Followers >= 0 && p.Followers <= 1) {
		bad("population.followers", nil, "must be 0 to 1, got %g", p.Followers)
	}
	if c.Coupon.Label != "" && c.Coupon.Label != LabelLimited24h {
		bad("coupon.label", nil, "must be empty or %q, got %q", LabelLimited24h, c.Coupon.Label)
	}
	if err := c.Merchant.Tier.CheckQuotaSetting(c.Merchant.Quota()); err != nil {
		errs = append(errs, fromRule("merchant.daily_quota", []string{"merchant.tier"}, err))
	}
	errs = append(errs, c.checkSchedule()...)
	if len(c.Campaign) == 0 {
		bad("campaign", nil, "campaign needs at least one push")
	}
	// A validity outside 1d–90d is reported once (stockProblems), not again
	// per channel.
	stockValidity := c.Coupon.Validity >= platform.Day && c.Coupon.Validity <= platform.MaxValidity
	for i, push := range c.Campaign {
		entry := fmt.Sprintf("campaign[%d]", i)
		if push.SendsPerDay < 0 {
			bad(entry+".sends_per_day", nil, "must not be negative")
		}
		if err := c.checkPushTier(i); err != nil {
			errs = append(errs, fromRule(entry+".channel", []string{"merchant.tier"}, err))
		}
		if push.Channel != platform.ChannelChat && stockValidity {
			if err := push.Channel.CheckValidity(c.Coupon.Validity); err != nil {
				errs = append(errs, fromRule("coupon.validity", []string{entry + ".channel"}, err))
			}
		}
		if push.PushAt < 0 || push.PushAt >= platform.Day {
			bad(entry+".push_at", nil, "must be within the day (00:00 to 23:59)")
		}
		if push.Channel == platform.ChannelAPI {
			if err := platform.CheckSlot(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Add(push.PushAt)); err != nil {
				errs = append(errs, fromRule(entry+".push_at", nil, err))
			}
		}
		if _, ok := deviceOf(push.Device); !ok {
			bad(entry+".device", nil, "must be empty, iphone, android or harmonyos, got %q", push.Device)
		}
		switch push.Target {
		case "", "all", "customers", "non-customers":
		default:
			bad(entry+".target", nil, "must be all, customers or non-customers, got %q", push.Target)
		}
	}
	if err := c.checkPlannedSends(); err != nil {
		errs = append(errs, err)
	}
	if !(c.Recovery.Share >= 0 && c.Recovery.Share <= 1) {
		bad("recovery.share", nil, "must be 0 to 1, got %g", c.Recovery.Share)
	}
	if c.Recovery.Share > 0 && (c.Recovery.After < 0 || c.Recovery.After >= platform.RecycleRetention) {
		errs = append(errs, ruled("recovery.after", []string{"recovery.share"}, "R14", platform.ErrInvalid,
			"must be under %s, got %s", platform.FormatDuration(platform.RecycleRetention), platform.FormatDuration(c.Recovery.After)))
	}
	if err := c.Risk.Validate(); err != nil {
		errs = append(errs, fromRule("risk", nil, err))
	}
	return append(errs, c.Behaviour.problems()...)
}

// stockProblems places each rule the coupon's stock breaks (R1–R7, R10,
// validity; platform.Stock.Validate) at the field to change first, by the
// refusal's sentinel and rule, then the fields that also decide it.
func stockProblems(s platform.Stock) []error {
	kr := platform.RuleOfKind(s.Kind)
	faceOver := kr.MaxFace > 0 && s.Face > kr.MaxFace // Validate's first value limit is then the face value's
	var out []error
	for _, err := range leaves(s.Validate()) {
		var path string
		var also []string
		switch {
		case errors.Is(err, platform.ErrValidityRange):
			path = "coupon.validity"
		case errors.Is(err, platform.ErrValueLimit) && faceOver:
			path, also, faceOver = "coupon.face_value", []string{"coupon.kind"}, false
		case errors.Is(err, platform.ErrValueLimit):
			path, also = "coupon.min_spend", []string{"coupon.kind"}
		case errors.Is(err, platform.ErrNotGiftable) && platform.RuleOf(err) == "R5":
			path, also = "coupon.allow_transfer", []string{"coupon.category"}
		case errors.Is(err, platform.ErrNotGiftable):
			path, also = "coupon.allow_transfer", []string{"coupon.kind"}
		case errors.Is(err, platform.ErrReviewRequired):
			path, also = "coupon.reviewed", []string{"coupon.category", "coupon.face_value"}
		case platform.RuleOf(err) == "R1-R4":
			path = "coupon.kind"
		case platform.RuleOf(err) == "R4":
			path, also = "coupon.sub_kinds", []string{"coupon.kind"}
		default: // the face value is not positive
			path = "coupon.face_value"
		}
		out = append(out, fromRule(path, also, err))
	}
	return out
}

// CheckCompliance returns every compliance rule c breaks (R18–R20,
// platform.Compliance.Check), joined, each a *FieldError. The simulator
// runs a minor R18 violation (Warn) with its display penalty.
func (c *Config) CheckCompliance() error { return errors.Join(c.compliance()...) }

// compliance is CheckCompliance's problems, each a *FieldError.
func (c *Config) compliance() []error {
	_, err := c.Compliance.Check()
	var errs []error
	for _, err := range leaves(err) {
		var e *FieldError
		switch platform.RuleOf(err) {
		case "R18":
			if c.Compliance.ForgedMarks {
				e = fromRule("compliance.forged_marks", nil, err)
			} else {
				e = fromRule("compliance.force_follow", nil, err)
				e.Warn = true
			}
		case "R19":
			if c.Compliance.BrandLabel != "" {
				e = fromRule("compliance.label_font_pt", []string{"compliance.brand_label"}, err)
			} else {
				e = fromRule("compliance.brand_label", nil, err)
			}
		case "R20":
			e = fromRule("compliance.cash_equivalent", []string{"compliance.signed_commitment", "merchant.industry"}, err)
		default:
			e = fromRule("compliance", nil, err)
		}
		errs = append(errs, e)
	}
	return errs
}

// Validate checks every parameter against its range in Parameters, that
// accept_prob + refuse_prob is at most 1, and the activity profiles; each
// problem is a *FieldError.
func (b *Behaviour) Validate() error { return errors.Join(b.problems()...) }

// problems is Validate's problems, each a *FieldError.
func (b *Behaviour) problems() []error {
	var errs []error
	for _, p := range Parameters() {
		if err := p.check(p.Get(b)); err != nil {
			errs = append(errs, err)
		}
	}
	if b.AcceptProb+b.RefuseProb > 1 {
		errs = append(errs, invalid("behaviour.accept_prob", []string{"behaviour.refuse_prob"}, "accept_prob + refuse_prob must be at most 1"))
	}
	for _, prof := range []struct {
		name string
		w    *[24]float64
	}{{"activity", &b.Activity}, {"weekend_activity", &b.WeekendActivity}, {"redeem_activity", &b.RedeemActivity}} {
		sum := 0.0
		for _, x := range prof.w {
			if !(x >= 0 && x < 1e6) {
				sum = -1
				break
			}
			sum += x
		}
		if sum <= 0 {
			errs = append(errs, invalid("behaviour."+prof.name, nil, "%s needs 24 non-negative weights, some positive", prof.name))
		}
	}
	return errs
}

// Experiment is what a scenario file asks for: arms run with common random
// numbers over several replications.
type Experiment struct {
	Name     string
	Question string
	File     string
	Seed     uint64
	// Replications is the number of replications per arm (the minimum when
	// a precision target is set).
	Replications int
	Arms         []Arm
	Sweep        []string // Sweep names the swept fields, if the arms come from a sweep.
	// SweepUnits, parallel to Sweep, is the unit of each swept field's
	// numbers (results.Simulation.SweepUnits); "" when its values are not numbers.
	SweepUnits []string
	Precision  *Precision
	Setup      [][2]string // Setup echoes the base scenario as name/value rows.
	// Ensemble is the calibrated profile's ensemble of parameter sets; each
	// replication runs every arm with one of them (see Member). Nil runs
	// the profile's central values only.
	Ensemble []Member
}

// Arm is one arm of an experiment: its name, its full config and the
// settings it changes against the base.
type Arm struct {
	Name        string
	Config      Config
	Settings    [][2]string
	SweepValues []string
	// SweepNumbers are SweepValues as numbers in Experiment.SweepUnits.
	SweepNumbers []float64
}

// Precision asks for replications to be added until the 95% interval of a
// KPI is narrow enough in every arm.
type Precision struct {
	KPI       string  // KPI is the KPI id, e.g. "redemption_rate".
	HalfWidth float64 // HalfWidth is the target half-width, in the KPI's unit.
	Max       int     // Max caps the replications.
}
