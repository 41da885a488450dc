package mock

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// TestLifecycleRules walks the seed's calls through the rules, against both
// stores. Users with even numbers have a bank card, real name and member
// account; odd ones have none.
func TestLifecycleRules(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			f := testFixture(t, 100, 0)
			// The R17 case below comes through a proxy at 10.0.0.1, trusted here.
			proxies := append(DefaultTrustedProxies(), netip.MustParsePrefix("10.0.0.0/8"))
			h := newHarness(t, f, sk.open(t, f, t.TempDir()), Config{TrustProxy: true, TrustedProxies: proxies})
			n := 0
			issue := func(openid, stock string) string {
				t.Helper()
				n++
				r := h.send(openid, stock, fmt.Sprintf("lc%d", n))
				want(t, r, 200, "")
				return r.str("coupon_id")
			}
			offer := func(from, to, id string) reply {
				return h.card("/card/gift/offer", "openid", from, "to_openid", to, "coupon_id", id)
			}
			claim := func(to, id string, hdr ...string) reply {
				body := map[string]string{"mch_id": mchFiled, "appid": appFiled, "openid": to, "coupon_id": id}
				return h.do(h.signer, "POST", "/card/gift/claim", body, hdr...)
			}

			t.Run("gift and claim, R2 one transfer", func(t *testing.T) {
				id := issue("u0000", "api")
				r := offer("u0000", "u0002", id)
				want(t, r, 200, "")
				if r.str("state") != "offered" || r.str("offered_to") != "u0002" {
					t.Fatalf("after offer: %s", r.raw)
				}
				r = claim("u0002", id)
				want(t, r, 200, "")
				if r.str("state") != "claimed" || r.str("openid") != "u0002" {
					t.Fatalf("after claim: %s", r.raw)
				}
				want(t, offer("u0002", "u0004", id), 403, "RULE_LIMIT")
				want(t, h.coupon("u0000", id), 404, "RESOURCE_NOT_EXISTS")
				want(t, h.coupon("u0002", id), 200, "")
			})
			t.Run("R8 sender needs a bank card", func(t *testing.T) {
				id := issue("u0001", "api")
				want(t, offer("u0001", "u0002", id), 403, "RULE_LIMIT")
			})
			t.Run("R3 points coupon not transferable, member redeems", func(t *testing.T) {
				id := issue("u0000", "points")
				want(t, offer("u0000", "u0002", id), 403, "RULE_LIMIT")
				id2 := issue("u0001", "points")
				want(t, h.card("/card/code/consume", "openid", "u0001", "code", id2), 403, "RULE_LIMIT")
				r := h.card("/card/code/consume", "openid", "u0000", "code", id)
				want(t, r, 200, "")
				if r.str("status") != "USED" {
					t.Fatalf("after consume: %s", r.raw)
				}
				want(t, h.card("/card/code/consume", "openid", "u0000", "code", id), 403, "RULE_LIMIT")
			})
			t.Run("R1 cash red packet not giftable", func(t *testing.T) {
				id := issue("u0000", "cash")
				want(t, offer("u0000", "u0002", id), 403, "RULE_LIMIT")
			})
			t.Run("R6 education needs real name", func(t *testing.T) {
				id := issue("u0000", "edu")
				want(t, offer("u0000", "u0003", id), 403, "USER_ACCOUNT_ABNORMAL")
				want(t, offer("u0000", "u0002", id), 200, "")
			})
			t.Run("C3 one mini-program coupon per user", func(t *testing.T) {
				issue("u0010", "mini")
				want(t, h.send("u0010", "mini", "c3"), 403, "RULE_LIMIT")
			})
			t.Run("R15 refusal blocks the kind for 24h", func(t *testing.T) {
				id := issue("u0020", "api")
				want(t, offer("u0020", "u0022", id), 200, "")
				r := h.card("/card/gift/refuse", "openid", "u0022", "coupon_id", id)
				want(t, r, 200, "")
				if r.str("state") != "refused" || r.str("openid") != "u0020" {
					t.Fatalf("after refuse: %s", r.raw)
				}
				want(t, h.send("u0022", "api", "r15a"), 403, "RULE_LIMIT")
				id2 := issue("u0024", "api")
				want(t, offer("u0024", "u0022", id2), 403, "RULE_LIMIT")
				h.clock.Advance(24*time.Hour + time.Second)
				want(t, h.send("u0022", "api", "r15b"), 200, "")
			})
			t.Run("R9 48-hour claim window returns the gift", func(t *testing.T) {
				id := issue("u0030", "api")
				want(t, offer("u0030", "u0032", id), 200, "")
				h.clock.Advance(48*time.Hour + time.Second)
				r := claim("u0032", id)
				want(t, r, 403, "RULE_LIMIT")
				r = h.coupon("u0030", id)
				want(t, r, 200, "")
				if r.str("state") != "returned" || r.str("status") != "SENDED" {
					t.Fatalf("after the window: %s", r.raw)
				}
			})
			t.Run("R17 abnormal IP claims at most 3 times", func(t *testing.T) {
				for i := range 5 {
					id := issue(fmt.Sprintf("u%04d", 40+2*i), "api")
					want(t, offer(fmt.Sprintf("u%04d", 40+2*i), fmt.Sprintf("u%04d", 60+2*i), id), 200, "")
					r := claim(fmt.Sprintf("u%04d", 60+2*i), id, "X-Forwarded-For", "203.0.113.9, 10.0.0.1")
					if i < 3 {
						want(t, r, 200, "")
					} else {
						want(t, r, 403, "REQUEST_BLOCKED")
					}
				}
			})
			t.Run("R16 more than 50 receives needs face verification", func(t *testing.T) {
				h.clock.Advance(2 * time.Hour)
				for i := range 50 {
					issue("u0080", "api")
					_ = i
				}
				want(t, h.send("u0080", "api", "r16"), 403, "USER_ACCOUNT_ABNORMAL")
				h.clock.Advance(time.Hour)
				issue("u0080", "api")
			})
			t.Run("C1 50 chat gifts a day", func(t *testing.T) {
				h.clock.Advance(24 * time.Hour)
				var ids []string
				for i := range 51 {
					if i == 50 {
						h.clock.Advance(61 * time.Minute) // R16 allows 50 receives an hour.
					}
					ids = append(ids, issue("u0090", "api"))
				}
				for i, id := range ids {
					r := offer("u0090", fmt.Sprintf("u%04d", 2*(i%40)), id)
					if i < 50 {
						want(t, r, 200, "")
					} else {
						want(t, r, 403, "RULE_LIMIT")
					}
				}
			})
			t.Run("R14 expiry, recycle bin and recovery fee", func(t *testing.T) {
				id := issue("u0050", "api") // 7-day validity, 20 CNY face
				h.clock.Advance(7*24*time.Hour + time.Second)
				r := h.coupon("u0050", id)
				if r.str("status") != "EXPIRED" || r.str("state") != "recycled" {
					t.Fatalf("after validity: %s", r.raw)
				}
				want(t, h.card("/card/code/consume", "openid", "u0050", "code", id), 403, "RULE_LIMIT")
				r = h.card("/card/recover", "coupon_id", id)
				want(t, r, 200, "")
				if r.str("state") != "recovered" || r.body["recovery_fee"].(float64) != 20 {
					t.Fatalf("after recover: %s", r.raw)
				}
				want(t, h.card("/card/code/consume", "openid", "u0050", "code", id), 200, "")

				id2 := issue("u0052", "api")
				h.clock.Advance(37*24*time.Hour + time.Minute)
				want(t, h.card("/card/recover", "coupon_id", id2), 404, "RESOURCE_NOT_EXISTS")
			})
			t.Run("list with offset and limit", func(t *testing.T) {
				for range 3 {
					issue("u0098", "api")
				}
				r := h.do(h.signer, "GET", "/v3/marketing/favor/users/u0098/coupons?appid="+appFiled+"&offset=1&limit=1", nil)
				want(t, r, 200, "")
				if r.body["total_count"].(float64) != 3 || len(r.body["data"].([]any)) != 1 {
					t.Fatalf("list: %s", r.raw)
				}
			})
			t.Run("stock creation and start", func(t *testing.T) {
				create := func(out string, kv ...any) reply {
					b := map[string]any{"stock_name": "s", "belong_merchant": mchFiled, "out_request_no": out,
						"coupon_use_rule": map[string]any{"fixed_normal_coupon": map[string]any{"coupon_amount": 1000, "transaction_minimum": 5000}},
						"kind":            "discount", "channel": "api", "validity": "30d", "allow_transfer": true,
						"brand_statement": map[string]any{"text": "this coupon is provided by Noodle Chain", "font_pt": 12}} // R19
					for i := 0; i+1 < len(kv); i += 2 {
						b[kv[i].(string)] = kv[i+1]
					}
					return h.do(h.signer, "POST", "/v3/marketing/favor/coupon-stocks", b)
				}
				want(t, create("s1", "coupon_use_rule", map[string]any{"fixed_normal_coupon": map[string]any{"coupon_amount": 1000, "transaction_minimum": 1000}}), 400, "PARAM_ERROR")
				want(t, create("s2", "category", "luxury"), 403, "RULE_LIMIT")
				want(t, create("s3", "kind", "cash-red-packet"), 403, "RULE_LIMIT")
				want(t, create("s4", "channel", "mini-program"), 400, "PARAM_ERROR") // C3 validity 7–15 days
				r := create("s5")
				want(t, r, 200, "")
				sid := r.str("stock_id")
				again := create("s5")
				if again.str("stock_id") != sid {
					t.Fatal("stock creation not idempotent")
				}
				want(t, h.send("u0070", sid, "st1"), 403, "RULE_LIMIT")
				want(t, h.do(h.signer, "POST", "/v3/marketing/favor/stocks/"+sid+"/start", map[string]string{"stock_creator_mchid": mchFiled}), 200, "")
				want(t, h.send("u0070", sid, "st1"), 200, "")
				r = h.do(h.signer, "GET", "/v3/marketing/favor/stocks/"+sid+"?stock_creator_mchid="+mchFiled, nil)
				if r.str("status") != "running" || r.body["distributed_coupons"].(float64) != 1 {
					t.Fatalf("stock: %s", r.raw)
				}
				newSigner, _ := f.Merchant(mchNew).HMACSigner(h.clock.Now)
				b := map[string]any{"stock_name": "s", "belong_merchant": mchNew, "out_request_no": "n1",
					"coupon_use_rule": map[string]any{"fixed_normal_coupon": map[string]any{"coupon_amount": 1000, "transaction_minimum": 5000}},
					"channel":         "api"}
				want(t, h.do(newSigner, "POST", "/v3/marketing/favor/coupon-stocks", b), 403, "RULE_LIMIT") // C4 needs a filed merchant
			})
		})
	}
}

// TestR17ForwardedForNeedsTrustProxy: without TrustProxy the client IP is
// the connection's, so a forged X-Forwarded-For neither blocks nor evades.
func TestR17ForwardedForNeedsTrustProxy(t *testing.T) {
	f := testFixture(t, 20, 0)
	st, _ := NewMemoryStore(f)
	h := newHarness(t, f, st, Config{})
	for _, r := range claimsVia(h, 5, "203.0.113.9") {
		want(t, r, 200, "")
	}
}
