package platform

import (
	"fmt"
	"testing"
	"time"
)

func TestSlots(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	now := at("2026-03-02T10:07:00+08:00")
	for _, tc := range []struct {
		slot string
		ok   bool
	}{
		{"2026-03-02T10:30:00+08:00", true},
		{"2026-03-02T11:00:00+08:00", true},
		{"2026-03-02T03:30:00Z", true},         // 11:30 in Beijing
		{"2026-03-03T05:15:00+05:45", true},    // 07:30 in Beijing: the boundary is Beijing's
		{"2026-03-02T10:30:00+05:45", false},   // 12:45 in Beijing
		{"2026-03-02T10:15:00+08:00", false},   // not on a half hour
		{"2026-03-02T10:30:01+08:00", false},   // seconds
		{"2026-03-02T10:30:00.5+08:00", false}, // fractions
		{"2026-03-02T10:00:00+08:00", false},   // in the past
		{"2026-06-02T10:00:00+08:00", false},   // more than 90 days ahead
	} {
		err := CheckSendSlot(at(tc.slot), now)
		if (err == nil) != tc.ok {
			t.Errorf("CheckSendSlot(%s) = %v, want ok %v", tc.slot, err, tc.ok)
		}
		if err != nil && CodeOf(err) != CodeParamError {
			t.Errorf("CheckSendSlot(%s): code %s, want PARAM_ERROR", tc.slot, CodeOf(err))
		}
	}
	if got := NextSlot(now); !got.Equal(at("2026-03-02T10:30:00+08:00")) {
		t.Errorf("NextSlot = %s", got)
	}
	if got := NextSlot(at("2026-03-02T10:30:00+08:00")); !got.Equal(at("2026-03-02T10:30:00+08:00")) {
		t.Errorf("NextSlot of a boundary = %s", got)
	}
	if got := SlotStart(at("2026-03-02T23:59:59+08:00")); !got.Equal(at("2026-03-02T23:30:00+08:00")) {
		t.Errorf("SlotStart = %s", got)
	}
}

func ExampleNextSlot() {
	now := time.Date(2026, 3, 2, 10, 7, 0, 0, Beijing)
	fmt.Println(NextSlot(now).Format("15:04"))
	fmt.Println(CheckSendSlot(time.Date(2026, 3, 2, 10, 45, 0, 0, Beijing), now))
	// Output:
	// 10:30
	// R12: invalid parameter: API sends are scheduled in half-hour slots (hh:00 or hh:30), got 10:45:00
}
