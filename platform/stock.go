package platform

import (
	"errors"
	"time"
)

// Stock describes a batch of coupons a merchant creates (a "card" or
// "stock" on the platform).
type Stock struct {
	Kind          Kind
	Category      Category
	Face          Money         // Face is the face value (for a combo, the total).
	MinSpend      Money         // MinSpend is the spend threshold (discount coupons).
	Validity      time.Duration // Validity is how long a coupon is usable after issue.
	AllowTransfer bool          // AllowTransfer is the "allow transfer" box (R10).
	Reviewed      bool          // Reviewed says review passed (R7).
	SubKinds      []Kind        // SubKinds are a combo's sub-coupons (R4).
}

// StockSpec is a stock as people and clients write it: a fixture's stocks,
// a load plan's stocks: and the create-stock request all read it, enums by
// name (encoding.TextMarshaler). A field left out takes the platform's
// default, the same for all three: a discount coupon (R2) of the general
// category, sent through the API (C4), valid 30 days. Money is not part of
// it, since files write yuan and requests fen.
type StockSpec struct {
	Kind          Kind     `json:"kind,omitempty" yaml:"kind,omitempty"`
	Category      Category `json:"category,omitempty" yaml:"category,omitempty"`
	Channel       Channel  `json:"channel,omitempty" yaml:"channel,omitempty"`
	Validity      Duration `json:"validity,omitempty" yaml:"validity,omitempty"`
	AllowTransfer bool     `json:"allow_transfer,omitempty" yaml:"allow_transfer,omitempty"`
	Reviewed      bool     `json:"reviewed,omitempty" yaml:"reviewed,omitempty"`
	SubKinds      []Kind   `json:"sub_kinds,omitempty" yaml:"sub_kinds,omitempty"`
}

// DefaultValidity is a stock's validity when its spec gives none.
const DefaultValidity = 30 * Day

// Stock returns the stock the spec describes with the given face value and
// minimum spend, defaults filled in, and the channel it sends through. It
// checks nothing: Stock.Validate and Channel.CheckValidity do.
func (s StockSpec) Stock(face, minSpend Money) (Stock, Channel) {
	st := Stock{Kind: s.Kind, Category: s.Category, Face: face, MinSpend: minSpend, Validity: time.Duration(s.Validity),
		AllowTransfer: s.AllowTransfer, Reviewed: s.Reviewed, SubKinds: s.SubKinds}
	if st.Kind == 0 {
		st.Kind = KindDiscount
	}
	if st.Category == 0 {
		st.Category = CategoryGeneral
	}
	if st.Validity == 0 {
		st.Validity = DefaultValidity
	}
	ch := s.Channel
	if ch == 0 {
		ch = ChannelAPI
	}
	return st, ch
}

// Check returns the stock the spec describes, its channel, and every rule
// it breaks (Stock.Validate and the channel's validity range, C1–C4),
// joined.
func (s StockSpec) Check(face, minSpend Money) (Stock, Channel, error) {
	st, ch := s.Stock(face, minSpend)
	return st, ch, errors.Join(st.Validate(), ch.CheckValidity(st.Validity))
}

