package mock

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"giftsim/platform/sign"
)

// FuzzHandlers sends arbitrary methods, paths and bodies to every route,
// unsigned with auth none and HMAC-signed with auth sign: no input may
// panic or produce a 5xx, and every answer but /metrics and a flow file is
// JSON.
//
//	go test -run '^$' -fuzz FuzzHandlers -fuzztime 60s ./platform/mock
func FuzzHandlers(f *testing.F) {
	target := newFuzzTarget(f)
	seeds := []struct{ method, path, body string }{
		{"POST", "/v3/marketing/favor/users/u0000/coupons", `{"stock_id":"api","out_request_no":"f1","appid":"wxfiled","stock_creator_mchid":"1900000001"}`},
		{"GET", "/v3/marketing/favor/users/u0000/coupons?appid=wxfiled&offset=0&limit=10", ""},
		{"GET", "/v3/marketing/favor/users/u0000/coupons/10000000000?appid=wxfiled", ""},
		{"POST", "/v3/marketing/favor/coupon-stocks", `{"stock_name":"s","belong_merchant":"1900000001","out_request_no":"s1","coupon_use_rule":{"fixed_normal_coupon":{"coupon_amount":100,"transaction_minimum":5000}},"kind":"discount","channel":"api","validity":"30d","sub_kinds":["discount"]}`},
		{"POST", "/v3/marketing/favor/stocks/20000000/start", `{"stock_creator_mchid":"1900000001"}`},
		{"GET", "/v3/marketing/favor/stocks/api?stock_creator_mchid=1900000001", ""},
		{"POST", "/card/gift", `{"mch_id":"1900000001","appid":"wxfiled","openid":"u0000","card_id":"api","out_request_no":"g1"}`},
		{"POST", "/card/gift/offer", `{"mch_id":"1900000001","appid":"wxfiled","openid":"u0000","coupon_id":"10000000000","to_openid":"u0002"}`},
		{"POST", "/card/gift/claim", `{"mch_id":"1900000001","appid":"wxfiled","openid":"u0002","coupon_id":"10000000000"}`},
		{"POST", "/card/gift/refuse", `{"mch_id":"1900000001","appid":"wxfiled","openid":"u0002","coupon_id":"10000000000"}`},
		{"POST", "/card/code/consume", `{"mch_id":"1900000001","appid":"wxfiled","openid":"u0000","code":"10000000000"}`},
		{"POST", "/card/recover", `{"mch_id":"1900000001","coupon_id":"10000000000"}`},
		{"GET", "/healthz", ""},
		{"GET", "/metrics", ""},
		{"PUT", "/card/gift", `[]`},
		{"POST", "/card/gift", `{"mch_id":1}`},
		{"POST", "/v3/marketing/favor/users/%00/coupons", `{}`},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, []byte(s.body))
	}
	f.Fuzz(target.serve)
}

// FuzzAuthorization varies the Authorization header of a signed list
// request (security defects 2 and 5): no header, however hostile, gets a
// 5xx or a non-JSON answer, and no nonce is accepted twice, whatever is
// rewritten around it (sign, zeros or spaces in the timestamp, other field
// order, an overlong signature).
//
//	go test -run '^$' -fuzz FuzzAuthorization -fuzztime 60s ./platform/mock
func FuzzAuthorization(f *testing.F) {
	target := newFuzzTarget(f)
	srv, signer := target.signed, target.signer
	const uri = "/v3/marketing/favor/users/u0000/coupons?appid=wxfiled&offset=0&limit=10"
	for _, mutate := range []func(string) string{
		func(a string) string { return a },
		func(a string) string { return strings.Replace(a, `timestamp="`, `timestamp="+`, 1) },
		func(a string) string { return strings.Replace(a, `timestamp="`, `timestamp="000`, 1) },
		func(a string) string { return strings.ReplaceAll(a, `",`, `", `) },
		func(a string) string {
			return strings.Replace(a, `signature="`, `signature="`+strings.Repeat("A", 700), 1)
		},
		func(a string) string {
			return strings.Replace(a, "GIFTSIM-HMAC-SHA256", "WECHATPAY2-SHA256-RSA2048", 1)
		},
		func(a string) string { return a + `,mchid="1900000002"` },
		func(string) string { return "" },
	} {
		a, _ := signer.Authorization("GET", uri, nil)
		f.Add(mutate(a))
	}
	accepted := map[string]bool{}
	f.Fuzz(func(t *testing.T, auth string) {
		req := httptest.NewRequest("GET", uri, nil)
		req.Header["Authorization"] = []string{auth}
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code >= 500 || !json.Valid(w.Body.Bytes()) {
			t.Fatalf("Authorization %q: %d %q", auth, w.Code, w.Body.String())
		}
		if w.Code == http.StatusUnauthorized {
			return
		}
		h, err := sign.ParseHeader(auth)
		if err != nil {
			t.Fatalf("Authorization %q was let through but does not parse: %v", auth, err)
		}
		key := h.MchID + "|" + h.Nonce
		if accepted[key] {
			t.Fatalf("nonce %s of %s accepted twice (header %q)", h.Nonce, h.MchID, auth)
		}
		accepted[key] = true
	})
}

func httpBody(b []byte) *readCloser { return &readCloser{bytes.NewReader(b)} }

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }
