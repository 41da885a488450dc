package mock

import (
	"context"
	"crypto/sha1"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"giftsim/platform"
	"giftsim/platform/sign"
)

// stockPath is the path of the filed merchant's stock route sub ("" for
// the stock itself).
func stockPath(id, sub string) string {
	p := "/v3/marketing/favor/stocks/" + id
	if sub != "" {
		p += "/" + sub
	}
	return p
}

// createStock creates a stock of the filed merchant: a 10 CNY discount
// on 50 CNY through the API, 30 days, with kv overriding body fields.
func (h *harness) createStock(out string, kv ...any) reply {
	h.t.Helper()
	b := map[string]any{"stock_name": "stock " + out, "belong_merchant": mchFiled, "out_request_no": out,
		"coupon_use_rule": map[string]any{"fixed_normal_coupon": map[string]any{"coupon_amount": 1000, "transaction_minimum": 5000}},
		"kind":            "discount", "channel": "api", "validity": "30d", "allow_transfer": true,
		"brand_statement": map[string]any{"text": "this coupon is provided by Noodle Chain", "font_pt": 12}} // R19
	for i := 0; i+1 < len(kv); i += 2 {
		b[kv[i].(string)] = kv[i+1]
	}
	return h.do(h.signer, "POST", "/v3/marketing/favor/coupon-stocks", b)
}

// step posts a status change (start, pause, restart, stop) of a stock.
func (h *harness) step(id, action string) reply {
	h.t.Helper()
	return h.do(h.signer, "POST", stockPath(id, action), map[string]string{"stock_creator_mchid": mchFiled})
}

// get reads uri signed by the filed merchant.
func (h *harness) get(uri string) reply {
	h.t.Helper()
	return h.do(h.signer, "GET", uri, nil)
}

// started creates and starts a stock and returns its id.
func (h *harness) started(out string, kv ...any) string {
	h.t.Helper()
	r := h.createStock(out, kv...)
	want(h.t, r, 200, "")
	id := r.str("stock_id")
	want(h.t, h.step(id, "start"), 200, "")
	return id
}

func newStockHarness(t *testing.T) *harness {
	t.Helper()
	f := testFixture(t, 64, 0)
	st, err := NewMemoryStore(f)
	if err != nil {
		t.Fatal(err)
	}
	return newHarness(t, f, st, Config{})
}

// TestStockStatusRoutes walks a stock through its states: each route's
// happy path and each refusal with its code.
func TestStockStatusRoutes(t *testing.T) {
	h := newStockHarness(t)
	r := h.createStock("st1")
	want(t, r, 200, "")
	id := r.str("stock_id")
	if r.str("status") != "unactivated" {
		t.Fatalf("created: %s", r.raw)
	}
	steps := []struct {
		name, method, path string
		body               any
		status             int
		code, field        string // field: a key the answer must carry
	}{
		{"pause unactivated", "POST", stockPath(id, "pause"), map[string]string{"stock_creator_mchid": mchFiled}, 403, "RULE_LIMIT", ""},
		{"restart unactivated", "POST", stockPath(id, "restart"), map[string]string{"stock_creator_mchid": mchFiled}, 403, "RULE_LIMIT", ""},
		{"send unactivated", "", "", nil, 403, "RULE_LIMIT", ""},
		{"start", "POST", stockPath(id, "start"), map[string]string{"stock_creator_mchid": mchFiled}, 200, "", "start_time"},
		{"start again is harmless", "POST", stockPath(id, "start"), map[string]string{"stock_creator_mchid": mchFiled}, 200, "", "start_time"},
		{"send running", "", "", nil, 200, "", "coupon_id"},
		{"restart running", "POST", stockPath(id, "restart"), map[string]string{"stock_creator_mchid": mchFiled}, 403, "RULE_LIMIT", ""},
		{"pause", "POST", stockPath(id, "pause"), map[string]string{"stock_creator_mchid": mchFiled}, 200, "", "pause_time"},
		{"pause again", "POST", stockPath(id, "pause"), map[string]string{"stock_creator_mchid": mchFiled}, 403, "RULE_LIMIT", ""},
		{"start paused", "POST", stockPath(id, "start"), map[string]string{"stock_creator_mchid": mchFiled}, 403, "RULE_LIMIT", ""},
		{"send paused", "", "", nil, 403, "RULE_LIMIT", ""},
		{"restart", "POST", stockPath(id, "restart"), map[string]string{"stock_creator_mchid": mchFiled}, 200, "", "restart_time"},
		{"send restarted", "", "", nil, 200, "", "coupon_id"},
		{"stop", "POST", stockPath(id, "stop"), map[string]string{"stock_creator_mchid": mchFiled}, 200, "", "stop_time"},
		{"stop again", "POST", stockPath(id, "stop"), map[string]string{"stock_creator_mchid": mchFiled}, 403, "RULE_LIMIT", ""},
		{"restart stopped", "POST", stockPath(id, "restart"), map[string]string{"stock_creator_mchid": mchFiled}, 403, "RULE_LIMIT", ""},
		{"start stopped", "POST", stockPath(id, "start"), map[string]string{"stock_creator_mchid": mchFiled}, 403, "RULE_LIMIT", ""},
		{"send stopped", "", "", nil, 403, "RULE_LIMIT", ""},
		{"pause unknown stock", "POST", stockPath("nosuch", "pause"), map[string]string{"stock_creator_mchid": mchFiled}, 404, "RESOURCE_NOT_EXISTS", ""},
		{"pause another's stock", "POST", stockPath("newstock", "pause"), map[string]string{"stock_creator_mchid": mchFiled}, 404, "RESOURCE_NOT_EXISTS", ""},
		{"pause without creator", "POST", stockPath("api", "pause"), map[string]string{}, 400, "PARAM_ERROR", ""},
		{"pause naming another creator", "POST", stockPath("api", "pause"), map[string]string{"stock_creator_mchid": mchNew}, 403, "RULE_LIMIT", ""},
		{"pause with bad JSON", "POST", stockPath("api", "pause"), "{", 400, "PARAM_ERROR", ""},
		{"GET pause", "GET", stockPath("api", "pause"), nil, 405, "METHOD_NOT_ALLOWED", ""},
	}
	for i, s := range steps {
		var r reply
		if s.method == "" {
			r = h.send("u0000", id, fmt.Sprintf("st-send-%d", i))
		} else {
			r = h.do(h.signer, s.method, s.path, s.body)
		}
		if r.status != s.status || (s.code != "" && r.str("code") != s.code) || (s.field != "" && r.str(s.field) == "") {
			t.Fatalf("%s: got %d %s, want %d %s with %s", s.name, r.status, r.raw, s.status, s.code, s.field)
		}
	}
	r = h.get(stockPath(id, "") + "?stock_creator_mchid=" + mchFiled)
	if r.str("status") != "stoped" || r.str("stop_time") == "" || r.body["distributed_coupons"].(float64) != 2 {
		t.Fatalf("stopped stock: %s", r.raw)
	}
}

