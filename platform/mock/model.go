package mock

import (
	"hash/fnv"
	"time"

	"giftsim/platform"
)

// dayOf numbers the platform day holding t (days since 1970-01-01 in
// Beijing, platform.PlatformDay).
func dayOf(t time.Time) int32 { return int32(platform.PlatformDay(t.Unix())) }

// Coupon is one coupon as the platform records it. Times are platform time.
type Coupon struct {
	ID        string         `json:"id"`
	StockID   string         `json:"stock_id"`
	MchID     string         `json:"mchid"`
	AppID     string         `json:"appid"`
	Owner     string         `json:"owner"`               // Owner is the openid it was issued to.
	Holder    string         `json:"holder"`              // Holder is the openid holding it now.
	Recipient string         `json:"recipient,omitempty"` // Recipient is the openid an open gift offer goes to (R9).
	State     platform.State `json:"state"`
	Transfers int            `json:"transfers,omitempty"` // Transfers counts completed gifts (R2, R3).
	Kind      platform.Kind  `json:"kind"`
	Face      platform.Money `json:"face"`

	IssuedAt    time.Time      `json:"issued_at"`
	ExpiresAt   time.Time      `json:"expires_at"`
	OfferedAt   time.Time      `json:"offered_at,omitzero"`
	ClaimedAt   time.Time      `json:"claimed_at,omitzero"`
	UsedAt      time.Time      `json:"used_at,omitzero"`
	RecycledAt  time.Time      `json:"recycled_at,omitzero"`
	RecoveredAt time.Time      `json:"recovered_at,omitzero"`
	Fee         platform.Money `json:"fee,omitempty"` // Fee is the recovery fee paid (R14).

	OutRequestNo string `json:"out_request_no"`
	Fingerprint  uint64 `json:"fp"`  // Fingerprint identifies the send request (idempotency).
	Day          int32  `json:"day"` // Day is the platform day it counted against the quota (R11).

	commit *group // commit is the journal group that makes it durable (nil: durable or memory).
}

// settle applies the timed events due at now (R9 return, expiry, R14
// recycle and purge), using platform.DueEvent and platform.Next.
func (c *Coupon) settle(now time.Time) {
	for range 8 {
		e, at, ok := platform.DueEvent(platform.Timed{State: c.State, OfferedAt: c.OfferedAt, ExpiresAt: c.ExpiresAt, RecycledAt: c.RecycledAt}, now)
		if !ok {
			return
		}
		next, err := platform.Next(c.State, e)
		if err != nil {
			return
		}
		c.State = next
		switch e {
		case platform.EventReturn, platform.EventExpire:
			c.Recipient = ""
		case platform.EventRecycle:
			c.RecycledAt = at
		}
	}
}

// Stock is a coupon stock as the platform records it.
type Stock struct {
	ID           string           `json:"id"`
	MchID        string           `json:"mchid"`
	Name         string           `json:"name,omitempty"`
	Rule         platform.Stock   `json:"rule"`
	Channel      platform.Channel `json:"channel"`
	MaxCoupons   int              `json:"max_coupons,omitempty"`
	Started      bool             `json:"started"`
	CreatedAt    time.Time        `json:"created_at"`
	StartedAt    time.Time        `json:"started_at,omitzero"`
	OutRequestNo string           `json:"out_request_no,omitempty"`
	Fingerprint  uint64           `json:"fp,omitempty"`
	Issued       int              `json:"-"` // Issued is counted from the coupons.

	// The stock's status and own limits, and what its create request said
	// (store_stocks.go). Status is zero in records written before it was
	// kept: Started tells then (status).
	Status      platform.StockStatus `json:"status,omitempty"`
	Limits      platform.StockLimits `json:"limits,omitzero"`
	Terms       StockTerms           `json:"terms,omitzero"`
	PausedAt    time.Time            `json:"paused_at,omitzero"`
	RestartedAt time.Time            `json:"restarted_at,omitzero"`
	StoppedAt   time.Time            `json:"stopped_at,omitzero"`
	daily       *dailyIssued         // daily counts face value issued per platform day (max_amount_by_day); nil until needed.
	own         *[]*Coupon           // own lists the stock's coupons for its report (B8); nil until needed.

	commit *group
}

// userState is what the platform tracks per openid beyond the fixture.
type userState struct {
	Received     []time.Time             `json:"received,omitempty"`     // Received holds recent receive times (R16).
	BlockedUntil [numKinds + 1]time.Time `json:"blocked_until,omitzero"` // BlockedUntil is per kind (R15).
	Sensitive    bool                    `json:"sensitive,omitempty"`    // Sensitive marks a refuser (R15).
	ChatDay      int32                   `json:"chat_day,omitempty"`     // ChatDay is the day ChatCount counts (C1).
	ChatCount    int                     `json:"chat_count,omitempty"`   // ChatCount counts chat gifts sent on ChatDay (C1).

	fromStock map[string]int // fromStock counts coupons issued per stock (C3).
	coupons   []*Coupon      // coupons lists every coupon the user held, for listing.
}

// numKinds is the number of coupon kinds.
const numKinds = 4

// receivedIn counts receives within window before now and drops older ones.
func (u *userState) receivedIn(now time.Time, window time.Duration) int {
	cut := now.Add(-window)
	i := 0
	for i < len(u.Received) && !u.Received[i].After(cut) {
		i++
	}
	if i > 0 {
		u.Received = append(u.Received[:0], u.Received[i:]...)
	}
	return len(u.Received)
}

// chatToday returns the user's chat gifts on day (C1).
func (u *userState) chatToday(day int32) int {
	if u.ChatDay != day {
		return 0
	}
	return u.ChatCount
}

// ipState counts claims from one abnormal IP (R17).
type ipState struct {
	Claims []time.Time `json:"claims"`
}

// fingerprint hashes the fields that identify a request under one
// out_request_no.
func fingerprint(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum64()
}
