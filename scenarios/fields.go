package scenarios

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"giftsim/platform"
	"giftsim/sim"
)

// config is one arm's setup as a scenario states it: the simulator's config
// plus the switch that only validation reads.
type config struct {
	sim.Config
	// simulatePenalty lets an R18 minor violation (force_follow) through as
	// a warning, so the simulator applies the 7-day display penalty.
	simulatePenalty bool
}

// defaultConfig is sim.DefaultConfig with the shipped behavioural profile
// and the derived fields set.
func defaultConfig() config {
	c := config{Config: sim.DefaultConfig()}
	c.Behaviour = shippedProfile().Behaviour
	c.finish()
	return c
}

// finish sets the fields derived from others: the compliance check's
// industry is the merchant's (R20).
func (c *config) finish() { c.Compliance.Industry = c.Merchant.Industry }

// clone returns a deep copy of c.
func (c *config) clone() config {
	out := *c
	out.Campaign = slices.Clone(c.Campaign)
	out.Coupon.SubKinds = slices.Clone(c.Coupon.SubKinds)
	out.Coupon.Tiers = slices.Clone(c.Coupon.Tiers)
	return out
}

// Limits on lists, so a file cannot make arms or configs huge.
const (
	maxPushes   = 100 // campaign entries
	maxSubKinds = 8   // coupon.sub_kinds entries
	maxTiers    = 8   // coupon.tiers entries
	maxArms     = 200 // arms, written or from a sweep
	maxValues   = 100 // values of one swept field
	maxText     = 2000
)

// movedFields maps a field the format no longer has to where it went, for
// a message that names the new field.
var movedFields = map[string]string{
	"budget": "budget has moved to coupon.budget (CNY of face value issued) or coupon.budget_coupons (a count of coupons)",
}

// section is an object of the format: a path whose fields follow.
type section struct{ name, doc string }

// table is the format: every field of a config and of a campaign entry, in
// reference order. One table drives decoding, encoding, the JSON Schema and
// the reference in docs/SCENARIOS.md.
type table struct {
	sections []section
	fields   []field[config]
	push     []field[sim.Push]
	index    map[string]int // index maps a field name to its position in fields
}

// field returns the config field named name, or nil.
func (t *table) field(name string) *field[config] {
	if i, ok := t.index[name]; ok {
		return &t.fields[i]
	}
	return nil
}

// pushField returns the campaign entry field named name, or nil.
func (t *table) pushField(name string) *field[sim.Push] {
	for i := range t.push {
		if t.push[i].name == name {
			return &t.push[i]
		}
	}
	return nil
}

func (t *table) isSection(name string) bool {
	return slices.ContainsFunc(t.sections, func(s section) bool { return s.name == name })
}

// children lists the keys a mapping at path may hold ("" is the config root).
func (t *table) children(path string) []string {
	prefix := ""
	if path != "" {
		prefix = path + "."
	}
	var out []string
	add := func(name string) {
		if rest, ok := strings.CutPrefix(name, prefix); ok && !strings.Contains(rest, ".") && !slices.Contains(out, rest) {
			out = append(out, rest)
		}
	}
	for _, f := range t.fields {
		for p := f.name; ; {
			add(p)
			i := strings.LastIndexByte(p, '.')
			if i < 0 {
				break
			}
			p = p[:i]
		}
	}
	return out
}

// pushNames lists the keys of a campaign entry.
func (t *table) pushNames() []string {
	out := make([]string, len(t.push))
	for i, f := range t.push {
		out[i] = f.name
	}
	return out
}

// defaultPush is what a campaign entry holds before its fields are read.
func defaultPush() sim.Push { return sim.DefaultConfig().Campaign[0] }

