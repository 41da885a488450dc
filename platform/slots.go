package platform

import "time"

// MaxScheduleAhead is how far ahead giftsim's mock lets a send be
// scheduled (R12; the real platform publishes no limit, so this bound is
// giftsim's own).
const MaxScheduleAhead = 90 * Day

// SlotStart returns the start of the half-hour slot holding t, in Beijing
// time (R12).
func SlotStart(t time.Time) time.Time {
	t = t.In(Beijing)
	return DayStart(t).Add(time.Duration(Slot(t)) * SlotLength)
}

// NextSlot returns the first slot boundary at or after t, in Beijing time
// (R12).
func NextSlot(t time.Time) time.Time {
	s := SlotStart(t)
	if s.Before(t) {
		s = s.Add(SlotLength)
	}
	return s
}

// CheckSendSlot refuses a scheduled send at slot, seen at platform time
// now (R12): the slot must start on the hour or half hour in Beijing time
// (CheckSlot), must not be in the past and must be at most
// MaxScheduleAhead away.
func CheckSendSlot(slot, now time.Time) error {
	if err := CheckSlot(slot.In(Beijing)); err != nil {
		return err
	}
	if slot.Before(now) {
		return ruleErr("R12", ErrInvalid, "slot %s is in the past (platform time is %s); the next slot is %s",
			slot.In(Beijing).Format(time.RFC3339), now.In(Beijing).Format(time.RFC3339), NextSlot(now).Format(time.RFC3339))
	}
	if slot.Sub(now) > MaxScheduleAhead {
		return ruleErr("R12", ErrInvalid, "slot %s is more than %s ahead", slot.In(Beijing).Format(time.RFC3339), FormatDuration(MaxScheduleAhead))
	}
	return nil
}
