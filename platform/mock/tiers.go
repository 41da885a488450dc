package mock

import "giftsim/platform"

// A merchant's tier can rise during a run (R11): the fixture's
// tier_changes name the platform days, counted from the clock's first day
// (the anchor's), from which certification or filing raises its daily
// quota and unlocks channels (platform.TierSchedule).

// runDay counts platform day day from the clock's first day; 0 while the
// store has no anchor yet. e.mu is held.
func (e *engine) runDay(day int32) int {
	if e.anchor == nil {
		return 0
	}
	return int(day - dayOf(e.anchor.Start))
}

// tierOn is m's tier on platform day day; e.mu is held.
func (e *engine) tierOn(m *merchant, day int32) platform.Tier {
	if len(m.sched.Changes) == 0 {
		return m.tier
	}
	return m.sched.TierOn(e.runDay(day))
}

// quotaOn is m's daily issuing quota on platform day day; e.mu is held.
func (e *engine) quotaOn(m *merchant, day int32) int {
	if len(m.sched.Changes) == 0 {
		return m.quota
	}
	return m.sched.QuotaOn(e.runDay(day))
}
