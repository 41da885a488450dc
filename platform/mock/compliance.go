package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	bolt "go.etcd.io/bbolt"

	"giftsim/platform"
	"giftsim/platform/api"
	"giftsim/platform/fixture"
)

// The compliance rules (R18–R20) where the platform enforces them. A
// stock's create request declares how its coupons are presented
// (api.StockCompliance); platform.Compliance.CheckStock, the function the
// simulator's scenario check calls too, says what that breaks:
//
//   - R19: a stock that allows transfer needs a brand statement of at
//     least 12 pt, else creation is refused (RULE_LIMIT). Stocks from the
//     fixture, and stocks stored before the rule was enforced, show their
//     merchant's default statement (fixture.Merchant.DefaultBrandStatement).
//   - R20: a cash-equivalent stock of a finance merchant needs the
//     commitment signed (the fixture's commitment_signed), else refused.
//   - R18: a forced follow is accepted, and restricts the merchant's coupon
//     display for platform.DisplayPenalty of platform time (sends, offers
//     and claims refused); forged official marks ban its payment function
//     (redemptions refused) for good. The penalty is written with the stock
//     in one commit, so it survives a restart of the file store.

// compliance is what the engine keeps for R18–R20: each merchant's
// industry, commitment, default statement and penalties. e.mu guards it.
type compliance struct {
	m map[string]*merchantCompliance
	// penalized says some merchant has a penalty; until then the checks
	// on the send path look at nothing else.
	penalized bool
}

// merchantCompliance is one merchant's part of compliance.
type merchantCompliance struct {
	industry  platform.Industry
	signed    bool
	statement api.BrandStatement // statement is the merchant's default (R19).
	pen       penalty
}

// penalty is a merchant's R18 penalties, stored in the meta bucket under
// penaltyKey.
type penalty struct {
	DisplayUntil time.Time `json:"display_until,omitzero"` // DisplayUntil ends the display restriction (minor).
	DisplayStock string    `json:"display_stock,omitempty"`
	BannedSince  time.Time `json:"banned_since,omitzero"` // BannedSince starts the payment ban (severe, for good).
	BanStock     string    `json:"ban_stock,omitempty"`
}

// penaltyKey prefixes a merchant's penalty record in the meta bucket.
const penaltyKey = "penalty/"

func penaltyRec(mch string, p penalty) record {
	return record{bucketMeta, penaltyKey + mch, mustJSON(p)}
}

// newComplianceState reads the merchants' industries and commitments from
// f, which is valid.
func newCompliance(f *fixture.Fixture) compliance {
	cs := compliance{m: make(map[string]*merchantCompliance, len(f.Merchants))}
	for i := range f.Merchants {
		m := &f.Merchants[i]
		ind, _ := platform.ParseIndustry(m.Industry) // "" is no industry
		cs.m[m.MchID] = &merchantCompliance{industry: ind, signed: m.CommitmentSigned, statement: m.DefaultBrandStatement()}
	}
	return cs
}

// fillStatements gives every stock that allows transfer and declares no
// brand statement its merchant's default one (R19): fixture stocks, and
// stocks stored before the rule was enforced. e.mu is held, or e is not
// shared yet.
func (e *engine) fillStatements() {
	for _, s := range e.stocks {
		if s.Rule.AllowTransfer && s.Terms.Compliance.BrandStatement == nil {
			if mc := e.cmp.m[s.MchID]; mc != nil {
				st := mc.statement
				s.Terms.Compliance.BrandStatement = &st
			}
		}
	}
}

// fixtureStatement is a fixture stock's own brand statement, if it
// declares one.
func fixtureStatement(s fixture.Stock) api.StockCompliance {
	if s.BrandStatement == nil {
		return api.StockCompliance{}
	}
	b := *s.BrandStatement
	return api.StockCompliance{BrandStatement: &b}
}

