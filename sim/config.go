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
	Risk           platform.Risk
	Behaviour      Behaviour
	Compliance     platform.Compliance
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
	Industry   platform.Industry
	Tier       platform.Tier
	DailyQuota int // DailyQuota is the R11 quota; 0 means the tier's default.
}

// Quota returns the merchant's effective daily quota (R11).
func (m Merchant) Quota() int {
	if m.DailyQuota > 0 {
		return m.DailyQuota
	}
	return m.Tier.DailyQuota()
}

// Coupon is the stock the campaign issues.
type Coupon struct {
	platform.Stock
	Label string // Label is "" or "limited-24h" (B5, B6).
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
}

// Recovery is the merchant's policy for the recycle bin (R14).
type Recovery struct {
	Share float64       // Share of recycled coupons the merchant recovers, 0–1.
	After time.Duration // After is how long after recycling it recovers them (< 30 days).
}

// Behaviour holds the behavioural parameters: rates are per hour of active
// time (activity-weighted clock time), probabilities are 0–1.
type Behaviour struct {
	ClaimProb        float64 // ClaimProb: chance an exposed user is interested at all.
	ClaimRate        float64 // ClaimRate: hazard of claiming once interested, per active hour.
	AttentionHours   float64 // AttentionHours: a push's salience decays with this time constant (0: no decay).
	RedeemProb       float64 // RedeemProb: chance a holder ever intends to redeem.
	RedeemRate       float64 // RedeemRate: redemption hazard per active hour, at issue.
	ForgetHours      float64 // ForgetHours: the redemption intent decays with this time constant (0: none).
	DeadlineBoost    float64 // DeadlineBoost: extra hazard factor in the last DeadlineHours before expiry.
	DeadlineHours    float64
	GiftProb         float64        // GiftProb: chance a holder tries to gift the coupon on.
	GiftRate         float64        // GiftRate: hazard of gifting per active hour, once minded to.
	AcceptProb       float64        // AcceptProb: chance a recipient claims a gift (else refuse or ignore).
	RefuseProb       float64        // RefuseProb: chance a recipient refuses (R15).
	AcceptRate       float64        // AcceptRate: claim hazard of a gift per active hour.
	ExistingBoost    float64        // ExistingBoost multiplies redemption intent of existing customers.
	InquiryProb      float64        // InquiryProb: chance a claim leads to a customer-service inquiry.
	LabelInquiryProb float64        // LabelInquiryProb: extra inquiry chance with the 24 h label (B6).
	LabelUrgency     float64        // LabelUrgency multiplies the early redemption hazard with the label (B5).
	LabelHours       float64        // LabelHours is how long the label's urgency lasts.
	Basket           platform.Money // Basket is the mean spend at redemption.
	Margin           float64        // Margin is the gross margin on sales, 0–1.
	// Activity[h] weighs user activity at hour h (0–23) on weekdays and
	// WeekendActivity on weekends; both are normalised to mean 1. They shape
	// claims and gifts.
	Activity        [24]float64
	WeekendActivity [24]float64
	// RedeemActivity[h] weighs when people redeem (meal and shopping times),
	// every day; normalised to mean 1.
	RedeemActivity [24]float64
	// IntentSpread is the coefficient of variation of users' latent intent
	// (a gamma-distributed factor with mean 1 that scales redemption intent);
	// 0 makes users alike.
	IntentSpread float64
	// Selection[c] is how strongly channel c selects high-intent users: an
	// exposed user claims with probability ClaimProb·z^Selection[c] for
	// intent factor z (B7: a live-stream grab takes effort, so claimers are
	// keen). Indexed by platform.Channel.
	Selection [8]float64
	// ImpulseProb is the chance that a coupon of face value 0 is redeemed on
	// impulse soon after it arrives; it falls as exp(−face/ImpulseScale), so
	// only cheap coupons are impulse buys (B4). ImpulseRate is the impulse
	// hazard per hour, weighted by RedeemActivity, within ImpulseHours.
	ImpulseProb  float64
	ImpulseScale platform.Money
	ImpulseRate  float64
	ImpulseHours float64
}

