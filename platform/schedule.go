package platform

import "fmt"

// TierChange is a merchant's move up to Tier on campaign day FromDay
// (counted from 0): certification, then filing (R11).
type TierChange struct {
	FromDay int
	Tier    Tier
}

// TierSchedule is a merchant's tier over a campaign: Start on day 0, then
// each change from its day on. Quota, if positive, is the daily quota
// agreed for the starting tier in place of its default; every later tier
// has its own default quota (R11). Changes must be in order of day with
// rising tiers (Check).
type TierSchedule struct {
	Start   Tier
	Quota   int
	Changes []TierChange
}

// TierOn returns the merchant's tier on campaign day day: the last change
// whose day has come, else Start.
func (s TierSchedule) TierOn(day int) Tier {
	t := s.Start
	for _, c := range s.Changes {
		if day >= c.FromDay {
			t = c.Tier
		}
	}
	return t
}

// QuotaOn returns the merchant's daily issuing quota on campaign day day
// (R11): the agreed Quota while at the starting tier, else the tier's
// default (Tier.DailyQuota).
func (s TierSchedule) QuotaOn(day int) int {
	t := s.TierOn(day)
	if t != s.Start {
		return t.DailyQuota()
	}
	return t.Quota(s.Quota)
}

// FirstDayAt returns the first campaign day on which the merchant is at
// tier t or above, and false if it never is.
func (s TierSchedule) FirstDayAt(t Tier) (int, bool) {
	if s.Start >= t {
		return 0, true
	}
	for _, c := range s.Changes {
		if c.Tier >= t {
			return c.FromDay, true
		}
	}
	return 0, false
}

// Check returns the first problem with the schedule's order, or nil: each
// change comes on a later day than the one before (day 0 is Start's) and
// raises the tier. The error is a *ScheduleError naming the change.
func (s TierSchedule) Check() error {
	prevDay, prevTier := 0, s.Start
	for i, c := range s.Changes {
		switch {
		case c.FromDay <= prevDay:
			return &ScheduleError{Index: i, Msg: fmt.Sprintf("must come after day %d, when the merchant is %s; got day %d", prevDay, prevTier, c.FromDay)}
		case c.Tier <= prevTier:
			return &ScheduleError{Index: i, Msg: fmt.Sprintf("must raise the tier, which is %s by then; got %s", prevTier, c.Tier)}
		}
		prevDay, prevTier = c.FromDay, c.Tier
	}
	return nil
}

// ScheduleError is a tier schedule out of order (R11): change Index and
// what is wrong with it, as "must …".
type ScheduleError struct {
	Index int
	Msg   string
}

func (e *ScheduleError) Error() string { return e.Msg }

// Unwrap makes a ScheduleError an ErrInvalid.
func (e *ScheduleError) Unwrap() error { return ErrInvalid }
