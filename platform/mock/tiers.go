package mock

import "giftsim/platform"

// A merchant's tier can rise during a run (R11): the fixture's
// tier_changes name the platform days, counted from the clock's first day
// (the anchor's), from which certification or filing raises its daily
// quota and unlocks channels (platform.TierSchedule).

// runDay counts platform day day from the clock's first day; 0 while the
// store has no anchor yet. e.mu is held.
func (e *engine) runDay(day int32) int { return runDayOf(e.anchor, day) }

// runDayOf counts platform day day from anchor a's first day (nil: 0).
func runDayOf(a *Anchor, day int32) int {
	if a == nil {
		return 0
	}
	return int(day - dayOf(a.Start))
}

// tierOn is m's tier on platform day day; e.mu is held.
func (e *engine) tierOn(m *merchant, day int32) platform.Tier { return m.tierAt(e.runDay(day)) }

// quotaOn is m's daily issuing quota on platform day day; e.mu is held.
func (e *engine) quotaOn(m *merchant, day int32) int { return m.quotaAt(e.runDay(day)) }

// tierAt is m's tier on the run's day run (runDayOf).
func (m *merchant) tierAt(run int) platform.Tier {
	if len(m.sched.Changes) == 0 {
		return m.tier
	}
	return m.sched.TierOn(run)
}

// quotaAt is m's daily issuing quota on the run's day run (runDayOf).
func (m *merchant) quotaAt(run int) int {
	if len(m.sched.Changes) == 0 {
		return m.quota
	}
	return m.sched.QuotaOn(run)
}
