package mock

import (
	"context"
	"strings"
	"testing"
	"time"

	"giftsim/platform"
	"giftsim/platform/api"
	"giftsim/platform/fixture"
)

// statement is a brand statement body field of size pt.
func statement(text string, pt float64) map[string]any {
	return map[string]any{"text": text, "font_pt": pt}
}

// wantRule fails unless r has status and code and names rule in its
// message, and contains every one of more.
func wantRule(t testing.TB, r reply, status int, code, rule string, more ...string) {
	t.Helper()
	want(t, r, status, code)
	msg := r.str("message")
	if !strings.Contains(msg, rule+":") {
		t.Fatalf("message %q does not name %s", msg, rule)
	}
	for _, m := range more {
		if !strings.Contains(msg, m) {
			t.Fatalf("message %q does not say %q", msg, m)
		}
	}
}

// TestComplianceR19 checks the brand statement at stock creation: a stock
// that allows transfer needs one of at least 12 pt; fixture stocks show
// their merchant's default.
func TestComplianceR19(t *testing.T) {
	h := newHarness(t, testFixture(t, 8, 0), mustMemory(t, testFixture(t, 8, 0)), Config{})
	for _, tc := range []struct {
		name   string
		kv     []any
		status int
		code   string
		rule   string
	}{
		{"12 pt", []any{"brand_statement", statement("该卡券由面馆品牌提供", 12)}, 200, "", ""},
		{"larger", []any{"brand_statement", statement("provided by Noodle Chain", 16.5)}, 200, "", ""},
		{"missing", []any{"brand_statement", nil}, 403, "RULE_LIMIT", "R19"},
		{"11.5 pt", []any{"brand_statement", statement("provided by Noodle Chain", 11.5)}, 403, "RULE_LIMIT", "R19"},
		{"empty text", []any{"brand_statement", statement("", 14)}, 403, "RULE_LIMIT", "R19"},
		{"no transfer, no statement", []any{"brand_statement", nil, "allow_transfer", false}, 200, "", ""},
		{"no transfer, small statement", []any{"brand_statement", statement("x", 8), "allow_transfer", false}, 200, "", ""},
		{"font too large", []any{"brand_statement", statement("x", 500)}, 400, "PARAM_ERROR", ""},
		{"negative font", []any{"brand_statement", statement("x", -1)}, 400, "PARAM_ERROR", ""},
		{"control character", []any{"brand_statement", statement("a\nb", 12)}, 400, "PARAM_ERROR", ""},
		{"too long", []any{"brand_statement", statement(strings.Repeat("x", 257), 12)}, 400, "PARAM_ERROR", ""},
		{"wrong type", []any{"brand_statement", "provided by"}, 400, "PARAM_ERROR", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.createStock("r19-"+tc.name, tc.kv...)
			if tc.rule != "" {
				wantRule(t, r, tc.status, tc.code, tc.rule)
				return
			}
			want(t, r, tc.status, tc.code)
			if tc.status == 200 && tc.kv[1] != nil {
				if r.body["brand_statement"] == nil {
					t.Fatalf("the stock view does not show the statement: %s", r.raw)
				}
			}
		})
	}
	// A fixture stock declares none: it shows its merchant's default.
	r := h.get(stockPath("api", "") + "?stock_creator_mchid=" + mchFiled)
	b, _ := r.body["brand_statement"].(map[string]any)
	if b["text"] != "该卡券由"+mchFiled+"品牌提供" || b["font_pt"] != 12.0 {
		t.Fatalf("fixture stock's statement: %s", r.raw)
	}
	if r := h.get(stockPath("cash", "") + "?stock_creator_mchid=" + mchFiled); r.body["brand_statement"] != nil {
		t.Fatalf("a stock without transfer got a statement: %s", r.raw)
	}
}

