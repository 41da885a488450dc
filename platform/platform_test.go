package platform

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func discount() Stock {
	return Stock{Kind: KindDiscount, Category: CategoryGeneral, Face: CNY(20), MinSpend: CNY(60), Validity: 7 * Day, AllowTransfer: true}
}

func TestStockValidate(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(*Stock)
		rule     string
		sentinel error
	}{
		{"R2 a valid discount coupon", func(*Stock) {}, "", nil},
		{"R1 cash red packet may not be giftable", func(s *Stock) { s.Kind, s.MinSpend = KindCashRedPacket, 0 }, "R1", ErrNotGiftable},
		{"R1 cash red packet at most 200 CNY", func(s *Stock) { s.Kind, s.AllowTransfer, s.Face = KindCashRedPacket, false, CNY(200.01) }, "R1", ErrValueLimit},
		{"R1 cash red packet of 200 CNY is fine", func(s *Stock) { s.Kind, s.AllowTransfer, s.Face = KindCashRedPacket, false, CNY(200) }, "", nil},
		{"R2 discount needs minimum spend of at least 50", func(s *Stock) { s.MinSpend = CNY(49.99) }, "R2", ErrValueLimit},
		{"R3 points coupon worth at most 500", func(s *Stock) { s.Kind, s.Face = KindPointsExchange, CNY(501) }, "R3", ErrValueLimit},
		{"R4 combo at most 1000 in total", func(s *Stock) {
			s.Kind, s.Face, s.SubKinds = KindCombo, CNY(1000.5), []Kind{KindDiscount}
		}, "R4", ErrValueLimit},
		{"R4 combo needs sub-coupons", func(s *Stock) { s.Kind = KindCombo }, "R4", ErrInvalid},
		{"R5 tobacco may not be gifted", func(s *Stock) { s.Category = CategoryTobacco }, "R5", ErrNotGiftable},
		{"R5 medical devices may not be gifted", func(s *Stock) { s.Category = CategoryMedicalDevice }, "R5", ErrNotGiftable},
		{"R5 tobacco without transfer may be issued", func(s *Stock) { s.Category, s.AllowTransfer = CategoryTobacco, false }, "", nil},
		{"R7 gold needs review", func(s *Stock) { s.Category = CategoryGold }, "R7", ErrReviewRequired},
		{"R7 luxury after review is fine", func(s *Stock) { s.Category, s.Reviewed = CategoryLuxury, true }, "", nil},
		{"R7 above 5000 CNY needs manual review", func(s *Stock) { s.Kind, s.Face = KindDiscount, CNY(5000.01); s.MinSpend = CNY(6000) }, "R7", ErrReviewRequired},
		{"C4 validity at most 90 days", func(s *Stock) { s.Validity = 91 * Day }, "C4", ErrValidityRange},
		{"C4 validity at least 1 day", func(s *Stock) { s.Validity = 23 * time.Hour }, "C4", ErrValidityRange},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := discount()
			tc.edit(&s)
			err := s.Validate()
			if tc.sentinel == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tc.sentinel) {
				t.Fatalf("Validate() = %v, want %v", err, tc.sentinel)
			}
			if got := RuleOf(err); got != tc.rule {
				t.Fatalf("rule %q, want %q (%v)", got, tc.rule, err)
			}
		})
	}
}

func TestValidateReportsEveryViolation(t *testing.T) {
	s := Stock{Kind: KindCashRedPacket, Category: CategoryTobacco, Face: CNY(300), Validity: 100 * Day, AllowTransfer: true}
	err := s.Validate()
	for _, want := range []error{ErrNotGiftable, ErrValueLimit, ErrValidityRange} {
		if !errors.Is(err, want) {
			t.Errorf("Validate() misses %v: %v", want, err)
		}
	}
}

func TestTransferLimit(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Stock)
		want int
	}{
		{"R2 discount transfers once", func(*Stock) {}, 1},
		{"R3 points coupon never transfers", func(s *Stock) { s.Kind = KindPointsExchange }, 0},
		{"R1 cash red packet never transfers", func(s *Stock) { s.Kind = KindCashRedPacket }, 0},
		{"R4 combo transfers as its sub-coupons", func(s *Stock) { s.Kind, s.SubKinds = KindCombo, []Kind{KindPointsExchange, KindDiscount} }, 1},
		{"R10 no allow-transfer box, no transfer", func(s *Stock) { s.AllowTransfer = false }, 0},
		{"R5 forbidden category never transfers", func(s *Stock) { s.Category = CategoryTobacco }, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := discount()
			tc.edit(&s)
			if got := s.TransferLimit(); got != tc.want {
				t.Fatalf("TransferLimit() = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestCheckGift(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	ok := GiftCheck{Stock: discount(), SenderBankCard: true, RecipientRealName: true, Now: now}
	tests := []struct {
		name     string
		edit     func(*GiftCheck)
		rule     string
		sentinel error
	}{
		{"a valid gift", func(*GiftCheck) {}, "", nil},
		{"R2 second transfer refused", func(g *GiftCheck) { g.Transfers = 1 }, "R2", ErrTransferLimit},
		{"R3 points coupon refused", func(g *GiftCheck) { g.Stock.Kind = KindPointsExchange }, "R3", ErrTransferLimit},
		{"R5 tobacco refused", func(g *GiftCheck) { g.Stock.Category = CategoryTobacco }, "R5", ErrNotGiftable},
		{"R6 education needs a verified recipient", func(g *GiftCheck) {
			g.Stock.Category, g.RecipientRealName = CategoryEducation, false
		}, "R6", ErrRealNameRequired},
		{"R6 education to a verified recipient is fine", func(g *GiftCheck) { g.Stock.Category = CategoryEducation }, "", nil},
		{"R8 sender needs a bank card", func(g *GiftCheck) { g.SenderBankCard = false }, "R8", ErrBankCardRequired},
		{"R10 stock without allow transfer", func(g *GiftCheck) { g.Stock.AllowTransfer = false }, "R10", ErrNotGiftable},
		{"R1 cash red packet cannot be gifted", func(g *GiftCheck) { g.Stock.Kind, g.Stock.AllowTransfer = KindCashRedPacket, false }, "R1", ErrNotGiftable},
		{"C1 the 51st chat gift of the day", func(g *GiftCheck) { g.SenderChatToday = 50 }, "C1", ErrChatDailyLimit},
		{"C1 the 50th chat gift is fine", func(g *GiftCheck) { g.SenderChatToday = 49 }, "", nil},
		{"R15 recipient blocked after a refusal", func(g *GiftCheck) { g.RecipientBlockedUntil = now.Add(time.Minute) }, "R15", ErrRefusalBlock},
		{"R15 block over", func(g *GiftCheck) { g.RecipientBlockedUntil = now }, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := ok
			tc.edit(&g)
			err := CheckGift(g)
			if !errors.Is(err, tc.sentinel) || (tc.sentinel == nil && err != nil) {
				t.Fatalf("CheckGift() = %v, want %v", err, tc.sentinel)
			}
			if got := RuleOf(err); got != tc.rule {
				t.Fatalf("rule %q, want %q", got, tc.rule)
			}
		})
	}
}

func TestChannels(t *testing.T) {
	tests := []struct {
		name string
		err  error
		rule string
		want error
	}{
		{"C1 chat validity at most 30 days", ChannelChat.CheckValidity(31 * Day), "C1", ErrValidityRange},
		{"C1 chat validity 1 day is fine", ChannelChat.CheckValidity(Day), "", nil},
		{"C3 mini-program validity at least 7 days", ChannelMiniProgram.CheckValidity(6 * Day), "C3", ErrValidityRange},
		{"C3 mini-program validity at most 15 days", ChannelMiniProgram.CheckValidity(16 * Day), "C3", ErrValidityRange},
		{"C3 mini-program 15 days is fine", ChannelMiniProgram.CheckValidity(15 * Day), "", nil},
		{"C4 API up to 90 days", ChannelAPI.CheckValidity(90 * Day), "", nil},
		{"C4 API needs a filed merchant", ChannelAPI.CheckTier(TierCertified), "C4", ErrTierRequired},
		{"C2 official account needs certification", ChannelOfficialAccount.CheckTier(TierNew), "C2", ErrTierRequired},
		{"C2 certified merchant may use it", ChannelOfficialAccount.CheckTier(TierCertified), "", nil},
		{"C3 one coupon per user", ChannelMiniProgram.CheckOncePerUser(1), "C3", ErrOncePerUser},
		{"C3 first coupon is fine", ChannelMiniProgram.CheckOncePerUser(0), "", nil},
		{"C1 chat gift limit of 50 a day", CheckChatGifts(50), "C1", ErrChatDailyLimit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !errors.Is(tc.err, tc.want) || (tc.want == nil && tc.err != nil) {
				t.Fatalf("got %v, want %v", tc.err, tc.want)
			}
			if got := RuleOf(tc.err); got != tc.rule {
				t.Fatalf("rule %q, want %q", got, tc.rule)
			}
		})
	}
}

func TestR11Quotas(t *testing.T) {
	tests := []struct {
		tier  Tier
		quota int
	}{{TierNew, 500}, {TierCertified, 5000}, {TierFiled, 50000}}
	for _, tc := range tests {
		t.Run("R11 "+tc.tier.String(), func(t *testing.T) {
			if got := tc.tier.DailyQuota(); got != tc.quota {
				t.Fatalf("DailyQuota() = %d, want %d", got, tc.quota)
			}
			if err := CheckQuota(tc.quota-1, tc.quota); err != nil {
				t.Fatalf("last send refused: %v", err)
			}
			err := CheckQuota(tc.quota, tc.quota)
			if !errors.Is(err, ErrQuotaExhausted) || RuleOf(err) != "R11" || CodeOf(err) != CodeFrequencyLimited {
				t.Fatalf("send over quota = %v (code %s)", err, CodeOf(err))
			}
		})
	}
	if err := TierNew.CheckQuotaSetting(501); !errors.Is(err, ErrTierRequired) {
		t.Errorf("R11: a new merchant with a 501 quota = %v", err)
	}
	if err := TierFiled.CheckQuotaSetting(80000); err != nil {
		t.Errorf("R11: a filed merchant may have 50,000+: %v", err)
	}
}

func TestLifecycle(t *testing.T) {
	legal := []struct {
		from State
		ev   Event
		to   State
	}{
		{StateIssued, EventGift, StateOffered},
		{StateOffered, EventClaim, StateClaimed},      // R9 claimed within 48 h
		{StateOffered, EventReturn, StateReturned},    // R9 back to the sender
		{StateOffered, EventRefuse, StateRefused},     // R15
		{StateOffered, EventExpire, StateExpired},     // validity ends during the offer
		{StateClaimed, EventRedeem, StateRedeemed},    // R2 any consumer redeems
		{StateReturned, EventGift, StateOffered},      // the sender may try again
		{StateIssued, EventExpire, StateExpired},      // R14
		{StateExpired, EventRecycle, StateRecycled},   // R14 into the bin
		{StateRecycled, EventRecover, StateRecovered}, // R14 revived for 1%
		{StateRecycled, EventPurge, StatePurged},      // R14 after 30 days
		{StateRecovered, EventRedeem, StateRedeemed},
	}
	for _, tc := range legal {
		t.Run(tc.from.String()+"-"+tc.ev.String(), func(t *testing.T) {
			got, err := Next(tc.from, tc.ev)
			if err != nil || got != tc.to {
				t.Fatalf("Next(%s, %s) = %s, %v; want %s", tc.from, tc.ev, got, err, tc.to)
			}
		})
	}
	illegal := []struct {
		from State
		ev   Event
		rule string
	}{
		{StateRedeemed, EventRedeem, "R2"},
		{StateIssued, EventClaim, "R9"},
		{StateClaimed, EventReturn, "R9"},
		{StatePurged, EventRecover, "R14"},
		{StateRecycled, EventRedeem, "R2"},
		{StateIssued, EventRecover, "R14"},
	}
	for _, tc := range illegal {
		t.Run("illegal "+tc.from.String()+"-"+tc.ev.String(), func(t *testing.T) {
			_, err := Next(tc.from, tc.ev)
			var te *TransitionError
			if !errors.As(err, &te) || !errors.Is(err, ErrIllegalState) || RuleOf(err) != tc.rule {
				t.Fatalf("Next(%s, %s) = %v, want a %s TransitionError", tc.from, tc.ev, err, tc.rule)
			}
		})
	}
	// Every state but the final ones has a way out, and the final ones none.
	for _, s := range States() {
		out := 0
		for e := EventGift; e < numEvents; e++ {
			if _, err := Next(s, e); err == nil {
				out++
			}
		}
		if s.Final() != (out == 0) {
			t.Errorf("state %s: %d ways out, final %v", s, out, s.Final())
		}
	}
}

func TestTimingRules(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	if err := CheckClaim(t0, t0.Add(48*time.Hour)); err != nil {
		t.Errorf("R9: claim at exactly 48 h refused: %v", err)
	}
	if err := CheckClaim(t0, t0.Add(48*time.Hour+time.Second)); !errors.Is(err, ErrClaimWindow) || RuleOf(err) != "R9" {
		t.Errorf("R9: late claim = %v", err)
	}
	if err := CheckRecover(t0, t0.Add(30*Day+time.Second)); !errors.Is(err, ErrRecycleExpired) || RuleOf(err) != "R14" {
		t.Errorf("R14: recovery after 30 days = %v", err)
	}
	if got := RecoveryFee(CNY(20)); got != CNY(0.20) {
		t.Errorf("R14: fee on 20 CNY = %s, want 0.20", got)
	}
	if got := RecoveryFee(CNY(0.49)); got != 0 {
		t.Errorf("R14: fee on 0.49 CNY = %s, want 0.00", got)
	}
	if got := RecoveryFee(CNY(0.50)); got != 1 {
		t.Errorf("R14: fee on 0.50 CNY = %d fen, want 1", got)
	}
	if err := CheckSlot(t0.Add(30 * time.Minute)); err != nil {
		t.Errorf("R12: 10:30 refused: %v", err)
	}
	if err := CheckSlot(t0.Add(15 * time.Minute)); RuleOf(err) != "R12" {
		t.Errorf("R12: 10:15 = %v", err)
	}
	if got := Slot(t0.Add(45 * time.Minute)); got != 21 {
		t.Errorf("R12: slot of 10:45 = %d, want 21", got)
	}
	if RefusalBlock != 24*time.Hour || ClaimWindow != 48*time.Hour || RecycleRetention != 30*Day {
		t.Error("R9/R14/R15 delays changed")
	}
}

func TestRisk(t *testing.T) {
	r := DefaultRisk()
	if err := r.CheckReceive(49); err != nil {
		t.Errorf("R16: 50th coupon refused: %v", err)
	}
	if err := r.CheckReceive(50); !errors.Is(err, ErrFaceVerification) || CodeOf(err) != CodeUserAccountAbnormal {
		t.Errorf("R16: 51st coupon = %v", err)
	}
	if err := r.CheckIPClaim(true, 2); err != nil {
		t.Errorf("R17: third claim refused: %v", err)
	}
	if err := r.CheckIPClaim(true, 3); !errors.Is(err, ErrIPBlocked) || CodeOf(err) != CodeRequestBlocked {
		t.Errorf("R17: fourth claim from an abnormal IP = %v", err)
	}
	if err := r.CheckIPClaim(false, 100); err != nil {
		t.Errorf("R17: a normal IP is never blocked: %v", err)
	}
}

func TestCompliance(t *testing.T) {
	ok := Compliance{BrandLabel: "provided by Noodles", LabelFontPt: 12}
	tests := []struct {
		name    string
		edit    func(*Compliance)
		rule    string
		penalty Penalty
	}{
		{"compliant", func(*Compliance) {}, "", PenaltyNone},
		{"R18 forced follow restricts display 7 days", func(c *Compliance) { c.ForceFollow = true }, "R18", PenaltyDisplay7Days},
		{"R18 forged marks ban payment", func(c *Compliance) { c.ForgedMarks = true }, "R18", PenaltyPaymentBanned},
		{"R19 brand label missing", func(c *Compliance) { c.BrandLabel = "" }, "R19", PenaltyNone},
		{"R19 brand label under 12 pt", func(c *Compliance) { c.LabelFontPt = 11.5 }, "R19", PenaltyNone},
		{"R20 finance cash equivalent without commitment", func(c *Compliance) {
			c.Industry, c.CashEquivalent = IndustryFinance, true
		}, "R20", PenaltyNone},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.edit(&c)
			p, err := c.Check()
			if p != tc.penalty || RuleOf(err) != tc.rule {
				t.Fatalf("Check() = %v, %v; want penalty %v rule %q", p, err, tc.penalty, tc.rule)
			}
		})
	}
}

