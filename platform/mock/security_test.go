package mock

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"giftsim/platform"
	"giftsim/platform/fixture"
	"giftsim/platform/sign"
)

// The tests of issue 14's security defects; defects 1, 2 and 5 are in
// platform/sign (nonce_test.go, header_test.go).

// captured is a signed request as an eavesdropper keeps it.
type captured struct {
	method, uri, auth string
	body              []byte
}

// capture signs a request with s.
func capture(t *testing.T, s *sign.Signer, method, uri string, body any) captured {
	t.Helper()
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	auth, err := s.Authorization(method, uri, b)
	if err != nil {
		t.Fatal(err)
	}
	return captured{method, uri, auth, b}
}

// replay sends c to srv as it was captured.
func (c captured) replay(srv *Server) (int, string, map[string]any) {
	req := httptest.NewRequest(c.method, c.uri, bytes.NewReader(c.body))
	req.Header.Set("Authorization", c.auth)
	req.RemoteAddr = "127.0.0.1:4000"
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, req)
	var m map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &m)
	code, _ := m["code"].(string)
	return w.Code, code, m
}

// reopener returns a function that opens the file store in dir and a
// server over it, as a restart does.
func reopener(t *testing.T, dir string, f *fixture.Fixture, cfg Config) func() (*Server, Store) {
	return func() (*Server, Store) {
		t.Helper()
		st, err := OpenFileStore(context.Background(), dir, f)
		if err != nil {
			t.Fatal(err)
		}
		srv, err := New(context.Background(), cfg, f, st)
		if err != nil {
			t.Fatal(err)
		}
		return srv, st
	}
}

// TestReplayAfterRestart is security defect 3: the nonce cache was memory
// only, so a captured request replayed after a restart on the same --data
// was accepted.
func TestReplayAfterRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	f := testFixture(t, 20, 0)
	clock := newFakeClock()
	cfg := Config{Day: 24 * time.Hour, Now: clock.Now, Auth: AuthSign, Seed: 1}
	signer, _ := f.Merchant(mchFiled).HMACSigner(clock.Now)
	open := reopener(t, dir, f, cfg)
	srv, st := open()
	send := capture(t, signer, "POST", "/v3/marketing/favor/users/u0000/coupons",
		map[string]string{"stock_id": "api", "out_request_no": "r1", "appid": appFiled, "stock_creator_mchid": mchFiled})
	status, code, m := send.replay(srv)
	if status != 200 {
		t.Fatalf("send: %d %s", status, code)
	}
	id, _ := m["coupon_id"].(string)
	offer := capture(t, signer, "POST", "/card/gift/offer",
		map[string]string{"mch_id": mchFiled, "appid": appFiled, "openid": "u0000", "coupon_id": id, "to_openid": "u0002"})
	read := capture(t, signer, "GET", "/v3/marketing/favor/users/u0000/coupons/"+id+"?appid="+appFiled, nil)
	for name, c := range map[string]captured{"offer": offer, "read": read} {
		if status, code, _ := c.replay(srv); status != 200 {
			t.Fatalf("%s: %d %s", name, status, code)
		}
	}
	if status, code, _ := offer.replay(srv); status != 401 || code != "SIGN_ERROR" {
		t.Fatalf("replay before the restart: %d %s", status, code)
	}
	// The read wrote nothing, yet its nonce reaches the file without a
	// clean stop (a timer starts the commit; the bound only ends the wait).
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		kept := 0
		if err := st.Nonces(ctx, func(string, int64) {}, func(string, string, int64) { kept++ }); err != nil {
			t.Fatal(err)
		}
		if kept == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d nonces in the file, want 3 (send, offer, read)", kept)
		}
	}
	if err := st.Close(ctx); err != nil {
		t.Fatal(err)
	}

	clock.Advance(10 * time.Second)
	srv, st = open()
	for name, c := range map[string]captured{"send": send, "offer": offer, "read": read} {
		if status, code, _ := c.replay(srv); status != 401 || code != "SIGN_ERROR" {
			t.Errorf("%s replayed after the restart: %d %s, want 401 SIGN_ERROR", name, status, code)
		}
	}
	fresh := capture(t, signer, "GET", "/v3/marketing/favor/users/u0000/coupons/"+id+"?appid="+appFiled, nil)
	if status, code, _ := fresh.replay(srv); status != 200 {
		t.Fatalf("a fresh request after the restart: %d %s", status, code)
	}

	// Once the window has passed, a commit forgets the old nonces.
	clock.Advance(sign.MaxSkew + time.Second)
	later := capture(t, signer, "POST", "/v3/marketing/favor/users/u0002/coupons",
		map[string]string{"stock_id": "api", "out_request_no": "r2", "appid": appFiled, "stock_creator_mchid": mchFiled})
	if status, code, _ := later.replay(srv); status != 200 {
		t.Fatalf("a later send: %d %s", status, code)
	}
	kept := 0
	if err := st.Nonces(ctx, func(string, int64) {}, func(string, string, int64) { kept++ }); err != nil {
		t.Fatal(err)
	}
	if kept != 1 {
		t.Fatalf("%d nonces kept after the window passed, want 1 (the later send's)", kept)
	}
	if err := st.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestReplayAfterRestartOverBudget: a merchant over its share of the cache