// mustMemory opens a memory store of f.
func mustMemory(t testing.TB, f *fixture.Fixture) Store {
	t.Helper()
	st, err := NewMemoryStore(f)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestComplianceR19Fixture checks a fixture stock's own statement: kept
// when it meets R19, refused by the fixture's validation when it does not.
func TestComplianceR19Fixture(t *testing.T) {
	f := testFixture(t, 4, 0)
	f.Merchants[0].Name = "Noodle Chain"
	f.Stocks[1].BrandStatement = &api.BrandStatement{Text: "provided by the noodle people", FontPt: 14}
	h := newHarness(t, f, mustMemory(t, f), Config{})
	if r := h.get(stockPath("api", "") + "?stock_creator_mchid=" + mchFiled); r.body["brand_statement"].(map[string]any)["text"] != "该卡券由Noodle Chain品牌提供" {
		t.Fatalf("default statement with the merchant's name: %s", r.raw)
	}
	if r := h.get(stockPath("mini", "") + "?stock_creator_mchid=" + mchFiled); r.body["brand_statement"].(map[string]any)["font_pt"] != 14.0 {
		t.Fatalf("the fixture's own statement: %s", r.raw)
	}
	f.Stocks[1].BrandStatement.FontPt = 10
	err := f.Validate()
	if err == nil || !strings.Contains(err.Error(), "stocks[1].brand_statement") || !strings.Contains(err.Error(), "R19") {
		t.Fatalf("fixture with a 10 pt statement: %v", err)
	}
}

// TestComplianceR20 checks the finance commitment at stock creation.
func TestComplianceR20(t *testing.T) {
	for _, tc := range []struct {
		name     string
		industry string
		signed   bool
		cash     bool
		status   int
	}{
		{"finance, cash-equivalent, unsigned", "finance", false, true, 403},
		{"finance, cash-equivalent, signed", "finance", true, true, 200},
		{"finance, not cash-equivalent", "finance", false, false, 200},
		{"catering, cash-equivalent", "catering", false, true, 200},
		{"no industry, cash-equivalent", "", false, true, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := testFixture(t, 4, 0)
			f.Merchants[0].Industry, f.Merchants[0].CommitmentSigned = tc.industry, tc.signed
			h := newHarness(t, f, mustMemory(t, f), Config{})
			r := h.createStock("r20", "cash_equivalent", tc.cash)
			if tc.status == 403 {
				wantRule(t, r, 403, "RULE_LIMIT", "R20", "cash_equivalent", "commitment")
				return
			}
			want(t, r, tc.status, "")
			if tc.cash && r.body["cash_equivalent"] != true {
				t.Fatalf("the view does not show cash_equivalent: %s", r.raw)
			}
			st := h.get("/v3/marketing/favor/compliance?mchid=" + mchFiled)
			want(t, st, 200, "")
			if st.str("industry") != tc.industry || st.body["commitment_signed"] != tc.signed {
				t.Fatalf("status: %s", st.raw)
			}
		})
	}
	// R19 and R20 are both reported.
	f := testFixture(t, 4, 0)
	f.Merchants[0].Industry = "finance"
	h := newHarness(t, f, mustMemory(t, f), Config{})
	r := h.createStock("both", "cash_equivalent", true, "brand_statement", nil)
	wantRule(t, r, 403, "RULE_LIMIT", "R20", "R19:")
}

// displayFlow sets up, on h, coupons from before a penalty: c1 held by
// u0000 and c2 offered by u0000 to u0002.
func displayFlow(t *testing.T, h *harness) (c1, c2 string) {
	t.Helper()
	r := h.send("u0000", "api", "before-1")
	want(t, r, 200, "")
	c1 = r.str("coupon_id")
	r = h.send("u0000", "api", "before-2")
	want(t, r, 200, "")
	c2 = r.str("coupon_id")
	want(t, h.card("/card/gift/offer", "openid", "u0000", "coupon_id", c2, "to_openid", "u0002"), 200, "")
	return c1, c2
}

