package platform

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestEnumText checks that every name of every enum reads back as itself
// through text and JSON, that JSON also reads the numbers stores wrote
// before the names, and that an unknown name is refused with what is
// allowed.
func TestEnumText(t *testing.T) {
	for _, k := range Kinds() {
		b, err := k.MarshalText()
		var back Kind
		if err != nil || back.UnmarshalText(b) != nil || back != k {
			t.Errorf("kind %s: %q, %v → %s", k, b, err, back)
		}
	}
	for _, c := range Channels() {
		j, _ := json.Marshal(c)
		var back Channel
		if err := json.Unmarshal(j, &back); err != nil || back != c {
			t.Errorf("channel %s: %s → %s, %v", c, j, back, err)
		}
	}
	var s State
	if err := json.Unmarshal([]byte("3"), &s); err != nil || s != StateClaimed {
		t.Errorf("legacy number: %s, %v", s, err)
	}
	var k Kind
	if err := k.UnmarshalText([]byte("gold")); !errors.Is(err, ErrInvalid) || fmt.Sprint(err) != `invalid parameter: unknown coupon kind "gold" (allowed: cash-red-packet, discount, points-exchange, combo)` {
		t.Errorf("unknown kind: %v", err)
	}
	var d Duration
	if err := d.UnmarshalText([]byte("1d12h")); err != nil || time.Duration(d) != 36*time.Hour {
		t.Errorf("duration: %v, %v", time.Duration(d), err)
	}
	if b, _ := Duration(7 * Day).MarshalText(); string(b) != "7d" {
		t.Errorf("duration text %q", b)
	}
}

// TestStockSpecDefaults checks the one set of defaults of a stock spec.
func TestStockSpecDefaults(t *testing.T) {
	st, ch := StockSpec{}.Stock(CNY(10), CNY(50))
	if st.Kind != KindDiscount || st.Category != CategoryGeneral || ch != ChannelAPI || st.Validity != DefaultValidity {
		t.Fatalf("defaults: %+v on %s", st, ch)
	}
	if _, _, err := (StockSpec{Kind: KindCashRedPacket, AllowTransfer: true}).Check(CNY(300), 0); RuleOf(err) == "" {
		t.Fatalf("a giftable 300 CNY cash red packet passed: %v", err)
	}
}

func ExampleStockSpec() {
	var s StockSpec
	_ = json.Unmarshal([]byte(`{"kind": "points-exchange", "validity": "10d"}`), &s)
	st, ch := s.Stock(CNY(20), 0)
	fmt.Println(st.Kind, st.Category, ch, FormatDuration(st.Validity))
	// Output: points-exchange general api 10d
}

// FuzzStockSpecJSON checks that any JSON is read into a stock spec or
// refused, without a panic, and that what is read writes back the same.
func FuzzStockSpecJSON(f *testing.F) {
	f.Add(`{"kind":"discount","category":"education","channel":"chat","validity":"7d","sub_kinds":["combo"]}`)
	f.Add(`{"kind":2,"channel":"x"}`)
	f.Fuzz(func(t *testing.T, in string) {
		var s StockSpec
		if json.Unmarshal([]byte(in), &s) != nil {
			return
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("%+v does not write: %v", s, err)
		}
		var back StockSpec
		if err := json.Unmarshal(b, &back); err != nil || fmt.Sprint(back) != fmt.Sprint(s) {
			t.Fatalf("%s: read back %+v, want %+v (%v)", b, back, s, err)
		}
	})
}
