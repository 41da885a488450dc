package mock

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"giftsim/platform"
	"giftsim/platform/api"
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
		if errors.Is(err, platform.ErrInvalid) { // an enum or duration the platform does not know
			return fmt.Errorf("body: %w", err)
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
	return t.In(platform.Beijing).Format(time.RFC3339)
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

// viewOf is c as the API answers it.
func viewOf(c Coupon, minSpend platform.Money) api.Coupon {
	v := api.Coupon{
		StockCreatorMchID: c.MchID, StockID: c.StockID, CouponID: c.ID, AppID: c.AppID, OpenID: c.Holder,
		Status: statusOf(c.State), CouponType: "NORMAL",
		CreateTime: timeText(c.IssuedAt), AvailableBegin: timeText(c.IssuedAt), AvailableEnd: timeText(c.ExpiresAt),
		ConsumeTime: timeText(c.UsedAt), State: c.State, Kind: c.Kind, Owner: c.Owner,
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

// view renders c, reading its stock (minimum spend, name, terms).
func (s *Server) view(c *call, cp Coupon) api.Coupon {
	st, err := s.store.Stock(c.ctx, StockOp{MchID: cp.MchID, StockID: cp.StockID})
	if err != nil {
		st = Stock{ID: cp.StockID}
	}
	return withStock(viewOf(cp, st.Rule.MinSpend), st)
}

func (s *Server) v3Send(c *call) (any, error) {
	var req api.V3SendRequest
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
	return api.SendReply{CouponID: cp.ID}, nil
}

func (s *Server) cardGift(c *call) (any, error) {
	var req api.CardGiftRequest
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
	return api.SendReply{CouponID: cp.ID}, nil
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

// couponCall decodes and checks a coupon call; needUser says whether
// appid and openid are required.
func (s *Server) couponCall(c *call, needUser bool) (api.CouponRequest, CouponOp, error) {
	var req api.CouponRequest
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

// couponStep answers a seed coupon call: it decodes and checks the call
// (couponCall), hands it to do and answers with the coupon do returns.
func (s *Server) couponStep(c *call, needUser bool, do func(api.CouponRequest, CouponOp) (Coupon, error)) (any, error) {
	req, op, err := s.couponCall(c, needUser)
	if err != nil {
		return nil, err
	}
	cp, err := do(req, op)
	if err != nil {
		return nil, err
	}
	return s.view(c, cp), nil
}

func (s *Server) cardOffer(c *call) (any, error) {
	return s.couponStep(c, true, func(req api.CouponRequest, op CouponOp) (Coupon, error) {
		if err := check(field{"to_openid", req.ToOpenID}); err != nil {
			return Coupon{}, err
		}
		return s.store.Gift(c.ctx, GiftOp{MchID: op.MchID, AppID: op.AppID, OpenID: op.OpenID, CouponID: op.CouponID, ToOpenID: req.ToOpenID, Now: op.Now})
	})
}

func (s *Server) cardClaim(c *call) (any, error) {
	return s.couponStep(c, true, func(_ api.CouponRequest, op CouponOp) (Coupon, error) {
		return s.store.Claim(c.ctx, ClaimOp{MchID: op.MchID, AppID: op.AppID, OpenID: op.OpenID, CouponID: op.CouponID, IP: c.ip, Now: op.Now})
	})
}

func (s *Server) cardRefuse(c *call) (any, error) {
	return s.couponStep(c, true, func(_ api.CouponRequest, op CouponOp) (Coupon, error) {
		return s.store.Refuse(c.ctx, op)
	})
}

func (s *Server) cardConsume(c *call) (any, error) {
	return s.couponStep(c, true, func(_ api.CouponRequest, op CouponOp) (Coupon, error) {
		return s.store.Redeem(c.ctx, op)
	})
}

func (s *Server) cardRecover(c *call) (any, error) {
	return s.couponStep(c, false, func(_ api.CouponRequest, op CouponOp) (Coupon, error) {
		if op.MchID == "" {
			return Coupon{}, fmt.Errorf("%w: mch_id is required", platform.ErrInvalid)
		}
		return s.store.Recover(c.ctx, op)
	})
}

func (s *Server) v3CreateStock(c *call) (any, error) {
	var req api.CreateStockRequest
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
	limits, terms, err := createTerms(&req)
	if err != nil {
		return nil, err
	}
	fixed := req.CouponUseRule.FixedNormalCoupon
	rule, ch := req.Stock(platform.Money(fixed.CouponAmount), platform.Money(fixed.TransactionMinimum))
	st, err := s.store.CreateStock(c.ctx, StockOp{MchID: mch, OutRequestNo: req.OutRequestNo, Name: req.StockName,
		Rule: rule, Channel: ch, MaxCoupons: req.StockUseRule.MaxCoupons, Limits: limits, Terms: terms, Now: c.now})
	if err != nil {
		return nil, err
	}
	return stockView(st), nil
}

func (s *Server) v3StartStock(c *call) (any, error) {
	var req api.StartStockRequest
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
	return s.reportedView(c, st)
}

func (s *Server) healthz(c *call) (any, error) {
	return api.Health{Status: "ok", PlatformTime: c.now.In(platform.Beijing).Format(time.RFC3339Nano),
		Day: platform.FormatDuration(s.cfg.Day), Auth: string(s.cfg.Auth)}, nil
}