// complianceTerms checks the form of a create-stock request's declaration
// (PARAM_ERROR naming the field) and normalises it: official_marks "none"
// is left out. Whether it meets R18–R20 is checkCompliance's to say.
func complianceTerms(d api.StockCompliance) (api.StockCompliance, error) {
	if d.BrandStatement != nil {
		if err := d.BrandStatement.Validate(); err != nil {
			return d, err
		}
		b := *d.BrandStatement
		d.BrandStatement = &b
	}
	switch d.OfficialMarks {
	case "", api.OfficialMarksNone:
		d.OfficialMarks = ""
	case api.OfficialMarksAuthorized, api.OfficialMarksForged:
	default:
		return d, fmt.Errorf("%w: official_marks must be %s, %s or %s, got %q", platform.ErrInvalid,
			api.OfficialMarksNone, api.OfficialMarksAuthorized, api.OfficialMarksForged, d.OfficialMarks)
	}
	return d, nil
}

// checkCompliance returns what op's stock breaks at creation (R19 and R20
// refuse it, each naming the request field) and the R18 penalty its
// creation brings, from platform.Compliance.CheckStock; e.mu is held.
func (e *engine) checkCompliance(op StockOp) (platform.Penalty, error) {
	d := op.Terms.Compliance
	c := platform.Compliance{ForceFollow: d.ClaimRequiresFollow, ForgedMarks: d.OfficialMarks == api.OfficialMarksForged,
		CashEquivalent: d.CashEquivalent}
	if d.BrandStatement != nil {
		c.BrandLabel, c.LabelFontPt = d.BrandStatement.Text, d.BrandStatement.FontPt
	}
	if mc := e.cmp.m[op.MchID]; mc != nil {
		c.Industry, c.SignedCommitment = mc.industry, mc.signed
	}
	p, err := c.CheckStock(op.Rule.AllowTransfer)
	if err == nil {
		return p, nil
	}
	all := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		all = j.Unwrap()
	}
	var errs []error
	for _, err := range all {
		switch platform.RuleOf(err) {
		case "R19":
			if d.BrandStatement == nil {
				err = fmt.Errorf("brand_statement {text, font_pt} is required of a stock that allows transfer: %w", err)
			} else {
				err = fmt.Errorf("brand_statement: %w", err)
			}
		case "R20":
			err = fmt.Errorf("cash_equivalent: %w (merchant %s, industry finance)", err, op.MchID)
		}
		errs = append(errs, err)
	}
	return p, errors.Join(errs...)
}

// penalize applies the R18 penalty p, brought by the creation of stock at
// now, to merchant mch and returns the record that keeps it: a display
// restriction runs platform.DisplayPenalty from now (a later one extends
// it), a payment ban holds from its first time on. e.mu is held.
func (e *engine) penalize(mch string, p platform.Penalty, stock string, now time.Time) []record {
	mc := e.cmp.m[mch]
	if mc == nil || p == platform.PenaltyNone {
		return nil
	}
	switch p {
	case platform.PenaltyDisplay7Days:
		if until := now.Add(platform.DisplayPenalty); until.After(mc.pen.DisplayUntil) {
			mc.pen.DisplayUntil, mc.pen.DisplayStock = until, stock
		}
	case platform.PenaltyPaymentBanned:
		if mc.pen.BannedSince.IsZero() {
			mc.pen.BannedSince, mc.pen.BanStock = now, stock
		}
	}
	e.cmp.penalized = true
	return []record{penaltyRec(mch, mc.pen)}
}

// checkDisplay refuses a send, offer or claim of merchant mch while its
// coupon display is restricted (R18 minor); e.mu is held.
func (e *engine) checkDisplay(mch string, now time.Time) error {
	if !e.cmp.penalized {
		return nil
	}
	if mc := e.cmp.m[mch]; mc != nil {
		return mc.pen.display(now)
	}
	return nil
}

// checkPayment refuses a redemption of merchant mch once its payment
// function is banned (R18 severe); e.mu is held.
func (e *engine) checkPayment(mch string, now time.Time) error {
	if !e.cmp.penalized {
		return nil
	}
	if mc := e.cmp.m[mch]; mc != nil {
		return mc.pen.payment(now)
	}
	return nil
}