// loses its oldest nonces from memory and from the file, but its floor is
// kept with them, so those requests stay refused after a restart.
func TestReplayAfterRestartOverBudget(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	f := testFixture(t, 20, 0)
	clock := newFakeClock()
	// 30 nonces for three merchants: 10 for the filed one.
	cfg := Config{Day: 24 * time.Hour, Now: clock.Now, Auth: AuthSign, Seed: 1, NonceCapacity: 30}
	signer, _ := f.Merchant(mchFiled).HMACSigner(clock.Now)
	open := reopener(t, dir, f, cfg)
	srv, st := open()
	var reqs []captured
	for i := range 25 {
		c := capture(t, signer, "POST", "/v3/marketing/favor/users/u0000/coupons",
			map[string]string{"stock_id": "api", "out_request_no": fmt.Sprint("b", i), "appid": appFiled, "stock_creator_mchid": mchFiled})
		if status, code, _ := c.replay(srv); status != 200 && code != "RULE_LIMIT" && code != "USER_ACCOUNT_ABNORMAL" {
			t.Fatalf("request %d: %d %s", i, status, code)
		}
		reqs = append(reqs, c)
		clock.Advance(time.Second)
	}
	kept := 0
	if err := st.Nonces(ctx, func(string, int64) {}, func(string, string, int64) { kept++ }); err != nil {
		t.Fatal(err)
	}
	if kept > 11 {
		t.Fatalf("the file keeps %d nonces of a merchant with a budget of 10", kept)
	}
	st.Close(ctx)
	srv, st = open()
	defer st.Close(ctx)
	for i, c := range reqs {
		if status, code, _ := c.replay(srv); status != 401 || code != "SIGN_ERROR" {
			t.Errorf("request %d replayed after the restart: %d %s", i, status, code)
		}
	}
}

