package platform

import "errors"

// Compliance is what a campaign declares about how it presents coupons
// (seed section 4).
type Compliance struct {
	ForceFollow      bool    // ForceFollow: a follow is forced before claiming (R18 minor).
	ForgedMarks      bool    // ForgedMarks: forged official marks are shown (R18 severe).
	BrandLabel       string  // BrandLabel is the "provided by BRAND" text (R19).
	LabelFontPt      float64 // LabelFontPt is its type size in points (R19: at least 12).
	Industry         Industry
	CashEquivalent   bool // CashEquivalent: the coupon is cash-equivalent (R20).
	SignedCommitment bool // SignedCommitment: the special-industry commitment is signed (R20).
}

// MinLabelPt is the smallest type the brand label may use (R19).
const MinLabelPt = 12

// Penalty is the consequence of an R18 violation.
type Penalty uint8

// The R18 grades.
const (
	PenaltyNone          Penalty = iota
	PenaltyDisplay7Days          // minor: coupon display restricted for 7 days
	PenaltyPaymentBanned         // severe: payment function banned
)

// Check returns every compliance rule c breaks, joined, and the R18 penalty
// the platform would apply.
func (c Compliance) Check() (Penalty, error) {
	var errs []error
	p := PenaltyNone
	if c.ForgedMarks {
		p = PenaltyPaymentBanned
		errs = append(errs, ruleErr("R18", ErrCompliance, "forged official marks are a severe violation: the payment function is banned"))
	} else if c.ForceFollow {
		p = PenaltyDisplay7Days
		errs = append(errs, ruleErr("R18", ErrCompliance, "forcing a follow before claiming is induced sharing: coupon display is restricted for 7 days"))
	}
	if c.BrandLabel == "" {
		errs = append(errs, ruleErr("R19", ErrCompliance, "every gift must show \"this coupon is provided by BRAND\"; set the brand label"))
	} else if c.LabelFontPt < MinLabelPt {
		errs = append(errs, ruleErr("R19", ErrCompliance, "the brand label must be at least %d pt, got %g", MinLabelPt, c.LabelFontPt))
	}
	if c.Industry == IndustryFinance && c.CashEquivalent && !c.SignedCommitment {
		errs = append(errs, ruleErr("R20", ErrCompliance, "a financial institution issuing cash-equivalent coupons needs the signed special-industry commitment"))
	}
	return p, errors.Join(errs...)
}

// CheckStock is Check for one stock as the platform reviews it at creation:
// the R18 penalty, and the rules that refuse the stock. R18 refuses nothing
// (the stock is accepted and the penalty applies), and R19 binds only a
// stock that can be gifted (giftable), since only a gift page shows the
// brand label.
func (c Compliance) CheckStock(giftable bool) (Penalty, error) {
	p, err := c.Check()
	var keep []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			switch RuleOf(e) {
			case "R18":
				continue
			case "R19":
				if !giftable {
					continue
				}
			}
			keep = append(keep, e)
		}
	}
	return p, errors.Join(keep...)
}
