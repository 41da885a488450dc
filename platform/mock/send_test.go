package mock

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"giftsim/platform/api"
)

// TestQuotaUnderConcurrencyR11 sends more valid requests than the quota
// allows from 64 clients: exactly the quota is issued, the rest are
// FREQUENCY_LIMITED, and no coupon is issued twice. A certified merchant's
// 5,000 takes 6,000 always; the full size (60,000 against a filed
// merchant's 50,000) runs without -short and without -race (the race
// detector makes it take minutes on two cores).
func TestQuotaUnderConcurrencyR11(t *testing.T) {
	type size struct {
		name                   string
		mch, app, stock, users string
		quota, total           int
	}
	sizes := []size{{"certified 6000/5000", mchCert, appCert, "certstock", "c", 5000, 6000}}
	if raceEnabled && !testing.Short() {
		t.Log("full size 60000/50000 skipped under -race; run go test without -race for it")
	}
	if !testing.Short() && !raceEnabled {
		sizes = append(sizes, size{"filed 60000/50000", mchFiled, appFiled, "api", "u", 50_000, 60_000})
	}
	for _, sk := range storeKinds {
		for _, sz := range sizes {
			t.Run(sk.name+"/"+sz.name, func(t *testing.T) {
				f := testFixture(t, 2000, 0)
				h := newHarness(t, f, sk.open(t, f, t.TempDir()), Config{})
				signer, _ := f.Merchant(sz.mch).HMACSigner(h.clock.Now)
				var ok, limited, other atomic.Int64
				var ids sync.Map
				var next atomic.Int64
				var wg sync.WaitGroup
				for range 64 {
					wg.Go(func() {
						for {
							i := next.Add(1) - 1
							if i >= int64(sz.total) {
								return
							}
							r := h.do(signer, "POST", fmt.Sprintf("/v3/marketing/favor/users/%s%04d/coupons", sz.users, i%2000),
								map[string]string{"stock_id": sz.stock, "out_request_no": fmt.Sprintf("q%d", i), "appid": sz.app, "stock_creator_mchid": sz.mch})
							switch {
							case r.status == 200:
								ok.Add(1)
								if _, dup := ids.LoadOrStore(r.str("coupon_id"), i); dup {
									t.Errorf("coupon %s issued twice", r.str("coupon_id"))
								}
							case r.status == 429 && r.str("code") == "FREQUENCY_LIMITED":
								limited.Add(1)
							default:
								if other.Add(1) < 5 {
									t.Errorf("unexpected answer %d %s", r.status, r.raw)
								}
							}
						}
					})
				}
				wg.Wait()
				if ok.Load() != int64(sz.quota) || limited.Load() != int64(sz.total-sz.quota) || other.Load() != 0 {
					t.Fatalf("issued %d, limited %d, other %d; want %d, %d, 0", ok.Load(), limited.Load(), other.Load(), sz.quota, sz.total-sz.quota)
				}
				us, _ := h.store.Usage(context.Background(), h.srv.Clock().Now())
				for _, u := range us {
					if u.MchID == sz.mch && u.Used != sz.quota {
						t.Fatalf("Usage = %+v, want %d used", u, sz.quota)
					}
				}
			})
		}
	}
}

// TestQuotaResetsNextDayR11 runs a fast clock: once a day passes, the
// merchant's quota is fresh.
func TestQuotaResetsNextDayR11(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			f := testFixture(t, 20, 0)
			clock := newFakeClock()
			h := newHarness(t, f, sk.open(t, f, t.TempDir()), Config{Day: 10 * time.Second, Now: clock.Now})
			newSigner, _ := f.Merchant(mchNew).HMACSigner(clock.Now)
			sendNew := func(i int) reply {
				return h.do(newSigner, "POST", "/card/gift", map[string]string{"mch_id": mchNew, "appid": appNew,
					"openid": fmt.Sprintf("n%d", i%10), "card_id": "newstock", "out_request_no": fmt.Sprintf("d%d", i)})
			}
			// 500 a day for a new merchant; R16 allows 50 an hour per user,
			// so advance an hour (0.42 s of wall time at 10 s a day) per 500.
			for i := range 500 {
				if i%50 == 0 {
					clock.Advance(10 * time.Second / 24)
				}
				want(t, sendNew(i), 200, "")
			}
			want(t, sendNew(500), 429, "FREQUENCY_LIMITED")
			clock.Advance(10 * time.Second)
			want(t, sendNew(501), 200, "")
		})
	}
}

