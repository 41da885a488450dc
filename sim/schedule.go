package sim

// This file holds the checks of the merchant's tier schedule (R11): the
// schedule's days and order, the channels each day's tier unlocks (C2, C4)
// and the planned API volume against each day's quota.

import (
	"errors"
	"fmt"
	"time"

	"giftsim/platform"
)

// campaignDays is the number of calendar days the horizon touches (the
// days of the daily series), at least 1.
func (c *Config) campaignDays() int {
	if c.Horizon < time.Second {
		return 1
	}
	return newClock(c.Start).day(int64(c.Horizon/time.Second)-1) + 1
}

// scheduleFields names the scenario field of each tier change of
// Merchant.Schedule, in its order.
func (m Merchant) scheduleFields() []string {
	var out []string
	if m.CertifiedFrom > 0 {
		out = append(out, "merchant.certified_from_day")
	}
	if m.FiledFrom > 0 {
		out = append(out, "merchant.filed_from_day")
	}
	return out
}

// checkSchedule returns the problems with the merchant's tier schedule:
// each scheduled day within the horizon, on the tier it raises, and the
// days in order with rising tiers (platform.TierSchedule.Check).
func (c *Config) checkSchedule() []error {
	m := c.Merchant
	var errs []error
	bad := func(path string, also []string, format string, a ...any) {
		errs = append(errs, invalid(path, also, format, a...))
	}
	days := c.campaignDays()
	for _, f := range []struct {
		name string
		day  int
	}{{"merchant.certified_from_day", m.CertifiedFrom}, {"merchant.filed_from_day", m.FiledFrom}} {
		if f.day < 0 || f.day >= days {
			bad(f.name, []string{"horizon"}, "must be a day of the campaign, 1 to %d (0: not scheduled), got %d", days-1, f.day)
		}
	}
	if m.CertifiedFrom > 0 && m.Tier != platform.TierNew {
		bad("merchant.certified_from_day", []string{"merchant.tier"}, "certified_from_day applies to a new merchant; merchant.tier is already %s", m.Tier)
	}
	if m.FiledFrom > 0 && m.Tier == platform.TierFiled {
		bad("merchant.filed_from_day", []string{"merchant.tier"}, "filed_from_day applies to a merchant not yet filed; merchant.tier is already filed")
	}
	if len(errs) > 0 {
		return errs
	}
	var se *platform.ScheduleError
	if err := m.Schedule().Check(); errors.As(err, &se) {
		names := m.scheduleFields()
		errs = append(errs, ruled(names[se.Index], nil, "R11", platform.ErrInvalid, "%s", se.Msg))
	}
	return errs
}

// checkPushTier refuses push i when the merchant's tier on the push's first
// day does not unlock its channel (C2 needs certified, C4 filed); tiers
// only rise, so the first day decides. A scheduled tier that unlocks it
// later is named with the day to start from.
func (c *Config) checkPushTier(i int) error {
	p := c.Campaign[i]
	err := p.Channel.CheckTier(c.Merchant.TierOn(p.FirstDay))
	if err == nil || !c.Merchant.Scheduled() {
		return err
	}
	r := platform.RuleOfChannel(p.Channel)
	day, ok := c.Merchant.Schedule().FirstDayAt(r.MinTier)
	if !ok {
		return err
	}
	field := "merchant.certified_from_day"
	if r.MinTier == platform.TierFiled {
		field = "merchant.filed_from_day"
	}
	return &platform.RuleError{Rule: r.ID, Err: platform.ErrTierRequired,
		Msg: fmt.Sprintf("%s needs a %s merchant, which this one is from day %d (%s); set its first_day to %d or later, got %d",
			p.Channel, r.MinTier, day, field, day, p.FirstDay)}
}

// checkPlannedSends refuses API pushes that plan more sends on a day than
// that day's quota (R11), naming the first such day when the tier changes.
func (c *Config) checkPlannedSends() error {
	days := c.campaignDays()
	for d := range days {
		planned := 0
		for _, p := range c.Campaign {
			if p.Channel == platform.ChannelAPI && d >= p.FirstDay && (p.Days == 0 || d < p.FirstDay+p.Days) {
				planned += p.SendsPerDay
			}
		}
		q := c.Merchant.QuotaOn(d)
		if planned <= q {
			continue
		}
		msg := fmt.Sprintf("API sends of %d a day exceed the %s merchant's daily quota of %d", planned, c.Merchant.TierOn(d), q)
		if c.Merchant.Scheduled() {
			msg += fmt.Sprintf(" on day %d", d)
		}
		var paths []string
		for i, p := range c.Campaign {
			if p.Channel == platform.ChannelAPI && p.SendsPerDay > 0 {
				paths = append(paths, fmt.Sprintf("campaign[%d].sends_per_day", i))
			}
		}
		paths = append(paths, "merchant.daily_quota", "merchant.tier")
		return ruled(paths[0], paths[1:], "R11", platform.ErrQuotaExhausted, "%s", msg)
	}
	return nil
}
