package platform

import "time"

// Day is one calendar day, the unit of validity and quotas.
const Day = 24 * time.Hour

// Channel is a way a coupon reaches a user (seed table 1 and section 3).
type Channel uint8

// The channels.
const (
	ChannelChat            Channel = iota + 1 // C1 personal chat gift
	ChannelOfficialAccount                    // C2 official-account menu / QR code
	ChannelMiniProgram                        // C3 mini-program popup
	ChannelAPI                                // C4 API bulk send
	ChannelPaymentPopup                       // C5 popup after payment
	ChannelGeo                                // C6 geolocation trigger
	ChannelLiveStream                         // C7 live-stream barrage grab
)

var channelNames = []string{"", "chat", "official-account", "mini-program", "api", "payment-popup", "geo", "live-stream"}

// Channels lists every channel in order.
func Channels() []Channel {
	return []Channel{ChannelChat, ChannelOfficialAccount, ChannelMiniProgram, ChannelAPI, ChannelPaymentPopup, ChannelGeo, ChannelLiveStream}
}

// ChannelNames lists the names ParseChannel accepts.
func ChannelNames() []string { return channelNames[1:] }

// String returns the channel's name as used in scenario files.
func (c Channel) String() string { return enumString(channelNames, uint8(c)) }

// ParseChannel reads a channel name such as "mini-program".
func ParseChannel(s string) (Channel, error) { return parseEnum[Channel]("channel", s, channelNames) }

// ChannelRule is the row of seed table 1 for one channel.
type ChannelRule struct {
	ID           string        // ID is the DOMAIN.md id, C1–C7.
	MinValidity  time.Duration // MinValidity is the shortest validity allowed.
	MaxValidity  time.Duration // MaxValidity is the longest validity allowed.
	PerSenderDay int           // PerSenderDay caps gifts per sending account per day (0: none).
	OncePerUser  bool          // OncePerUser allows one coupon per user (C3).
	MinTier      Tier          // MinTier is the merchant tier the channel requires.
	// ReportDelayMin and ReportDelayMax bound how late the channel's events
	// reach the merchant's dashboard (B8): mini-program sends are real time,
	// offline QR-code gifts arrive 1–3 hours late.
	ReportDelayMin, ReportDelayMax time.Duration
}

// ChatGiftsPerDay is the most gifts one account sends through chat a day (C1).
const ChatGiftsPerDay = 50

// MaxValidity is the longest validity any coupon may have (C4: up to 90 days).
const MaxValidity = 90 * Day

// RuleOfChannel returns the platform's rule for c.
func RuleOfChannel(c Channel) ChannelRule {
	r := ChannelRule{MinValidity: Day, MaxValidity: MaxValidity, MinTier: TierNew}
	switch c {
	case ChannelChat:
		r.ID, r.MaxValidity, r.PerSenderDay = "C1", 30*Day, ChatGiftsPerDay
	case ChannelOfficialAccount:
		r.ID, r.MinTier = "C2", TierCertified
		r.ReportDelayMin, r.ReportDelayMax = time.Hour, 3*time.Hour
	case ChannelMiniProgram:
		r.ID, r.MinValidity, r.MaxValidity, r.OncePerUser = "C3", 7*Day, 15*Day, true
	case ChannelAPI:
		r.ID, r.MinTier = "C4", TierFiled
	case ChannelPaymentPopup:
		r.ID = "C5"
	case ChannelGeo:
		r.ID = "C6"
		r.ReportDelayMin, r.ReportDelayMax = time.Hour, 3*time.Hour
	case ChannelLiveStream:
		r.ID = "C7"
	}
	return r
}

// CheckValidity refuses a validity outside the channel's range (C1–C4).
func (c Channel) CheckValidity(v time.Duration) error {
	r := RuleOfChannel(c)
	if v < r.MinValidity || v > r.MaxValidity {
		return ruleErr(r.ID, ErrValidityRange, "%s allows validity %s to %s, got %s",
			c, FormatDuration(r.MinValidity), FormatDuration(r.MaxValidity), FormatDuration(v))
	}
	return nil
}

// CheckTier refuses a channel the merchant's tier does not unlock (C2 needs a
// certified account, C4 a filed one).
func (c Channel) CheckTier(t Tier) error {
	r := RuleOfChannel(c)
	if t < r.MinTier {
		return ruleErr(r.ID, ErrTierRequired, "%s needs a %s merchant, this one is %s", c, r.MinTier, t)
	}
	return nil
}

// CheckChatGifts refuses a chat gift beyond the sender's daily limit (C1);
// sentToday counts the sender's chat gifts already made today.
func CheckChatGifts(sentToday int) error {
	if sentToday >= ChatGiftsPerDay {
		return ruleErr("C1", ErrChatDailyLimit, "an account gifts at most %d coupons a day through chat", ChatGiftsPerDay)
	}
	return nil
}

// CheckOncePerUser refuses a second coupon to a user on a once-per-user
// channel (C3); already counts the user's coupons from this stock and channel.
func (c Channel) CheckOncePerUser(already int) error {
	if RuleOfChannel(c).OncePerUser && already > 0 {
		return ruleErr("C3", ErrOncePerUser, "%s gives each user one coupon", c)
	}
	return nil
}

// Tier is a merchant's certification tier, which sets its daily quota (R11).
type Tier uint8

// The tiers, in increasing order of trust.
const (
	TierNew       Tier = iota + 1 // a newly registered merchant: 500 a day
	TierCertified                 // enterprise-certified: 5,000 a day
	TierFiled                     // API bulk with filing: 50,000+ a day
)

var tierNames = []string{"", "new", "certified", "filed"}

// String returns the tier's name as used in scenario files.
func (t Tier) String() string { return enumString(tierNames, uint8(t)) }

// TierNames lists the names ParseTier accepts.
func TierNames() []string { return tierNames[1:] }

// ParseTier reads a tier name such as "certified".
func ParseTier(s string) (Tier, error) { return parseEnum[Tier]("merchant tier", s, tierNames) }

// DailyQuota is the tier's default daily issuing quota (R11). A filed
// merchant may have a larger quota by agreement ("50,000+").
func (t Tier) DailyQuota() int {
	switch t {
	case TierNew:
		return 500
	case TierCertified:
		return 5000
	case TierFiled:
		return 50000
	}
	return 0
}

// Quota is the daily issuing quota of a merchant of tier t whose agreed
// quota is set (R11): set when positive, else the tier's default
// (DailyQuota). Every place that fills in a default quota calls it.
func (t Tier) Quota(set int) int {
	if set > 0 {
		return set
	}
	return t.DailyQuota()
}

// CheckQuotaSetting refuses a daily quota the tier does not allow (R11): new
// and certified merchants are capped at their tier's quota; a filed merchant
// may have any quota of at least 50,000.
func (t Tier) CheckQuotaSetting(q int) error {
	switch {
	case q <= 0:
		return ruleErr("R11", ErrInvalid, "daily quota must be positive, got %d", q)
	case t != TierFiled && q > t.DailyQuota():
		return ruleErr("R11", ErrTierRequired, "a %s merchant issues at most %d a day, got %d", t, t.DailyQuota(), q)
	}
	return nil
}

// CheckQuota refuses an issue once the day's quota is used (R11); usedToday
// counts coupons already issued today.
func CheckQuota(usedToday, quota int) error {
	if usedToday >= quota {
		return ruleErr("R11", ErrQuotaExhausted, "daily quota of %d used", quota)
	}
	return nil
}