// TestIdempotentSend: a retry replays the first answer, a different body
// under the same out_request_no is RESOURCE_ALREADY_EXISTS, and concurrent
// retries never issue two coupons.
func TestIdempotentSend(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			f := testFixture(t, 10, 0)
			h := newHarness(t, f, sk.open(t, f, t.TempDir()), Config{})
			first := h.send("u0000", "api", "same")
			want(t, first, 200, "")
			again := h.send("u0000", "api", "same")
			want(t, again, 200, "")
			if again.str("coupon_id") != first.str("coupon_id") {
				t.Fatalf("retry got coupon %s, first %s", again.str("coupon_id"), first.str("coupon_id"))
			}
			// The seed's send shares the key space and the fingerprint.
			seed := h.card("/card/gift", "openid", "u0000", "card_id", "api", "out_request_no", "same")
			want(t, seed, 200, "")
			if seed.str("coupon_id") != first.str("coupon_id") {
				t.Fatal("seed-style retry issued a new coupon")
			}
			want(t, h.send("u0001", "api", "same"), 400, "RESOURCE_ALREADY_EXISTS")

			var wg sync.WaitGroup
			ids := make([]string, 16)
			for i := range ids {
				wg.Go(func() {
					r := h.send("u0002", "api", "race")
					ids[i] = r.str("coupon_id")
				})
			}
			wg.Wait()
			for _, id := range ids {
				if id == "" || id != ids[0] {
					t.Fatalf("concurrent retries got %v", ids)
				}
			}
			us, _ := h.store.Usage(context.Background(), h.srv.Clock().Now())
			if us[0].Used != 2 {
				t.Fatalf("quota used %d, want 2", us[0].Used)
			}
		})
	}
}

// TestErrorAnswers checks the codes and statuses of refusals that are not
// lifecycle rules.
func TestErrorAnswers(t *testing.T) {
	f := testFixture(t, 10, 0)
	st, _ := NewMemoryStore(f)
	h := newHarness(t, f, st, Config{})
	sendURI := "/v3/marketing/favor/users/u0000/coupons"
	body := func(kv ...string) map[string]string {
		m := map[string]string{"stock_id": "api", "out_request_no": "e1", "appid": appFiled, "stock_creator_mchid": mchFiled}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				delete(m, kv[i])
			} else {
				m[kv[i]] = kv[i+1]
			}
		}
		return m
	}
	newSigner, _ := f.Merchant(mchNew).HMACSigner(h.clock.Now)
	stale, _ := f.Merchant(mchFiled).HMACSigner(func() time.Time { return h.clock.Now().Add(-301 * time.Second) })
	tests := []struct {
		name    string
		method  string
		uri     string
		body    any
		signed  bool
		status  int
		code    string
		message string
	}{
		{"missing field names it", "POST", sendURI, body("stock_id", ""), true, 400, "PARAM_ERROR", "stock_id"},
		{"bad JSON", "POST", sendURI, "{", true, 400, "PARAM_ERROR", "JSON"},
		{"wrong type names field", "POST", sendURI, `{"stock_id":1}`, true, 400, "PARAM_ERROR", "stock_id"},
		{"empty body", "POST", sendURI, nil, true, 400, "PARAM_ERROR", "body"},
		{"unsigned", "POST", sendURI, body(), false, 401, "SIGN_ERROR", ""},
		{"unknown stock", "POST", sendURI, body("stock_id", "nope"), true, 404, "RESOURCE_NOT_EXISTS", "nope"},
		{"R13 openid of another appid", "POST", "/v3/marketing/favor/users/n0/coupons", body(), true, 403, "RULE_LIMIT", "R13"},
		{"R13 appid of another merchant", "POST", sendURI, body("appid", appNew), true, 403, "RULE_LIMIT", "R13"},
		{"R13 unknown openid", "POST", "/v3/marketing/favor/users/ghost/coupons", body(), true, 404, "RESOURCE_NOT_EXISTS", "ghost"},
		{"R13 signer is not the body merchant", "POST", sendURI, body("stock_creator_mchid", mchNew), true, 403, "RULE_LIMIT", "signed by"},
		{"stock not started", "POST", sendURI, body("stock_id", "idle"), true, 403, "RULE_LIMIT", "not started"},
		{"unknown route", "GET", "/v3/nothing", nil, true, 404, "RESOURCE_NOT_EXISTS", ""},
		{"wrong method", "DELETE", sendURI, nil, true, 405, "METHOD_NOT_ALLOWED", ""},
		{"body over 64 KiB", "POST", sendURI, strings.Repeat("x", api.MaxBody+1), true, 413, "REQUEST_ENTITY_TOO_LARGE", ""},
		{"bad list limit", "GET", sendURI + "?appid=" + appFiled + "&limit=1000", nil, true, 400, "PARAM_ERROR", "limit"},
		{"coupon of nobody", "GET", sendURI + "/123?appid=" + appFiled, nil, true, 404, "RESOURCE_NOT_EXISTS", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := h.signer
			if !tt.signed {
				s = nil
			}
			r := h.do(s, tt.method, tt.uri, tt.body)
			want(t, r, tt.status, tt.code)
			if !strings.Contains(r.str("message"), tt.message) {
				t.Fatalf("message %q does not mention %q", r.str("message"), tt.message)
			}
		})
	}
	t.Run("replayed nonce", func(t *testing.T) {
		b := `{"stock_id":"api","out_request_no":"rp","appid":"wxfiled","stock_creator_mchid":"1900000001"}`
		auth, _ := h.signer.Authorization("POST", sendURI, []byte(b))
		for i, status := range []int{200, 401} {
			r := h.do(nil, "POST", sendURI, b, "Authorization", auth)
			want(t, r, status, "")
			if i == 1 && !strings.Contains(r.str("message"), "nonce") {
				t.Fatalf("replay message %q", r.str("message"))
			}
		}
	})
	t.Run("stale timestamp", func(t *testing.T) {
		want(t, h.do(stale, "POST", sendURI, body()), 401, "SIGN_ERROR")
	})
	t.Run("other merchant's key", func(t *testing.T) {
		want(t, h.do(newSigner, "POST", sendURI, body()), 403, "RULE_LIMIT")
	})
	t.Run("stock budget NOT_ENOUGH", func(t *testing.T) {
		want(t, h.send("u0001", "budget", "b1"), 200, "")
		want(t, h.send("u0002", "budget", "b2"), 200, "")
		want(t, h.send("u0003", "budget", "b3"), 403, "NOT_ENOUGH")
	})
	t.Run("healthz and metrics", func(t *testing.T) {
		want(t, h.do(nil, "GET", "/healthz", nil), 200, "")
		resp, err := h.client.Get(h.hs.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, s := range []string{`giftsim_mock_quota_used{mchid="1900000001",tier="filed"} 3`, `giftsim_mock_requests_total{code="SIGN_ERROR",route="v3_send"}`, "giftsim_mock_request_duration_seconds_bucket"} {
			if !strings.Contains(string(b), s) {
				t.Errorf("/metrics lacks %s", s)
			}
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatal(resp.Status)
		}
	})
}

