package api

import (
	"net/http"
	"net/url"
	"strings"

	"giftsim/platform"
)

// Paths of the platform API, relative to the platform's base URL. The
// {name} parts are path values (http.ServeMux patterns).
const (
	PathUserCoupons = usersPrefix + "{openid}/coupons"             // POST: a v3 send; GET: the user's coupons
	PathUserCoupon  = usersPrefix + "{openid}/coupons/{coupon_id}" // GET: one coupon
	PathStocks      = "/v3/marketing/favor/coupon-stocks"          // POST: create a stock
	PathStock       = stocksPrefix + "{stock_id}"                  // GET: a stock
	PathStartStock  = stocksPrefix + "{stock_id}/start"            // POST: start (activate) a stock
	PathCardGift    = "/card/gift"                                 // POST: the seed's send
	PathOffer       = "/card/gift/offer"                           // POST: a holder gifts a coupon in chat (C1)
	PathClaim       = "/card/gift/claim"                           // POST: the recipient claims an offer (R9, R17)
	PathRefuse      = "/card/gift/refuse"                          // POST: the recipient refuses an offer (R15)
	PathConsume     = "/card/code/consume"                         // POST: redeem a coupon
	PathRecover     = "/card/recover"                              // POST: recover a coupon from the recycle bin (R14)
	PathHealth      = "/healthz"                                   // GET: Health
	PathMetrics     = "/metrics"                                   // GET: Prometheus metrics

	usersPrefix  = "/v3/marketing/favor/users/"
	stocksPrefix = "/v3/marketing/favor/stocks/"
)

// UserCouponsPath is PathUserCoupons for openid under base, a target's
// path prefix ("" for none), built in one concatenation.
func UserCouponsPath(base, openid string) string {
	return base + usersPrefix + url.PathEscape(openid) + "/coupons"
}

// UserCouponPath is PathUserCoupon for openid and couponID under base.
func UserCouponPath(base, openid, couponID string) string {
	return base + usersPrefix + url.PathEscape(openid) + "/coupons/" + url.PathEscape(couponID)
}

// StockPath is PathStock for stockID under base.
func StockPath(base, stockID string) string { return base + stocksPrefix + url.PathEscape(stockID) }

// StartStockPath is PathStartStock for stockID under base.
func StartStockPath(base, stockID string) string { return StockPath(base, stockID) + "/start" }

// UserOfPath splits a path under the v3 users prefix into the openid and
// what follows it ("/coupons" or "/coupons/{id}"); ok is false for other
// paths.
func UserOfPath(path string) (openid, rest string, ok bool) {
	i := strings.Index(path, usersPrefix)
	if i < 0 {
		return "", "", false
	}
	tail := path[i+len(usersPrefix):]
	if j := strings.IndexByte(tail, '/'); j >= 0 {
		return tail[:j], tail[j:], true
	}
	return tail, "", true
}

// MaxBody is the largest request body the platform reads, and the most of
// an answer a client needs to read.
const MaxBody = 64 << 10

// MaxListLimit is the largest page a coupon list returns.
const MaxListLimit = 100

// Status is the HTTP status the platform answers a code with: the one
// map from platform codes to statuses.
func Status(c platform.Code) int {
	switch c {
	case platform.CodeOK:
		return http.StatusOK
	case platform.CodeParamError, platform.CodeResourceAlreadyExists:
		return http.StatusBadRequest
	case platform.CodeSignError:
		return http.StatusUnauthorized
	case platform.CodeRequestBlocked, platform.CodeRuleLimit, platform.CodeUserAccountAbnormal, platform.CodeNotEnough:
		return http.StatusForbidden
	case platform.CodeResourceNotExists:
		return http.StatusNotFound
	case platform.CodeFrequencyLimited:
		return http.StatusTooManyRequests
	case platform.CodeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case platform.CodeRequestTooLarge:
		return http.StatusRequestEntityTooLarge
	case platform.CodeNotImplemented:
		return http.StatusNotImplemented
	default:
		return http.StatusInternalServerError
	}
}

// Error is the platform's error body, {"code","message"}.
type Error struct {
	Code    platform.Code `json:"code"`
	Message string        `json:"message"`
}