// TestComplianceR18Display checks the minor penalty: a stock forcing a
// follow is accepted, then sends, offers and claims are refused for 7
// platform days while redemptions and other merchants go on; the status
// route shows it; it lifts on the platform clock.
func TestComplianceR18Display(t *testing.T) {
	for _, day := range []time.Duration{24 * time.Hour, 10 * time.Second} {
		t.Run(day.String(), func(t *testing.T) {
			f := testFixture(t, 8, 0)
			h := newHarness(t, f, mustMemory(t, f), Config{Day: day})
			c1, c2 := displayFlow(t, h)
			r := h.createStock("follow", "claim_requires_follow", true)
			want(t, r, 200, "")
			if r.body["claim_requires_follow"] != true {
				t.Fatalf("the view does not show claim_requires_follow: %s", r.raw)
			}
			stock := r.str("stock_id")
			until := h.srv.Clock().Now().Add(platform.DisplayPenalty)
			untilText := until.In(platform.Beijing).Format(time.RFC3339)
			refused := []struct {
				name string
				do   func() reply
			}{
				{"v3 send", func() reply { return h.send("u0004", "api", "during-1") }},
				{"card gift", func() reply {
					return h.card("/card/gift", "openid", "u0004", "card_id", "api", "out_request_no", "during-2")
				}},
				{"offer", func() reply {
					return h.card("/card/gift/offer", "openid", "u0000", "coupon_id", c1, "to_openid", "u0002")
				}},
				{"claim", func() reply { return h.card("/card/gift/claim", "openid", "u0002", "coupon_id", c2) }},
			}
			for _, tc := range refused {
				wantRule(t, tc.do(), 403, "RULE_LIMIT", "R18", "display restricted until "+untilText, stock)
			}
			want(t, h.send("u0000", "api", "before-1"), 200, "")                               // a retry replays
			want(t, h.card("/card/gift/refuse", "openid", "u0002", "coupon_id", c2), 200, "")  // refusing shows nothing
			want(t, h.card("/card/code/consume", "openid", "u0000", "coupon_id", c1), 200, "") // payment goes on
			other, _ := f.Merchant(mchNew).HMACSigner(h.clock.Now)                             // other merchants are not touched
			want(t, h.do(other, "POST", "/v3/marketing/favor/users/n1/coupons", map[string]string{"stock_id": "newstock",
				"out_request_no": "other", "appid": appNew, "stock_creator_mchid": mchNew}), 200, "")
			st := h.get("/v3/marketing/favor/compliance?mchid=" + mchFiled)
			if st.body["display_restricted"] != true || st.str("display_restricted_until") != untilText || st.str("display_stock_id") != stock || st.body["payment_banned"] != false {
				t.Fatalf("status: %s", st.raw)
			}
			// A replayed create is the same stock and does not extend the
			// penalty, which lifts 7 platform days after the first: 70 s of
			// wall time with a 10 s day.
			h.clock.Advance(day)
			want(t, h.createStock("follow", "claim_requires_follow", true), 200, "")
			second := day / 86400 // a platform second of wall time
			h.clock.Advance(6*day - 60*second)
			wantRule(t, h.send("u0004", "api", "during-3"), 403, "RULE_LIMIT", "R18")
			h.clock.Advance(61 * second)
			want(t, h.send("u0004", "api", "after-1"), 200, "")
			if st := h.get("/v3/marketing/favor/compliance?mchid=" + mchFiled); st.body["display_restricted"] != false {
				t.Fatalf("status after 7 days: %s", st.raw)
			}
		})
	}
}

// TestComplianceR18Severe checks the severe penalty: a stock showing
// forged official marks is accepted, and from then on the merchant's
// redemptions are refused, for good; sends go on. Official marks that are
// not forged bring nothing.
func TestComplianceR18Severe(t *testing.T) {
	f := testFixture(t, 8, 0)
	h := newHarness(t, f, mustMemory(t, f), Config{})
	r := h.send("u0000", "api", "s1")
	want(t, r, 200, "")
	c1 := r.str("coupon_id")
	for _, marks := range []string{"none", "authorized"} {
		want(t, h.createStock("marks-"+marks, "official_marks", marks), 200, "")
	}
	want(t, h.createStock("marks-bad", "official_marks", "fake"), 400, "PARAM_ERROR")
	if st := h.get("/v3/marketing/favor/compliance?mchid=" + mchFiled); st.body["payment_banned"] != false || st.body["display_restricted"] != false {
		t.Fatalf("status before: %s", st.raw)
	}
	r = h.createStock("forged", "official_marks", "forged", "claim_requires_follow", true)
	want(t, r, 200, "")
	stock := r.str("stock_id")
	since := h.srv.Clock().Now().In(platform.Beijing).Format(time.RFC3339)
	wantRule(t, h.card("/card/code/consume", "openid", "u0000", "coupon_id", c1), 403, "RULE_LIMIT", "R18", "payment function banned since "+since, stock)
	r = h.send("u0000", "api", "s2") // severe only: display is not restricted
	want(t, r, 200, "")
	h.clock.Advance(8 * 24 * time.Hour)
	r = h.send("u0002", "api", "s3")
	want(t, r, 200, "")
	wantRule(t, h.card("/card/code/consume", "openid", "u0002", "coupon_id", r.str("coupon_id")), 403, "RULE_LIMIT", "R18")
	st := h.get("/v3/marketing/favor/compliance?mchid=" + mchFiled)
	if st.body["payment_banned"] != true || st.str("payment_banned_since") != since || st.str("payment_stock_id") != stock || st.body["display_restricted"] != false {
		t.Fatalf("status: %s", st.raw)
	}
}