// TestFutureNonceLocksOutNoOne is security defect 1 end to end: a valid
// request timestamped 299 s ahead, then more requests than the replay
// cache holds, used to refuse every merchant's correctly timed requests
// for five minutes.
func TestFutureNonceLocksOutNoOne(t *testing.T) {
	f := testFixture(t, 10, 0)
	st, _ := NewMemoryStore(f)
	clock := newFakeClock()
	// 300 nonces for three merchants: 100 each.
	h := newHarness(t, f, st, Config{Now: clock.Now, NonceCapacity: 300})
	list := func(s *sign.Signer, openid, app string) reply {
		return h.do(s, "GET", "/v3/marketing/favor/users/"+openid+"/coupons?appid="+app+"&offset=0&limit=10", nil)
	}
	ahead, _ := f.Merchant(mchFiled).HMACSigner(func() time.Time { return clock.Now().Add(sign.MaxSkew - time.Second) })
	future := capture(t, ahead, "GET", "/v3/marketing/favor/users/u0000/coupons?appid="+appFiled+"&offset=0&limit=10", nil)
	if status, code, _ := future.replay(h.srv); status != 200 {
		t.Fatalf("future-dated request: %d %s", status, code)
	}
	for i := range 350 { // more than the whole cache, a clock second per 50
		if i%50 == 49 {
			clock.Advance(time.Second)
		}
		want(t, list(h.signer, "u0000", appFiled), 200, "")
	}
	for _, m := range []struct{ mch, openid, app string }{{mchFiled, "u0000", appFiled}, {mchNew, "n0", appNew}, {mchCert, "c0000", appCert}} {
		s, _ := f.Merchant(m.mch).HMACSigner(clock.Now)
		want(t, list(s, m.openid, m.app), 200, "")
	}
	if status, code, _ := future.replay(h.srv); status != 401 || code != "SIGN_ERROR" {
		t.Fatalf("the future-dated request replayed: %d %s", status, code)
	}
}

// TestForwardedClient is security defect 4: the leftmost X-Forwarded-For
// address is whatever the client wrote; the client is the rightmost
// address that a trusted proxy did not add.
func TestForwardedClient(t *testing.T) {
	trusted := append(DefaultTrustedProxies(), netip.MustParsePrefix("10.0.0.0/8"))
	lo := netip.MustParseAddr("127.0.0.1")
	tests := []struct {
		name string
		peer netip.Addr
		xff  []string
		want string
	}{
		{"forged entry before the real one", lo, []string{"198.51.100.7, 203.0.113.9"}, "203.0.113.9"},
		{"one hop", lo, []string{"203.0.113.9"}, "203.0.113.9"},
		{"trusted hops skipped", lo, []string{"198.51.100.7, 203.0.113.9, 10.0.0.2, 10.0.0.1"}, "203.0.113.9"},
		{"several header lines", lo, []string{"198.51.100.7", "203.0.113.9, 10.1.2.3"}, "203.0.113.9"},
		{"peer not a proxy", netip.MustParseAddr("192.0.2.1"), []string{"203.0.113.9"}, "192.0.2.1"},
		{"garbage stops at the last trusted hop", lo, []string{"203.0.113.9, nonsense, 10.0.0.1"}, "10.0.0.1"},
		{"all trusted", lo, []string{"10.0.0.3, 10.0.0.1"}, "10.0.0.3"},
		{"IPv4-mapped", lo, []string{"::ffff:203.0.113.9"}, "203.0.113.9"},
		{"IPv6 peer", netip.MustParseAddr("::1"), []string{"2001:db8::1"}, "2001:db8::1"},
	}
	for _, tt := range tests {
		if got := forwardedClient(tt.peer, tt.xff, trusted); got.String() != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
}

// TestR17ForgedForwardedFor: a client behind the (loopback) proxy that
// writes a clean address before its own is still seen at its own, so R17
// blocks it after three claims.
func TestR17ForgedForwardedFor(t *testing.T) {
	f := testFixture(t, 40, 0)
	st, _ := NewMemoryStore(f)
	h := newHarness(t, f, st, Config{TrustProxy: true})
	for i, r := range claimsVia(h, 5, "198.51.100.7, 203.0.113.9") {
		if i < 3 {
			want(t, r, 200, "")
		} else {
			want(t, r, 403, "REQUEST_BLOCKED")
		}
	}
}

// claimsVia issues n coupons, offers each to another user and returns the
// answers to their claims, each sent with X-Forwarded-For xff.
func claimsVia(h *harness, n int, xff string) []reply {
	h.t.Helper()
	var out []reply
	for i := range n {
		from, to := fmt.Sprintf("u%04d", 2*i), fmt.Sprintf("u%04d", 2*i+2*n)
		r := h.send(from, "api", fmt.Sprint("x", i))
		want(h.t, r, 200, "")
		want(h.t, h.card("/card/gift/offer", "openid", from, "to_openid", to, "coupon_id", r.str("coupon_id")), 200, "")
		body := map[string]string{"mch_id": mchFiled, "appid": appFiled, "openid": to, "coupon_id": r.str("coupon_id")}
		out = append(out, h.do(h.signer, "POST", "/card/gift/claim", body, "X-Forwarded-For", xff))
	}
	return out
}

// TestParsePrefixes reads the trusted-proxy list.
func TestParsePrefixes(t *testing.T) {
	got, err := ParsePrefixes("127.0.0.1, 10.0.0.0/8,::1")
	if err != nil || len(got) != 3 || got[0].String() != "127.0.0.1/32" || got[1].String() != "10.0.0.0/8" || got[2].String() != "::1/128" {
		t.Fatalf("ParsePrefixes = %v, %v", got, err)
	}
	if _, err := ParsePrefixes("10.0.0.0/33"); !errors.Is(err, platform.ErrInvalid) {
		t.Fatalf("bad prefix: %v", err)
	}
}

// slowServer serves srv on loopback with limits; stop cancels it and
// returns what Serve returned.
func slowServer(t *testing.T, limits HTTPLimits, drain time.Duration) (addr string, stop func() error) {
	t.Helper()
	f := testFixture(t, 10, 0)
	st, _ := NewMemoryStore(f)
	srv, err := New(context.Background(), Config{Day: 24 * time.Hour, Now: time.Now, Auth: AuthSign, Seed: 1, HTTP: limits}, f, st)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln, drain) }()
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second):
			return errors.New("Serve did not return 20 s after its context ended")
		}
	}
	t.Cleanup(func() { stop() })
	return ln.Addr().String(), stop
}

