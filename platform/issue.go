package platform

import (
	"fmt"
	"time"
)

// IssueCheck holds what the platform looks at when a merchant issues a
// coupon from a stock to a user (an API or mini-program send).
type IssueCheck struct {
	Stock      Stock
	Channel    Channel // Channel is the stock's channel (C3 once per user).
	Started    bool    // Started says the stock was started (activated).
	Issued     int     // Issued counts coupons already issued from the stock.
	MaxCoupons int     // MaxCoupons is the stock's budget (0: unlimited).
	UsedToday  int     // UsedToday counts the merchant's issues today (R11).
	Quota      int     // Quota is the merchant's daily quota (R11).
	// UserFromStock counts coupons the recipient already has from this
	// stock (C3).
	UserFromStock int
	// RecipientBlockedUntil ends the recipient's refusal block for the
	// stock's kind (R15).
	RecipientBlockedUntil time.Time
	// ReceivedInWindow counts coupons the recipient received within
	// Risk.ReceiveWindow (R16).
	ReceivedInWindow int
	Risk             Risk
	Now              time.Time
}

// CheckIssue returns the first rule an issue breaks, or nil: the stock is
// started and has budget, the merchant's daily quota (R11), one coupon per
// user on a once-per-user channel (C3), the recipient's refusal block (R15)
// and the receive burst that triggers face verification (R16).
func CheckIssue(c IssueCheck) error {
	if !c.Started {
		return fmt.Errorf("%w: start the stock before issuing from it", ErrStockNotStarted)
	}
	if c.MaxCoupons > 0 && c.Issued >= c.MaxCoupons {
		return fmt.Errorf("%w: the stock's %d coupons are all issued", ErrStockExhausted, c.MaxCoupons)
	}
	if err := CheckQuota(c.UsedToday, c.Quota); err != nil {
		return err
	}
	if err := c.Channel.CheckOncePerUser(c.UserFromStock); err != nil {
		return err
	}
	if c.Now.Before(c.RecipientBlockedUntil) {
		return ruleErr("R15", ErrRefusalBlock, "the recipient refused a %s coupon; no coupon of that kind until %s", c.Stock.Kind, c.RecipientBlockedUntil.Format(time.RFC3339))
	}
	return c.Risk.CheckReceive(c.ReceivedInWindow)
}

// Binding is the identity triple of an API request (R13) with what the
// platform has on record for it.
type Binding struct {
	MchID, AppID, OpenID string
	AppMerchant          string // AppMerchant is the merchant the appid belongs to ("" if unknown).
	UserApp              string // UserApp is the appid the openid belongs to ("" if unknown).
}

// CheckBinding refuses a request whose mch_id, appid and openid do not
// belong together (R13): an appid belongs to one merchant and an openid to
// one appid. An empty OpenID skips the user half (merchant-only calls).
func CheckBinding(b Binding) error {
	if b.AppMerchant == "" {
		return ruleErr("R13", ErrNotFound, "appid %q is not registered", b.AppID)
	}
	if b.AppMerchant != b.MchID {
		return ruleErr("R13", ErrBinding, "appid %q belongs to another merchant, not %q", b.AppID, b.MchID)
	}
	if b.OpenID == "" {
		return nil
	}
	if b.UserApp == "" {
		return ruleErr("R13", ErrNotFound, "openid %q is not registered", b.OpenID)
	}
	if b.UserApp != b.AppID {
		return ruleErr("R13", ErrBinding, "openid %q belongs to another appid, not %q", b.OpenID, b.AppID)
	}
	return nil
}

// CheckRedeemer refuses a redemption by a holder the kind does not allow:
// points-exchange coupons are redeemed by a member account (R3).
func (k Kind) CheckRedeemer(member bool) error {
	if k == KindPointsExchange && !member {
		return ruleErr("R3", ErrMemberRequired, "a %s coupon is redeemed by a member account", k)
	}
	return nil
}

// Timed is a coupon's state with the times that drive its timed events.
type Timed struct {
	State      State
	OfferedAt  time.Time // OfferedAt is when the current gift offer was made (R9).
	ExpiresAt  time.Time // ExpiresAt ends the validity.
	RecycledAt time.Time // RecycledAt is when it entered the recycle bin (R14).
}

// DueEvent returns the timed event due for t at now and the time it fell
// due: an unclaimed gift returns after ClaimWindow (R9), a coupon expires at
// ExpiresAt and is recycled at once, and a recycled coupon is purged after
// RecycleRetention (R14). ok is false when nothing is due. Apply the event
// with Next and call DueEvent again until nothing is due.
func DueEvent(t Timed, now time.Time) (e Event, at time.Time, ok bool) {
	switch {
	case t.State == StateOffered:
		ret := t.OfferedAt.Add(ClaimWindow)
		if !t.ExpiresAt.IsZero() && !t.ExpiresAt.After(now) && !t.ExpiresAt.After(ret) {
			return EventExpire, t.ExpiresAt, true
		}
		if !ret.After(now) {
			return EventReturn, ret, true
		}
	case t.State.Usable():
		if !t.ExpiresAt.IsZero() && !t.ExpiresAt.After(now) {
			return EventExpire, t.ExpiresAt, true
		}
	case t.State == StateExpired:
		return EventRecycle, t.ExpiresAt, true
	case t.State == StateRecycled:
		if end := t.RecycledAt.Add(RecycleRetention); end.Before(now) { // CheckRecover allows exactly 30 days
			return EventPurge, end, true
		}
	}
	return 0, time.Time{}, false
}
