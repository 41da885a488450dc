package mock

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"giftsim/platform"
)

// decode reads the JSON body into v; unknown fields are ignored, as the
// real platform does, and type errors name the field.
func decode(c *call, v any) error {
	if len(c.body) == 0 {
		return fmt.Errorf("%w: body: want a JSON object", platform.ErrInvalid)
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
			return fmt.Errorf("%w: %s: want %s, got %s", platform.ErrInvalid, te.Field, te.Type, te.Value)
		}
		return fmt.Errorf("%w: body is not valid JSON: %v", platform.ErrInvalid, err)
	}
	return nil
}

// field is a named request value for validation.
type field struct{ name, value string }

// check refuses the first missing or malformed id, naming the field.
func check(fs ...field) error {
	for _, f := range fs {
		if f.value == "" {
			return fmt.Errorf("%w: %s is required", platform.ErrInvalid, f.name)
		}
		if len(f.value) > 128 {
			return fmt.Errorf("%w: %s is over 128 characters", platform.ErrInvalid, f.name)
		}
		for i := 0; i < len(f.value); i++ {
			if ch := f.value[i]; ch < ' ' || ch == 0x7f {
				return fmt.Errorf("%w: %s has a control character", platform.ErrInvalid, f.name)
			}
		}
	}
	return nil
}

// merchant returns the acting merchant: the signer, which must agree with
// the body's merchant field if given (R13); with auth none, the body's
// field or the appid's owner.
func (s *Server) merchant(c *call, name, bodyMch, appID string) (string, error) {
	if c.mchID != "" {
		if bodyMch != "" && bodyMch != c.mchID {
			return "", &platform.RuleError{Rule: "R13", Err: platform.ErrBinding,
				Msg: fmt.Sprintf("%s is %q but the request is signed by merchant %q", name, bodyMch, c.mchID)}
		}
		return c.mchID, nil
	}
	if bodyMch != "" {
		return bodyMch, nil
	}
	if m := s.apps[appID]; m != "" {
		return m, nil
	}
	return "", fmt.Errorf("%w: %s is required", platform.ErrInvalid, name)
}

// timeText formats a platform time the v3 way, "" for zero.
func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(CST).Format(time.RFC3339)
}

// couponView is a coupon as the API answers it: the v3 fields plus
// giftsim's lifecycle detail.
type couponView struct {
	StockCreatorMchID string `json:"stock_creator_mchid"`
	StockID           string `json:"stock_id"`
	CouponID          string `json:"coupon_id"`
	AppID             string `json:"appid"`
	OpenID            string `json:"openid"`
	Status            string `json:"status"` // SENDED, USED or EXPIRED.
	CouponType        string `json:"coupon_type"`
	NormalCoupon      struct {
		CouponAmount       int64 `json:"coupon_amount"`
		TransactionMinimum int64 `json:"transaction_minimum"`
	} `json:"normal_coupon_information"`
	CreateTime         string `json:"create_time"`
	AvailableBeginTime string `json:"available_begin_time"`
	AvailableEndTime   string `json:"available_end_time"`
	ConsumeTime        string `json:"consume_time,omitempty"`

	State       string `json:"state"` // State is the lifecycle state (issued, offered, …).
	Kind        string `json:"kind"`
	Owner       string `json:"owner_openid"`
	OfferedTo   string `json:"offered_to,omitempty"`
	OfferTime   string `json:"offer_time,omitempty"`
	ClaimTime   string `json:"claim_time,omitempty"`
	RecycleTime string `json:"recycle_time,omitempty"`
	RecoverTime string `json:"recover_time,omitempty"`
	RecoveryFee int64  `json:"recovery_fee,omitempty"` // RecoveryFee is in fen (R14).
	Transfers   int    `json:"transfers"`
}

// statusOf maps a lifecycle state to the v3 status.
func statusOf(st platform.State) string {
	switch st {
	case platform.StateRedeemed:
		return "USED"
	case platform.StateExpired, platform.StateRecycled, platform.StatePurged:
		return "EXPIRED"
	}
	return "SENDED"
}

