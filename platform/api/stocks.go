package api

import (
	"fmt"
	"math"
	"net/url"

	"giftsim/platform"
)

// Paths of the stock routes beyond create, query and start (the voucher
// API as the official SDK's cashcoupons package calls it).
const (
	PathListStocks     = "/v3/marketing/favor/stocks"            // GET: a merchant's stocks, StockList
	PathPauseStock     = stocksPrefix + "{stock_id}/pause"       // POST: StockActionRequest → StockActionReply
	PathRestartStock   = stocksPrefix + "{stock_id}/restart"     // POST: StockActionRequest → StockActionReply
	PathStopStock      = stocksPrefix + "{stock_id}/stop"        // POST: StockActionRequest → StockActionReply
	PathUseFlow        = stocksPrefix + "{stock_id}/use-flow"    // GET: the redemptions file, FlowFile
	PathRefundFlow     = stocksPrefix + "{stock_id}/refund-flow" // GET: the refunds file, FlowFile
	PathStockItems     = stocksPrefix + "{stock_id}/items"       // GET: the goods the stock applies to, IDPage
	PathStockMerchants = stocksPrefix + "{stock_id}/merchants"   // GET: the merchants its coupons are used at, IDPage
	PathBillDownload   = "/v3/billdownload/file"                 // GET ?token=…: a flow file as CSV (FlowFile.URL)
)

// StockSubPath is the path of a stock's sub-resource under base, e.g.
// StockSubPath("", "9856000", "pause").
func StockSubPath(base, stockID, sub string) string { return StockPath(base, stockID) + "/" + sub }

// BillDownloadPath is PathBillDownload for token of merchant mchID's
// stock, with its query.
func BillDownloadPath(base, token, mchID string) string {
	return base + PathBillDownload + "?token=" + url.QueryEscape(token) + "&stock_creator_mchid=" + url.QueryEscape(mchID)
}

// Page limits of the list routes: the most rows one page holds (limit) and
// the highest page number (offset, counted from 0), as the official models
// give them.
const (
	MaxStockListLimit   = 10
	MaxItemsLimit       = 100
	MaxItemsOffset      = 500
	MaxMerchantsLimit   = 50
	MaxMerchantsOffset  = 1000
	DefaultCouponsLimit = 20
)

// CouponStatuses are the coupon statuses a coupon list filters by.
var CouponStatuses = []string{"SENDED", "USED", "EXPIRED"}

// StockRule is a create-stock request's stock_use_rule. Zero is "not
// given": no per-user or daily limit; max_amount, if given, must be
// max_coupons × coupon_amount.
type StockRule struct {
	MaxCoupons         int   `json:"max_coupons"`
	MaxAmount          int64 `json:"max_amount,omitempty"`           // MaxAmount is the whole budget in fen.
	MaxAmountByDay     int64 `json:"max_amount_by_day,omitempty"`    // MaxAmountByDay is a day's budget in fen.
	MaxCouponsPerUser  int   `json:"max_coupons_per_user,omitempty"` // MaxCouponsPerUser is how many coupons one openid may get.
	NaturalPersonLimit bool  `json:"natural_person_limit,omitempty"`
	PreventAPIAbuse    bool  `json:"prevent_api_abuse,omitempty"`
}

// CouponRule is a create-stock request's coupon_use_rule: the amounts, and
// the goods and merchants the coupons apply to (the items and merchants
// routes page through them).
type CouponRule struct {
	FixedNormalCoupon  NormalCoupon `json:"fixed_normal_coupon"`
	GoodsTag           []string     `json:"goods_tag,omitempty"`
	TradeType          []string     `json:"trade_type,omitempty"`
	CombineUse         bool         `json:"combine_use,omitempty"`
	AvailableItems     []string     `json:"available_items,omitempty"`
	AvailableMerchants []string     `json:"available_merchants,omitempty"`
}

// PatternInfo is a create-stock request's pattern_info; giftsim keeps the
// description.
type PatternInfo struct {
	Description string `json:"description"`
}

// StockUseRule is a stock's rule as the stock calls answer it; amounts are
// in fen, and 0 means no limit.
type StockUseRule struct {
	MaxCoupons        int          `json:"max_coupons"`
	MaxAmount         int64        `json:"max_amount"`
	MaxAmountByDay    int64        `json:"max_amount_by_day"`
	FixedNormalCoupon NormalCoupon `json:"fixed_normal_coupon"`
	MaxCouponsPerUser int          `json:"max_coupons_per_user"`
	CouponType        string       `json:"coupon_type"` // CouponType is NORMAL.
	GoodsTag          []string     `json:"goods_tag,omitempty"`
	TradeType         []string     `json:"trade_type,omitempty"`
	CombineUse        bool         `json:"combine_use"`
}

// StockList is the answer to GET PathListStocks; Offset is the page
// number.
type StockList struct {
	TotalCount int     `json:"total_count"`
	Data       []Stock `json:"data"`
	Limit      int     `json:"limit"`
	Offset     int     `json:"offset"`
}

