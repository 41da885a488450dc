package mock

import (
	"bytes"
	"crypto/sha1"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"giftsim/platform"
	"giftsim/platform/api"
)

// The voucher API's stock routes beyond create, query and start: list,
// pause, restart, stop, the use and refund flows with their download, the
// items and merchants of a stock, and the coupon list's filters. The
// contract is in platform/api (stocks.go); the state in store_stocks.go.

// maxTermIDs bounds the goods and merchants a stock may name.
const maxTermIDs = 1000

// stockView is st as the API answers it: the fields the official models
// require, and giftsim's rule fields.
func stockView(st Stock) api.Stock {
	face, min := int64(st.Rule.Face), int64(st.Rule.MinSpend)
	begin := st.Limits.Begin
	if begin.IsZero() {
		begin = st.CreatedAt
	}
	return api.Stock{StockID: st.ID, StockCreator: st.MchID, StockName: stockName(st), Status: st.status().String(),
		CreateTime: timeText(st.CreatedAt), StartTime: timeText(st.StartedAt), Kind: st.Rule.Kind,
		Category: st.Rule.Category, Channel: st.Channel, CouponAmount: face,
		MinSpend: min, Validity: platform.Duration(st.Rule.Validity),
		AllowTransfer: st.Rule.AllowTransfer, MaxCoupons: st.MaxCoupons, Distributed: st.Issued,
		Description: st.Terms.Description,
		StockUseRule: api.StockUseRule{MaxCoupons: st.MaxCoupons, MaxAmount: int64(st.MaxCoupons) * face,
			MaxAmountByDay: int64(st.Limits.MaxAmountByDay), FixedNormalCoupon: api.NormalCoupon{CouponAmount: face, TransactionMinimum: min},
			MaxCouponsPerUser: st.Limits.MaxPerUser, CouponType: "NORMAL", GoodsTag: st.Terms.GoodsTag,
			TradeType: st.Terms.TradeType, CombineUse: st.Terms.CombineUse},
		AvailableBegin: timeText(begin), AvailableEnd: timeText(st.Limits.End), NoCash: st.Terms.NoCash,
		StopTime: timeText(st.StoppedAt), Singleitem: len(st.Terms.Items) > 0, StockType: "NORMAL",
		StockCompliance: st.Terms.Compliance}
}

// stockName is the stock's name, or its id for a fixture stock without one.
func stockName(st Stock) string {
	if st.Name != "" {
		return st.Name
	}
	return st.ID
}

// createTerms reads a create-stock request's limits and terms, and settles
// max_coupons from max_amount: every problem is PARAM_ERROR naming the
// field and what is allowed.
func createTerms(req *api.CreateStockRequest) (platform.StockLimits, StockTerms, error) {
	var l platform.StockLimits
	var err error
	if l.Begin, err = timeParam("available_begin_time", req.AvailableBeginTime); err != nil {
		return l, StockTerms{}, err
	}
	if l.End, err = timeParam("available_end_time", req.AvailableEndTime); err != nil {
		return l, StockTerms{}, err
	}
	rule := &req.StockUseRule
	face := req.CouponUseRule.FixedNormalCoupon.CouponAmount
	switch {
	case rule.MaxAmount < 0:
		return l, StockTerms{}, fmt.Errorf("%w: stock_use_rule.max_amount must be 0 (unlimited) or more fen, got %d", platform.ErrInvalid, rule.MaxAmount)
	case rule.MaxAmount > 0 && face > 0 && rule.MaxCoupons == 0:
		if rule.MaxAmount%face != 0 || rule.MaxAmount/face > 1<<31-1 {
			return l, StockTerms{}, fmt.Errorf("%w: stock_use_rule.max_amount must be a whole number of coupons of %d fen, got %d", platform.ErrInvalid, face, rule.MaxAmount)
		}
		rule.MaxCoupons = int(rule.MaxAmount / face)
	case rule.MaxAmount > 0 && rule.MaxAmount != int64(rule.MaxCoupons)*face:
		return l, StockTerms{}, fmt.Errorf("%w: stock_use_rule.max_amount must be max_coupons × coupon_amount = %d fen, got %d", platform.ErrInvalid, int64(rule.MaxCoupons)*face, rule.MaxAmount)
	}
	l.MaxPerUser, l.MaxAmountByDay = rule.MaxCouponsPerUser, platform.Money(rule.MaxAmountByDay)
	cu := req.CouponUseRule
	t := StockTerms{Description: req.PatternInfo.Description, NoCash: req.NoCash, GoodsTag: cu.GoodsTag, TradeType: cu.TradeType,
		CombineUse: cu.CombineUse, Items: cu.AvailableItems, Merchants: cu.AvailableMerchants,
		NaturalPersonLimit: rule.NaturalPersonLimit, PreventAPIAbuse: rule.PreventAPIAbuse}
	if t.Description == "" {
		t.Description = req.Comment
	}
	if t.Compliance, err = complianceTerms(req.StockCompliance); err != nil { // R18–R20 (compliance.go)
		return l, t, err
	}
	if len(t.Description) > 1000 {
		return l, t, fmt.Errorf("%w: pattern_info.description is over 1000 bytes", platform.ErrInvalid)
	}
	for _, list := range []struct {
		name string
		ids  []string
	}{{"coupon_use_rule.goods_tag", t.GoodsTag}, {"coupon_use_rule.trade_type", t.TradeType},
		{"coupon_use_rule.available_items", t.Items}, {"coupon_use_rule.available_merchants", t.Merchants}} {
		if len(list.ids) > maxTermIDs {
			return l, t, fmt.Errorf("%w: %s names %d entries, at most %d", platform.ErrInvalid, list.name, len(list.ids), maxTermIDs)
		}
		for i, id := range list.ids {
			if err := check(field{fmt.Sprintf("%s[%d]", list.name, i), id}); err != nil {
				return l, t, err
			}
		}
	}
	return l, t, nil
}

