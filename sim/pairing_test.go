package sim

import (
	"slices"
	"testing"
	"time"

	"giftsim/platform"
)

// TestStreamsPairUsersAcrossArms shows common random numbers surviving a
// change in the issue order: an extra push to non-customers two hours
// before the customers' push shifts the index of nearly every customer's
// coupon, yet each customer's coupons live the same lives in both arms,
// because their draws are keyed by the user and which of their coupons it
// is. Gifting and abnormal IPs, which couple users, are off.
func TestStreamsPairUsersAcrossArms(t *testing.T) {
	base := tinyConfig()
	base.Population.AbnormalIPShare = 0
	base.Behaviour.GiftProb = 0
	base.Campaign = []Push{{Channel: platform.ChannelOfficialAccount, SendsPerDay: 300, PushAt: 10 * time.Hour, WeekdaysOnly: true, Target: "customers"}}
	extra := base
	extra.Campaign = append(slices.Clone(base.Campaign),
		Push{Channel: platform.ChannelOfficialAccount, SendsPerDay: 300, PushAt: 8 * time.Hour, WeekdaysOnly: true, Target: "non-customers"})
	a, b := runModel(t, base, 3), runModel(t, extra, 3)

	// life is what happened to one coupon, and index its place in the
	// arm's issue order.
	type life struct {
		received, redeemAt, expires int32
		state                       platform.State
		route                       uint8
		index                       int
	}
	lives := func(m *model) map[int32][]life {
		out := map[int32][]life{}
		for c := range m.state {
			u := m.holder[c]
			if m.w.flags[u]&flagExisting == 0 {
				continue
			}
			out[u] = append(out[u], life{m.received[c], m.redeemAt[c], m.expires[c], m.state[c], m.route[c], c})
		}
		return out
	}
	la, lb := lives(a), lives(b)
	if len(la) == 0 || len(la) != len(lb) {
		t.Fatalf("%d customers got coupons in the base arm, %d with the extra push", len(la), len(lb))
	}
	coupons, shifted, redeemed := 0, 0, 0
	for u, xs := range la {
		ys := lb[u]
		if len(xs) != len(ys) {
			t.Fatalf("customer %d: %d coupons in the base arm, %d with the extra push", u, len(xs), len(ys))
		}
		for i, x := range xs {
			y := ys[i]
			if x.index != y.index {
				shifted++
			}
			x.index, y.index = 0, 0
			if x != y {
				t.Fatalf("customer %d, coupon %d: %+v in the base arm, %+v with the extra push", u, i, x, y)
			}
			coupons++
			if x.state == platform.StateRedeemed {
				redeemed++
			}
		}
	}
	t.Logf("%d customers' coupons, %d of them at another index, %d redeemed", coupons, shifted, redeemed)
	if shifted < coupons/2 || redeemed == 0 {
		t.Fatalf("the test does not bite: %d of %d customers' coupons shifted, %d redeemed", shifted, coupons, redeemed)
	}
	if len(a.state) >= len(b.state) {
		t.Fatalf("the extra push issued nothing: %d coupons, %d with it", len(a.state), len(b.state))
	}
}
