package platform

import (
	"errors"
	"testing"
	"time"
)

func TestCheckIssue(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	ok := IssueCheck{
		Stock:   Stock{Kind: KindDiscount, Category: CategoryGeneral, Face: CNY(20), MinSpend: CNY(60), Validity: 30 * Day},
		Channel: ChannelAPI, Started: true, Quota: 500, Risk: DefaultRisk(), Now: now,
	}
	tests := []struct {
		name string
		mod  func(*IssueCheck)
		want error
		code Code
	}{
		{"valid", func(*IssueCheck) {}, nil, CodeOK},
		{"not started", func(c *IssueCheck) { c.Started = false }, ErrStockNotStarted, CodeRuleLimit},
		{"stock budget", func(c *IssueCheck) { c.MaxCoupons, c.Issued = 10, 10 }, ErrStockExhausted, CodeNotEnough},
		{"R11 quota used", func(c *IssueCheck) { c.UsedToday = 500 }, ErrQuotaExhausted, CodeFrequencyLimited},
		{"C3 once per user", func(c *IssueCheck) { c.Channel, c.UserFromStock = ChannelMiniProgram, 1 }, ErrOncePerUser, CodeRuleLimit},
		{"C3 other channels repeat", func(c *IssueCheck) { c.UserFromStock = 3 }, nil, CodeOK},
		{"R15 refusal block", func(c *IssueCheck) { c.RecipientBlockedUntil = now.Add(time.Hour) }, ErrRefusalBlock, CodeRuleLimit},
		{"R15 block over", func(c *IssueCheck) { c.RecipientBlockedUntil = now }, nil, CodeOK},
		{"R16 receive burst", func(c *IssueCheck) { c.ReceivedInWindow = 50 }, ErrFaceVerification, CodeUserAccountAbnormal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.mod(&c)
			err := CheckIssue(c)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("CheckIssue = %v, want %v", err, tt.want)
			}
			if got := CodeOf(err); got != tt.code {
				t.Fatalf("CodeOf = %s, want %s", got, tt.code)
			}
		})
	}
}

func TestCheckBindingR13(t *testing.T) {
	tests := []struct {
		name string
		b    Binding
		want error
	}{
		{"bound", Binding{MchID: "m", AppID: "a", OpenID: "o", AppMerchant: "m", UserApp: "a"}, nil},
		{"merchant only", Binding{MchID: "m", AppID: "a", AppMerchant: "m"}, nil},
		{"unknown appid", Binding{MchID: "m", AppID: "a", OpenID: "o"}, ErrNotFound},
		{"appid of another merchant", Binding{MchID: "m", AppID: "a", OpenID: "o", AppMerchant: "x", UserApp: "a"}, ErrBinding},
		{"unknown openid", Binding{MchID: "m", AppID: "a", OpenID: "o", AppMerchant: "m"}, ErrNotFound},
		{"openid of another appid", Binding{MchID: "m", AppID: "a", OpenID: "o", AppMerchant: "m", UserApp: "b"}, ErrBinding},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckBinding(tt.b)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("CheckBinding = %v, want %v", err, tt.want)
			}
			if err != nil && RuleOf(err) != "R13" {
				t.Fatalf("RuleOf = %q, want R13", RuleOf(err))
			}
		})
	}
}

func TestCheckRedeemerR3(t *testing.T) {
	if err := KindPointsExchange.CheckRedeemer(false); !errors.Is(err, ErrMemberRequired) {
		t.Fatalf("non-member redeems points coupon: %v", err)
	}
	if err := KindPointsExchange.CheckRedeemer(true); err != nil {
		t.Fatal(err)
	}
	if err := KindDiscount.CheckRedeemer(false); err != nil {
		t.Fatal(err)
	}
}

func TestDueEventR9R14(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		tm   Timed
		now  time.Time
		want Event
		at   time.Time
	}{
		{"R9 offer open", Timed{State: StateOffered, OfferedAt: t0, ExpiresAt: t0.Add(30 * Day)}, t0.Add(47 * time.Hour), 0, time.Time{}},
		{"R9 offer returns", Timed{State: StateOffered, OfferedAt: t0, ExpiresAt: t0.Add(30 * Day)}, t0.Add(48 * time.Hour), EventReturn, t0.Add(48 * time.Hour)},
		{"offer expires first", Timed{State: StateOffered, OfferedAt: t0, ExpiresAt: t0.Add(time.Hour)}, t0.Add(49 * time.Hour), EventExpire, t0.Add(time.Hour)},
		{"issued valid", Timed{State: StateIssued, ExpiresAt: t0.Add(Day)}, t0, 0, time.Time{}},
		{"issued expires", Timed{State: StateIssued, ExpiresAt: t0.Add(Day)}, t0.Add(Day), EventExpire, t0.Add(Day)},
		{"R14 expired is recycled", Timed{State: StateExpired, ExpiresAt: t0}, t0, EventRecycle, t0},
		{"R14 bin keeps 30 days", Timed{State: StateRecycled, RecycledAt: t0}, t0.Add(30 * Day), 0, time.Time{}},
		{"R14 bin purges", Timed{State: StateRecycled, RecycledAt: t0}, t0.Add(30*Day + time.Second), EventPurge, t0.Add(30 * Day)},
		{"redeemed is final", Timed{State: StateRedeemed, ExpiresAt: t0}, t0.Add(Day), 0, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, at, ok := DueEvent(tt.tm, tt.now)
			if ok != (tt.want != 0) || e != tt.want || !at.Equal(tt.at) {
				t.Fatalf("DueEvent = %v %v %v, want %v %v", e, at, ok, tt.want, tt.at)
			}
		})
	}
}

func TestPlatformDayStartsAtBeijingMidnight(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	midnight := time.Date(2026, 3, 2, 0, 0, 0, 0, cst)
	tests := []struct {
		name string
		at   time.Time
		want int64
	}{
		{"Beijing midnight", midnight, PlatformDay(midnight.Unix())},
		{"a second before", midnight.Add(-time.Second), PlatformDay(midnight.Unix()) - 1},
		{"16:00 UTC is the next Beijing day", time.Date(2026, 3, 2, 16, 0, 0, 0, time.UTC), PlatformDay(midnight.Unix()) + 1},
		{"15:59:59 UTC is not", time.Date(2026, 3, 2, 15, 59, 59, 0, time.UTC), PlatformDay(midnight.Unix())},
		{"before 1970", time.Date(1969, 12, 31, 15, 59, 59, 0, time.UTC), -1},
		{"the epoch's Beijing day", time.Date(1969, 12, 31, 16, 0, 0, 0, time.UTC), 0},
	}
	for _, tc := range tests {
		if got := PlatformDay(tc.at.Unix()); got != tc.want {
			t.Errorf("%s: PlatformDay = %d, want %d", tc.name, got, tc.want)
		}
	}
	// The day number is the Beijing calendar date's count of days since 1970-01-01.
	if want := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).Unix() / 86400; PlatformDay(midnight.Unix()) != want {
		t.Errorf("a Beijing midnight is day %d, want %d", PlatformDay(midnight.Unix()), want)
	}
}