// TestStockView checks that the stock query answers every field the
// official models require, amounts in fen as integers.
func TestStockView(t *testing.T) {
	h := newStockHarness(t)
	id := h.started("view", "stock_use_rule", map[string]any{"max_coupons": 100, "max_coupons_per_user": 2, "max_amount_by_day": 5000},
		"pattern_info", map[string]any{"description": "use at any branch"},
		"available_begin_time", "2026-03-02T00:00:00+08:00", "available_end_time", "2026-04-01T00:00:00+08:00",
		"coupon_use_rule", map[string]any{"fixed_normal_coupon": map[string]any{"coupon_amount": 1000, "transaction_minimum": 5000},
			"goods_tag": []string{"tag"}, "combine_use": true, "available_items": []string{"sku1"}})
	r := h.get(stockPath(id, "") + "?stock_creator_mchid=" + mchFiled)
	want(t, r, 200, "")
	for _, k := range []string{"stock_id", "stock_creator_mchid", "stock_name", "status", "create_time", "description",
		"available_begin_time", "available_end_time", "distributed_coupons", "no_cash", "singleitem", "stock_type", "start_time"} {
		if _, ok := r.body[k]; !ok {
			t.Errorf("stock answer lacks %s: %s", k, r.raw)
		}
	}
	rule, _ := r.body["stock_use_rule"].(map[string]any)
	fixed, _ := rule["fixed_normal_coupon"].(map[string]any)
	if rule["max_coupons"] != 100.0 || rule["max_amount"] != 100000.0 || rule["max_amount_by_day"] != 5000.0 ||
		rule["max_coupons_per_user"] != 2.0 || rule["coupon_type"] != "NORMAL" || rule["combine_use"] != true ||
		fixed["coupon_amount"] != 1000.0 || fixed["transaction_minimum"] != 5000.0 {
		t.Errorf("stock_use_rule: %s", r.raw)
	}
	if r.str("description") != "use at any branch" || r.body["singleitem"] != true || r.str("available_end_time") != "2026-04-01T00:00:00+08:00" {
		t.Errorf("stock: %s", r.raw)
	}
	// The coupon view carries the fields the official coupon model requires.
	c := h.send("u0000", id, "view-1")
	want(t, c, 200, "")
	v := h.coupon("u0000", c.str("coupon_id"))
	for _, k := range []string{"stock_creator_mchid", "stock_id", "coupon_name", "status", "description", "create_time",
		"coupon_type", "no_cash", "available_begin_time", "available_end_time", "singleitem"} {
		if _, ok := v.body[k]; !ok {
			t.Errorf("coupon view lacks %s: %s", k, v.raw)
		}
	}
	if v.str("coupon_name") != "stock view" || v.str("description") != "use at any branch" {
		t.Errorf("coupon view: %s", v.raw)
	}
}

