package sim

import (
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"giftsim/platform"
)

// This file holds channels as contexts: whom each channel reaches and at
// what moment (DOMAIN.md C1–C7).
//
//   - official-account (C2) reaches followers: every customer and the share
//     Followers of the rest;
//   - payment-popup (C5) reaches a buyer just after a purchase: customers,
//     in proportion to how often they buy, through the day as purchases
//     happen, and they answer at once;
//   - chat (C1) is staff sending to their contacts, who are customers;
//   - geo (C6) reaches anyone near a store at the push, optionally of one
//     device family; an interested user may walk in at once (NearbyConv);
//   - mini-program (C3), live-stream (C7) and api (C4) reach any user; the
//     live-stream grab selects keen users (Selection).

// audience is whom one push can reach: a list of users (nil: everyone) and,
// for the payment popup, cumulative weights to draw buyers by.
type audience struct {
	users []int32
	cum   []float64
}

// audienceOf builds the audience of push p from the population at the start.
func (m *model) audienceOf(p *Push) audience {
	dev, _ := deviceOf(p.Device)
	in := func(u int32) bool {
		f := m.w.flags[u]
		switch p.Target {
		case "customers":
			if f&flagExisting == 0 {
				return false
			}
		case "non-customers":
			if f&flagExisting != 0 {
				return false
			}
		}
		if dev >= 0 && int(m.w.device[u]) != dev {
			return false
		}
		switch p.Channel {
		case platform.ChannelOfficialAccount:
			return f&flagFollower != 0
		case platform.ChannelChat, platform.ChannelPaymentPopup:
			return f&flagExisting != 0
		}
		return true
	}
	n := m.w.N()
	all := true
	for u := range n {
		if !in(int32(u)) {
			all = false
			break
		}
	}
	if all && p.Channel != platform.ChannelPaymentPopup {
		return audience{}
	}
	var a audience
	for u := range n {
		if in(int32(u)) {
			a.users = append(a.users, int32(u))
		}
	}
	if p.Channel == platform.ChannelPaymentPopup {
		a.cum = make([]float64, len(a.users))
		sum := 0.0
		for i, u := range a.users {
			sum += float64(m.visitF[u])
			a.cum[i] = sum
		}
	}
	if a.users == nil {
		a.users = []int32{} // nobody: not the same as everyone
	}
	return a
}

// draw picks one user of the audience.
func (a *audience) draw(r *rand.Rand, n int) int32 {
	switch {
	case a.users == nil:
		return int32(r.IntN(n))
	case a.cum != nil:
		x := r.Float64() * a.cum[len(a.cum)-1]
		return a.users[min(sort.SearchFloat64s(a.cum, x), len(a.users)-1)]
	}
	return a.users[r.IntN(len(a.users))]
}