// TestComplianceScheduledSend checks that a scheduled send whose slot
// comes while display is restricted fails with R18 (it runs as a live
// send does).
func TestComplianceScheduledSend(t *testing.T) {
	f := testFixture(t, 8, 0)
	h := newHarness(t, f, mustMemory(t, f), Config{})
	slot := h.srv.Clock().Now().Add(time.Hour).Truncate(30 * time.Minute).In(platform.Beijing).Format(time.RFC3339)
	r := h.do(h.signer, "POST", "/v3/marketing/favor/scheduled-sends", map[string]string{"openid": "u0000", "stock_id": "api",
		"appid": appFiled, "stock_creator_mchid": mchFiled, "out_request_no": "sched-r18", "send_time": slot})
	want(t, r, 200, "")
	id := r.str("schedule_id")
	want(t, h.createStock("follow", "claim_requires_follow", true), 200, "")
	h.clock.Advance(2 * time.Hour)
	deadline := time.Now().Add(10 * time.Second)
	for {
		r = h.get("/v3/marketing/favor/scheduled-sends/" + id + "?stock_creator_mchid=" + mchFiled)
		if r.str("status") != "SCHEDULED" || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if r.str("status") != "FAILED" || r.str("error_code") != "RULE_LIMIT" || !strings.Contains(r.str("error_message"), "R18") {
		t.Fatalf("scheduled send: %s", r.raw)
	}
}

// TestCompliancePersists checks that penalties survive a restart of the
// file store and that the restriction still lifts on the platform clock
// afterwards.
func TestCompliancePersists(t *testing.T) {
	f := testFixture(t, 8, 0)
	dir := t.TempDir()
	clock := newFakeClock()
	open := func() *harness { return fileHarness(t, f, dir, clock) }
	h := open()
	r := h.send("u0000", "api", "p1")
	want(t, r, 200, "")
	c1 := r.str("coupon_id")
	want(t, h.createStock("follow", "claim_requires_follow", true), 200, "")
	want(t, h.createStock("forged", "official_marks", "forged"), 200, "")
	before := h.get("/v3/marketing/favor/compliance?mchid=" + mchFiled)
	h.hs.Close()
	if err := h.store.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	h = open()
	after := h.get("/v3/marketing/favor/compliance?mchid=" + mchFiled)
	if after.raw != before.raw || after.body["display_restricted"] != true || after.body["payment_banned"] != true {
		t.Fatalf("status before the restart %s, after %s", before.raw, after.raw)
	}
	wantRule(t, h.send("u0002", "api", "p2"), 403, "RULE_LIMIT", "R18", "display restricted")
	wantRule(t, h.card("/card/code/consume", "openid", "u0000", "coupon_id", c1), 403, "RULE_LIMIT", "R18", "payment function banned")
	if r := h.get(stockPath("api", "") + "?stock_creator_mchid=" + mchFiled); r.body["brand_statement"] == nil {
		t.Fatalf("fixture stock after restart: %s", r.raw)
	}
	clock.Advance(platform.DisplayPenalty)
	want(t, h.send("u0002", "api", "p2"), 200, "")
	h.hs.Close()
	if err := h.store.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	h = open()
	want(t, h.send("u0002", "api", "p3"), 200, "")
	wantRule(t, h.card("/card/code/consume", "openid", "u0000", "coupon_id", c1), 403, "RULE_LIMIT", "R18")
}

// TestComplianceStatusRoute checks the status route's refusals.
func TestComplianceStatusRoute(t *testing.T) {
	f := testFixture(t, 4, 0)
	h := newHarness(t, f, mustMemory(t, f), Config{})
	want(t, h.get("/v3/marketing/favor/compliance"), 200, "") // the signer's own
	wantRule(t, h.get("/v3/marketing/favor/compliance?mchid="+mchNew), 403, "RULE_LIMIT", "R13")
	want(t, h.do(h.signer, "POST", "/v3/marketing/favor/compliance", map[string]string{}), 405, "METHOD_NOT_ALLOWED")
	want(t, h.do(nil, "GET", "/v3/marketing/favor/compliance?mchid="+mchFiled, nil), 401, "SIGN_ERROR")
	none := newHarness(t, f, mustMemory(t, f), Config{Auth: AuthNone})
	want(t, none.do(nil, "GET", "/v3/marketing/favor/compliance", nil), 400, "PARAM_ERROR")
	want(t, none.do(nil, "GET", "/v3/marketing/favor/compliance?mchid=nobody", nil), 404, "RESOURCE_NOT_EXISTS")
	r := none.do(nil, "GET", "/v3/marketing/favor/compliance?mchid="+mchNew, nil)
	want(t, r, 200, "")
	if r.str("mchid") != mchNew {
		t.Fatalf("auth none: %s", r.raw)
	}
}

// fileHarness opens the file store in dir and serves it on clock, so a
// test can close it and open it again where it left off.
func fileHarness(t *testing.T, f *fixture.Fixture, dir string, clock *fakeClock) *harness {
	t.Helper()
	st, err := OpenFileStore(context.Background(), dir, f)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, f, st, Config{Now: clock.Now})
	h.clock = clock
	return h
}