// timeParam reads an optional RFC 3339 time; "" is the zero time.
func timeParam(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %s must be an RFC 3339 time such as 2026-03-02T10:00:00+08:00, got %q", platform.ErrInvalid, name, v)
	}
	return t, nil
}

// intParam reads an optional integer query parameter from min to max.
func intParam(q url.Values, name string, def, min, max int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		return 0, fmt.Errorf("%w: %s must be an integer from %d to %d, got %q", platform.ErrInvalid, name, min, max, v)
	}
	return n, nil
}

// page reads the offset (a page number from 0 to maxOffset) and limit (1
// to maxLimit) of a list, as the official models page.
func page(q url.Values, defLimit, maxLimit, maxOffset int) (offset, limit int, err error) {
	if offset, err = intParam(q, "offset", 0, 0, maxOffset); err != nil {
		return 0, 0, err
	}
	if limit, err = intParam(q, "limit", defLimit, 1, maxLimit); err != nil {
		return 0, 0, err
	}
	return offset, limit, nil
}

// stockMerchant checks a stock route's stock_id and returns it with the
// acting merchant (the signer, which stock_creator_mchid, if given, must
// name).
func (s *Server) stockMerchant(c *call, creator string) (id, mch string, err error) {
	id = c.r.PathValue("stock_id")
	if err := check(field{"stock_id", id}); err != nil {
		return "", "", err
	}
	if creator != "" {
		if err := check(field{"stock_creator_mchid", creator}); err != nil {
			return "", "", err
		}
	}
	mch, err = s.merchant(c, "stock_creator_mchid", creator, "")
	return id, mch, err
}

func (s *Server) v3ListStocks(c *call) (any, error) {
	q := c.r.URL.Query()
	creator := q.Get("stock_creator_mchid")
	if err := check(field{"stock_creator_mchid", creator}); err != nil {
		return nil, err
	}
	offset, limit, err := page(q, api.MaxStockListLimit, api.MaxStockListLimit, 1<<20)
	if err != nil {
		return nil, err
	}
	sq := StockQuery{Skip: offset * limit, Limit: limit}
	if sq.CreatedFrom, err = timeParam("create_start_time", q.Get("create_start_time")); err != nil {
		return nil, err
	}
	if sq.CreatedTo, err = timeParam("create_end_time", q.Get("create_end_time")); err != nil {
		return nil, err
	}
	if v := q.Get("status"); v != "" {
		if sq.Status, err = platform.ParseStockStatus(v); err != nil {
			return nil, fmt.Errorf("status: %w", err)
		}
	}
	if sq.MchID, err = s.merchant(c, "stock_creator_mchid", creator, ""); err != nil {
		return nil, err
	}
	sts, total, err := s.store.Stocks(c.ctx, sq)
	if err != nil {
		return nil, err
	}
	out := api.StockList{TotalCount: total, Data: make([]api.Stock, 0, len(sts)), Limit: limit, Offset: offset}
	for _, st := range sts {
		v, err := s.reportedView(c, st)
		if err != nil {
			return nil, err
		}
		out.Data = append(out.Data, v)
	}
	return out, nil
}

// reportedView is the stock as the query and list routes answer it: its
// distributed and used counts as the merchant's dashboard shows them now,
// each event after its channel's reporting delay (B8: offline QR-code and
// geolocation gifts 1–3 hours late, every other channel at once).
func (s *Server) reportedView(c *call, st Stock) (api.Stock, error) {
	n, err := s.store.StockReport(c.ctx, StockOp{MchID: st.MchID, StockID: st.ID, Now: c.now})
	if err != nil {
		return api.Stock{}, err
	}
	v := stockView(st)
	v.Distributed, v.Used = n.Distributed, n.Used
	return v, nil
}

