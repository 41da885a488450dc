package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"giftsim/internal/testkey"
	"giftsim/platform"
	"giftsim/platform/fixture"
	"giftsim/platform/sign"
)

// Test identities.
const (
	mchFiled = "1900000001"
	mchNew   = "1900000002"
	mchCert  = "1900000003"
	appFiled = "wxfiled"
	appNew   = "wxnew"
	appCert  = "wxcert"
	hmacKey  = "filed-secret"
)

// testRSA is the filed merchant's RSA key.
var testRSA = testkey.RSA

// testFixture has a filed merchant with quota filedQuota and stocks for
// every rule, a new and a certified merchant, and users: u0000… on the
// filed app (even ones with bank card, real name and member; odd ones
// without), n0… on the new app and c0000… on the certified app.
func testFixture(t testing.TB, users, filedQuota int) *fixture.Fixture {
	t.Helper()
	pub, err := sign.MarshalPublicKeyPEM(&testRSA().PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture.Fixture{
		Merchants: []fixture.Merchant{
			{MchID: mchFiled, Tier: "filed", Quota: filedQuota, AppIDs: []string{appFiled},
				Keys: []fixture.Key{{Serial: "H1", HMAC: hmacKey}, {Serial: "R1", RSAPublicKey: string(pub)}}},
			{MchID: mchNew, Tier: "new", AppIDs: []string{appNew}, Keys: []fixture.Key{{Serial: "H2", HMAC: "new-secret"}, {Serial: "R2", RSAPublicKey: string(pub)}}},
			{MchID: mchCert, Tier: "certified", AppIDs: []string{appCert}, Keys: []fixture.Key{{Serial: "H3", HMAC: "cert-secret"}, {Serial: "R3", RSAPublicKey: string(pub)}}},
		},
		Stocks: []fixture.Stock{
			{StockID: "api", MchID: mchFiled, StockSpec: spec("kind: discount, channel: api, validity: 7d, allow_transfer: true"), Face: 20, MinSpend: 60, Started: true},
			{StockID: "mini", MchID: mchFiled, StockSpec: spec("kind: discount, channel: mini-program, validity: 7d, allow_transfer: true"), Face: 10, MinSpend: 50, Started: true},
			{StockID: "points", MchID: mchFiled, StockSpec: spec("kind: points-exchange, channel: api, validity: 30d, allow_transfer: true"), Face: 30, Started: true},
			{StockID: "edu", MchID: mchFiled, StockSpec: spec("kind: discount, category: education, channel: api, validity: 30d, allow_transfer: true"), Face: 20, MinSpend: 50, Started: true},
			{StockID: "cash", MchID: mchFiled, StockSpec: spec("kind: cash-red-packet, channel: api, validity: 30d"), Face: 5, Started: true},
			{StockID: "idle", MchID: mchFiled, StockSpec: spec("kind: discount, channel: api, validity: 30d"), Face: 20, MinSpend: 60},
			{StockID: "budget", MchID: mchFiled, StockSpec: spec("kind: discount, channel: api, validity: 30d"), Face: 20, MinSpend: 60, MaxCoupons: 2, Started: true},
			{StockID: "newstock", MchID: mchNew, StockSpec: spec("kind: discount, channel: payment-popup, validity: 7d"), Face: 20, MinSpend: 60, Started: true},
			{StockID: "certstock", MchID: mchCert, StockSpec: spec("kind: discount, channel: official-account, validity: 30d"), Face: 20, MinSpend: 60, Started: true},
		},
		AbnormalIPs: []string{"203.0.113.0/24"},
	}
	for i := range users {
		flag := i%2 == 0
		f.Users = append(f.Users, fixture.User{OpenID: fmt.Sprintf("u%04d", i), AppID: appFiled, BankCard: flag, RealName: flag, Member: flag})
		f.Users = append(f.Users, fixture.User{OpenID: fmt.Sprintf("c%04d", i), AppID: appCert})
	}
	for i := range 10 {
		f.Users = append(f.Users, fixture.User{OpenID: fmt.Sprintf("n%d", i), AppID: appNew})
	}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	return f
}

// storeKind opens one kind of store; the same tests run against each.
type storeKind struct {
	name string
	open func(t testing.TB, f *fixture.Fixture, dir string) Store
}

var storeKinds = []storeKind{
	{"memory", func(t testing.TB, f *fixture.Fixture, _ string) Store {
		st, err := NewMemoryStore(f)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}},
	{"file", func(t testing.TB, f *fixture.Fixture, dir string) Store {
		st, err := OpenFileStore(context.Background(), dir, f)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}},
}

// fakeClock is a settable wall clock.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Date(2026, 3, 2, 10, 0, 0, 0, platform.Beijing).UnixNano())
	return c
}

