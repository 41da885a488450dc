package platform_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"giftsim/platform"
)

// TestStockStatusMachine checks every status and event: the changes the
// platform allows, that stopped is final, that only a running stock
// issues, and that each refusal is RULE_LIMIT.
func TestStockStatusMachine(t *testing.T) {
	allowed := map[[2]uint8]platform.StockStatus{
		{uint8(platform.StockUnactivated), uint8(platform.StockStart)}: platform.StockRunning,
		{uint8(platform.StockRunning), uint8(platform.StockStart)}:     platform.StockRunning,
		{uint8(platform.StockRunning), uint8(platform.StockPause)}:     platform.StockPaused,
		{uint8(platform.StockPaused), uint8(platform.StockRestart)}:    platform.StockRunning,
		{uint8(platform.StockUnactivated), uint8(platform.StockStop)}:  platform.StockStopped,
		{uint8(platform.StockRunning), uint8(platform.StockStop)}:      platform.StockStopped,
		{uint8(platform.StockPaused), uint8(platform.StockStop)}:       platform.StockStopped,
	}
	for s := platform.StockUnactivated; s <= platform.StockStopped; s++ {
		for e := platform.StockStart; e <= platform.StockStop; e++ {
			next, err := platform.NextStockStatus(s, e)
			want, ok := allowed[[2]uint8{uint8(s), uint8(e)}]
			switch {
			case ok && (err != nil || next != want):
				t.Errorf("%s a %s stock: %s, %v; want %s", e, s, next, err, want)
			case !ok && (err == nil || next != s || platform.CodeOf(err) != platform.CodeRuleLimit):
				t.Errorf("%s a %s stock: allowed (%s, %v)", e, s, next, err)
			}
		}
		if err := s.CheckIssue(); (err == nil) != (s == platform.StockRunning) || (err != nil && platform.CodeOf(err) != platform.CodeRuleLimit) {
			t.Errorf("%s issues: %v", s, err)
		}
		back, err := platform.ParseStockStatus(s.String())
		if err != nil || back != s {
			t.Errorf("%s reads back as %s, %v", s, back, err)
		}
	}
	if s, err := platform.ParseStockStatus("stopped"); err != nil || s != platform.StockStopped {
		t.Errorf("stopped: %s, %v", s, err)
	}
	if _, err := platform.ParseStockStatus("RUNNING"); !errors.Is(err, platform.ErrInvalid) {
		t.Errorf("RUNNING: %v", err)
	}
}

// TestStockLimits checks each limit's refusal and code, and the expiry a
// window caps.
func TestStockLimits(t *testing.T) {
	begin := time.Date(2026, 3, 3, 0, 0, 0, 0, platform.Beijing)
	l := platform.StockLimits{Begin: begin, End: begin.Add(48 * time.Hour), MaxPerUser: 2, MaxAmountByDay: 2500}
	cases := []struct {
		name        string
		user        int
		today       platform.Money
		now         time.Time
		code, field string
	}{
		{"inside", 0, 0, begin, "", ""},
		{"before", 0, 0, begin.Add(-time.Second), "RULE_LIMIT", "available_begin_time"},
		{"at the end", 0, 0, begin.Add(48 * time.Hour), "RULE_LIMIT", "available_end_time"},
		{"per user", 2, 0, begin, "RULE_LIMIT", "max_coupons_per_user"},
		{"one more per user", 1, 0, begin, "", ""},
		{"day budget", 0, 2000, begin, "NOT_ENOUGH", "max_amount_by_day"},
		{"day budget exactly", 0, 1500, begin, "", ""},
	}
	for _, c := range cases {
		err := l.CheckIssue(1000, c.user, c.today, c.now)
		if string(platform.CodeOf(err)) != map[string]string{"": "SUCCESS"}[c.code]+c.code {
			t.Errorf("%s: %v, want %s", c.name, err, c.code)
		}
		var le *platform.StockLimitError
		if c.field != "" && (!errors.As(err, &le) || le.Field != c.field) {
			t.Errorf("%s: %v does not name %s", c.name, err, c.field)
		}
	}
	if got := l.Expiry(begin, 30*platform.Day); !got.Equal(l.End) {
		t.Errorf("expiry capped by the window: %s", got)
	}
	if got := l.Expiry(begin, platform.Day); !got.Equal(begin.Add(platform.Day)) {
		t.Errorf("expiry inside the window: %s", got)
	}
	if got := (platform.StockLimits{}).Expiry(begin, platform.Day); !got.Equal(begin.Add(platform.Day)) {
		t.Errorf("expiry without a window: %s", got)
	}
	if err := l.Validate(1000, 1); platform.CodeOf(err) != platform.CodeParamError {
		t.Errorf("per user over max_coupons: %v", err)
	}
	if err := l.Validate(1000, 0); err != nil {
		t.Errorf("valid limits: %v", err)
	}
}

func ExampleNextStockStatus() {
	s, _ := platform.NextStockStatus(platform.StockRunning, platform.StockPause)
	fmt.Println(s)
	_, err := platform.NextStockStatus(s, platform.StockPause)
	fmt.Println(platform.CodeOf(err), err)
	// Output:
	// paused
	// RULE_LIMIT cannot pause a stock that is paused (pause needs a running stock)
}