// newTable builds the format's field table.
func newTable() *table {
	t := &table{}
	cp := func(c *config) *sim.Config { return &c.Config }
	pop := func(c *config) *sim.Population { return &c.Population }
	gr := func(c *config) *sim.GraphSpec { return &c.Population.Graph }
	cou := func(c *config) *sim.Coupon { return &c.Coupon }
	const share = "A share of users, 0 to 1."
	t.sections = []section{
		{"population", "Who the users are and how they are linked."},
		{"population.graph", "The friend graph the coupons travel through; model chooses which of the other fields apply."},
		{"merchant", "The issuing merchant: its industry (seed section 7) and tier, which sets the daily quota (R11)."},
		{"coupon", "The coupon stock the campaign issues (R1 to R7, R10)."},
		{"recovery", "The merchant's policy for the recycle bin (R14)."},
		{"risk", "Risk-control thresholds (R16, R17)."},
		{"targets", "Counts to reach, whose time to reach the run reports (days_to_holders, days_to_new_customers); a run that never reaches one by the horizon is reported as not reached."},
		{"behaviour", "The behavioural model: probabilities are 0 to 1, rates are per active hour (activity-weighted clock time)."},
		{"behaviour.selection", "Per channel, how strongly claiming selects high-intent users (B7); 0 means no selection."},
		{"behaviour.channel_claim", "Per channel, how much the attention its moment gets multiplies interest; 1 means none extra."},
		{"compliance", "What the campaign declares about how it presents coupons (R18 to R20)."},
	}
	t.fields = []field[config]{
		timeField("start", "When simulated time 0 is; it fixes weekday and hour of day (RFC 3339 with an offset).",
			func(c *config) *time.Time { return &cp(c).Start }),
		durationField("horizon", "How long to simulate.", time.Hour, 366*platform.Day,
			func(c *config) *time.Duration { return &cp(c).Horizon }),
		boolField("referral_reward", "Issue a fresh coupon to every new customer acquired through a gift, so they can pass it on in turn (the seed's second-level sharing reward, section 5).",
			func(c *config) *bool { return &cp(c).ReferralReward }),

		intField("population.users", "Number of users.", 2, 50_000_000,
			func(c *config) *int { return &pop(c).Users }),
		floatField("population.existing_customers", "Users who are already customers. "+share, 0, 1,
			func(c *config) *float64 { return &pop(c).ExistingCustomers }),
		floatField("population.members", "Users with a member account (R3 redemption). "+share, 0, 1,
			func(c *config) *float64 { return &pop(c).Members }),
		floatField("population.bank_card", "Users with a bound bank card, needed to gift (R8). "+share, 0, 1,
			func(c *config) *float64 { return &pop(c).BankCard }),
		floatField("population.real_name", "Real-name verified users, needed to receive education coupons (R6). "+share, 0, 1,
			func(c *config) *float64 { return &pop(c).RealName }),
		floatField("population.abnormal_ip_share", "Users behind shared abnormal IPs (R17). "+share, 0, 1,
			func(c *config) *float64 { return &pop(c).AbnormalIPShare }),
		intField("population.abnormal_ip_groups", "Number of abnormal IPs those users share (R17); at least 1 when abnormal_ip_share > 0.", 0, 1_000_000,
			func(c *config) *int { return &pop(c).AbnormalIPGroups }),
		floatField("population.homophily", "How strongly friends resemble each other, 0 to 1: customers cluster in the friend graph.", 0, 1,
			func(c *config) *float64 { return &pop(c).Homophily }),
		floatField("population.followers", "Share of non-customers who follow the official account (customers all follow): the official account's audience (C2).", 0, 1,
			func(c *config) *float64 { return &pop(c).Followers }),
		choiceField("population.graph.model", "Friend-graph model.",
			[]string{"barabasi-albert", "watts-strogatz", "stochastic-block", "edge-list"}, nil,
			func(c *config) *string { return &gr(c).Model }),
		intField("population.graph.m", "barabasi-albert: edges each new user brings (mean degree about 2m).", 1, 1000,
			func(c *config) *int { return &gr(c).M }),
		intField("population.graph.k", "watts-strogatz: ring neighbours of each user (even).", 2, 1000,
			func(c *config) *int { return &gr(c).K }),
		floatField("population.graph.beta", "watts-strogatz: rewiring probability.", 0, 1,
			func(c *config) *float64 { return &gr(c).Beta }),
		intField("population.graph.blocks", "stochastic-block: number of equal communities.", 1, 100_000,
			func(c *config) *int { return &gr(c).Blocks }),
		floatField("population.graph.p_in", "stochastic-block: link probability within a community.", 0, 1,
			func(c *config) *float64 { return &gr(c).PIn }),
		floatField("population.graph.p_out", "stochastic-block: link probability between communities.", 0, 1,
			func(c *config) *float64 { return &gr(c).POut }),
		textField("population.graph.file", "edge-list: CSV of \"u,v\" lines, relative to the scenario file's directory.", 4096,
			func(c *config) *string { return &gr(c).File }),

		enumField("merchant.industry", "The merchant's industry (seed section 7); finance brings R20.",
			platform.IndustryNames(), platform.ParseIndustry, func(c *config) *platform.Industry { return &c.Merchant.Industry }),
		enumField("merchant.tier", "Certification tier: new (500 a day), certified (5,000) or filed (50,000+) (R11); official-account needs certified, api needs filed.",
			platform.TierNames(), platform.ParseTier, func(c *config) *platform.Tier { return &c.Merchant.Tier }),
		intField("merchant.daily_quota", "Daily issuing quota at the starting tier; 0 means the tier's; only a filed merchant may go above 50,000 (R11). A scheduled tier has its own default quota.", 0, 100_000_000,
			func(c *config) *int { return &c.Merchant.DailyQuota }),
		intField("merchant.certified_from_day", "Campaign day (from 0, as first_day) from which a new merchant is certified: 5,000 a day and the official account (R11, C2) from that day; 0: not scheduled.", 0, 3660,
			func(c *config) *int { return &c.Merchant.CertifiedFrom }),
		intField("merchant.filed_from_day", "Campaign day (from 0) from which the merchant is filed: 50,000 a day and API bulk sends (R11, C4); after certified_from_day; 0: not scheduled.", 0, 3660,
			func(c *config) *int { return &c.Merchant.FiledFrom }),

		enumField("coupon.kind", "Coupon kind: cash-red-packet (R1, not giftable, at most 200 CNY), discount (R2, min_spend at least 50 CNY), points-exchange (R3, at most 500 CNY), combo (R4, at most 1000 CNY).",
			platform.KindNames(), platform.ParseKind, func(c *config) *platform.Kind { return &cou(c).Kind }),
		enumField("coupon.category", "Goods category: tobacco and medical-device may not be gifted (R5), education needs real-name recipients (R6), gold and luxury need review (R7).",
			platform.CategoryNames(), platform.ParseCategory, func(c *config) *platform.Category { return &cou(c).Category }),
		moneyField("coupon.face_value", "Face value in CNY (a combo's total); above 5,000 needs review (R7).", platform.CNY(0.01), platform.CNY(1_000_000),
			func(c *config) *platform.Money { return &cou(c).Face }),
		moneyField("coupon.min_spend", "Minimum spend in CNY to redeem (R2: at least 50 for a discount coupon).", 0, platform.CNY(1_000_000),
			func(c *config) *platform.Money { return &cou(c).MinSpend }),
		durationField("coupon.validity", "How long a coupon is usable after issue: 1d to 90d, and within each channel's range (C1 1d to 30d, C3 7d to 15d).", 0, 3650*platform.Day,
			func(c *config) *time.Duration { return &cou(c).Validity }),
		boolField("coupon.allow_transfer", "The \"allow transfer\" box: without it the coupon cannot be gifted (R10).",
			func(c *config) *bool { return &cou(c).AllowTransfer }),
		boolField("coupon.reviewed", "The separate or manual review has passed (R7).",
			func(c *config) *bool { return &cou(c).Reviewed }),
		enumsField("coupon.sub_kinds", "A combo's sub-coupon kinds; each transfers on its own rules (R4).", maxSubKinds,
			[]string{"cash-red-packet", "discount", "points-exchange"}, platform.ParseKind,
			func(c *config) *[]platform.Kind { return &cou(c).SubKinds }),
		choiceField("coupon.label", "The \"limited 24 hours\" label (B5, B6), or none.",
			[]string{"none", sim.LabelLimited24h}, []string{"", sim.LabelLimited24h},
			func(c *config) *string { return &cou(c).Label }),
		tiersField(),
		durationField("coupon.reminder", "Remind holders this long before expiry (0: no reminder); it brings part of a forgotten coupon back to mind.", 0, 90*platform.Day,
			func(c *config) *time.Duration { return &cou(c).Reminder }),
		moneyField("coupon.budget", "Budget in CNY of face value issued (0: no cap): spent means issued, redeemed or not, as a platform stock counts it (coupons × face value), the most the discounts can cost; a send that would pass it is refused (budget_refused).", 0, platform.CNY(1e10),
			func(c *config) *platform.Money { return &cou(c).Budget }),
		intField("coupon.budget_coupons", "Budget as a count of coupons issued by the merchant (0: no cap; a combo counts once); with coupon.budget too, the tighter binds.", 0, 1_000_000_000,
			func(c *config) *int { return &cou(c).BudgetCoupons }),

		t.campaignField(),

		floatField("recovery.share", "Share of recycled coupons the merchant recovers for 1% of face value (R14), 0 to 1.", 0, 1,
			func(c *config) *float64 { return &c.Recovery.Share }),
		durationField("recovery.after", "How long after recycling it recovers them; under 30d (R14).", 0, 3650*platform.Day,
			func(c *config) *time.Duration { return &c.Recovery.After }),

		intField("risk.receive_burst", "Most coupons an account receives within receive_window before face verification (R16).", 1, 1_000_000,
			func(c *config) *int { return &c.Risk.ReceiveBurst }),
		durationField("risk.receive_window", "R16's \"short time\".", time.Second, 366*platform.Day,
			func(c *config) *time.Duration { return &c.Risk.ReceiveWindow }),
		intField("risk.ip_claims", "Most claims from one abnormal IP within ip_window before it is blocked (R17).", 1, 1_000_000,
			func(c *config) *int { return &c.Risk.IPClaims }),
		durationField("risk.ip_window", "The window R17 counts claims over.", time.Second, 366*platform.Day,
			func(c *config) *time.Duration { return &c.Risk.IPWindow }),

		intField("targets.holders", "Holders to reach: users who have held at least one of the campaign's coupons, from the merchant or as a gift, counted once; days_to_holders is the days from the start until they reach it (0: no target).", 0, 50_000_000,
			func(c *config) *int { return &c.Targets.Holders }),
		intField("targets.new_customers", "New customers to reach (the new_customers KPI); days_to_new_customers is the days from the start until they reach it (0: no target).", 0, 50_000_000,
			func(c *config) *int { return &c.Targets.NewCustomers }),
	}
	t.fields = append(t.fields, behaviourFields()...)
	t.fields = append(t.fields,
		boolField("compliance.force_follow", "A follow is forced before claiming: induced sharing, an R18 minor violation (display restricted 7 days).",
			func(c *config) *bool { return &c.Compliance.ForceFollow }),
		boolField("compliance.forged_marks", "Forged official marks are shown: an R18 severe violation (payment banned); always an error.",
			func(c *config) *bool { return &c.Compliance.ForgedMarks }),
		textField("compliance.brand_label", "The \"this coupon is provided by BRAND\" text every gift shows (R19).", 200,
			func(c *config) *string { return &c.Compliance.BrandLabel }),
		floatField("compliance.label_font_pt", "Type size of the brand label in points; at least 12 (R19).", 0, 1000,
			func(c *config) *float64 { return &c.Compliance.LabelFontPt }),
		boolField("compliance.cash_equivalent", "The coupon is cash-equivalent; a finance merchant then needs signed_commitment (R20).",
			func(c *config) *bool { return &c.Compliance.CashEquivalent }),
		boolField("compliance.signed_commitment", "The special-industry commitment is signed (R20).",
			func(c *config) *bool { return &c.Compliance.SignedCommitment }),
		boolField("compliance.simulate_penalty", "Turn an R18 minor violation (force_follow) from an error into a warning and let the simulator apply its 7-day display penalty.",
			func(c *config) *bool { return &c.simulatePenalty }),
	)
	t.push = []field[sim.Push]{
		enumField("channel", "How the coupon reaches users: chat (C1), official-account (C2, certified), mini-program (C3, validity 7d to 15d), api (C4, filed, half-hour slots R12), payment-popup (C5), geo (C6), live-stream (C7).",
			platform.ChannelNames(), platform.ParseChannel, func(p *sim.Push) *platform.Channel { return &p.Channel }),
		intField("sends_per_day", "Exposures a day (api: coupons issued directly; their sum is capped by the quota, R11).", 0, 10_000_000,
			func(p *sim.Push) *int { return &p.SendsPerDay }),
		clockField("push_at", "Time of day of the push, \"HH:MM\" in start's zone (api: on :00 or :30, R12).",
			func(p *sim.Push) *time.Duration { return &p.PushAt }),
		boolField("weekdays_only", "Push Monday to Friday only.",
			func(p *sim.Push) *bool { return &p.WeekdaysOnly }),
		intField("first_day", "First campaign day, counted from 0 at start.", 0, 3660,
			func(p *sim.Push) *int { return &p.FirstDay }),
		intField("days", "How many days the push runs; 0 means to the horizon.", 0, 3660,
			func(p *sim.Push) *int { return &p.Days }),
		choiceField("target", "Whom the push reaches, within the channel's audience.", []string{"all", "customers", "non-customers"}, nil,
			func(p *sim.Push) *string { return &p.Target }),
		choiceField("device", "Only users of one device family (C6 targeting), or any.", []string{"any", "iphone", "android", "harmonyos"}, []string{"", "iphone", "android", "harmonyos"},
			func(p *sim.Push) *string { return &p.Device }),
	}
	t.index = make(map[string]int, len(t.fields))
	for i, f := range t.fields {
		t.index[f.name] = i
	}
	return t
}