// TestRSAAuth signs with the real v3 scheme.
func TestRSAAuth(t *testing.T) {
	f := testFixture(t, 10, 0)
	st, _ := NewMemoryStore(f)
	for _, mode := range []AuthMode{AuthSign, AuthRSA, AuthHMAC} {
		t.Run(string(mode), func(t *testing.T) {
			st, _ := NewMemoryStore(f)
			h := newHarness(t, f, st, Config{Auth: mode})
			rs, err := signerRSA(h)
			if err != nil {
				t.Fatal(err)
			}
			r := h.do(rs, "POST", "/v3/marketing/favor/users/u0000/coupons",
				map[string]string{"stock_id": "api", "out_request_no": "rsa", "appid": appFiled, "stock_creator_mchid": mchFiled})
			if mode == AuthHMAC {
				want(t, r, 401, "SIGN_ERROR")
				want(t, h.send("u0000", "api", "h"), 200, "")
				return
			}
			want(t, r, 200, "")
			if mode == AuthRSA {
				want(t, h.send("u0000", "api", "h"), 401, "SIGN_ERROR")
			}
		})
	}
	st.Close(context.Background())
}

// TestAuthNone accepts unsigned requests and takes the merchant from the body.
func TestAuthNone(t *testing.T) {
	f := testFixture(t, 10, 0)
	st, _ := NewMemoryStore(f)
	h := newHarness(t, f, st, Config{Auth: AuthNone})
	want(t, h.do(nil, "POST", "/card/gift", map[string]string{"mch_id": mchFiled, "appid": appFiled, "openid": "u0000", "card_id": "api", "out_request_no": "n1"}), 200, "")
	want(t, h.do(nil, "GET", "/v3/marketing/favor/users/u0000/coupons?appid="+appFiled, nil), 200, "")
}
