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

	"giftsim/platform"
	"giftsim/sim/engine"
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

// tally runs the model as run does and returns its tallies.
func (m *model) tally(ctx context.Context) ([]Tally, error) {
	t := &tallier{counts: map[tallyKey]*Tally{}}
	if _, err := m.runWatched(ctx, t); err != nil {
		return nil, err
	}
	out := make([]Tally, 0, len(t.counts))
	for _, t := range t.counts {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b Tally) int {
		return cmp.Or(cmp.Compare(a.Hour, b.Hour), cmp.Compare(a.Channel, b.Channel))
	})
	return out, nil
}

// tallier is the watcher that counts, around each event, the sends of a
// push and the coupons the model issued and redeemed, by hour and channel.
type tallier struct {
	counts   map[tallyKey]*Tally
	issued   int     // issued is the coupon count before the event.
	redeemed float64 // redeemed is the redemption count before the event.
}

type tallyKey struct {
	hour int
	ch   platform.Channel
}

func (t *tallier) at(m *model, ch platform.Channel) *Tally {
	k := tallyKey{int(m.now() / secondsPerHour), ch}
	c, ok := t.counts[k]
	if !ok {
		c = &Tally{Hour: k.hour, Channel: ch}
		t.counts[k] = c
	}
	return c
}

func (t *tallier) before(m *model, e engine.Event) {
	t.issued, t.redeemed = len(m.state), m.out.kpi[kpiRedeemed]
	if e.Kind() == evPush {
		if s := m.pushSends(int(e.ID())); s > 0 {
			t.at(m, m.cfg.Campaign[e.ID()].Channel).Sends += s
		}
	}
}

func (t *tallier) after(m *model, e engine.Event) {
	for c := t.issued; c < len(m.state); c++ {
		t.at(m, m.channel[c]).Claims++
	}
	if e.Kind() == evRedeem && m.out.kpi[kpiRedeemed] > t.redeemed {
		t.at(m, m.channel[e.ID()]).Redemptions++
	}
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