// TestListStocks checks the stock list's filters and paging, and its
// refusals.
func TestListStocks(t *testing.T) {
	h := newStockHarness(t)
	h.clock.Advance(time.Hour)
	created := h.started("later") // created an hour after the fixture's stocks
	list := func(q string) reply { return h.get("/v3/marketing/favor/stocks?stock_creator_mchid=" + mchFiled + q) }
	cases := []struct {
		name   string
		query  string
		status int
		code   string
		total  int
		ids    []string // ids: the page's stock ids in order, if checked
	}{
		{"all", "&offset=0&limit=10", 200, "", 8, nil},
		{"unactivated", "&status=unactivated", 200, "", 1, []string{"idle"}},
		{"running", "&status=running&limit=10", 200, "", 7, nil},
		{"paged", "&offset=2&limit=3", 200, "", 8, []string{"points", created}},
		{"created after", "&create_start_time=2026-03-02T10:30:00%2B08:00", 200, "", 1, []string{created}},
		{"created before", "&create_end_time=2026-03-02T10:30:00%2B08:00", 200, "", 7, nil},
		{"page past the end", "&offset=9&limit=10", 200, "", 8, []string{}},
		{"bad status", "&status=RUNNINGX", 400, "PARAM_ERROR", 0, nil},
		{"limit over 10", "&limit=11", 400, "PARAM_ERROR", 0, nil},
		{"limit 0", "&limit=0", 400, "PARAM_ERROR", 0, nil},
		{"negative offset", "&offset=-1", 400, "PARAM_ERROR", 0, nil},
		{"bad time", "&create_start_time=yesterday", 400, "PARAM_ERROR", 0, nil},
	}
	for _, c := range cases {
		r := list(c.query)
		if r.status != c.status || (c.code != "" && r.str("code") != c.code) {
			t.Fatalf("%s: %d %s", c.name, r.status, r.raw)
		}
		if c.status != 200 {
			continue
		}
		if r.body["total_count"].(float64) != float64(c.total) {
			t.Errorf("%s: total %v, want %d", c.name, r.body["total_count"], c.total)
		}
		if c.ids != nil {
			data, _ := r.body["data"].([]any)
			var got []string
			for _, d := range data {
				got = append(got, d.(map[string]any)["stock_id"].(string))
			}
			if strings.Join(got, ",") != strings.Join(c.ids, ",") {
				t.Errorf("%s: ids %v, want %v", c.name, got, c.ids)
			}
		}
	}
	want(t, h.get("/v3/marketing/favor/stocks?offset=0&limit=10"), 400, "PARAM_ERROR")
	want(t, h.get("/v3/marketing/favor/stocks?stock_creator_mchid="+mchNew), 403, "RULE_LIMIT")
}

// TestStockItemsAndMerchants pages through a stock's goods and merchants.
func TestStockItemsAndMerchants(t *testing.T) {
	h := newStockHarness(t)
	var items []string
	for i := range 25 {
		items = append(items, fmt.Sprintf("sku%02d", i))
	}
	id := h.started("goods", "coupon_use_rule", map[string]any{"fixed_normal_coupon": map[string]any{"coupon_amount": 1000, "transaction_minimum": 5000},
		"available_items": items, "available_merchants": []string{mchFiled, "1900000099"}})
	cases := []struct {
		name   string
		uri    string
		status int
		code   string
		total  int
		first  string
		n      int
	}{
		{"items page 0", stockPath(id, "items") + "?stock_creator_mchid=" + mchFiled + "&offset=0&limit=10", 200, "", 25, "sku00", 10},
		{"items page 2", stockPath(id, "items") + "?stock_creator_mchid=" + mchFiled + "&offset=2&limit=10", 200, "", 25, "sku20", 5},
		{"items past the end", stockPath(id, "items") + "?stock_creator_mchid=" + mchFiled + "&offset=3&limit=10", 200, "", 25, "", 0},
		{"items limit over 100", stockPath(id, "items") + "?stock_creator_mchid=" + mchFiled + "&limit=101", 400, "PARAM_ERROR", 0, "", 0},
		{"items offset over 500", stockPath(id, "items") + "?stock_creator_mchid=" + mchFiled + "&offset=501", 400, "PARAM_ERROR", 0, "", 0},
		{"items without creator", stockPath(id, "items"), 400, "PARAM_ERROR", 0, "", 0},
		{"items of unknown stock", stockPath("nosuch", "items") + "?stock_creator_mchid=" + mchFiled, 404, "RESOURCE_NOT_EXISTS", 0, "", 0},
		{"merchants", stockPath(id, "merchants") + "?stock_creator_mchid=" + mchFiled + "&offset=0&limit=50", 200, "", 2, mchFiled, 2},
		{"merchants limit over 50", stockPath(id, "merchants") + "?stock_creator_mchid=" + mchFiled + "&limit=51", 400, "PARAM_ERROR", 0, "", 0},
		{"fixture stock's merchant is its creator", stockPath("api", "merchants") + "?stock_creator_mchid=" + mchFiled, 200, "", 1, mchFiled, 1},
		{"fixture stock has no items", stockPath("api", "items") + "?stock_creator_mchid=" + mchFiled, 200, "", 0, "", 0},
	}
	for _, c := range cases {
		r := h.get(c.uri)
		if r.status != c.status || (c.code != "" && r.str("code") != c.code) {
			t.Fatalf("%s: %d %s", c.name, r.status, r.raw)
		}
		if c.status != 200 {
			continue
		}
		data, ok := r.body["data"].([]any)
		if !ok || r.body["total_count"].(float64) != float64(c.total) || len(data) != c.n || (c.n > 0 && data[0] != c.first) || r.str("stock_id") == "" {
			t.Errorf("%s: %s", c.name, r.raw)
		}
	}
}

