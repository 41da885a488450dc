package platform

import (
	"errors"
	"fmt"
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

// StockStatus is a stock's state on the platform: unactivated when
// created, running once started, paused and restarted by its merchant, and
// stopped for good. A stock issues coupons only while running.
type StockStatus uint8

// The stock statuses.
const (
	StockUnactivated StockStatus = iota + 1
	StockRunning
	StockPaused
	StockStopped
)

// stockStatusNames are the statuses as the v3 API writes them; "stoped" is
// the platform's own spelling of stopped.
var stockStatusNames = []string{"", "unactivated", "running", "paused", "stoped"}

// String returns the status as the v3 API writes it.
func (s StockStatus) String() string { return enumString(stockStatusNames, uint8(s)) }

// ParseStockStatus reads a status as the v3 API writes it; "stopped" is
// read as "stoped".
func ParseStockStatus(s string) (StockStatus, error) {
	if s == "stopped" {
		return StockStopped, nil
	}
	return parseEnum[StockStatus]("stock status", s, stockStatusNames)
}

// MarshalText writes the status's name.
func (s StockStatus) MarshalText() ([]byte, error) { return marshalEnum(stockStatusNames, uint8(s)) }

// UnmarshalText reads a status name such as "paused".
func (s *StockStatus) UnmarshalText(b []byte) error {
	return unmarshalEnum(s, "stock status", stockStatusNames, b)
}

// StockEvent is a merchant's action on a stock's status.
type StockEvent uint8

// The stock events.
const (
	StockStart StockEvent = iota + 1
	StockPause
	StockRestart
	StockStop
)

var stockEventNames = []string{"", "start", "pause", "restart", "stop"}

// String returns the event's name.
func (e StockEvent) String() string { return enumString(stockEventNames, uint8(e)) }

// NextStockStatus returns the status a stock in s moves to on e, or a
// *StockStatusError: start takes an unactivated stock to running (starting
// a running stock again is harmless), pause takes running to paused,
// restart takes paused back to running, and stop ends an unactivated,
// running or paused stock for good.
func NextStockStatus(s StockStatus, e StockEvent) (StockStatus, error) {
	switch {
	case e == StockStart && (s == StockUnactivated || s == StockRunning):
		return StockRunning, nil
	case e == StockPause && s == StockRunning:
		return StockPaused, nil
	case e == StockRestart && s == StockPaused:
		return StockRunning, nil
	case e == StockStop && s >= StockUnactivated && s < StockStopped:
		return StockStopped, nil
	}
	return s, &StockStatusError{From: s, Event: e}
}

// StockStatusError is a status change the platform does not allow; it
// unwraps to ErrIllegalState (RULE_LIMIT).
type StockStatusError struct {
	From  StockStatus
	Event StockEvent
}

// Error says which change is illegal and what it needs.
func (e *StockStatusError) Error() string {
	need := map[StockEvent]string{StockStart: "an unactivated stock", StockPause: "a running stock",
		StockRestart: "a paused stock", StockStop: "a stock that is not stopped yet"}[e.Event]
	return fmt.Sprintf("cannot %s a stock that is %s (%s needs %s)", e.Event, e.From, e.Event, need)
}

// Unwrap returns ErrIllegalState.
func (e *StockStatusError) Unwrap() error { return ErrIllegalState }

// CheckIssue returns why a stock in s issues nothing, or nil while it runs.
func (s StockStatus) CheckIssue() error {
	switch s {
	case StockRunning:
		return nil
	case StockPaused:
		return &StockLimitError{Field: "status", Err: ErrIllegalState, Msg: "the stock is paused; restart it to issue again"}
	case StockStopped:
		return &StockLimitError{Field: "status", Err: ErrIllegalState, Msg: "the stock is stopped and issues nothing"}
	}
	return fmt.Errorf("%w: start the stock before issuing from it", ErrStockNotStarted)
}

// StockLimits are the issuing limits a merchant sets on a stock when
// creating it: the window in which it issues and its coupons can be used,
// how many coupons one user may get, and the most it may issue a day in
// face value. Zero values are no limit.
type StockLimits struct {
	Begin          time.Time `json:"begin,omitzero"`              // Begin is available_begin_time.
	End            time.Time `json:"end,omitzero"`                // End is available_end_time.
	MaxPerUser     int       `json:"max_per_user,omitempty"`      // MaxPerUser is max_coupons_per_user.
	MaxAmountByDay Money     `json:"max_amount_by_day,omitempty"` // MaxAmountByDay is the day's budget in fen.
}

// StockLimitError is an issue or a stock a stock's own limits refuse. It
// names the request field and unwraps to Err (ErrInvalid for a bad value,
// else the refusal), so CodeOf gives the platform's code.
type StockLimitError struct {
	Field string
	Err   error
	Msg   string
}

// Error names the field and says what is allowed.
func (e *StockLimitError) Error() string { return e.Field + ": " + e.Msg }

// Unwrap returns the sentinel.
func (e *StockLimitError) Unwrap() error { return e.Err }

// Validate returns every limit a merchant may not set on a stock of face
// value face and budget maxCoupons (0: unlimited), joined: the window ends
// after it begins, and the per-user and daily limits are not negative and
// allow at least one coupon.
func (l StockLimits) Validate(face Money, maxCoupons int) error {
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, &StockLimitError{Field: field, Err: ErrInvalid, Msg: fmt.Sprintf(format, a...)})
	}
	if !l.Begin.IsZero() && !l.End.IsZero() && !l.End.After(l.Begin) {
		bad("available_end_time", "must be after available_begin_time (%s), got %s", l.Begin.Format(time.RFC3339), l.End.Format(time.RFC3339))
	}
	switch {
	case l.MaxPerUser < 0:
		bad("stock_use_rule.max_coupons_per_user", "must be 0 (no limit) or more, got %d", l.MaxPerUser)
	case maxCoupons > 0 && l.MaxPerUser > maxCoupons:
		bad("stock_use_rule.max_coupons_per_user", "must be at most max_coupons (%d), got %d", maxCoupons, l.MaxPerUser)
	}
	switch {
	case l.MaxAmountByDay < 0:
		bad("stock_use_rule.max_amount_by_day", "must be 0 (no limit) or more fen, got %d", l.MaxAmountByDay)
	case l.MaxAmountByDay > 0 && l.MaxAmountByDay < face:
		bad("stock_use_rule.max_amount_by_day", "must cover one coupon of %d fen, got %d", face, l.MaxAmountByDay)
	}
	return errors.Join(errs...)
}