// behaviourFields returns the behaviour fields: one for every parameter of
// sim.Parameters, in its order, with the activity profiles after margin,
// where the reference has always listed them.
func behaviourFields() []field[config] {
	beh := func(c *config) *sim.Behaviour { return &c.Behaviour }
	profiles := []field[config]{
		weightsField("behaviour.activity", "Weekday activity by hour 0 to 23: 24 non-negative weights, normalised to mean 1.",
			func(c *config) *[24]float64 { return &beh(c).Activity }),
		weightsField("behaviour.weekend_activity", "Weekend activity by hour 0 to 23, like activity.",
			func(c *config) *[24]float64 { return &beh(c).WeekendActivity }),
		weightsField("behaviour.redeem_activity", "When people redeem, by hour 0 to 23, every day (meal and shopping times); normalised to mean 1.",
			func(c *config) *[24]float64 { return &beh(c).RedeemActivity }),
	}
	var out []field[config]
	for _, p := range sim.Parameters() {
		name := "behaviour." + p.Name
		if p.Money != nil {
			out = append(out, moneyField(name, p.Doc, platform.CNY(p.Lo), platform.CNY(p.Hi),
				func(c *config) *platform.Money { return p.Money(beh(c)) }))
		} else {
			out = append(out, floatField(name, p.Doc, p.Lo, p.Hi,
				func(c *config) *float64 { return p.Field(beh(c)) }))
		}
		if p.Name == "margin" {
			out, profiles = append(out, profiles...), nil
		}
	}
	return append(out, profiles...)
}