// dialSlow opens a connection and writes head, then nothing more.
func dialSlow(t *testing.T, addr, head string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, head); err != nil {
		t.Fatal(err)
	}
	return c
}

// closedByServer reports whether the server closes c (reading whatever
// answer it sends first) within wait.
func closedByServer(c net.Conn, wait time.Duration) (bool, string) {
	c.SetReadDeadline(time.Now().Add(wait))
	got, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false, string(got)
	}
	return true, string(got)
}

const slowBodyHead = "POST /v3/marketing/favor/users/u0000/coupons HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"stock_id\":"

// TestSlowClientsAreCut is security defect 6: slow headers and slow bodies
// on real loopback connections are closed once their timeouts pass.
func TestSlowClientsAreCut(t *testing.T) {
	addr, _ := slowServer(t, HTTPLimits{ReadHeaderTimeout: 200 * time.Millisecond, ReadTimeout: 400 * time.Millisecond}, time.Second)
	var conns []net.Conn
	for range 3 {
		conns = append(conns, dialSlow(t, addr, slowBodyHead))
	}
	conns = append(conns, dialSlow(t, addr, "GET /healthz HTTP/1.1\r\nHost: x\r\n"))
	for i, c := range conns {
		// The bound is what the test waits at most, far above the timeouts.
		if closed, got := closedByServer(c, 10*time.Second); !closed {
			t.Errorf("connection %d still open 10 s after its timeout (read %q)", i, got)
		}
	}
}

// TestMaxHeaderBytes: headers over the limit are refused with 431.
func TestMaxHeaderBytes(t *testing.T) {
	addr, _ := slowServer(t, HTTPLimits{MaxHeaderBytes: 4096}, time.Second)
	c := dialSlow(t, addr, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", 16<<10)+"\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("status %d, want 431", resp.StatusCode)
	}
}