// DefaultConfig returns a small, valid scenario: 10,000 users on a
// Barabási–Albert graph, a certified catering merchant pushing a 20 CNY
// discount coupon through its official account at 10:00 on weekdays, for 30
// days from Monday 2 March 2026 (Beijing time).
func DefaultConfig() Config {
	return Config{
		Start:   time.Date(2026, 3, 2, 0, 0, 0, 0, time.FixedZone("CST", 8*3600)),
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
		RedeemProb: 0.6, RedeemRate: 0.003, ForgetHours: 200, DeadlineBoost: 30, DeadlineHours: 24,
		GiftProb: 0.6, GiftRate: 0.001,
		AcceptProb: 0.6, RefuseProb: 0.1, AcceptRate: 0.2,
		ExistingBoost: 1.5, InquiryProb: 0.05, LabelInquiryProb: 0.002, LabelUrgency: 1.5, LabelHours: 24,
		Basket: platform.CNY(80), Margin: 0.6,
	}
	// A working day: quiet at night, peaks late morning, noon and evening.
	b.Activity = [24]float64{0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.3, 0.7, 1.1, 1.3, 1.6, 1.6, 1.8, 1.4, 1.1, 1.1, 1.1, 1.2, 1.4, 1.6, 1.7, 1.5, 1.0, 0.4}
	b.WeekendActivity = [24]float64{0.2, 0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.3, 0.7, 1.1, 1.4, 1.5, 1.7, 1.5, 1.4, 1.4, 1.4, 1.4, 1.5, 1.6, 1.7, 1.6, 1.2, 0.6}
	// Redemptions follow meals and shopping: lunch, then dinner and the evening.
	b.RedeemActivity = [24]float64{0.1, 0.05, 0.02, 0.02, 0.02, 0.05, 0.2, 0.6, 0.8, 0.9, 1.1, 2.2, 3.0, 1.8, 1.0, 0.9, 1.0, 1.6, 2.4, 2.2, 1.6, 1.1, 0.6, 0.3}
	b.IntentSpread = 0.9
	b.Selection[platform.ChannelLiveStream] = 2.5
	b.ImpulseProb, b.ImpulseScale, b.ImpulseRate, b.ImpulseHours = 0.1, platform.CNY(100), 1, 2
	return b
}

// Validate returns every problem with c, joined; nil if c can run. Rule
// violations carry their DOMAIN.md id (see platform.RuleOf).
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{platform.ErrInvalid}, a...)...))
	}
	if c.Horizon < time.Hour || c.Horizon > 366*platform.Day {
		bad("horizon must be 1h to 366d, got %s", platform.FormatDuration(c.Horizon))
	}
	p := c.Population
	if p.Users < 2 || p.Users > 50_000_000 {
		bad("population.users must be 2 to 50,000,000, got %d", p.Users)
	}
	for _, s := range []struct {
		name string
		v    float64
	}{{"existing_customers", p.ExistingCustomers}, {"members", p.Members}, {"bank_card", p.BankCard}, {"real_name", p.RealName}, {"abnormal_ip_share", p.AbnormalIPShare}} {
		if !(s.v >= 0 && s.v <= 1) {
			bad("population.%s must be 0 to 1, got %g", s.name, s.v)
		}
	}
	if p.AbnormalIPShare > 0 && p.AbnormalIPGroups < 1 {
		bad("population.abnormal_ip_groups must be at least 1 when abnormal_ip_share > 0")
	}
	if err := c.Coupon.Stock.Validate(); err != nil {
		errs = append(errs, err)
	}
	if c.Coupon.Label != "" && c.Coupon.Label != LabelLimited24h {
		bad("coupon.label must be empty or %q, got %q", LabelLimited24h, c.Coupon.Label)
	}
	if err := c.Merchant.Tier.CheckQuotaSetting(c.Merchant.Quota()); err != nil {
		errs = append(errs, err)
	}
	if len(c.Campaign) == 0 {
		bad("campaign needs at least one push")
	}
	planned := 0
	for i, push := range c.Campaign {
		if push.SendsPerDay < 0 {
			bad("campaign[%d].sends_per_day must not be negative", i)
		}
		if err := push.Channel.CheckTier(c.Merchant.Tier); err != nil {
			errs = append(errs, fmt.Errorf("campaign[%d]: %w", i, err))
		}
		if push.Channel != platform.ChannelChat {
			if err := push.Channel.CheckValidity(c.Coupon.Validity); err != nil {
				errs = append(errs, fmt.Errorf("campaign[%d]: %w", i, err))
			}
		}
		if push.PushAt < 0 || push.PushAt >= platform.Day {
			bad("campaign[%d].push_at must be within the day (00:00 to 23:59)", i)
		}
		if push.Channel == platform.ChannelAPI {
			if err := platform.CheckSlot(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Add(push.PushAt)); err != nil {
				errs = append(errs, fmt.Errorf("campaign[%d]: %w", i, err))
			}
			planned += push.SendsPerDay
		}
		switch push.Target {
		case "", "all", "customers", "non-customers":
		default:
			bad("campaign[%d].target must be all, customers or non-customers, got %q", i, push.Target)
		}
	}
	if planned > c.Merchant.Quota() {
		errs = append(errs, &platform.RuleError{Rule: "R11", Err: platform.ErrQuotaExhausted,
			Msg: fmt.Sprintf("API sends of %d a day exceed the %s merchant's daily quota of %d", planned, c.Merchant.Tier, c.Merchant.Quota())})
	}
	if !(c.Recovery.Share >= 0 && c.Recovery.Share <= 1) {
		bad("recovery.share must be 0 to 1, got %g", c.Recovery.Share)
	}
	if c.Recovery.Share > 0 && (c.Recovery.After < 0 || c.Recovery.After >= platform.RecycleRetention) {
		bad("recovery.after must be under %s (R14), got %s", platform.FormatDuration(platform.RecycleRetention), platform.FormatDuration(c.Recovery.After))
	}
	if err := c.Risk.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Behaviour.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Validate checks that probabilities are 0–1 and rates non-negative.
