package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"giftsim/platform/api"
)

// FuzzHandlers sends arbitrary methods, paths and bodies to every route,
// unsigned with auth none and HMAC-signed with auth sign: no input may
// panic or produce a 5xx, and every answer but /metrics is JSON.
//
//	go test -run '^$' -fuzz FuzzHandlers -fuzztime 60s ./platform/mock
func FuzzHandlers(f *testing.F) {
	fx := testFixture(f, 50, 0)
	open := func(auth AuthMode) *Server {
		st, err := NewMemoryStore(fx)
		if err != nil {
			f.Fatal(err)
		}
		srv, err := New(context.Background(), Config{Day: 24 * time.Hour, Now: time.Now, Auth: auth, Seed: 1}, fx, st)
		if err != nil {
			f.Fatal(err)
		}
		return srv
	}
	none, signed := open(AuthNone), open(AuthSign)
	signer, _ := fx.Merchant(mchFiled).HMACSigner(time.Now)

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
	f.Fuzz(func(t *testing.T, method, path string, body []byte) {
		u, err := url.Parse("http://127.0.0.1" + path)
		if err != nil || !strings.HasPrefix(path, "/") || len(body) > 2*api.MaxBody {
			return
		}
		if method == "" || strings.ContainsAny(method, " \t\r\n()<>@,;:\\\"/[]?={}") {
			return
		}
		for i, srv := range []*Server{none, signed} {
			req := &http.Request{Method: method, URL: u, RequestURI: u.RequestURI(), Host: "127.0.0.1", Header: http.Header{},
				Body: http.NoBody, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, RemoteAddr: "127.0.0.1:1234"}
			if len(body) > 0 {
				req.Body = httpBody(body)
				req.ContentLength = int64(len(body))
			}
			req = req.WithContext(context.Background())
			if i == 1 {
				if err := signer.Sign(req, body); err != nil {
					t.Fatal(err)
				}
			}
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, req)
			if w.Code >= 500 {
				t.Fatalf("%s %s %q: %d %s", method, path, body, w.Code, w.Body.String())
			}
			if u.Path != "/metrics" && w.Code != http.StatusMovedPermanently && w.Code != http.StatusTemporaryRedirect && !json.Valid(w.Body.Bytes()) {
				t.Fatalf("%s %s: answer is not JSON: %q", method, path, w.Body.String())
			}
		}
	})
}

func httpBody(b []byte) *readCloser { return &readCloser{bytes.NewReader(b)} }

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }
