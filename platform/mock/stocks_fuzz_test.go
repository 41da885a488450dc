package mock

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"giftsim/platform/api"
	"giftsim/platform/sign"
)

// fuzzTarget is what the HTTP fuzz tests drive: a server with auth none
// for unsigned requests and one with auth sign for HMAC-signed ones, each
// on its own memory store of the test fixture.
type fuzzTarget struct {
	none, signed *Server
	signer       *sign.Signer
}

func newFuzzTarget(f *testing.F) fuzzTarget {
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
	signer, _ := fx.Merchant(mchFiled).HMACSigner(time.Now)
	return fuzzTarget{none: open(AuthNone), signed: open(AuthSign), signer: signer}
}

// serve sends one request to both servers, unsigned and signed: no input
// may panic or produce a 5xx, and every answer but /metrics and a flow
// file (stocks.go) is JSON.
func (ft fuzzTarget) serve(t *testing.T, method, path string, body []byte) {
	u, err := url.Parse("http://127.0.0.1" + path)
	if err != nil || !strings.HasPrefix(path, "/") || len(body) > 2*api.MaxBody {
		return
	}
	if method == "" || strings.ContainsAny(method, " \t\r\n()<>@,;:\\\"/[]?={}") {
		return
	}
	for i, srv := range []*Server{ft.none, ft.signed} {
		req := &http.Request{Method: method, URL: u, RequestURI: u.RequestURI(), Host: "127.0.0.1", Header: http.Header{},
			Body: http.NoBody, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, RemoteAddr: "127.0.0.1:1234"}
		if len(body) > 0 {
			req.Body = httpBody(body)
			req.ContentLength = int64(len(body))
		}
		req = req.WithContext(context.Background())
		if i == 1 {
			if err := ft.signer.Sign(req, body); err != nil {
				t.Fatal(err)
			}
		}
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", method, path, body, w.Code, w.Body.String())
		}
		csv := w.Code == http.StatusOK && u.Path == api.PathBillDownload
		if u.Path != "/metrics" && !csv && w.Code != http.StatusMovedPermanently && w.Code != http.StatusTemporaryRedirect && !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%s %s: answer is not JSON: %q", method, path, w.Body.String())
		}
	}
}

// FuzzStockRoutes sends arbitrary methods, paths and bodies to the stock
// routes (list, pause, restart, stop, the flows and their download, items,
// merchants, the filtered coupon list, create with limits) as
// fuzzTarget.serve does.
//
//	go test -run '^$' -fuzz FuzzStockRoutes -fuzztime 60s ./platform/mock
func FuzzStockRoutes(f *testing.F) {
	target := newFuzzTarget(f)
	for _, s := range []struct{ method, path, body string }{
		{"GET", "/v3/marketing/favor/stocks?offset=0&limit=10&stock_creator_mchid=1900000001&status=running&create_start_time=2026-03-02T10:00:00%2B08:00", ""},
		{"POST", "/v3/marketing/favor/stocks/api/pause", `{"stock_creator_mchid":"1900000001"}`},
		{"POST", "/v3/marketing/favor/stocks/api/restart", `{"stock_creator_mchid":"1900000001"}`},
		{"POST", "/v3/marketing/favor/stocks/idle/stop", `{"stock_creator_mchid":"1900000001"}`},
		{"GET", "/v3/marketing/favor/stocks/api/use-flow", ""},
		{"GET", "/v3/marketing/favor/stocks/api/refund-flow?stock_creator_mchid=1900000001", ""},
		{"GET", "/v3/billdownload/file?token=use.1.api&stock_creator_mchid=1900000001", ""},
		{"GET", "/v3/marketing/favor/stocks/api/items?offset=0&limit=100&stock_creator_mchid=1900000001", ""},
		{"GET", "/v3/marketing/favor/stocks/api/merchants?offset=1000&limit=50&stock_creator_mchid=1900000001", ""},
		{"GET", "/v3/marketing/favor/users/u0000/coupons?appid=wxfiled&stock_id=api&status=USED&creator_mchid=1900000001&available_mchid=1&offset=2&limit=20", ""},
		{"POST", "/v3/marketing/favor/coupon-stocks", `{"stock_name":"s","belong_merchant":"1900000001","out_request_no":"s1","available_begin_time":"2026-03-02T10:00:00+08:00","available_end_time":"2026-03-01T10:00:00+08:00","stock_use_rule":{"max_coupons":10,"max_amount":10000,"max_amount_by_day":1000,"max_coupons_per_user":2},"coupon_use_rule":{"fixed_normal_coupon":{"coupon_amount":1000,"transaction_minimum":5000},"available_items":["a"],"available_merchants":["1900000001"]},"pattern_info":{"description":"d"}}`},
		{"POST", "/v3/marketing/favor/coupon-stocks", `{"stock_use_rule":{"max_amount":9223372036854775807},"coupon_use_rule":{"fixed_normal_coupon":{"coupon_amount":-1}}}`},
	} {
		f.Add(s.method, s.path, []byte(s.body))
	}
	f.Fuzz(target.serve)
}
