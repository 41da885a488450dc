package sim

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"giftsim/platform"
)

// TestValidateFieldErrors checks that every problem Validate and
// CheckCompliance find is a *FieldError naming the field to change, its
// rule and its cause, so callers place it without reading its text.
func TestValidateFieldErrors(t *testing.T) {
	filed := func(c *Config) { c.Merchant.Tier = platform.TierFiled }
	tests := []struct {
		name string
		edit func(*Config)
		path string
		also []string
		rule string
		is   error
		warn bool
	}{
		{"horizon", func(c *Config) { c.Horizon = 0 }, "horizon", nil, "", platform.ErrInvalid, false},
		{"users", func(c *Config) { c.Population.Users = 1 }, "population.users", nil, "", platform.ErrInvalid, false},
		{"share", func(c *Config) { c.Population.Members = 1.5 }, "population.members", nil, "", platform.ErrInvalid, false},
		{"ip groups", func(c *Config) { c.Population.AbnormalIPShare, c.Population.AbnormalIPGroups = 0.1, 0 },
			"population.abnormal_ip_groups", []string{"population.abnormal_ip_share"}, "", platform.ErrInvalid, false},
		{"R1 face", func(c *Config) {
			c.Coupon.Kind, c.Coupon.Face, c.Coupon.AllowTransfer = platform.KindCashRedPacket, platform.CNY(250), false
		}, "coupon.face_value", []string{"coupon.kind"}, "R1", platform.ErrValueLimit, false},
		{"R1 giftable", func(c *Config) { c.Coupon.Kind = platform.KindCashRedPacket },
			"coupon.allow_transfer", []string{"coupon.kind"}, "R1", platform.ErrNotGiftable, false},
		{"R2 min spend", func(c *Config) { c.Coupon.MinSpend = platform.CNY(30) },
			"coupon.min_spend", []string{"coupon.kind"}, "R2", platform.ErrValueLimit, false},
		{"R5 forbidden", func(c *Config) { c.Coupon.Category = platform.CategoryTobacco },
			"coupon.allow_transfer", []string{"coupon.category"}, "R5", platform.ErrNotGiftable, false},
		{"R7 review", func(c *Config) { c.Coupon.Category = platform.CategoryGold },
			"coupon.reviewed", []string{"coupon.category", "coupon.face_value"}, "R7", platform.ErrReviewRequired, false},
		{"R4 sub-kinds", func(c *Config) { c.Coupon.Kind, c.Coupon.MinSpend = platform.KindCombo, 0 },
			"coupon.sub_kinds", []string{"coupon.kind"}, "R4", platform.ErrInvalid, false},
		{"R4 face", func(c *Config) {
			c.Coupon.Kind, c.Coupon.SubKinds, c.Coupon.Face = platform.KindCombo, []platform.Kind{platform.KindDiscount}, platform.CNY(1200)
		}, "coupon.face_value", []string{"coupon.kind"}, "R4", platform.ErrValueLimit, false},
		{"unknown kind", func(c *Config) { c.Coupon.Kind = 0 }, "coupon.kind", nil, "R1-R4", platform.ErrInvalid, false},
		{"face zero", func(c *Config) { c.Coupon.Face = 0 }, "coupon.face_value", nil, "R2", platform.ErrInvalid, false},
		{"validity", func(c *Config) { c.Coupon.Validity = 120 * platform.Day }, "coupon.validity", nil, "C4", platform.ErrValidityRange, false},
		{"C3 validity", func(c *Config) { c.Campaign[0].Channel = platform.ChannelMiniProgram },
			"coupon.validity", []string{"campaign[0].channel"}, "C3", platform.ErrValidityRange, false},
		{"tier order", func(c *Config) { c.Coupon.Tiers = []Tier{{MinSpend: platform.CNY(50), Face: platform.CNY(25)}} },
			"coupon.tiers[0]", nil, "", platform.ErrInvalid, false},
		{"tier face", func(c *Config) { c.Coupon.Tiers = []Tier{{MinSpend: platform.CNY(100), Face: platform.CNY(100)}} },
			"coupon.tiers[0].face_value", nil, "", platform.ErrInvalid, false},
		{"tiers kind", func(c *Config) {
			c.Coupon.Kind, c.Coupon.Tiers = platform.KindPointsExchange, []Tier{{MinSpend: platform.CNY(100), Face: platform.CNY(30)}}
		}, "coupon.tiers", []string{"coupon.kind"}, "", platform.ErrInvalid, false},
		{"reminder", func(c *Config) { c.Coupon.Reminder = 40 * platform.Day }, "coupon.reminder", []string{"coupon.validity"}, "", platform.ErrInvalid, false},
		{"budget", func(c *Config) { c.Coupon.Budget = platform.CNY(15) }, "coupon.budget", []string{"coupon.face_value"}, "", platform.ErrInvalid, false},
		{"budget coupons", func(c *Config) { c.Coupon.BudgetCoupons = -1 }, "coupon.budget_coupons", nil, "", platform.ErrInvalid, false},
		{"target", func(c *Config) { c.Targets.NewCustomers = -1 }, "targets.new_customers", nil, "", platform.ErrInvalid, false},
		{"label", func(c *Config) { c.Coupon.Label = "soon" }, "coupon.label", nil, "", platform.ErrInvalid, false},
		{"R11 quota", func(c *Config) { c.Merchant.DailyQuota = 8000 }, "merchant.daily_quota", []string{"merchant.tier"}, "R11", platform.ErrTierRequired, false},
		{"R11 schedule range", func(c *Config) { c.Merchant.Tier, c.Merchant.CertifiedFrom = platform.TierNew, 40 },
			"merchant.certified_from_day", []string{"horizon"}, "", platform.ErrInvalid, false},
		{"R11 schedule order", func(c *Config) {
			c.Merchant.Tier, c.Merchant.CertifiedFrom, c.Merchant.FiledFrom = platform.TierNew, 20, 10
		},
			"merchant.filed_from_day", nil, "R11", platform.ErrInvalid, false},
		{"C4 tier", func(c *Config) { c.Campaign[0].Channel = platform.ChannelAPI },
			"campaign[0].channel", []string{"merchant.tier"}, "C4", platform.ErrTierRequired, false},
		{"R12 slot", func(c *Config) {
			filed(c)
			c.Campaign[0].Channel, c.Campaign[0].PushAt = platform.ChannelAPI, 10*time.Hour+15*time.Minute
		}, "campaign[0].push_at", nil, "R12", platform.ErrInvalid, false},
		{"R11 planned sends", func(c *Config) {
			filed(c)
			c.Campaign = append(c.Campaign, Push{Channel: platform.ChannelAPI, SendsPerDay: 60000, PushAt: 10 * time.Hour})
		}, "campaign[1].sends_per_day", []string{"merchant.daily_quota", "merchant.tier"}, "R11", platform.ErrQuotaExhausted, false},
		{"push time", func(c *Config) { c.Campaign[0].PushAt = 25 * time.Hour }, "campaign[0].push_at", nil, "", platform.ErrInvalid, false},
		{"device", func(c *Config) { c.Campaign[0].Device = "pager" }, "campaign[0].device", nil, "", platform.ErrInvalid, false},
		{"audience", func(c *Config) { c.Campaign[0].Target = "friends" }, "campaign[0].target", nil, "", platform.ErrInvalid, false},
		{"no pushes", func(c *Config) { c.Campaign = nil }, "campaign", nil, "", platform.ErrInvalid, false},
		{"recovery share", func(c *Config) { c.Recovery.Share = 2 }, "recovery.share", nil, "", platform.ErrInvalid, false},
		{"R14 recovery", func(c *Config) { c.Recovery.Share, c.Recovery.After = 0.5, 40*platform.Day },
			"recovery.after", []string{"recovery.share"}, "R14", platform.ErrInvalid, false},
		{"R16 risk", func(c *Config) { c.Risk.ReceiveBurst = 0 }, "risk", nil, "R16", platform.ErrInvalid, false},
		{"accept and refuse", func(c *Config) { c.Behaviour.AcceptProb, c.Behaviour.RefuseProb = 0.8, 0.5 },
			"behaviour.accept_prob", []string{"behaviour.refuse_prob"}, "", platform.ErrInvalid, false},
		{"activity", func(c *Config) { c.Behaviour.Activity = [24]float64{} }, "behaviour.activity", nil, "", platform.ErrInvalid, false},
		{"parameter", func(c *Config) { c.Behaviour.ClaimProb = 2 }, "behaviour.claim_prob", nil, "", platform.ErrInvalid, false},
		{"R18 minor", func(c *Config) { c.Compliance.ForceFollow = true }, "compliance.force_follow", nil, "R18", platform.ErrCompliance, true},
		{"R18 severe", func(c *Config) { c.Compliance.ForgedMarks = true }, "compliance.forged_marks", nil, "R18", platform.ErrCompliance, false},
		{"R19 label", func(c *Config) { c.Compliance.BrandLabel = "" }, "compliance.brand_label", nil, "R19", platform.ErrCompliance, false},
		{"R19 size", func(c *Config) { c.Compliance.LabelFontPt = 8 },
			"compliance.label_font_pt", []string{"compliance.brand_label"}, "R19", platform.ErrCompliance, false},
		{"R20", func(c *Config) {
			c.Compliance.Industry, c.Compliance.CashEquivalent = platform.IndustryFinance, true
		}, "compliance.cash_equivalent", []string{"compliance.signed_commitment", "merchant.industry"}, "R20", platform.ErrCompliance, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.edit(&c)
			all := append(leaves(c.Validate()), leaves(c.CheckCompliance())...)
			var found *FieldError
			for _, err := range all {
				fe, ok := errors.AsType[*FieldError](err)
				if !ok {
					t.Fatalf("%T %v is not a *FieldError", err, err)
				}
				if fe.Path == tc.path && fe.Rule == tc.rule {
					found = fe
				}
			}
			if found == nil {
				t.Fatalf("no %s error at %s among %v", tc.rule, tc.path, all)
			}
			if !slices.Equal(found.Also, tc.also) || found.Warn != tc.warn || !errors.Is(found, tc.is) || platform.RuleOf(found) != tc.rule {
				t.Errorf("got %+v (rule of cause %q), want also %v, warn %v, cause %v", found, platform.RuleOf(found), tc.also, tc.warn, tc.is)
			}
			if found.Msg == "" || found.Error() != fmt.Sprintf("%s: %s", tc.path, found.Msg) && found.Error() != fmt.Sprintf("%s: %s: %s", tc.path, tc.rule, found.Msg) {
				t.Errorf("Error() = %q", found.Error())
			}
		})
	}
}

// TestValidateValidityOnce checks that a validity outside 1d–90d is
// reported once, not again for each channel.
func TestValidateValidityOnce(t *testing.T) {
	c := DefaultConfig()
	c.Coupon.Validity = 120 * platform.Day
	c.Campaign = append(c.Campaign, Push{Channel: platform.ChannelMiniProgram, SendsPerDay: 10})
	n := 0
	for _, err := range leaves(c.Validate()) {
		if errors.Is(err, platform.ErrValidityRange) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d validity errors, want 1: %v", n, c.Validate())
	}
}
