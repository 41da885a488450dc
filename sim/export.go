package sim

// This file holds the merchant's view of a run: sends, claims and
// redemptions per hour and channel, the shape of the export a merchant's
// own data comes in (docs/DATA.md).

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"giftsim/platform"
)

// Tally is what happened through one channel in one hour of a run, as a
// merchant's export counts it.
type Tally struct {
	Hour    int              // Hour counts whole hours from the config's Start.
	Channel platform.Channel // Channel is the channel the coupons were sent through.
	// Sends are the push's sends, counted at the hour of the push: the
	// exposures it attempted (API: the coupons it sent), including those to
	// users who had blocked the merchant.
	Sends int
	// Claims are the coupons the merchant issued: claims of a push and API
	// sends (a combo's sub-coupons count one each; gifts passed on are not
	// new claims).
	Claims int
	// Redemptions are those coupons redeemed, by whoever held them then.
	Redemptions int
}

// Activity runs arm a of exp in replication rep exactly as RunExperiment
// runs it (the same world, random numbers and ensemble member) and returns
// its tallies, ordered by hour and channel; hours and channels with nothing
// are left out.
func Activity(ctx context.Context, exp *Experiment, a, rep int) ([]Tally, error) {
	if a < 0 || a >= len(exp.Arms) {
		return nil, fmt.Errorf("%w: the experiment has no arm %d", platform.ErrInvalid, a)
	}
	cfg := exp.Arms[a].Config
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("arm %q: %w", exp.Arms[a].Name, err)
	}
	for i, mb := range exp.Ensemble {
		if err := mb.Validate(); err != nil {
			return nil, fmt.Errorf("ensemble member %d: %w", i+1, err)
		}
	}
	dir := ""
	if exp.File != "" {
		dir = filepath.Dir(exp.File)
	}
	w, err := NewWorld(ctx, cfg.Population, exp.Seed, rep, dir)
	if err != nil {
		return nil, fmt.Errorf("arm %q, replication %d: %w", exp.Arms[a].Name, rep, err)
	}
	if k := ensembleGroups(len(exp.Ensemble), exp.Replications); k > 0 {
		cfg.Behaviour = exp.Ensemble[memberOf(len(exp.Ensemble), k, rep)].apply(cfg.Behaviour)
	}
	ts, err := newModel(&cfg, w, exp.Seed, rep).tally(ctx)
	if err != nil {
		return nil, fmt.Errorf("arm %q, replication %d: %w", exp.Arms[a].Name, rep, err)
	}
	return ts, nil
}

// tally runs the model as run does and counts, after each event, the
// coupons it issued and redeemed, by hour and channel.
func (m *model) tally(ctx context.Context) ([]Tally, error) {
	for i, p := range m.cfg.Campaign {
		t := m.clk.dayStart(p.FirstDay) + int64(p.PushAt/time.Second)
		for t < 0 {
			t += secondsPerDay
		}
		m.q.At(t, evPush, int32(i), 0)
	}
	type key struct {
		hour int
		ch   platform.Channel
	}
	counts := map[key]*Tally{}
	at := func(ch platform.Channel) *Tally {
		k := key{int(m.now() / secondsPerHour), ch}
		t, ok := counts[k]
		if !ok {
			t = &Tally{Hour: k.hour, Channel: ch}
			counts[k] = t
		}
		return t
	}
	for n := 0; ; n++ {
		if n&0xffff == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		e, ok := m.q.Next(m.horizon - 1)
		if !ok {
			break
		}
		issued, redeemed := len(m.state), m.out.kpi[kpiRedeemed]
		if e.Kind() == evPush {
			if s := m.pushSends(int(e.ID())); s > 0 {
				at(m.cfg.Campaign[e.ID()].Channel).Sends += s
			}
		}
		m.handle(e)
		if m.err != nil {
			return nil, m.err
		}
		for c := issued; c < len(m.state); c++ {
			at(m.channel[c]).Claims++
		}
		if e.Kind() == evRedeem && m.out.kpi[kpiRedeemed] > redeemed {
			at(m.channel[e.ID()]).Redemptions++
		}
	}
	m.out.events = m.q.Popped()
	if err := m.finish(); err != nil {
		return nil, err
	}
	out := make([]Tally, 0, len(counts))
	for _, t := range counts {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b Tally) int {
		return cmp.Or(cmp.Compare(a.Hour, b.Hour), cmp.Compare(a.Channel, b.Channel))
	})
	return out, nil
}

// pushSends is how many sends push i makes when it fires now, as push
// counts them: none on a weekend for a weekdays-only push or with nobody
// to reach, and a payment popup no more than its audience's visits.
func (m *model) pushSends(i int) int {
	p := &m.cfg.Campaign[i]
	if wd, _ := m.clk.weekdayHour(m.now()); p.WeekdaysOnly && wd >= 5 {
		return 0
	}
	aud := &m.audiences[i]
	if aud.users != nil && len(aud.users) == 0 {
		return 0
	}
	if p.Channel == platform.ChannelPaymentPopup && len(aud.cum) > 0 {
		return min(p.SendsPerDay, int(aud.cum[len(aud.cum)-1]/m.cfg.Behaviour.VisitDays+0.5))
	}
	return p.SendsPerDay
}