// v3StockStep answers pause, restart and stop.
func v3StockStep(ev platform.StockEvent) func(s *Server, c *call) (any, error) {
	return func(s *Server, c *call) (any, error) {
		var req api.StockActionRequest
		if err := decode(c, &req); err != nil {
			return nil, err
		}
		if err := check(field{"stock_creator_mchid", req.StockCreatorMchID}); err != nil {
			return nil, err
		}
		id, mch, err := s.stockMerchant(c, req.StockCreatorMchID)
		if err != nil {
			return nil, err
		}
		st, err := s.store.StockStep(c.ctx, StockOp{MchID: mch, StockID: id, Now: c.now}, ev)
		if err != nil {
			return nil, err
		}
		out := api.StockActionReply{StockID: st.ID}
		switch ev {
		case platform.StockPause:
			out.PauseTime = timeText(st.PausedAt)
		case platform.StockRestart:
			out.RestartTime = timeText(st.RestartedAt)
		case platform.StockStop:
			out.StopTime = timeText(st.StoppedAt)
		}
		return out, nil
	}
}

// stockIDs answers the items and merchants routes: a page of the ids of
// which picks from the merchant's stock.
func (s *Server) stockIDs(c *call, maxLimit, maxOffset int, which func(Stock) []string) (any, error) {
	q := c.r.URL.Query()
	creator := q.Get("stock_creator_mchid")
	if err := check(field{"stock_creator_mchid", creator}); err != nil {
		return nil, err
	}
	offset, limit, err := page(q, maxLimit, maxLimit, maxOffset)
	if err != nil {
		return nil, err
	}
	id, mch, err := s.stockMerchant(c, creator)
	if err != nil {
		return nil, err
	}
	st, err := s.store.Stock(c.ctx, StockOp{MchID: mch, StockID: id})
	if err != nil {
		return nil, err
	}
	ids := which(st)
	from := min(offset*limit, len(ids))
	data := slices.Clone(ids[from:min(from+limit, len(ids))])
	if data == nil {
		data = []string{}
	}
	return api.IDPage{TotalCount: len(ids), Data: data, Offset: offset, Limit: limit, StockID: st.ID}, nil
}

func (s *Server) v3StockItems(c *call) (any, error) {
	return s.stockIDs(c, api.MaxItemsLimit, api.MaxItemsOffset, func(st Stock) []string { return st.Terms.Items })
}

func (s *Server) v3StockMerchants(c *call) (any, error) {
	return s.stockIDs(c, api.MaxMerchantsLimit, api.MaxMerchantsOffset, func(st Stock) []string {
		if len(st.Terms.Merchants) == 0 {
			return []string{st.MchID} // a stock that names none is used at its creator's
		}
		return st.Terms.Merchants
	})
}

// The flow files: a use flow lists a stock's redemptions, a refund flow
// its refunds (the mock takes no payments, so it has only its header).
const (
	flowUse    = "use"
	flowRefund = "refund"
)

// flowCSV is the flow file of kind for a stock, its coupons in order.
func flowCSV(kind string, cs []Coupon, minSpend platform.Money) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if kind == flowRefund {
		w.Write([]string{"stock_id", "coupon_id", "openid", "refund_amount", "refund_time", "refund_mchid"})
	} else {
		w.Write([]string{"stock_id", "coupon_id", "openid", "coupon_amount", "transaction_minimum", "consume_time", "consume_mchid"})
		for _, c := range cs {
			w.Write([]string{c.StockID, c.ID, c.Holder, strconv.FormatInt(int64(c.Face), 10),
				strconv.FormatInt(int64(minSpend), 10), timeText(c.UsedAt), c.MchID})
		}
	}
	w.Flush()
	return b.Bytes()
}

// flowFile builds the flow file of kind for a merchant's stock as of asOf.
func (s *Server) flowFile(c *call, kind, mch, id string, asOf time.Time) ([]byte, error) {
	st, err := s.store.Stock(c.ctx, StockOp{MchID: mch, StockID: id})
	if err != nil {
		return nil, err
	}
	var cs []Coupon
	if kind == flowUse {
		if cs, err = s.store.Redemptions(c.ctx, StockOp{MchID: mch, StockID: id}, asOf); err != nil {
			return nil, err
		}
	}
	return flowCSV(kind, cs, st.Rule.MinSpend), nil
}