// TestFlows downloads a stock's use and refund flows and checks their
// SHA1, and refuses forged tokens.
func TestFlows(t *testing.T) {
	h := newStockHarness(t)
	id := h.started("flow")
	var used []string
	for i, u := range []string{"u0000", "u0002", "u0004"} {
		c := h.send(u, id, fmt.Sprintf("flow-%d", i))
		want(t, c, 200, "")
		if i < 2 {
			h.clock.Advance(time.Minute)
			want(t, h.card("/card/code/consume", "openid", u, "code", c.str("coupon_id")), 200, "")
			used = append(used, c.str("coupon_id"))
		}
	}
	download := func(r reply) [][]string {
		t.Helper()
		want(t, r, 200, "")
		if r.str("hash_type") != "SHA1" || !strings.HasPrefix(r.str("url"), h.hs.URL+"/v3/billdownload/file?token=") {
			t.Fatalf("flow answer: %s", r.raw)
		}
		f := h.get(strings.TrimPrefix(r.str("url"), h.hs.URL))
		sum := sha1.Sum([]byte(f.raw))
		if f.status != 200 || hex.EncodeToString(sum[:]) != r.str("hash_value") {
			t.Fatalf("file %d %q does not hash to %s", f.status, f.raw, r.str("hash_value"))
		}
		rows, err := csv.NewReader(strings.NewReader(f.raw)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	use := h.get(stockPath(id, "use-flow"))
	rows := download(use)
	if len(rows) != 3 || rows[1][1] != used[0] || rows[2][1] != used[1] || rows[1][3] != "1000" || rows[1][6] != mchFiled {
		t.Fatalf("use flow: %q", rows)
	}
	// A later redemption does not change a file already handed out.
	h.clock.Advance(time.Minute)
	c := h.send("u0006", id, "flow-late")
	want(t, h.card("/card/code/consume", "openid", "u0006", "code", c.str("coupon_id")), 200, "")
	if again := download(use); len(again) != 3 {
		t.Fatalf("the earlier file changed: %q", again)
	}
	if rows := download(h.get(stockPath(id, "use-flow"))); len(rows) != 4 {
		t.Fatalf("new use flow: %q", rows)
	}
	if rows := download(h.get(stockPath(id, "refund-flow"))); len(rows) != 1 || rows[0][0] != "stock_id" {
		t.Fatalf("refund flow: %q", rows)
	}
	future := fmt.Sprintf("use.%d.%s", h.clock.Now().Add(time.Hour).UnixNano(), id)
	for _, c := range []struct {
		uri    string
		status int
		code   string
	}{
		{stockPath("nosuch", "use-flow"), 404, "RESOURCE_NOT_EXISTS"},
		{stockPath("newstock", "refund-flow"), 404, "RESOURCE_NOT_EXISTS"},
		{"/v3/billdownload/file", 400, "PARAM_ERROR"},
		{"/v3/billdownload/file?token=junk", 400, "PARAM_ERROR"},
		{"/v3/billdownload/file?token=use.x." + id, 400, "PARAM_ERROR"},
		{"/v3/billdownload/file?token=" + future, 400, "PARAM_ERROR"},
		{"/v3/billdownload/file?token=use.1.newstock", 404, "RESOURCE_NOT_EXISTS"},
	} {
		want(t, h.get(c.uri), c.status, c.code)
	}
	want(t, h.do(nil, "GET", strings.TrimPrefix(use.str("url"), h.hs.URL), nil), 401, "SIGN_ERROR")
}

// TestListCouponsByFilter checks each filter of the coupon list and the
// refusals of bad values.
func TestListCouponsByFilter(t *testing.T) {
	h := newStockHarness(t)
	other := h.started("elsewhere", "coupon_use_rule", map[string]any{"fixed_normal_coupon": map[string]any{"coupon_amount": 1000, "transaction_minimum": 5000},
		"available_merchants": []string{"1900000099"}})
	const u = "u0010"
	var ids []string
	for i, s := range []string{"api", "api", "points", other} {
		r := h.send(u, s, fmt.Sprintf("lf-%d", i))
		want(t, r, 200, "")
		ids = append(ids, r.str("coupon_id"))
	}
	want(t, h.card("/card/code/consume", "openid", u, "code", ids[2]), 200, "") // the points coupon is USED
	h.clock.Advance(8 * 24 * time.Hour)                                         // the api stock's 7-day coupons are EXPIRED
	base := "/v3/marketing/favor/users/" + u + "/coupons?appid=" + appFiled
	cases := []struct {
		name   string
		query  string
		status int
		code   string
		want   []string
	}{
		{"all", "", 200, "", ids},
		{"stock", "&stock_id=api", 200, "", ids[:2]},
		{"status SENDED", "&status=SENDED", 200, "", ids[3:]},
		{"status USED", "&status=USED", 200, "", ids[2:3]},
		{"status EXPIRED", "&status=EXPIRED", 200, "", ids[:2]},
		{"stock and status", "&stock_id=api&status=USED", 200, "", nil},
		{"creator", "&creator_mchid=" + mchFiled, 200, "", ids},
		{"another creator", "&creator_mchid=" + mchNew, 200, "", nil},
		{"sender", "&sender_mchid=" + mchFiled, 200, "", ids},
		{"available at the creator", "&available_mchid=" + mchFiled, 200, "", ids[:3]},
		{"available elsewhere overrides stock and status", "&available_mchid=1900000099&stock_id=api&status=USED", 200, "", ids[3:]},
		{"page", "&offset=1&limit=2", 200, "", ids[2:4]},
		{"bad status", "&status=USEDX", 400, "PARAM_ERROR", nil},
		{"lower-case status", "&status=used", 400, "PARAM_ERROR", nil},
		{"limit 0", "&limit=0", 400, "PARAM_ERROR", nil},
		{"limit over 100", "&limit=101", 400, "PARAM_ERROR", nil},
		{"offset not a number", "&offset=x", 400, "PARAM_ERROR", nil},
		{"control character", "&stock_id=%01", 400, "PARAM_ERROR", nil},
	}
	for _, c := range cases {
		r := h.get(base + c.query)
		if r.status != c.status || (c.code != "" && r.str("code") != c.code) {
			t.Fatalf("%s: %d %s", c.name, r.status, r.raw)
		}
		if c.status != 200 {
			continue
		}
		data, _ := r.body["data"].([]any)
		var got []string
		for _, d := range data {
			got = append(got, d.(map[string]any)["coupon_id"].(string))
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: %v, want %v (%s)", c.name, got, c.want, r.raw)
		}
	}
	want(t, h.get("/v3/marketing/favor/users/"+u+"/coupons"), 400, "PARAM_ERROR")
	want(t, h.get("/v3/marketing/favor/users/"+u+"/coupons?appid="+appNew), 403, "RULE_LIMIT")
}

// TestCreateStockLimits refuses bad limits with PARAM_ERROR naming the
// field.
func TestCreateStockLimits(t *testing.T) {
	h := newStockHarness(t)
	fixed := map[string]any{"coupon_amount": 1000, "transaction_minimum": 5000}
	many := make([]string, maxTermIDs+1)
	for i := range many {
		many[i] = fmt.Sprint(i)
	}
	cases := []struct {
		name  string
		kv    []any
		field string
	}{
		{"begin not RFC 3339", []any{"available_begin_time", "2026-03-02 10:00"}, "available_begin_time"},
		{"end before begin", []any{"available_begin_time", "2026-03-10T00:00:00+08:00", "available_end_time", "2026-03-09T00:00:00+08:00"}, "available_end_time"},
		{"negative per user", []any{"stock_use_rule", map[string]any{"max_coupons": 10, "max_coupons_per_user": -1}}, "max_coupons_per_user"},
		{"per user over max", []any{"stock_use_rule", map[string]any{"max_coupons": 10, "max_coupons_per_user": 11}}, "max_coupons_per_user"},
		{"day budget under one coupon", []any{"stock_use_rule", map[string]any{"max_coupons": 10, "max_amount_by_day": 999}}, "max_amount_by_day"},
		{"max_amount not max_coupons × amount", []any{"stock_use_rule", map[string]any{"max_coupons": 10, "max_amount": 9000}}, "max_amount"},
		{"max_amount not whole coupons", []any{"stock_use_rule", map[string]any{"max_amount": 1500}}, "max_amount"},
		{"max_coupons not a number", []any{"stock_use_rule", map[string]any{"max_coupons": "ten"}}, "max_coupons"},
		{"too many items", []any{"coupon_use_rule", map[string]any{"fixed_normal_coupon": fixed, "available_items": many}}, "available_items"},
		{"empty merchant", []any{"coupon_use_rule", map[string]any{"fixed_normal_coupon": fixed, "available_merchants": []string{""}}}, "available_merchants[0]"},
	}
	for i, c := range cases {
		r := h.createStock(fmt.Sprintf("bad%d", i), c.kv...)
		if r.status != 400 || r.str("code") != "PARAM_ERROR" || !strings.Contains(r.str("message"), c.field) {
			t.Errorf("%s: %d %s, want PARAM_ERROR naming %s", c.name, r.status, r.raw, c.field)
		}
	}
	r := h.createStock("derived", "stock_use_rule", map[string]any{"max_amount": 5000})
	want(t, r, 200, "")
	if r.body["max_coupons"].(float64) != 5 {
		t.Fatalf("max_coupons from max_amount: %s", r.raw)
	}
	// The same out_request_no with other limits is another stock.
	want(t, h.createStock("lim", "stock_use_rule", map[string]any{"max_coupons_per_user": 1}), 200, "")
	want(t, h.createStock("lim", "stock_use_rule", map[string]any{"max_coupons_per_user": 2}), 400, "RESOURCE_ALREADY_EXISTS")
}

// TestStockWindowAndDayBudget checks the available window (no send
// before it begins or after it ends; coupons usable only inside it) and
// max_amount_by_day.
func TestStockWindowAndDayBudget(t *testing.T) {
	h := newStockHarness(t) // platform time starts 2026-03-02 10:00 Beijing
	id := h.started("window", "available_begin_time", "2026-03-03T00:00:00+08:00", "available_end_time", "2026-03-05T00:00:00+08:00",
		"stock_use_rule", map[string]any{"max_coupons": 100, "max_amount_by_day": 2500})
	want(t, h.send("u0000", id, "w0"), 403, "RULE_LIMIT") // before the window
	h.clock.Advance(15 * time.Hour)                       // 2026-03-03 01:00
	c := h.send("u0000", id, "w1")
	want(t, c, 200, "")
	want(t, h.send("u0002", id, "w2"), 200, "")
	want(t, h.send("u0004", id, "w3"), 403, "NOT_ENOUGH") // 2 × 1000 of 2500 fen issued today
	v := h.coupon("u0000", c.str("coupon_id"))
	if v.str("available_end_time") != "2026-03-05T00:00:00+08:00" {
		t.Fatalf("a 30-day coupon of a window ending on the 5th: %s", v.raw)
	}
	h.clock.Advance(24 * time.Hour) // the next platform day
	want(t, h.send("u0004", id, "w3"), 200, "")
	h.clock.Advance(24 * time.Hour) // 2026-03-05 01:00: the window has ended
	want(t, h.send("u0006", id, "w4"), 403, "RULE_LIMIT")
	want(t, h.card("/card/code/consume", "openid", "u0000", "code", c.str("coupon_id")), 403, "RULE_LIMIT")
	if v := h.coupon("u0000", c.str("coupon_id")); v.str("status") != "EXPIRED" {
		t.Fatalf("after the window: %s", v.raw)
	}
}

// TestMaxCouponsPerUserConcurrent races 16 goroutines sending, and
// retrying, to the same users: each gets exactly max_coupons_per_user
// coupons, on both stores, and a retry never counts twice.
func TestMaxCouponsPerUserConcurrent(t *testing.T) {
	const perUser, workers, users = 3, 16, 4
	for _, k := range storeKinds {
		t.Run(k.name, func(t *testing.T) {
			f := testFixture(t, 64, 0)
			h := newHarness(t, f, k.open(t, f, t.TempDir()), Config{})
			id := h.started("peruser", "stock_use_rule", map[string]any{"max_coupons": 1000, "max_coupons_per_user": perUser})
			var mu sync.Mutex
			got := map[string]map[string]bool{}
			codes := map[string]int{}
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					for i := range 2 * perUser {
						u := fmt.Sprintf("u%04d", 2*((w+i%perUser)%users))
						out := fmt.Sprintf("pu-%d-%d", w, i%perUser) // every out_request_no is sent twice
						r := h.send(u, id, out)
						mu.Lock()
						codes[r.str("code")]++
						if r.status == 200 {
							if got[u] == nil {
								got[u] = map[string]bool{}
							}
							got[u][r.str("coupon_id")] = true
						}
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			for u := range users {
				if n := len(got[fmt.Sprintf("u%04d", 2*u)]); n != perUser {
					t.Errorf("user %d got %d coupons, want %d (codes %v)", u, n, perUser, codes)
				}
			}
			if len(codes) != 2 || codes["RULE_LIMIT"] == 0 {
				t.Errorf("codes %v, want successes and RULE_LIMIT only", codes)
			}
			r := h.get(stockPath(id, "") + "?stock_creator_mchid=" + mchFiled)
			if r.body["distributed_coupons"].(float64) != perUser*users {
				t.Errorf("distributed %v, want %d", r.body["distributed_coupons"], perUser*users)
			}
		})
	}
}

// TestStockStatePersists restarts the file store: a stock's status, its
// per-user counts and the day's budget used survive.
func TestStockStatePersists(t *testing.T) {
	f := testFixture(t, 64, 0)
	dir := t.TempDir()
	clock := newFakeClock()
	open := func() *harness { return fileHarness(t, f, dir, clock) }
	h := open()
	id := h.started("keep", "stock_use_rule", map[string]any{"max_coupons": 100, "max_coupons_per_user": 2, "max_amount_by_day": 2500})
	want(t, h.send("u0000", id, "k1"), 200, "")
	want(t, h.send("u0000", id, "k2"), 200, "")
	want(t, h.step(id, "pause"), 200, "")
	want(t, h.step("idle", "stop"), 200, "") // a fixture stock's status is kept too
	h.hs.Close()
	if err := h.store.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	h = open()
	r := h.get(stockPath(id, "") + "?stock_creator_mchid=" + mchFiled)
	if r.str("status") != "paused" || r.str("stock_name") != "stock keep" || r.body["stock_use_rule"].(map[string]any)["max_coupons_per_user"] != 2.0 {
		t.Fatalf("after restart: %s", r.raw)
	}
	if r := h.get(stockPath("idle", "") + "?stock_creator_mchid=" + mchFiled); r.str("status") != "stoped" {
		t.Fatalf("fixture stock after restart: %s", r.raw)
	}
	want(t, h.send("u0002", id, "k3"), 403, "RULE_LIMIT") // paused
	want(t, h.step(id, "restart"), 200, "")
	want(t, h.send("u0000", id, "k4"), 403, "RULE_LIMIT") // u0000 has its 2
	want(t, h.send("u0000", id, "k1"), 200, "")           // a retry still replays
	want(t, h.send("u0002", id, "k5"), 403, "NOT_ENOUGH") // 2000 + 1000 of 2500 fen today
	want(t, h.step(id, "stop"), 200, "")
	h.hs.Close()
	if err := h.store.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	h = open()
	if r := h.get(stockPath(id, "") + "?stock_creator_mchid=" + mchFiled); r.str("status") != "stoped" || r.str("stop_time") == "" {
		t.Fatalf("stopped stock after restart: %s", r.raw)
	}
}

// TestStockStatusProperty drives random status changes and sends against
// the store and checks them against the state machine's model: running
// is the only status that issues, stopped is final, and every change the
// model refuses is refused with RULE_LIMIT.
func TestStockStatusProperty(t *testing.T) {
	f := testFixture(t, 64, 0)
	for seed := range uint64(20) {
		st, err := NewMemoryStore(f)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		now := time.Date(2026, 3, 2, 10, 0, 0, 0, platform.Beijing)
		s, err := st.CreateStock(ctx, StockOp{MchID: mchFiled, OutRequestNo: "p", Name: "p", Rule: stockRule(t, f, "idle"), Channel: platform.ChannelAPI, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(seed, 7))
		model := platform.StockUnactivated
		for i := range 60 {
			now = now.Add(time.Minute)
			if r.IntN(3) == 0 {
				_, _, err := st.Send(ctx, SendOp{MchID: mchFiled, AppID: appFiled, OpenID: fmt.Sprintf("u%04d", r.IntN(32)), StockID: s.ID, OutRequestNo: fmt.Sprintf("p%d-%d", seed, i), Now: now})
				if (err == nil) != (model == platform.StockRunning) || (err != nil && CodeOf(err) != "RULE_LIMIT") {
					t.Fatalf("seed %d step %d: send in %s: %v", seed, i, model, err)
				}
				continue
			}
			ev := platform.StockEvent(1 + r.IntN(4))
			table := map[platform.StockEvent]map[platform.StockStatus]platform.StockStatus{
				platform.StockStart:   {platform.StockUnactivated: platform.StockRunning, platform.StockRunning: platform.StockRunning},
				platform.StockPause:   {platform.StockRunning: platform.StockPaused},
				platform.StockRestart: {platform.StockPaused: platform.StockRunning},
				platform.StockStop:    {platform.StockUnactivated: platform.StockStopped, platform.StockRunning: platform.StockStopped, platform.StockPaused: platform.StockStopped},
			}[ev]
			next, ok := table[model]
			got, err := st.StockStep(ctx, StockOp{MchID: mchFiled, StockID: s.ID, Now: now}, ev)
			switch {
			case ok && (err != nil || got.status() != next):
				t.Fatalf("seed %d step %d: %s in %s: %v, %v; want %s", seed, i, ev, model, got.status(), err, next)
			case !ok && (err == nil || CodeOf(err) != "RULE_LIMIT"):
				t.Fatalf("seed %d step %d: %s in %s allowed (%v)", seed, i, ev, model, err)
			case ok:
				model = next
			}
		}
		st.Close(ctx)
	}
}

// TestStockReportDelayB8 checks that a stock's counts lag as its channel
// reports (B8): an official-account stock's issues and redemptions reach
// the merchant's view 1–3 hours late, an API stock's at once.
func TestStockReportDelayB8(t *testing.T) {
	f := testFixture(t, 64, 0)
	st, err := NewMemoryStore(f)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, f, st, Config{})
	cert, err := f.Merchant(mchCert).HMACSigner(h.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	var ids []string
	for i := range n {
		u := fmt.Sprintf("c%04d", i)
		r := h.do(cert, "POST", "/v3/marketing/favor/users/"+u+"/coupons",
			map[string]string{"stock_id": "certstock", "out_request_no": fmt.Sprint("b8-", i), "appid": appCert, "stock_creator_mchid": mchCert})
		want(t, r, 200, "")
		ids = append(ids, r.str("coupon_id"))
	}
	want(t, h.send("u0000", "api", "b8-api"), 200, "")
	counts := func(signer *sign.Signer, mch, stock string) (float64, float64) {
		r := h.do(signer, "GET", stockPath(stock, "")+"?stock_creator_mchid="+mch, nil)
		want(t, r, 200, "")
		return r.body["distributed_coupons"].(float64), r.body["used_coupons"].(float64)
	}
	if d, _ := counts(h.signer, mchFiled, "api"); d != 1 {
		t.Errorf("API stock: %v distributed, want 1 at once", d)
	}
	for _, c := range []struct {
		after    time.Duration
		min, max float64
	}{{0, 0, 0}, {time.Hour - time.Second, 0, 0}, {2 * time.Hour, 1, n - 1}, {3 * time.Hour, n, n}} {
		at := h.clock.Now()
		h.clock.Advance(c.after)
		if d, _ := counts(cert, mchCert, "certstock"); d < c.min || d > c.max {
			t.Errorf("%s after the sends: %v distributed, want %v to %v", c.after, d, c.min, c.max)
		}
		h.clock.ns.Store(at.UnixNano())
	}
	h.clock.Advance(3 * time.Hour)
	r := h.do(cert, "POST", "/card/code/consume", map[string]string{"mch_id": mchCert, "appid": appCert, "openid": "c0000", "code": ids[0]})
	want(t, r, 200, "")
	if _, u := counts(cert, mchCert, "certstock"); u != 0 {
		t.Errorf("a redemption shown at once: %v used", u)
	}
	h.clock.Advance(3 * time.Hour)
	if d, u := counts(cert, mchCert, "certstock"); d != n || u != 1 {
		t.Errorf("3 hours after the redemption: %v distributed, %v used", d, u)
	}
}

// TestFlowWithAuthNone downloads a use flow from a mock that checks no
// signatures: the URL names the stock's merchant.
func TestFlowWithAuthNone(t *testing.T) {
	f := testFixture(t, 16, 0)
	st, err := NewMemoryStore(f)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, f, st, Config{Auth: AuthNone})
	r := h.do(nil, "GET", stockPath("api", "use-flow")+"?stock_creator_mchid="+mchFiled, nil)
	want(t, r, 200, "")
	file := h.do(nil, "GET", strings.TrimPrefix(r.str("url"), h.hs.URL), nil)
	if sum := sha1.Sum([]byte(file.raw)); file.status != 200 || hex.EncodeToString(sum[:]) != r.str("hash_value") || !strings.HasPrefix(file.raw, "stock_id,") {
		t.Fatalf("flow file %d %q", file.status, file.raw)
	}
	want(t, h.do(nil, "GET", stockPath("api", "use-flow"), nil), 400, "PARAM_ERROR")
}