// TestMaxConns: beyond MaxConns a connection waits for a free slot.
func TestMaxConns(t *testing.T) {
	addr, _ := slowServer(t, HTTPLimits{MaxConns: 2}, time.Second)
	a := dialSlow(t, addr, "")
	b := dialSlow(t, addr, "")
	c := dialSlow(t, addr, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, err := c.Read(make([]byte, 1)); n > 0 || err == nil {
		t.Fatal("a third connection was answered while two were open")
	}
	a.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("after a slot freed: %v", err)
	}
	resp.Body.Close()
	_ = b
}

// TestShutdownClosesStragglers: a client stuck mid-body does not make
// shutdown fail; the drain ends, its connection is closed, and Serve
// returns nil (exit 0: only a failed store flush exits 1).
func TestShutdownClosesStragglers(t *testing.T) {
	addr, stop := slowServer(t, HTTPLimits{ReadTimeout: time.Minute}, 200*time.Millisecond)
	slow := dialSlow(t, addr, slowBodyHead)
	time.Sleep(50 * time.Millisecond) // let the server start reading the body
	if err := stop(); err != nil {
		t.Fatalf("Serve = %v, want nil", err)
	}
	if closed, _ := closedByServer(slow, 10*time.Second); !closed {
		t.Fatal("the slow client's connection is still open after shutdown")
	}
}

// TestDayChangeKeepsPlatformTime is security defect 7: a new --day on an
// existing --data used to apply the new pace to the whole time since the
// anchor, moving platform time by days. Now the anchor records its day
// length and a change continues platform time from where it was.
func TestDayChangeKeepsPlatformTime(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	f := testFixture(t, 10, 0)
	clock := newFakeClock()
	var log bytes.Buffer
	open := func(day time.Duration) *Server {
		st, err := OpenFileStore(ctx, dir, f)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close(ctx) })
		srv, err := New(ctx, Config{Day: day, Now: clock.Now, Auth: AuthSign, Seed: 1, Log: &log}, f, st)
		if err != nil {
			t.Fatal(err)
		}
		st.Close(ctx)
		return srv
	}
	fast := open(10 * time.Second)
	clock.Advance(5 * time.Second) // half a platform day
	before := fast.Clock().Now()
	slow := open(time.Minute)
	if got := slow.Clock().Now(); !got.Equal(before) {
		t.Fatalf("platform time %s after the change, want %s (continuous)", got, before)
	}
	if !strings.Contains(log.String(), "10s") || !strings.Contains(log.String(), "1m") {
		t.Fatalf("the change is not said with both day lengths: %q", log.String())
	}
	clock.Advance(time.Minute)
	if got := slow.Clock().Now().Sub(before); got != 24*time.Hour {
		t.Fatalf("a minute of wall time is %s of platform time at --day 1m, want 24h", got)
	}
	// The converted anchor is kept: the same day length again says nothing
	// and keeps the time.
	log.Reset()
	again := open(time.Minute)
	if got := again.Clock().Now(); !got.Equal(before.Add(24 * time.Hour)) {
		t.Fatalf("platform time %s on reopening, want %s", got, before.Add(24*time.Hour))
	}
	if strings.Contains(log.String(), "day") {
		t.Fatalf("reopening with the same day length logged %q", log.String())
	}
}

// TestDayLegacyAnchor: an anchor written before day lengths were recorded
// is taken with the configured day, which is then recorded.
func TestDayLegacyAnchor(t *testing.T) {
	ctx := context.Background()
	f := testFixture(t, 10, 0)
	st, _ := NewMemoryStore(f)
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, platform.Beijing)
	if _, err := st.Anchor(ctx, Anchor{Start: now, Wall: now}); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	if _, err := New(ctx, Config{Day: time.Minute, Now: func() time.Time { return now }, Auth: AuthSign, Seed: 1, Log: &log}, f, st); err != nil {
		t.Fatal(err)
	}
	a, _ := st.Anchor(ctx, Anchor{})
	if a.Day != time.Minute || !strings.Contains(log.String(), "no day length") {
		t.Fatalf("anchor %+v, log %q", a, log.String())
	}
}