func viewOf(c Coupon, minSpend platform.Money) couponView {
	v := couponView{
		StockCreatorMchID: c.MchID, StockID: c.StockID, CouponID: c.ID, AppID: c.AppID, OpenID: c.Holder,
		Status: statusOf(c.State), CouponType: "NORMAL",
		CreateTime: timeText(c.IssuedAt), AvailableBeginTime: timeText(c.IssuedAt), AvailableEndTime: timeText(c.ExpiresAt),
		ConsumeTime: timeText(c.UsedAt), State: c.State.String(), Kind: c.Kind.String(), Owner: c.Owner,
		OfferedTo: c.Recipient, ClaimTime: timeText(c.ClaimedAt),
		RecycleTime: timeText(c.RecycledAt), RecoverTime: timeText(c.RecoveredAt), RecoveryFee: int64(c.Fee), Transfers: c.Transfers,
	}
	if c.State == platform.StateOffered {
		v.OfferTime = timeText(c.OfferedAt)
	}
	v.NormalCoupon.CouponAmount = int64(c.Face)
	v.NormalCoupon.TransactionMinimum = int64(minSpend)
	return v
}

// view renders c, reading the stock's minimum spend.
func (s *Server) view(c *call, cp Coupon) couponView {
	var min platform.Money
	if st, err := s.store.Stock(c.ctx, StockOp{MchID: cp.MchID, StockID: cp.StockID}); err == nil {
		min = st.Rule.MinSpend
	}
	return viewOf(cp, min)
}

// sendReply is the answer to a send.
type sendReply struct {
	CouponID string `json:"coupon_id"`
}

// v3SendReq is the body of POST /v3/marketing/favor/users/{openid}/coupons.
type v3SendReq struct {
	StockID           string `json:"stock_id"`
	OutRequestNo      string `json:"out_request_no"`
	AppID             string `json:"appid"`
	StockCreatorMchID string `json:"stock_creator_mchid"`
	CouponValue       int64  `json:"coupon_value"`
	CouponMinimum     int64  `json:"coupon_minimum"`
}

func (s *Server) v3Send(c *call) (any, error) {
	var req v3SendReq
	if err := decode(c, &req); err != nil {
		return nil, err
	}
	openid := c.r.PathValue("openid")
	if err := check(field{"openid", openid}, field{"stock_id", req.StockID}, field{"out_request_no", req.OutRequestNo},
		field{"appid", req.AppID}, field{"stock_creator_mchid", req.StockCreatorMchID}); err != nil {
		return nil, err
	}
	mch, err := s.merchant(c, "stock_creator_mchid", req.StockCreatorMchID, req.AppID)
	if err != nil {
		return nil, err
	}
	cp, _, err := s.store.Send(c.ctx, SendOp{MchID: mch, AppID: req.AppID, OpenID: openid, StockID: req.StockID, OutRequestNo: req.OutRequestNo, Now: c.now})
	if err != nil {
		return nil, err
	}
	return sendReply{CouponID: cp.ID}, nil
}

// cardGiftReq is the body of POST /card/gift (the seed's send).
type cardGiftReq struct {
	MchID        string `json:"mch_id"`
	AppID        string `json:"appid"`
	OpenID       string `json:"openid"`
	CardID       string `json:"card_id"`
	OutRequestNo string `json:"out_request_no"`
}

func (s *Server) cardGift(c *call) (any, error) {
	var req cardGiftReq
	if err := decode(c, &req); err != nil {
		return nil, err
	}
	if err := check(field{"mch_id", req.MchID}, field{"appid", req.AppID}, field{"openid", req.OpenID},
		field{"card_id", req.CardID}, field{"out_request_no", req.OutRequestNo}); err != nil {
		return nil, err
	}
	mch, err := s.merchant(c, "mch_id", req.MchID, req.AppID)
	if err != nil {
		return nil, err
	}
	cp, _, err := s.store.Send(c.ctx, SendOp{MchID: mch, AppID: req.AppID, OpenID: req.OpenID, StockID: req.CardID, OutRequestNo: req.OutRequestNo, Now: c.now})
	if err != nil {
		return nil, err
	}
	return sendReply{CouponID: cp.ID}, nil
}