// CheckIssue returns the first of the stock's limits an issue at now
// breaks, or nil: the window (no issue before Begin or from End on), the
// per-user limit given the user's coupons from the stock so far, and the
// day's budget given the face value already issued today.
func (l StockLimits) CheckIssue(face Money, userFromStock int, issuedToday Money, now time.Time) error {
	switch {
	case !l.Begin.IsZero() && now.Before(l.Begin):
		return &StockLimitError{Field: "available_begin_time", Err: ErrStockNotStarted,
			Msg: fmt.Sprintf("the stock issues from %s", l.Begin.In(Beijing).Format(time.RFC3339))}
	case !l.End.IsZero() && !now.Before(l.End):
		return &StockLimitError{Field: "available_end_time", Err: ErrIllegalState,
			Msg: fmt.Sprintf("the stock's window ended at %s", l.End.In(Beijing).Format(time.RFC3339))}
	case l.MaxPerUser > 0 && userFromStock >= l.MaxPerUser:
		return &StockLimitError{Field: "max_coupons_per_user", Err: ErrOncePerUser,
			Msg: fmt.Sprintf("the user already has %d coupon(s) of this stock, the most it gives one user", userFromStock)}
	case l.MaxAmountByDay > 0 && issuedToday+face > l.MaxAmountByDay:
		return &StockLimitError{Field: "max_amount_by_day", Err: ErrStockExhausted,
			Msg: fmt.Sprintf("%d of the day's %d fen are issued; a coupon of %d does not fit", issuedToday, l.MaxAmountByDay, face)}
	}
	return nil
}

// Expiry returns when a coupon issued at issued with the stock's validity
// stops being usable: after the validity, or at the window's end if that
// comes first (coupons are used only inside the window).
func (l StockLimits) Expiry(issued time.Time, validity time.Duration) time.Time {
	t := issued.Add(validity)
	if !l.End.IsZero() && l.End.Before(t) {
		return l.End
	}
	return t
}

// ReportedAt returns when an event at t on channel c reaches the
// merchant's dashboard (B8): at once on a real-time channel, else after
// the channel's delay ReportDelayMin + u·(ReportDelayMax − ReportDelayMin)
// for u in [0, 1), so a uniform u spreads events evenly over the range.
func (c Channel) ReportedAt(t time.Time, u float64) time.Time {
	r := RuleOfChannel(c)
	return t.Add(r.ReportDelayMin + time.Duration(u*float64(r.ReportDelayMax-r.ReportDelayMin)))
}