func (b *Behaviour) Validate() error {
	var errs []error
	for _, p := range []struct {
		name string
		v    float64
	}{{"claim_prob", b.ClaimProb}, {"redeem_prob", b.RedeemProb}, {"gift_prob", b.GiftProb}, {"accept_prob", b.AcceptProb},
		{"refuse_prob", b.RefuseProb}, {"inquiry_prob", b.InquiryProb}, {"label_inquiry_prob", b.LabelInquiryProb}, {"margin", b.Margin}} {
		if !(p.v >= 0 && p.v <= 1) {
			errs = append(errs, fmt.Errorf("%w: behaviour.%s must be 0 to 1, got %g", platform.ErrInvalid, p.name, p.v))
		}
	}
	if b.AcceptProb+b.RefuseProb > 1 {
		errs = append(errs, fmt.Errorf("%w: behaviour.accept_prob + refuse_prob must be at most 1", platform.ErrInvalid))
	}
	for _, r := range []struct {
		name string
		v    float64
	}{{"claim_rate", b.ClaimRate}, {"redeem_rate", b.RedeemRate}, {"gift_rate", b.GiftRate}, {"accept_rate", b.AcceptRate},
		{"attention_hours", b.AttentionHours}, {"forget_hours", b.ForgetHours}, {"deadline_boost", b.DeadlineBoost},
		{"deadline_hours", b.DeadlineHours}, {"existing_boost", b.ExistingBoost}, {"label_urgency", b.LabelUrgency}, {"label_hours", b.LabelHours}} {
		if !(r.v >= 0 && r.v < 1e6) {
			errs = append(errs, fmt.Errorf("%w: behaviour.%s must be non-negative, got %g", platform.ErrInvalid, r.name, r.v))
		}
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
			errs = append(errs, fmt.Errorf("%w: behaviour.%s needs 24 non-negative weights, some positive", platform.ErrInvalid, prof.name))
		}
	}
	for c, k := range b.Selection {
		if !(k >= 0 && k <= 10) {
			errs = append(errs, fmt.Errorf("%w: behaviour.selection of %s must be 0 to 10, got %g", platform.ErrInvalid, platform.Channel(c), k))
		}
	}
	if !(b.IntentSpread >= 0 && b.IntentSpread <= 5) {
		errs = append(errs, fmt.Errorf("%w: behaviour.intent_spread must be 0 to 5, got %g", platform.ErrInvalid, b.IntentSpread))
	}
	if !(b.ImpulseProb >= 0 && b.ImpulseProb <= 1) || b.ImpulseScale < 0 || !(b.ImpulseRate >= 0) || !(b.ImpulseHours >= 0) {
		errs = append(errs, fmt.Errorf("%w: behaviour.impulse_prob must be 0 to 1 and impulse_scale, impulse_rate, impulse_hours non-negative", platform.ErrInvalid))
	}
	return errors.Join(errs...)
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
	Precision    *Precision
	Setup        [][2]string // Setup echoes the base scenario as name/value rows.
}

// Arm is one arm of an experiment: its name, its full config and the
// settings it changes against the base.
type Arm struct {
	Name        string
	Config      Config
	Settings    [][2]string
	SweepValues []string
}

// Precision asks for replications to be added until the 95% interval of a
// KPI is narrow enough in every arm.
type Precision struct {
	KPI       string  // KPI is the KPI id, e.g. "redemption_rate".
	HalfWidth float64 // HalfWidth is the target half-width, in the KPI's unit.
	Max       int     // Max caps the replications.
}
