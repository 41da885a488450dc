// Package platform holds the coupon platform's rules as data and pure
// functions: coupon kinds (R1–R4), categories (R5–R7), channels (C1–C7),
// merchant tiers and quotas (R11), the coupon lifecycle state machine (R9,
// R14), refusal and risk rules (R15–R17) and compliance (R18–R20).
//
// It is the one source of truth shared by the simulator (package sim) and the
// mock platform (package platform/mock). It does no I/O and reads no clock:
// callers pass times and durations in.
package platform