func TestParse(t *testing.T) {
	durs := map[string]time.Duration{"48h": 48 * time.Hour, "7d": 7 * Day, "1d12h": 36 * time.Hour, "30m": 30 * time.Minute}
	for in, want := range durs {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
		if back, _ := ParseDuration(FormatDuration(got)); back != got {
			t.Errorf("FormatDuration(%v) = %q does not read back", got, FormatDuration(got))
		}
	}
	for _, bad := range []string{"", "7x", "-1d", "d"} {
		if _, err := ParseDuration(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseDuration(%q) = %v, want ErrInvalid", bad, err)
		}
	}
	if m, err := ParseMoney("19.9"); err != nil || m != 1990 || m.String() != "19.90" {
		t.Errorf("ParseMoney(19.9) = %v, %v", m, err)
	}
	for _, k := range Kinds() {
		if got, err := ParseKind(k.String()); err != nil || got != k {
			t.Errorf("ParseKind(%q) = %v, %v", k, got, err)
		}
	}
	for _, c := range Channels() {
		if got, err := ParseChannel(c.String()); err != nil || got != c {
			t.Errorf("ParseChannel(%q) = %v, %v", c, got, err)
		}
	}
	if _, err := ParseTier("gold"); !errors.Is(err, ErrInvalid) {
		t.Errorf("ParseTier(gold) = %v", err)
	}
}

func ExampleNext() {
	s, _ := Next(StateIssued, EventGift)
	fmt.Println(s)
	_, err := Next(StateRedeemed, EventRedeem)
	fmt.Println(err)
	// Output:
	// offered
	// R2: illegal coupon state transition: cannot redeem a coupon that is redeemed
}

func ExampleStock_Validate() {
	s := Stock{Kind: KindCashRedPacket, Face: CNY(250), Validity: 7 * Day, AllowTransfer: true}
	fmt.Println(s.Validate())
	// Output:
	// R1: value limit exceeded: a cash-red-packet is worth at most 200.00 CNY, got 250.00
	// R1: coupon may not be gifted: a cash-red-packet cannot be gifted; untick allow_transfer
}