func (s *Server) v3Coupon(c *call) (any, error) {
	openid, id, app := c.r.PathValue("openid"), c.r.PathValue("coupon_id"), c.r.URL.Query().Get("appid")
	if err := check(field{"openid", openid}, field{"coupon_id", id}, field{"appid", app}); err != nil {
		return nil, err
	}
	mch, err := s.merchant(c, "mchid", "", app)
	if err != nil {
		return nil, err
	}
	cp, err := s.store.Coupon(c.ctx, CouponOp{MchID: mch, AppID: app, OpenID: openid, CouponID: id, Now: c.now})
	if err != nil {
		return nil, err
	}
	return s.view(c, cp), nil
}

// listReply is the answer to a coupon list.
type listReply struct {
	Data       []couponView `json:"data"`
	TotalCount int          `json:"total_count"`
	Offset     int          `json:"offset"`
	Limit      int          `json:"limit"`
}

// MaxListLimit is the largest page a coupon list returns.
const MaxListLimit = 100

func (s *Server) v3List(c *call) (any, error) {
	q := c.r.URL.Query()
	openid, app := c.r.PathValue("openid"), q.Get("appid")
	if err := check(field{"openid", openid}, field{"appid", app}); err != nil {
		return nil, err
	}
	offset, limit := 0, 20
	for _, p := range []struct {
		name     string
		dst      *int
		min, max int
	}{{"offset", &offset, 0, 1 << 30}, {"limit", &limit, 1, MaxListLimit}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < p.min || n > p.max {
				return nil, fmt.Errorf("%w: %s must be an integer from %d to %d, got %q", platform.ErrInvalid, p.name, p.min, p.max, v)
			}
			*p.dst = n
		}
	}
	mch, err := s.merchant(c, "mchid", "", app)
	if err != nil {
		return nil, err
	}
	cs, total, err := s.store.Coupons(c.ctx, CouponOp{MchID: mch, AppID: app, OpenID: openid, Now: c.now}, offset, limit)
	if err != nil {
		return nil, err
	}
	out := listReply{Data: make([]couponView, 0, len(cs)), TotalCount: total, Offset: offset, Limit: limit}
	for _, cp := range cs {
		out.Data = append(out.Data, s.view(c, cp))
	}
	return out, nil
}

// couponReq is the body of the seed's coupon calls (offer, claim, refuse,
// consume, recover). Code is accepted as the coupon id, as
// /card/code/consume names it.
type couponReq struct {
	MchID    string `json:"mch_id"`
	AppID    string `json:"appid"`
	OpenID   string `json:"openid"`
	CouponID string `json:"coupon_id"`
	Code     string `json:"code"`
	CardID   string `json:"card_id"`
	ToOpenID string `json:"to_openid"`
}

// couponCall decodes and checks a coupon call; needUser says whether
// appid and openid are required.
func (s *Server) couponCall(c *call, needUser bool) (couponReq, CouponOp, error) {
	var req couponReq
	if err := decode(c, &req); err != nil {
		return req, CouponOp{}, err
	}
	if req.CouponID == "" {
		req.CouponID = req.Code
	}
	fs := []field{{"coupon_id", req.CouponID}}
	if needUser {
		fs = append(fs, field{"appid", req.AppID}, field{"openid", req.OpenID})
	}
	if err := check(fs...); err != nil {
		return req, CouponOp{}, err
	}
	mch, err := s.merchant(c, "mch_id", req.MchID, req.AppID)
	if err != nil {
		return req, CouponOp{}, err
	}
	return req, CouponOp{MchID: mch, AppID: req.AppID, OpenID: req.OpenID, CouponID: req.CouponID, StockID: req.CardID, Now: c.now}, nil
}

func (s *Server) cardOffer(c *call) (any, error) {
	req, op, err := s.couponCall(c, true)
	if err != nil {
		return nil, err
	}
	if err := check(field{"to_openid", req.ToOpenID}); err != nil {
		return nil, err
	}
	cp, err := s.store.Gift(c.ctx, GiftOp{MchID: op.MchID, AppID: op.AppID, OpenID: op.OpenID, CouponID: op.CouponID, ToOpenID: req.ToOpenID, Now: op.Now})
	if err != nil {
		return nil, err
	}
	return s.view(c, cp), nil
}