// v3Flow answers use-flow and refund-flow: where the file is (on the mock
// itself, PathBillDownload) and its SHA1. The file lists the flow as of
// now, and the download rebuilds exactly it: redemptions are final.
func v3Flow(kind string) func(s *Server, c *call) (any, error) {
	return func(s *Server, c *call) (any, error) {
		id, mch, err := s.stockMerchant(c, c.r.URL.Query().Get("stock_creator_mchid"))
		if err != nil {
			return nil, err
		}
		body, err := s.flowFile(c, kind, mch, id, c.now)
		if err != nil {
			return nil, err
		}
		sum := sha1.Sum(body)
		scheme := "http"
		if c.r.TLS != nil {
			scheme = "https"
		}
		token := kind + "." + strconv.FormatInt(c.now.UnixNano(), 10) + "." + id
		return api.FlowFile{URL: scheme + "://" + c.r.Host + api.BillDownloadPath("", token, mch),
			HashValue: hex.EncodeToString(sum[:]), HashType: "SHA1"}, nil
	}
}

// rawAnswer is an answer that is not JSON: a flow file.
type rawAnswer struct {
	contentType string
	body        []byte
}

// billDownload answers a flow file's URL with the CSV. Its token names
// the flow, the platform time it was taken at and the stock; the signer
// must own the stock (with auth none, the URL's stock_creator_mchid).
func (s *Server) billDownload(c *call) (any, error) {
	q := c.r.URL.Query()
	token := q.Get("token")
	if err := check(field{"token", token}); err != nil {
		return nil, err
	}
	kind, rest, _ := strings.Cut(token, ".")
	at, id, ok := strings.Cut(rest, ".")
	ns, err := strconv.ParseInt(at, 10, 64)
	if !ok || err != nil || (kind != flowUse && kind != flowRefund) || id == "" {
		return nil, fmt.Errorf("%w: token %q is not one a flow call returned", platform.ErrInvalid, token)
	}
	asOf := time.Unix(0, ns)
	if asOf.After(c.now) {
		return nil, fmt.Errorf("%w: token %q is dated after the platform's time", platform.ErrInvalid, token)
	}
	mch, err := s.merchant(c, "stock_creator_mchid", q.Get("stock_creator_mchid"), "")
	if err != nil {
		return nil, err
	}
	body, err := s.flowFile(c, kind, mch, id, asOf)
	if err != nil {
		return nil, err
	}
	return rawAnswer{contentType: "text/csv; charset=utf-8", body: body}, nil
}

// v3ListCoupons answers ListCouponsByFilter: the coupons the user holds,
// by stock, status and merchant. As on the platform, available_mchid
// overrides stock_id, status, offset and limit (the first
// api.MaxListLimit coupons usable there are listed).
func (s *Server) v3ListCoupons(c *call) (any, error) {
	q := c.r.URL.Query()
	openid, app := c.r.PathValue("openid"), q.Get("appid")
	if err := check(field{"openid", openid}, field{"appid", app}); err != nil {
		return nil, err
	}
	f := CouponFilter{StockID: q.Get("stock_id"), Status: q.Get("status"), CreatorMchID: q.Get("creator_mchid"),
		SenderMchID: q.Get("sender_mchid"), AvailableMchID: q.Get("available_mchid")}
	for _, p := range []field{{"stock_id", f.StockID}, {"creator_mchid", f.CreatorMchID}, {"sender_mchid", f.SenderMchID}, {"available_mchid", f.AvailableMchID}} {
		if p.value != "" {
			if err := check(p); err != nil {
				return nil, err
			}
		}
	}
	offset, limit := 0, api.MaxListLimit
	if f.AvailableMchID != "" {
		f.StockID, f.Status = "", ""
	} else {
		var err error
		if offset, limit, err = page(q, api.DefaultCouponsLimit, api.MaxListLimit, 1<<30); err != nil {
			return nil, err
		}
		if f.Status != "" && !slices.Contains(api.CouponStatuses, f.Status) {
			return nil, fmt.Errorf("%w: status must be one of %s, got %q", platform.ErrInvalid, strings.Join(api.CouponStatuses, ", "), f.Status)
		}
	}
	mch, err := s.merchant(c, "mchid", "", app)
	if err != nil {
		return nil, err
	}
	cs, total, err := s.store.FilterCoupons(c.ctx, CouponOp{MchID: mch, AppID: app, OpenID: openid, Now: c.now}, f, offset*limit, limit)
	if err != nil {
		return nil, err
	}
	out := api.CouponList{Data: make([]api.Coupon, 0, len(cs)), TotalCount: total, Offset: offset, Limit: limit}
	for _, cp := range cs {
		out.Data = append(out.Data, s.view(c, cp))
	}
	return out, nil
}

// withStock fills in the coupon view's fields that come from its stock
// (the official models require them): name, description, no_cash and
// singleitem.
func withStock(v api.Coupon, st Stock) api.Coupon {
	v.CouponName, v.Description, v.NoCash, v.Singleitem = stockName(st), st.Terms.Description, st.Terms.NoCash, len(st.Terms.Items) > 0
	return v
}