// push reaches the day's users through one campaign push, or sends API
// coupons straight to them, then schedules the next day's push. Whom the
// k-th send reaches (and, for the popup, when) and how they respond are
// drawn from two streams keyed by (push, day, k), so neither shifts the
// other and arms that reach the same user at the same send pair exactly.
func (m *model) push(i int) {
	p := &m.cfg.Campaign[i]
	now := m.now()
	day := m.clk.day(now)
	if next := now + secondsPerDay; p.Days == 0 || day+1 < p.FirstDay+p.Days {
		m.q.At(next, evPush, int32(i), 0)
	}
	if wd, _ := m.clk.weekdayHour(now); p.WeekdaysOnly && wd >= 5 {
		return
	}
	if m.cfg.Compliance.ForceFollow {
		// R18: forcing a follow is induced sharing. The platform notices it
		// on the first push day and restricts coupon display for the 7 days
		// after, so pushes in that window reach nobody.
		if m.penaltyDay < 0 {
			m.penaltyDay = day + 1
		}
		if day >= m.penaltyDay && day < m.penaltyDay+int(platform.DisplayPenalty/platform.Day) {
			m.refused["R18"] += p.SendsPerDay
			m.out.kpi[kpiRuleRefused] += float64(p.SendsPerDay)
			return
		}
	}
	aud := &m.audiences[i]
	if aud.users != nil && len(aud.users) == 0 {
		return // nobody to reach
	}
	b := &m.cfg.Behaviour
	n := m.w.N()
	popup := p.Channel == platform.ChannelPaymentPopup
	dayStart := m.clk.dayStart(day)
	sends := p.SendsPerDay
	if popup {
		// A popup shows only after a purchase: no more than the audience's
		// own visits in a day.
		sends = min(sends, int(aud.cum[len(aud.cum)-1]/b.VisitDays+0.5))
	}
	for k := range sends {
		r := m.exp.at(uint64(i)<<24|uint64(day), uint64(k))
		u := aud.draw(r, n)
		t := now
		if popup {
			// The popup shows after a purchase: at the hours buyers pay,
			// from the push time to the end of the day.
			t = max(now, dayStart+m.shop.hourOfDay(r, m.clk, dayStart, int(p.PushAt/time.Hour))*secondsPerHour+int64(r.IntN(secondsPerHour)))
		}
		if m.uflags[u]&uUnfollowed != 0 {
			continue // they blocked the merchant's messages
		}
		r = m.resp.keyed(uint64(i)<<32|uint64(day), 0, uint64(k))
		uUnfollow, uLapse, uInterest, uNearby := r.Float64(), r.Float64(), r.Float64(), r.Float64()
		m.out.series[day][seriesExposed]++
		m.uflags[u] |= uExposed
		seen := m.fatigue(u, t)
		if b.UnfollowProb > 0 && uUnfollow < b.UnfollowProb*seen {
			m.unfollow(u, t, uLapse)
			continue
		}
		if p.Channel == platform.ChannelAPI {
			m.issueAt(u, p.Channel, false)
			continue
		}
		interest := b.ClaimProb * b.ChannelClaim[p.Channel] * m.stockAppeal(u) * math.Exp(-b.Fatigue*seen)
		if k := b.Selection[p.Channel]; k != 0 {
			// B7: a channel that takes effort selects keen users.
			interest *= math.Pow(float64(m.intent[u]), k)
		}
		if m.uflags[u]&uSensitive != 0 {
			interest *= b.SensitiveClaim
		}
		if uInterest >= interest {
			continue
		}
		gen := uint32(i)
		if p.Channel == platform.ChannelGeo && uNearby < b.NearbyConv {
			gen |= nearbyBit // C6: near the store, they may walk in at once
		}
		var at int64
		if popup {
			at = t + int64(r.ExpFloat64()*popupAnswer)
		} else {
			// B3: the push's salience decays while users are (in)active.
			window := t + int64(platform.ClaimWindow/time.Second)
			at = m.clk.sample(r, m.browse, b.ClaimRate, b.AttentionHours, t, t, window+1)
		}
		if at < m.horizon {
			m.q.At(at, evExposureClaim, u, gen)
		}
	}
}

// popupAnswer is the mean time, in seconds, a buyer takes to answer a
// payment popup: they are on the page.
const popupAnswer = 60

// nearbyBit marks, in an exposure claim's generation, a user near the store.
const nearbyBit = 1 << 15

// unfollow is a user blocking the merchant's pushes after too many; a
// customer among them stops buying if the uniform x is below LapseProb.
func (m *model) unfollow(u int32, t int64, x float64) {
	m.uflags[u] |= uUnfollowed
	m.out.kpi[kpiUnfollowed]++
	if m.uflags[u]&uVisits != 0 && x < m.cfg.Behaviour.LapseProb {
		m.uflags[u] &^= uVisits
		m.lapsed = append(m.lapsed, userAt{u, int32(t)})
	}
}

// hourOfDay draws an hour, from hour from to the end of the day that starts
// at dayStart, in proportion to the profile's weights.
func (p *profile) hourOfDay(r *rand.Rand, c *clock, dayStart int64, from int) int64 {
	h0 := c.hourOfWeek(dayStart) / 24 * 24
	sum := 0.0
	for h := from; h < 24; h++ {
		sum += p.w[h0+h]
	}
	x := r.Float64() * sum
	for h := from; h < 24; h++ {
		if x -= p.w[h0+h]; x < 0 {
			return int64(h)
		}
	}
	return 23
}