// display returns the R18 refusal of a send, offer or claim at now while
// p restricts display, else nil. A store that keeps penalties elsewhere
// calls it with its own copy.
func (p penalty) display(now time.Time) error {
	if !now.Before(p.DisplayUntil) {
		return nil
	}
	return &platform.RuleError{Rule: "R18", Err: platform.ErrCompliance, Msg: fmt.Sprintf(
		"coupon display restricted until %s: stock %s forces a follow before claiming (sends, offers and claims are refused until then)",
		timeText(p.DisplayUntil), p.DisplayStock)}
}

// payment returns the R18 refusal of a redemption at now once p bans the
// payment function, else nil.
func (p penalty) payment(now time.Time) error {
	if p.BannedSince.IsZero() || now.Before(p.BannedSince) {
		return nil
	}
	return &platform.RuleError{Rule: "R18", Err: platform.ErrCompliance, Msg: fmt.Sprintf(
		"payment function banned since %s: stock %s shows forged official marks (redemptions are refused)",
		timeText(p.BannedSince), p.BanStock)}
}

// status fills in the penalties p has in force at now.
func (p penalty) status(out *api.ComplianceStatus, now time.Time) {
	if p.display(now) != nil {
		out.DisplayRestricted, out.DisplayRestrictedUntil, out.DisplayStockID = true, timeText(p.DisplayUntil), p.DisplayStock
	}
	if p.payment(now) != nil {
		out.PaymentBanned, out.PaymentBannedSince, out.PaymentStockID = true, timeText(p.BannedSince), p.BanStock
	}
}

// restoreCompliance reads the merchants' penalties back from the meta
// bucket and fills in default brand statements of the restored stocks.
func (e *engine) restoreCompliance(tx *bolt.Tx) error {
	c := tx.Bucket(bucketNames[bucketMeta]).Cursor()
	prefix := []byte(penaltyKey)
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		mc := e.cmp.m[string(k[len(prefix):])]
		if mc == nil {
			continue // the merchant left the fixture
		}
		if err := json.Unmarshal(v, &mc.pen); err != nil {
			return fmt.Errorf("penalty record %q: %w", k, err)
		}
		e.cmp.penalized = true
	}
	e.fillStatements()
	return nil
}

// complianceReader is the optional Store method that GET PathCompliance
// answers from; a store without it answers NOT_IMPLEMENTED.
type complianceReader interface {
	ComplianceOf(ctx context.Context, mchID string, now time.Time) (api.ComplianceStatus, error)
}

// ComplianceOf returns the merchant's industry, commitment and the R18
// penalties in force at now.
func (e *engine) ComplianceOf(ctx context.Context, mchID string, now time.Time) (api.ComplianceStatus, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	mc := e.cmp.m[mchID]
	if mc == nil {
		return api.ComplianceStatus{}, &platform.RuleError{Rule: "R13", Err: platform.ErrNotFound, Msg: fmt.Sprintf("merchant %q is not registered", mchID)}
	}
	out := api.ComplianceStatus{MchID: mchID, CommitmentSigned: mc.signed}
	if mc.industry != 0 {
		out.Industry = mc.industry.String()
	}
	mc.pen.status(&out, now)
	return out, nil
}

// v3Compliance answers GET PathCompliance?mchid=…: the signer's standing.
func (s *Server) v3Compliance(c *call) (any, error) {
	q := c.r.URL.Query().Get("mchid")
	if q != "" || c.mchID == "" {
		if err := check(field{"mchid", q}); err != nil {
			return nil, err
		}
	}
	mch, err := s.merchant(c, "mchid", q, "")
	if err != nil {
		return nil, err
	}
	cr, ok := s.store.(complianceReader)
	if !ok {
		return nil, fmt.Errorf("%w: the compliance status", platform.ErrNotSupported)
	}
	return cr.ComplianceOf(c.ctx, mch, c.now)
}

// complianceRoutes adds the compliance status route.
func (s *Server) complianceRoutes(add func(string, map[string]endpoint)) {
	add(api.PathCompliance, map[string]endpoint{http.MethodGet: {"v3_compliance", true, (*Server).v3Compliance}})
}