// StockActionRequest is the body of the pause, restart and stop calls, as
// of start.
type StockActionRequest = StartStockRequest

// StockActionReply is the answer to the pause, restart and stop calls: the
// stock and the time of the change.
type StockActionReply struct {
	StockID     string `json:"stock_id"`
	PauseTime   string `json:"pause_time,omitempty"`
	RestartTime string `json:"restart_time,omitempty"`
	StopTime    string `json:"stop_time,omitempty"`
}

// FlowFile is the answer to the use-flow and refund-flow calls: where to
// download the CSV and its SHA1 (hex).
type FlowFile struct {
	URL       string `json:"url"`
	HashValue string `json:"hash_value"`
	HashType  string `json:"hash_type"`
}

// IDPage is a page of ids, the answer to the items and merchants calls;
// Offset is the page number.
type IDPage struct {
	TotalCount int      `json:"total_count"`
	Data       []string `json:"data"`
	Offset     int      `json:"offset"`
	Limit      int      `json:"limit"`
	StockID    string   `json:"stock_id"`
}

// PathCompliance is giftsim's own route (in the platform's style) where a
// merchant reads its compliance standing (R18–R20): GET ?mchid=… →
// ComplianceStatus.
const PathCompliance = "/v3/marketing/favor/compliance"

// StockCompliance is what a create-stock request declares about how its
// coupons are presented (R18–R20). The fields are giftsim's own, named in
// the platform's style; the stock calls answer them too.
type StockCompliance struct {
	// BrandStatement is what the gift page shows as "this coupon is
	// provided by BRAND" (R19); a stock that allows transfer needs one.
	BrandStatement *BrandStatement `json:"brand_statement,omitempty"`
	// ClaimRequiresFollow declares that a follow is forced before claiming:
	// accepted, but the merchant's coupon display is restricted for 7
	// platform days (R18, minor).
	ClaimRequiresFollow bool `json:"claim_requires_follow,omitempty"`
	// OfficialMarks is what official marks the coupon shows: "" or "none",
	// "authorized", or "forged" (R18, severe: the payment function is
	// banned).
	OfficialMarks string `json:"official_marks,omitempty"`
	// CashEquivalent marks a cash-equivalent coupon: a finance merchant
	// needs the signed special-industry commitment (R20).
	CashEquivalent bool `json:"cash_equivalent,omitempty"`
}

// The official_marks values.
const (
	OfficialMarksNone       = "none"
	OfficialMarksAuthorized = "authorized"
	OfficialMarksForged     = "forged"
)

// BrandStatement is the gift page's "provided by BRAND" line (R19): its
// text and type size in points. A fixture's stocks write it too.
type BrandStatement struct {
	Text   string  `json:"text" yaml:"text"`
	FontPt float64 `json:"font_pt" yaml:"font_pt"`
}

// MaxBrandStatement is the longest brand statement text, in bytes.
const MaxBrandStatement = 256

// MaxFontPt is the largest type size a brand statement may give.
const MaxFontPt = 200

// Validate checks the statement's form (PARAM_ERROR, naming the field);
// whether it meets R19 is platform.Compliance's to say.
func (b BrandStatement) Validate() error {
	if len(b.Text) > MaxBrandStatement {
		return fmt.Errorf("%w: brand_statement.text is over %d bytes", platform.ErrInvalid, MaxBrandStatement)
	}
	for i := 0; i < len(b.Text); i++ {
		if ch := b.Text[i]; ch < ' ' || ch == 0x7f {
			return fmt.Errorf("%w: brand_statement.text has a control character", platform.ErrInvalid)
		}
	}
	if math.IsNaN(b.FontPt) || b.FontPt < 0 || b.FontPt > MaxFontPt {
		return fmt.Errorf("%w: brand_statement.font_pt must be from 0 to %d points, got %g", platform.ErrInvalid, MaxFontPt, b.FontPt)
	}
	return nil
}

// ComplianceStatus is the answer of GET PathCompliance: the merchant's
// industry and commitment (R20, from the fixture) and the R18 penalties in
// force. Times are RFC 3339, platform time.
type ComplianceStatus struct {
	MchID            string `json:"mchid"`
	Industry         string `json:"industry,omitempty"`
	CommitmentSigned bool   `json:"commitment_signed"`
	// DisplayRestricted says the merchant's coupon display is restricted
	// now (R18 minor: sends, offers and claims refused) until
	// DisplayRestrictedUntil, for the stock DisplayStockID.
	DisplayRestricted      bool   `json:"display_restricted"`
	DisplayRestrictedUntil string `json:"display_restricted_until,omitempty"`
	DisplayStockID         string `json:"display_stock_id,omitempty"`
	// PaymentBanned says the payment function is banned (R18 severe:
	// redemptions refused) since PaymentBannedSince, for PaymentStockID.
	PaymentBanned      bool   `json:"payment_banned"`
	PaymentBannedSince string `json:"payment_banned_since,omitempty"`
	PaymentStockID     string `json:"payment_stock_id,omitempty"`
}