// Validate returns every rule the stock breaks (R1–R7, R10, validity), joined
// with errors.Join; nil if it may be created.
func (s Stock) Validate() error {
	var errs []error
	add := func(rule string, sentinel error, format string, a ...any) {
		errs = append(errs, ruleErr(rule, sentinel, format, a...))
	}
	kr := RuleOfKind(s.Kind)
	switch {
	case kr.Rule == "R1-R4":
		add("R1-R4", ErrInvalid, "unknown coupon kind %d", s.Kind)
	case s.Face <= 0:
		add(kr.Rule, ErrInvalid, "face value must be positive, got %s CNY", s.Face)
	case kr.MaxFace > 0 && s.Face > kr.MaxFace:
		add(kr.Rule, ErrValueLimit, "a %s is worth at most %s CNY, got %s", s.Kind, kr.MaxFace, s.Face)
	}
	if kr.MinSpend > 0 && s.MinSpend < kr.MinSpend {
		add(kr.Rule, ErrValueLimit, "a %s needs a minimum spend of at least %s CNY, got %s", s.Kind, kr.MinSpend, s.MinSpend)
	}
	if s.AllowTransfer && !kr.Giftable && kr.Rule != "R1-R4" {
		add(kr.Rule, ErrNotGiftable, "a %s cannot be gifted; untick allow_transfer", s.Kind)
	}
	if s.AllowTransfer && s.Category.Forbidden() {
		add("R5", ErrNotGiftable, "%s coupons may not be gifted; untick allow_transfer", s.Category)
	}
	if s.Kind == KindCombo {
		if len(s.SubKinds) == 0 {
			add("R4", ErrInvalid, "a combo needs at least one sub-coupon kind")
		}
		for _, k := range s.SubKinds {
			if k == KindCombo || RuleOfKind(k).Rule == "R1-R4" {
				add("R4", ErrInvalid, "a combo's sub-coupon must be cash-red-packet, discount or points-exchange, got %s", k)
			}
		}
	}
	switch {
	case s.Reviewed:
	case s.Category.NeedsReview():
		add("R7", ErrReviewRequired, "%s coupons go through a separate review first (set reviewed once passed)", s.Category)
	case s.Face > ManualReviewAbove:
		add("R7", ErrReviewRequired, "a coupon above %s CNY needs manual review first (set reviewed once passed), got %s", ManualReviewAbove, s.Face)
	}
	if s.Validity < Day || s.Validity > MaxValidity {
		add("C4", ErrValidityRange, "validity must be 1d to 90d, got %s", FormatDuration(s.Validity))
	}
	return errors.Join(errs...)
}

// TransferLimit is how many onward transfers a coupon of s allows: 0 when the
// stock does not allow transfer (R10) or its category forbids gifts (R5),
// else the kind's limit (R2: 1, R3: 0; a combo uses its most permissive
// sub-coupon, R4).
func (s Stock) TransferLimit() int {
	if !s.AllowTransfer || s.Category.Forbidden() {
		return 0
	}
	kr := RuleOfKind(s.Kind)
	if kr.Transfers >= 0 {
		if !kr.Giftable {
			return 0
		}
		return kr.Transfers
	}
	best := 0
	for _, k := range s.SubKinds {
		if k != KindCombo && RuleOfKind(k).Giftable && RuleOfKind(k).Transfers > best {
			best = RuleOfKind(k).Transfers
		}
	}
	return best
}

// GiftCheck holds what the platform looks at when a holder gifts a coupon.
type GiftCheck struct {
	Stock                 Stock
	Transfers             int  // Transfers counts completed transfers of this coupon so far.
	SenderBankCard        bool // SenderBankCard: the sender has bound a bank card (R8).
	SenderChatToday       int  // SenderChatToday counts the sender's chat gifts today (C1).
	RecipientRealName     bool // RecipientRealName: the recipient is verified (R6).
	RecipientBlockedUntil time.Time
	Now                   time.Time
}

// CheckGift returns the first rule a chat gift breaks, or nil (R2, R3, R5,
// R6, R8, R10, R15, C1).
func CheckGift(g GiftCheck) error {
	if g.Stock.Category.Forbidden() {
		return ruleErr("R5", ErrNotGiftable, "%s coupons may not be gifted", g.Stock.Category)
	}
	if !g.Stock.AllowTransfer {
		if !RuleOfKind(g.Stock.Kind).Giftable {
			return ruleErr(RuleOfKind(g.Stock.Kind).Rule, ErrNotGiftable, "a %s cannot be gifted", g.Stock.Kind)
		}
		return ruleErr("R10", ErrNotGiftable, "the stock was created without allow transfer")
	}
	if lim := g.Stock.TransferLimit(); g.Transfers >= lim {
		return ruleErr(RuleOfKind(g.Stock.Kind).Rule, ErrTransferLimit, "a %s allows %d transfer(s), this one has had %d", g.Stock.Kind, lim, g.Transfers)
	}
	if !g.SenderBankCard {
		return ruleErr("R8", ErrBankCardRequired, "personal gifting needs a bound bank card")
	}
	if err := CheckChatGifts(g.SenderChatToday); err != nil {
		return err
	}
	if g.Stock.Category == CategoryEducation && !g.RecipientRealName {
		return ruleErr("R6", ErrRealNameRequired, "education coupons transfer only to real-name verified users")
	}
	if g.Now.Before(g.RecipientBlockedUntil) {
		return ruleErr("R15", ErrRefusalBlock, "the recipient refused a %s coupon; blocked until %s", g.Stock.Kind, g.RecipientBlockedUntil.Format(time.RFC3339))
	}
	return nil
}