func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// harness is a server on a store with a signing client.
type harness struct {
	t      testing.TB
	srv    *Server
	store  Store
	hs     *httptest.Server
	client *http.Client
	signer *sign.Signer
	clock  *fakeClock
}

// newHarness starts a server over st with cfg (Now defaults to a fake clock).
func newHarness(t testing.TB, f *fixture.Fixture, st Store, cfg Config) *harness {
	t.Helper()
	h := &harness{t: t, store: st}
	if cfg.Now == nil {
		h.clock = newFakeClock()
		cfg.Now = h.clock.Now
	}
	if cfg.Day == 0 {
		cfg.Day = 24 * time.Hour
	}
	if cfg.Auth == "" {
		cfg.Auth = AuthSign
	}
	srv, err := New(context.Background(), cfg, f, st)
	if err != nil {
		t.Fatal(err)
	}
	h.srv = srv
	h.hs = httptest.NewServer(srv)
	h.client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128, MaxConnsPerHost: 0}, Timeout: 30 * time.Second}
	h.signer, err = f.Merchant(mchFiled).HMACSigner(cfg.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		h.hs.Close()
		h.client.CloseIdleConnections()
		if err := st.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return h
}

// reply is a decoded answer.
type reply struct {
	status int
	body   map[string]any
	raw    string
}

func (r reply) str(k string) string { s, _ := r.body[k].(string); return s }

// do sends a request signed by s (nil: unsigned) with extra headers.
func (h *harness) do(s *sign.Signer, method, uri string, body any, hdr ...string) reply {
	h.t.Helper()
	var b []byte
	switch v := body.(type) {
	case nil:
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			h.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, h.hs.URL+uri, bytes.NewReader(b))
	if err != nil {
		h.t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if s != nil {
		if err := s.Sign(req, b); err != nil {
			h.t.Fatal(err)
		}
	}
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	if resp.Header.Get("Request-ID") == "" {
		h.t.Errorf("%s %s: no Request-ID header", method, uri)
	}
	return r
}

// send issues a coupon of stock to openid with the filed merchant.
func (h *harness) send(openid, stock, outNo string) reply {
	h.t.Helper()
	return h.do(h.signer, "POST", "/v3/marketing/favor/users/"+openid+"/coupons",
		map[string]string{"stock_id": stock, "out_request_no": outNo, "appid": appFiled, "stock_creator_mchid": mchFiled})
}

// card posts a seed-style call for the filed merchant.
func (h *harness) card(path string, fields ...string) reply {
	h.t.Helper()
	body := map[string]string{"mch_id": mchFiled, "appid": appFiled}
	for i := 0; i+1 < len(fields); i += 2 {
		body[fields[i]] = fields[i+1]
	}
	return h.do(h.signer, "POST", path, body)
}

// coupon reads a coupon held by openid.
func (h *harness) coupon(openid, id string) reply {
	h.t.Helper()
	return h.do(h.signer, "GET", "/v3/marketing/favor/users/"+openid+"/coupons/"+id+"?appid="+appFiled, nil)
}

// want fails unless r has status and (if code != "") code.
func want(t testing.TB, r reply, status int, code string) {
	t.Helper()
	if r.status != status || (code != "" && r.str("code") != code) {
		t.Fatalf("got %d %s, want %d %s", r.status, strings.TrimSpace(r.raw), status, code)
	}
}

// signerRSA returns an RSA signer for the filed merchant on h's clock.
func signerRSA(h *harness) (*sign.Signer, error) {
	return sign.NewRSA(mchFiled, "R1", testRSA(), h.clock.Now)
}

// platformStateRefused is platform.StateRefused, named for brevity.
const platformStateRefused = platform.StateRefused

// CodeOf is platform.CodeOf as a string.
func CodeOf(err error) string { return string(platform.CodeOf(err)) }

// spec reads a stock spec written as a fixture writes it, e.g.
// "kind: discount, channel: api".
func spec(y string) platform.StockSpec {
	var s platform.StockSpec
	if err := yaml.Unmarshal([]byte("{"+y+"}"), &s); err != nil {
		panic(err)
	}
	return s
}

// stockRule returns the platform rule of the fixture's stock id.
func stockRule(t testing.TB, f *fixture.Fixture, id string) platform.Stock {
	for _, s := range f.Stocks {
		if s.StockID == id {
			r, _ := s.Platform()
			return r
		}
	}
	t.Fatalf("no stock %s", id)
	return platform.Stock{}
}