// campaignField is the list of pushes. Each entry starts from the default
// push, so an entry names only what differs.
func (t *table) campaignField() field[config] {
	return field[config]{
		spec: spec{name: "campaign", kind: kindList, hi: maxPushes,
			doc: "The pushes of the campaign, one entry per channel and time; each entry starts from the default push."},
		decode: func(d *decoder, path string, n *yaml.Node, c *config) {
			if !d.readSeq(path, n, maxPushes, false) {
				return
			}
			var out []sim.Push
			for i, item := range n.Content {
				p := defaultPush()
				d.pushEntry(fmt.Sprintf("%s[%d]", path, i), item, &p)
				out = append(out, p)
			}
			c.Campaign = out
		},
		encode: func(c *config) *yaml.Node {
			seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			for i := range c.Campaign {
				seq.Content = append(seq.Content, t.encodePush(&c.Campaign[i]))
			}
			return seq
		},
	}
}

// tiersField is coupon.tiers: the further steps of a tiered discount, each
// a mapping of exactly min_spend and face_value.
func tiersField() field[config] {
	return recordsField("coupon.tiers",
		"Further steps of a tiered discount (discount coupons only): from each min_spend, face_value off; each step's min_spend and face_value above the one before (the coupon's own first), face_value below min_spend. The holder uses the step worth most to them.",
		maxTiers, "a tier", "{min_spend: 120, face_value: 25}",
		[]field[sim.Tier]{
			moneyField("min_spend", "Spend in CNY from which the tier applies.", platform.CNY(0.01), platform.CNY(1_000_000),
				func(t *sim.Tier) *platform.Money { return &t.MinSpend }),
			moneyField("face_value", "Discount in CNY at that spend.", platform.CNY(0.01), platform.CNY(1_000_000),
				func(t *sim.Tier) *platform.Money { return &t.Face }),
		},
		func(c *config) *[]sim.Tier { return &c.Coupon.Tiers })
}

// encodePush writes a campaign entry: its channel, volume and time, and
// every other field that differs from the default push.
func (t *table) encodePush(p *sim.Push) *yaml.Node {
	def := defaultPush()
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Style: yaml.FlowStyle}
	for _, f := range t.push {
		v := f.encode(p)
		always := f.name == "channel" || f.name == "sends_per_day" || f.name == "push_at"
		if !always && sameNode(v, f.encode(&def)) {
			continue
		}
		m.Content = append(m.Content, scalar(f.name, "!!str"), v)
	}
	return m
}