// Answer is what a client reads of any answer to follow coupons: the code
// of an error body, the coupon an answer names, its holder and the
// recipient of an open offer (the fields of Error, SendReply and Coupon).
type Answer struct {
	Code      platform.Code `json:"code"`
	CouponID  string        `json:"coupon_id"`
	OpenID    string        `json:"openid"`
	OfferedTo string        `json:"offered_to"`
}

// Failed reports whether the answer carries an error code.
func (a Answer) Failed() bool { return a.Code != "" && a.Code != platform.CodeOK }

// V3SendRequest is the body of POST PathUserCoupons (the openid is in the
// path).
type V3SendRequest struct {
	StockID           string `json:"stock_id"`
	OutRequestNo      string `json:"out_request_no"`
	AppID             string `json:"appid"`
	StockCreatorMchID string `json:"stock_creator_mchid"`
	CouponValue       int64  `json:"coupon_value,omitempty"`
	CouponMinimum     int64  `json:"coupon_minimum,omitempty"`
}

// AppendJSON appends r as JSON, as encoding/json writes it.
func (r V3SendRequest) AppendJSON(b []byte) []byte {
	b = appendFields(b, "stock_id", r.StockID, "out_request_no", r.OutRequestNo, "appid", r.AppID, "stock_creator_mchid", r.StockCreatorMchID)
	return appendInts(b, "coupon_value", r.CouponValue, "coupon_minimum", r.CouponMinimum)
}

// CardGiftRequest is the body of POST PathCardGift (the seed's send).
type CardGiftRequest struct {
	MchID        string `json:"mch_id"`
	AppID        string `json:"appid"`
	OpenID       string `json:"openid"`
	CardID       string `json:"card_id"`
	OutRequestNo string `json:"out_request_no"`
}

// AppendJSON appends r as JSON, as encoding/json writes it.
func (r CardGiftRequest) AppendJSON(b []byte) []byte {
	return closeObject(appendFields(b, "mch_id", r.MchID, "appid", r.AppID, "openid", r.OpenID, "card_id", r.CardID, "out_request_no", r.OutRequestNo))
}

// SendReply is the answer to a send.
type SendReply struct {
	CouponID string `json:"coupon_id"`
}

// CouponRequest is the body of the seed's coupon calls: PathOffer,
// PathClaim, PathRefuse, PathConsume and PathRecover. Code is accepted as
// the coupon id, as /card/code/consume names it; ToOpenID is the recipient
// of an offer.
type CouponRequest struct {
	MchID    string `json:"mch_id"`
	AppID    string `json:"appid"`
	OpenID   string `json:"openid"`
	CouponID string `json:"coupon_id"`
	Code     string `json:"code,omitempty"`
	CardID   string `json:"card_id,omitempty"`
	ToOpenID string `json:"to_openid,omitempty"`
}

// AppendJSON appends r as JSON, as encoding/json writes it.
func (r CouponRequest) AppendJSON(b []byte) []byte {
	b = appendFields(b, "mch_id", r.MchID, "appid", r.AppID, "openid", r.OpenID, "coupon_id", r.CouponID)
	for _, f := range [...][2]string{{"code", r.Code}, {"card_id", r.CardID}, {"to_openid", r.ToOpenID}} {
		if f[1] != "" {
			b = appendField(append(b, ','), f[0], f[1])
		}
	}
	return closeObject(b)
}

// Coupon is a coupon as the API answers it: the v3 fields plus giftsim's
// lifecycle detail.
type Coupon struct {
	StockCreatorMchID string       `json:"stock_creator_mchid"`
	StockID           string       `json:"stock_id"`
	CouponID          string       `json:"coupon_id"`
	AppID             string       `json:"appid"`
	OpenID            string       `json:"openid"`
	Status            string       `json:"status"` // Status is SENDED, USED or EXPIRED.
	CouponType        string       `json:"coupon_type"`
	NormalCoupon      NormalCoupon `json:"normal_coupon_information"`
	CreateTime        string       `json:"create_time"`
	AvailableBegin    string       `json:"available_begin_time"`
	AvailableEnd      string       `json:"available_end_time"`
	ConsumeTime       string       `json:"consume_time,omitempty"`
	// The fields the official models require of a coupon, from its stock.
	CouponName  string `json:"coupon_name"`
	Description string `json:"description"`
	NoCash      bool   `json:"no_cash"`
	Singleitem  bool   `json:"singleitem"`

	State       platform.State `json:"state"` // State is the lifecycle state (issued, offered, …).
	Kind        platform.Kind  `json:"kind"`
	Owner       string         `json:"owner_openid"`
	OfferedTo   string         `json:"offered_to,omitempty"`
	OfferTime   string         `json:"offer_time,omitempty"`
	ClaimTime   string         `json:"claim_time,omitempty"`
	RecycleTime string         `json:"recycle_time,omitempty"`
	RecoverTime string         `json:"recover_time,omitempty"`
	RecoveryFee int64          `json:"recovery_fee,omitempty"` // RecoveryFee is in fen (R14).
	Transfers   int            `json:"transfers"`
}

