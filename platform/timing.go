package platform

import "time"

// The lifecycle's fixed delays.
const (
	ClaimWindow      = 48 * time.Hour   // R9: a gift unclaimed this long returns to the sender.
	RefusalBlock     = 24 * time.Hour   // R15: after a refusal, no coupon of that kind for this long.
	RecycleRetention = 30 * Day         // R14: an expired coupon stays this long in the bin.
	SlotLength       = 30 * time.Minute // R12: the smallest scheduling unit for API sends.
	DisplayPenalty   = 7 * Day          // R18: a minor violation restricts display this long.
)

// Beijing is the platform's zone, China Standard Time (UTC+8, "CST"): its
// days start at midnight here.
var Beijing = time.FixedZone("CST", beijingOffset)

// beijingOffset is Beijing's offset from UTC in seconds.
const beijingOffset = 8 * 3600

// PlatformDay is the platform's day number of the Unix time sec: its days,
// which the daily quota (R11) and the chat limit (C1) count, start at
// midnight in Beijing (UTC+8), whatever the merchant's own zone.
func PlatformDay(sec int64) int64 {
	const day = 86400
	s := sec + beijingOffset
	if s < 0 {
		return (s - day + 1) / day
	}
	return s / day
}

// DayStart returns the start of the platform day holding t: the last
// midnight in Beijing at or before t, in Beijing time.
func DayStart(t time.Time) time.Time {
	return time.Unix(PlatformDay(t.Unix())*86400-beijingOffset, 0).In(Beijing)
}

// FastClock maps wall time to platform time on a platform whose day lasts
// Day of wall time (24h: real time; 10s: a day every ten seconds, so quotas,
// the 48-hour claim window and expiry can be exercised quickly). Platform
// time is Start + (wall − Wall)·24h/Day. The mock runs its clock on it and
// the load driver reads the target's with it.
type FastClock struct {
	Start time.Time     // Start is the platform time at wall time Wall.
	Wall  time.Time     // Wall is the wall time of the anchor.
	Day   time.Duration // Day is the wall length of a platform day.
}

// scale is how many platform seconds pass in one wall second.
func (c FastClock) scale() float64 { return float64(Day) / float64(c.Day) }

// At returns the platform time at wall time w.
func (c FastClock) At(w time.Time) time.Time {
	return c.Start.Add(time.Duration(float64(w.Sub(c.Wall)) * c.scale()))
}

// WallDuration returns how much wall time d of platform time takes.
func (c FastClock) WallDuration(d time.Duration) time.Duration {
	return time.Duration(float64(d) / c.scale())
}

// Slot is the index of the half-hour slot holding t within its day, 0–47 (R12).
func Slot(t time.Time) int { return t.Hour()*2 + t.Minute()/30 }

// CheckSlot refuses a scheduled send time that is not on a half-hour
// boundary (R12).
func CheckSlot(t time.Time) error {
	if t.Minute()%30 != 0 || t.Second() != 0 || t.Nanosecond() != 0 {
		return ruleErr("R12", ErrInvalid, "API sends are scheduled in half-hour slots (hh:00 or hh:30), got %s", t.Format("15:04:05"))
	}
	return nil
}

// CheckClaim refuses a claim after the 48-hour window (R9).
func CheckClaim(offeredAt, now time.Time) error {
	if now.Sub(offeredAt) > ClaimWindow {
		return ruleErr("R9", ErrClaimWindow, "a gift must be claimed within %s of its offer", FormatDuration(ClaimWindow))
	}
	return nil
}

// CheckRecover refuses recovering a coupon that left the bin (R14).
func CheckRecover(recycledAt, now time.Time) error {
	if now.Sub(recycledAt) > RecycleRetention {
		return ruleErr("R14", ErrRecycleExpired, "a coupon can be recovered within %s of expiry", FormatDuration(RecycleRetention))
	}
	return nil
}

// Risk holds the risk-control thresholds (R16, R17). The seed says "a short
// time" for R16 and gives no window for R17; the defaults below are
// giftsim's reading and can be changed.
type Risk struct {
	ReceiveBurst  int           // ReceiveBurst is the most coupons an account receives in ReceiveWindow (R16).
	ReceiveWindow time.Duration // ReceiveWindow is R16's "short time".
	IPClaims      int           // IPClaims is the most claims from one abnormal IP in IPWindow (R17).
	IPWindow      time.Duration // IPWindow is the window R17 counts over.
}

// DefaultRisk returns the thresholds of R16 (more than 50 in an hour) and
// R17 (more than 3 claims a day from an abnormal IP).
func DefaultRisk() Risk {
	return Risk{ReceiveBurst: 50, ReceiveWindow: time.Hour, IPClaims: 3, IPWindow: Day}
}

// Validate checks the thresholds are usable.
func (r Risk) Validate() error {
	if r.ReceiveBurst <= 0 || r.ReceiveWindow <= 0 || r.IPClaims <= 0 || r.IPWindow <= 0 {
		return ruleErr("R16", ErrInvalid, "risk thresholds and windows must be positive")
	}
	return nil
}

// CheckReceive refuses a coupon to an account that already received
// ReceiveBurst in the window, until it passes face verification (R16).
func (r Risk) CheckReceive(receivedInWindow int) error {
	if receivedInWindow >= r.ReceiveBurst {
		return ruleErr("R16", ErrFaceVerification, "account received more than %d coupons within %s", r.ReceiveBurst, FormatDuration(r.ReceiveWindow))
	}
	return nil
}

// CheckIPClaim refuses a claim from an abnormal IP that already claimed
// IPClaims times in the window (R17).
func (r Risk) CheckIPClaim(abnormal bool, claimsInWindow int) error {
	if abnormal && claimsInWindow >= r.IPClaims {
		return ruleErr("R17", ErrIPBlocked, "an abnormal IP may claim at most %d times within %s", r.IPClaims, FormatDuration(r.IPWindow))
	}
	return nil
}