func (s *Server) cardClaim(c *call) (any, error) {
	_, op, err := s.couponCall(c, true)
	if err != nil {
		return nil, err
	}
	cp, err := s.store.Claim(c.ctx, ClaimOp{MchID: op.MchID, AppID: op.AppID, OpenID: op.OpenID, CouponID: op.CouponID, IP: c.ip, Now: op.Now})
	if err != nil {
		return nil, err
	}
	return s.view(c, cp), nil
}

func (s *Server) cardRefuse(c *call) (any, error) {
	_, op, err := s.couponCall(c, true)
	if err != nil {
		return nil, err
	}
	cp, err := s.store.Refuse(c.ctx, op)
	if err != nil {
		return nil, err
	}
	return s.view(c, cp), nil
}

func (s *Server) cardConsume(c *call) (any, error) {
	_, op, err := s.couponCall(c, true)
	if err != nil {
		return nil, err
	}
	cp, err := s.store.Redeem(c.ctx, op)
	if err != nil {
		return nil, err
	}
	return s.view(c, cp), nil
}

func (s *Server) cardRecover(c *call) (any, error) {
	_, op, err := s.couponCall(c, false)
	if err != nil {
		return nil, err
	}
	if op.MchID == "" {
		return nil, fmt.Errorf("%w: mch_id is required", platform.ErrInvalid)
	}
	cp, err := s.store.Recover(c.ctx, op)
	if err != nil {
		return nil, err
	}
	return s.view(c, cp), nil
}

// createStockReq is the body of POST /v3/marketing/favor/coupon-stocks:
// the v3 fields giftsim uses plus its own rule fields.
type createStockReq struct {
	StockName      string `json:"stock_name"`
	BelongMerchant string `json:"belong_merchant"`
	OutRequestNo   string `json:"out_request_no"`
	StockType      string `json:"stock_type"`
	StockUseRule   struct {
		MaxCoupons int `json:"max_coupons"`
	} `json:"stock_use_rule"`
	CouponUseRule struct {
		FixedNormalCoupon struct {
			CouponAmount       int64 `json:"coupon_amount"`
			TransactionMinimum int64 `json:"transaction_minimum"`
		} `json:"fixed_normal_coupon"`
	} `json:"coupon_use_rule"`
	Kind          string   `json:"kind"`
	Category      string   `json:"category"`
	Channel       string   `json:"channel"`
	Validity      string   `json:"validity"`
	AllowTransfer bool     `json:"allow_transfer"`
	Reviewed      bool     `json:"reviewed"`
	SubKinds      []string `json:"sub_kinds"`
}

// stockReply is the answer to stock calls.
type stockReply struct {
	StockID       string `json:"stock_id"`
	StockCreator  string `json:"stock_creator_mchid"`
	StockName     string `json:"stock_name,omitempty"`
	Status        string `json:"status"` // unactivated or running.
	CreateTime    string `json:"create_time,omitempty"`
	StartTime     string `json:"start_time,omitempty"`
	Kind          string `json:"kind"`
	Category      string `json:"category"`
	Channel       string `json:"channel"`
	CouponAmount  int64  `json:"coupon_amount"`
	MinSpend      int64  `json:"transaction_minimum"`
	Validity      string `json:"validity"`
	AllowTransfer bool   `json:"allow_transfer"`
	MaxCoupons    int    `json:"max_coupons"`
	Distributed   int    `json:"distributed_coupons"`
}

func stockView(st Stock) stockReply {
	status := "unactivated"
	if st.Started {
		status = "running"
	}
	return stockReply{StockID: st.ID, StockCreator: st.MchID, StockName: st.Name, Status: status,
		CreateTime: timeText(st.CreatedAt), StartTime: timeText(st.StartedAt), Kind: st.Rule.Kind.String(),
		Category: st.Rule.Category.String(), Channel: st.Channel.String(), CouponAmount: int64(st.Rule.Face),
		MinSpend: int64(st.Rule.MinSpend), Validity: platform.FormatDuration(st.Rule.Validity),
		AllowTransfer: st.Rule.AllowTransfer, MaxCoupons: st.MaxCoupons, Distributed: st.Issued}
}

