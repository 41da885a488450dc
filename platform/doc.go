// Package platform holds the coupon platform's rules as data and pure
// functions: coupon kinds (R1–R4), categories (R5–R7), channels (C1–C7),
// merchant tiers and quotas (R11), the coupon lifecycle state machine (R9,
// R14), refusal and risk rules (R15–R17) and compliance (R18–R20).
//
// It is the one source of truth shared by the simulator (package sim) and the
// mock platform (package platform/mock), and derives once what several
// places need: a merchant's daily quota (Tier.Quota), the platform day that
// starts at midnight in Beijing (PlatformDay, DayStart, Beijing) and the
// fast clock of a shortened platform day (FastClock). Its names (kinds,
// categories, channels, tiers, industries, states) read and write as text,
// and StockSpec is the one stock spec of fixtures, load plans and requests.
// It does no I/O, reads no clock and imports no net/http: callers pass
// times and durations in, and the HTTP contract is package platform/api.
package platform
