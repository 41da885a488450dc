package platform

import (
	"errors"
	"fmt"
	"testing"
)

func TestTierSchedule(t *testing.T) {
	newCert := TierSchedule{Start: TierNew, Changes: []TierChange{{15, TierCertified}, {45, TierFiled}}}
	agreed := TierSchedule{Start: TierCertified, Quota: 300, Changes: []TierChange{{10, TierFiled}}}
	tests := []struct {
		name  string
		s     TierSchedule
		day   int
		tier  Tier
		quota int
	}{
		{"first day", newCert, 0, TierNew, 500},
		{"day before certification", newCert, 14, TierNew, 500},
		{"certification day", newCert, 15, TierCertified, 5000},
		{"filing day", newCert, 45, TierFiled, 50000},
		{"long after", newCert, 300, TierFiled, 50000},
		{"agreed quota at the start", agreed, 9, TierCertified, 300},
		{"the next tier's default", agreed, 10, TierFiled, 50000},
		{"no changes", TierSchedule{Start: TierFiled, Quota: 80000}, 20, TierFiled, 80000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.s.TierOn(tc.day); got != tc.tier {
				t.Errorf("TierOn(%d) = %s, want %s", tc.day, got, tc.tier)
			}
			if got := tc.s.QuotaOn(tc.day); got != tc.quota {
				t.Errorf("QuotaOn(%d) = %d, want %d", tc.day, got, tc.quota)
			}
		})
	}
	for _, tc := range []struct {
		tier Tier
		day  int
		ok   bool
	}{{TierNew, 0, true}, {TierCertified, 15, true}, {TierFiled, 45, true}} {
		if day, ok := newCert.FirstDayAt(tc.tier); day != tc.day || ok != tc.ok {
			t.Errorf("FirstDayAt(%s) = %d, %v; want %d, %v", tc.tier, day, ok, tc.day, tc.ok)
		}
	}
	if _, ok := (TierSchedule{Start: TierNew}).FirstDayAt(TierCertified); ok {
		t.Error("a merchant never certified has a day at certified")
	}
}

func TestTierScheduleCheck(t *testing.T) {
	tests := []struct {
		name  string
		s     TierSchedule
		index int // index is the change at fault, -1 for none
	}{
		{"in order", TierSchedule{Start: TierNew, Changes: []TierChange{{15, TierCertified}, {45, TierFiled}}}, -1},
		{"none", TierSchedule{Start: TierCertified}, -1},
		{"filed before certified", TierSchedule{Start: TierNew, Changes: []TierChange{{20, TierCertified}, {10, TierFiled}}}, 1},
		{"same day", TierSchedule{Start: TierNew, Changes: []TierChange{{20, TierCertified}, {20, TierFiled}}}, 1},
		{"on day 0", TierSchedule{Start: TierNew, Changes: []TierChange{{0, TierCertified}}}, 0},
		{"not a rise", TierSchedule{Start: TierCertified, Changes: []TierChange{{5, TierCertified}}}, 0},
		{"a fall", TierSchedule{Start: TierNew, Changes: []TierChange{{5, TierFiled}, {9, TierCertified}}}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.s.Check()
			var se *ScheduleError
			switch {
			case tc.index < 0 && err != nil:
				t.Fatalf("Check() = %v, want nil", err)
			case tc.index >= 0 && (!errors.As(err, &se) || se.Index != tc.index || !errors.Is(err, ErrInvalid)):
				t.Fatalf("Check() = %v, want a ScheduleError at change %d", err, tc.index)
			}
		})
	}
}

func ExampleTierSchedule() {
	s := TierSchedule{Start: TierNew, Changes: []TierChange{{FromDay: 14, Tier: TierCertified}}}
	for _, day := range []int{0, 13, 14} {
		fmt.Printf("day %d: %s, %d a day\n", day, s.TierOn(day), s.QuotaOn(day))
	}
	// Output:
	// day 0: new, 500 a day
	// day 13: new, 500 a day
	// day 14: certified, 5000 a day
}