func (s *Server) v3CreateStock(c *call) (any, error) {
	var req createStockReq
	if err := decode(c, &req); err != nil {
		return nil, err
	}
	if err := check(field{"stock_name", req.StockName}, field{"belong_merchant", req.BelongMerchant}, field{"out_request_no", req.OutRequestNo}); err != nil {
		return nil, err
	}
	mch, err := s.merchant(c, "belong_merchant", req.BelongMerchant, "")
	if err != nil {
		return nil, err
	}
	var errs []error
	parse := func(name, v, def string, f func(string) error) {
		if v == "" {
			v = def
		}
		if err := f(v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	var rule platform.Stock
	var ch platform.Channel
	parse("kind", req.Kind, "discount", func(v string) (err error) { rule.Kind, err = platform.ParseKind(v); return })
	parse("category", req.Category, "general", func(v string) (err error) { rule.Category, err = platform.ParseCategory(v); return })
	parse("channel", req.Channel, "api", func(v string) (err error) { ch, err = platform.ParseChannel(v); return })
	parse("validity", req.Validity, "30d", func(v string) (err error) { rule.Validity, err = platform.ParseDuration(v); return })
	for _, k := range req.SubKinds {
		parse("sub_kinds", k, "", func(v string) error {
			sk, err := platform.ParseKind(v)
			rule.SubKinds = append(rule.SubKinds, sk)
			return err
		})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	rule.Face = platform.Money(req.CouponUseRule.FixedNormalCoupon.CouponAmount)
	rule.MinSpend = platform.Money(req.CouponUseRule.FixedNormalCoupon.TransactionMinimum)
	rule.AllowTransfer, rule.Reviewed = req.AllowTransfer, req.Reviewed
	st, err := s.store.CreateStock(c.ctx, StockOp{MchID: mch, OutRequestNo: req.OutRequestNo, Name: req.StockName,
		Rule: rule, Channel: ch, MaxCoupons: req.StockUseRule.MaxCoupons, Now: c.now})
	if err != nil {
		return nil, err
	}
	return stockView(st), nil
}

// stockCreatorReq is the body of the start call.
type stockCreatorReq struct {
	StockCreatorMchID string `json:"stock_creator_mchid"`
}

func (s *Server) v3StartStock(c *call) (any, error) {
	var req stockCreatorReq
	if err := decode(c, &req); err != nil {
		return nil, err
	}
	id := c.r.PathValue("stock_id")
	if err := check(field{"stock_id", id}, field{"stock_creator_mchid", req.StockCreatorMchID}); err != nil {
		return nil, err
	}
	mch, err := s.merchant(c, "stock_creator_mchid", req.StockCreatorMchID, "")
	if err != nil {
		return nil, err
	}
	st, err := s.store.StartStock(c.ctx, StockOp{MchID: mch, StockID: id, Now: c.now})
	if err != nil {
		return nil, err
	}
	return stockView(st), nil
}

func (s *Server) v3Stock(c *call) (any, error) {
	id, creator := c.r.PathValue("stock_id"), c.r.URL.Query().Get("stock_creator_mchid")
	if err := check(field{"stock_id", id}, field{"stock_creator_mchid", creator}); err != nil {
		return nil, err
	}
	mch, err := s.merchant(c, "stock_creator_mchid", creator, "")
	if err != nil {
		return nil, err
	}
	st, err := s.store.Stock(c.ctx, StockOp{MchID: mch, StockID: id})
	if err != nil {
		return nil, err
	}
	return stockView(st), nil
}

// healthReply is the answer of /healthz.
type healthReply struct {
	Status       string `json:"status"`
	PlatformTime string `json:"platform_time"` // PlatformTime is RFC 3339 with nanoseconds.
	Day          string `json:"day"`           // Day is the wall length of a platform day.
	Auth         string `json:"auth"`
}

func (s *Server) healthz(c *call) (any, error) {
	return healthReply{Status: "ok", PlatformTime: c.now.In(CST).Format(time.RFC3339Nano),
		Day: platform.FormatDuration(s.cfg.Day), Auth: string(s.cfg.Auth)}, nil
}
