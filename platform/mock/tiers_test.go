package mock

import (
	"context"
	"fmt"
	"testing"
	"time"

	"giftsim/platform/fixture"
)

// TestTierChangesDuringRunR11 raises a new merchant's tier during a run:
// its quota and the channels it may create stocks on follow the fixture's
// tier_changes day by day (platform.TierSchedule).
func TestTierChangesDuringRunR11(t *testing.T) {
	f := testFixture(t, 16, 0)
	m := f.Merchant(mchNew)
	m.Quota = 3
	m.TierChanges = []fixture.TierChange{{FromDay: 2, Tier: "certified"}, {FromDay: 4, Tier: "filed"}}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	st, err := NewMemoryStore(f)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, f, st, Config{})
	signer, err := m.HMACSigner(h.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	send := func() reply {
		n++
		return h.do(signer, "POST", "/v3/marketing/favor/users/n"+fmt.Sprint(n%10)+"/coupons",
			map[string]string{"stock_id": "newstock", "out_request_no": fmt.Sprint("tier-", n), "appid": appNew, "stock_creator_mchid": mchNew})
	}
	create := func(channel, out string) reply {
		return h.do(signer, "POST", "/v3/marketing/favor/coupon-stocks", map[string]any{"stock_name": "s", "belong_merchant": mchNew, "out_request_no": out,
			"coupon_use_rule": map[string]any{"fixed_normal_coupon": map[string]any{"coupon_amount": 1000, "transaction_minimum": 5000}},
			"channel":         channel, "validity": "7d"})
	}
	usage := func() (string, int) {
		us, err := h.store.Usage(context.Background(), h.srv.Clock().Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range us {
			if u.MchID == mchNew {
				return u.Tier.String(), u.Quota
			}
		}
		t.Fatal("no usage of the new merchant")
		return "", 0
	}
	for day, c := range []struct {
		tier          string
		quota         int
		official, api int // official, api: the status creating a stock on C2, C4 gets
	}{
		{"new", 3, 403, 403}, {"new", 3, 403, 403}, {"certified", 5000, 200, 403}, {"certified", 5000, 200, 403}, {"filed", 50000, 200, 200},
	} {
		if tier, quota := usage(); tier != c.tier || quota != c.quota {
			t.Fatalf("day %d: %s with quota %d, want %s with %d", day, tier, quota, c.tier, c.quota)
		}
		for range min(c.quota, 4) {
			want(t, send(), 200, "")
		}
		if c.quota == 3 {
			want(t, send(), 429, "FREQUENCY_LIMITED")
		}
		want(t, create("official-account", fmt.Sprint("oa", day)), c.official, "")
		want(t, create("api", fmt.Sprint("api", day)), c.api, "")
		h.clock.Advance(24 * time.Hour)
	}
}