// NormalCoupon is a coupon's amounts in fen.
type NormalCoupon struct {
	CouponAmount       int64 `json:"coupon_amount"`
	TransactionMinimum int64 `json:"transaction_minimum"`
}

// CouponList is the answer to GET PathUserCoupons.
type CouponList struct {
	Data       []Coupon `json:"data"`
	TotalCount int      `json:"total_count"`
	Offset     int      `json:"offset"`
	Limit      int      `json:"limit"`
}

// CreateStockRequest is the body of POST PathStocks: the v3 fields giftsim
// uses plus its own rule fields, a platform.StockSpec (kind, category,
// channel, validity …, each defaulted when left out).
type CreateStockRequest struct {
	StockName      string     `json:"stock_name"`
	BelongMerchant string     `json:"belong_merchant"`
	OutRequestNo   string     `json:"out_request_no"`
	StockType      string     `json:"stock_type,omitempty"`
	StockUseRule   StockRule  `json:"stock_use_rule"`
	CouponUseRule  CouponRule `json:"coupon_use_rule"`
	// The v3 fields of the stock's window and description (stocks.go);
	// the times are RFC 3339, and left out mean no bound.
	Comment            string      `json:"comment,omitempty"`
	AvailableBeginTime string      `json:"available_begin_time,omitempty"`
	AvailableEndTime   string      `json:"available_end_time,omitempty"`
	PatternInfo        PatternInfo `json:"pattern_info,omitzero"`
	NoCash             bool        `json:"no_cash,omitempty"`
	platform.StockSpec
	StockCompliance // StockCompliance is giftsim's R18–R20 declaration (stocks.go).
}

// StartStockRequest is the body of POST PathStartStock.
type StartStockRequest struct {
	StockCreatorMchID string `json:"stock_creator_mchid"`
}

// Stock is the answer to the stock calls.
type Stock struct {
	StockID      string `json:"stock_id"`
	StockCreator string `json:"stock_creator_mchid"`
	StockName    string `json:"stock_name"`
	Status       string `json:"status"` // Status is unactivated, running, paused or stoped (platform.StockStatus).
	CreateTime   string `json:"create_time"`
	StartTime    string `json:"start_time,omitempty"`
	// The fields the official models require of a stock (stocks.go).
	Description    string            `json:"description"`
	StockUseRule   StockUseRule      `json:"stock_use_rule"`
	AvailableBegin string            `json:"available_begin_time"`
	AvailableEnd   string            `json:"available_end_time"` // AvailableEnd is "" for a stock without an end.
	NoCash         bool              `json:"no_cash"`
	StopTime       string            `json:"stop_time,omitempty"`
	Singleitem     bool              `json:"singleitem"`
	StockType      string            `json:"stock_type"`
	Kind           platform.Kind     `json:"kind"`
	Category       platform.Category `json:"category"`
	Channel        platform.Channel  `json:"channel"`
	CouponAmount   int64             `json:"coupon_amount"`
	MinSpend       int64             `json:"transaction_minimum"`
	Validity       platform.Duration `json:"validity"`
	AllowTransfer  bool              `json:"allow_transfer"`
	MaxCoupons     int               `json:"max_coupons"`
	Distributed    int               `json:"distributed_coupons"`
	Used           int               `json:"used_coupons"` // Used counts redemptions; both counts lag as the channel reports (B8).
	StockCompliance
}

// Health is the answer of PathHealth.
type Health struct {
	Status       string `json:"status"`
	PlatformTime string `json:"platform_time"` // PlatformTime is RFC 3339 with nanoseconds, Beijing time.
	Day          string `json:"day"`           // Day is the wall length of a platform day (platform.FormatDuration).
	Auth         string `json:"auth"`
}
