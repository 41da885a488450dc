package mock

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"giftsim/platform/api"
	"giftsim/platform/fixture"
	"giftsim/platform/sign"
)

// platformTestKey is the platform's key in these tests: a second key, so
// that an answer signed with the merchant's test key would not verify.
var platformTestKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// sdkAPIv3Key is the filed merchant's APIv3 key in these tests.
const sdkAPIv3Key = "0123456789abcdefghijklmnopqrstuv"

// sdkFixture is testFixture with what a merchant on the official SDK
// holds: the filed merchant's private key and APIv3 key, and the
// platform's identity, its certificate valid at the harness clock's time.
func sdkFixture(t testing.TB, filedQuota int) *fixture.Fixture {
	t.Helper()
	f := testFixture(t, 20, filedQuota)
	priv, err := sign.MarshalPrivateKeyPEM(testRSA())
	if err != nil {
		t.Fatal(err)
	}
	m := f.Merchant(mchFiled)
	m.APIv3Key = sdkAPIv3Key
	for i := range m.Keys {
		if m.Keys[i].Serial == "R1" {
			m.Keys[i].RSAPrivateKey = string(priv)
		}
	}
	if f.Platform, err = fixture.NewPlatform(platformTestKey(), 5, newFakeClock().Now()); err != nil {
		t.Fatal(err)
	}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	return f
}

// merchantClient is a merchant's code as the official SDK makes it, with
// the standard library's crypto and package sign only: it signs each
// request with its RSA key, names in Wechatpay-Serial the platform
// identity it can verify (accept, optional), and checks every answer's
// signature with the platform key of the answer's serial and its
// timestamp against its clock (five minutes).
type merchantClient struct {
	t      testing.TB
	base   string
	client *http.Client
	signer *sign.Signer
	apiv3  []byte
	now    func() time.Time
	keys   map[string]*rsa.PublicKey // keys are the platform keys it trusts, by serial.
	accept string
}

// answer is one response as the merchant received it.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// code is the answer's error code ("" for a success).
func (a answer) code() string {
	var e api.Error
	json.Unmarshal(a.body, &e)
	return string(e.Code)
}

func newMerchantClient(t testing.TB, h *harness, f *fixture.Fixture) *merchantClient {
	t.Helper()
	s, err := f.Merchant(mchFiled).RSASigner(h.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	return &merchantClient{t: t, base: h.hs.URL, client: h.client, signer: s, apiv3: []byte(f.Merchant(mchFiled).APIv3Key),
		now: h.clock.Now, keys: map[string]*rsa.PublicKey{}}
}

// raw sends a signed request and returns the answer unchecked.
func (m *merchantClient) raw(method, uri string, body []byte) answer {
	m.t.Helper()
	req, err := http.NewRequest(method, m.base+uri, bytes.NewReader(body))
	if err != nil {
		m.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if m.accept != "" {
		req.Header.Set(sign.HeaderSerial, m.accept)
	}
	if err := m.signer.Sign(req, body); err != nil {
		m.t.Fatal(err)
	}
	resp, err := m.client.Do(req)
	if err != nil {
		m.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		m.t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

// check verifies an answer as the SDK's default validator does: all four
// headers present, the timestamp within five minutes of the merchant's
// clock, the signature valid under the trusted key of the answer's serial.
func (m *merchantClient) check(a answer) (sign.ResponseSignature, error) {
	rs, err := sign.ReadResponseSignature(a.header)
	if err != nil {
		return rs, err
	}
	if err := rs.CheckTime(m.now(), sign.MaxSkew); err != nil {
		return rs, err
	}
	key, ok := m.keys[rs.Serial]
	if !ok {
		return rs, fmt.Errorf("no trusted platform key under serial %q", rs.Serial)
	}
	return rs, rs.Verify(key, a.body)
}

// do sends a request and fails the test unless the answer verifies and
// has the status.
func (m *merchantClient) do(method, uri string, body any, status int) answer {
	m.t.Helper()
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			m.t.Fatal(err)
		}
	}
	a := m.raw(method, uri, b)
	if _, err := m.check(a); err != nil {
		m.t.Fatalf("%s %s: answer %d %s does not verify: %v", method, uri, a.status, a.body, err)
	}
	if a.status != status {
		m.t.Fatalf("%s %s: got %d %s, want %d", method, uri, a.status, a.body, status)
	}
	return a
}

// download fetches the platform certificates as the SDK's downloader does:
// decrypts each with the APIv3 key, parses it, checks serial and validity,
// and trusts it; then it checks the download's own signature with what it
// downloaded (the SDK checks every later download that way).
func (m *merchantClient) download() {
	m.t.Helper()
	a := m.raw(http.MethodGet, api.PathCertificates, nil)
	if a.status != http.StatusOK {
		m.t.Fatalf("certificates: %d %s", a.status, a.body)
	}
	var certs api.Certificates
	if err := json.Unmarshal(a.body, &certs); err != nil {
		m.t.Fatal(err)
	}
	if len(certs.Data) == 0 {
		m.t.Fatal("no certificate downloaded")
	}
	for _, c := range certs.Data {
		e := c.EncryptCertificate
		if e.Algorithm != "AEAD_AES_256_GCM" || e.AssociatedData != "certificate" || len(e.Nonce) != 12 {
			m.t.Fatalf("encrypt_certificate %+v", e)
		}
		text, err := sign.Open(m.apiv3, e)
		if err != nil {
			m.t.Fatal(err)
		}
		b, _ := pem.Decode(text)
		if b == nil || b.Type != "CERTIFICATE" {
			m.t.Fatalf("decrypted certificate is not PEM CERTIFICATE: %q", text)
		}
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			m.t.Fatal(err)
		}
		if got := strings.ToUpper(cert.SerialNumber.Text(16)); got != c.SerialNo {
			m.t.Fatalf("serial_no %s, certificate serial %s", c.SerialNo, got)
		}
		from, err1 := time.Parse(time.RFC3339, c.EffectiveTime)
		to, err2 := time.Parse(time.RFC3339, c.ExpireTime)
		if err := errors.Join(err1, err2); err != nil {
			m.t.Fatal(err)
		}
		if !from.Equal(cert.NotBefore) || !to.Equal(cert.NotAfter) || m.now().Before(from) || m.now().After(to) {
			m.t.Fatalf("certificate valid %s to %s (says %s to %s), now %s", cert.NotBefore, cert.NotAfter, from, to, m.now())
		}
		m.keys[c.SerialNo] = cert.PublicKey.(*rsa.PublicKey)
	}
	rs, err := m.check(a)
	if err != nil {
		m.t.Fatalf("the certificates answer does not verify with its own certificates: %v", err)
	}
	if rs.Serial != certs.Data[0].SerialNo {
		m.t.Fatalf("certificates answer signed under %s, want the certificate's %s", rs.Serial, certs.Data[0].SerialNo)
	}
}

// sendBody is a v3 send of stock to the filed merchant's appid.
func sendBody(stock, outNo string) map[string]string {
	return map[string]string{"stock_id": stock, "out_request_no": outNo, "appid": appFiled, "stock_creator_mchid": mchFiled}
}

const usersPath = "/v3/marketing/favor/users/"

// merchantSession sends, queries, retries and provokes errors, checking
// every answer (do), and returns the serials the answers were signed under.
func merchantSession(t *testing.T, m *merchantClient) map[string]bool {
	serials := map[string]bool{}
	note := func(a answer) answer {
		rs, _ := sign.ReadResponseSignature(a.header)
		serials[rs.Serial] = true
		return a
	}
	send := func(openid, stock, outNo string, status int) answer {
		return note(m.do("POST", usersPath+openid+"/coupons", sendBody(stock, outNo), status))
	}
	first := send("u0000", "api", "sdk-1", 200)
	var got api.SendReply
	json.Unmarshal(first.body, &got)
	if got.CouponID == "" {
		t.Fatalf("send: %s", first.body)
	}
	if again := send("u0000", "api", "sdk-1", 200); !bytes.Equal(again.body, first.body) {
		t.Fatalf("idempotent retry answered %s, first %s", again.body, first.body)
	}
	note(m.do("GET", usersPath+"u0000/coupons/"+got.CouponID+"?appid="+appFiled, nil, 200))
	note(m.do("GET", usersPath+"u0000/coupons?appid="+appFiled+"&offset=0&limit=10", nil, 200))

	errs := []struct {
		name   string
		a      func() answer
		status int
		code   string
	}{
		{"same key, other request", func() answer { return send("u0002", "api", "sdk-1", 400) }, 400, "RESOURCE_ALREADY_EXISTS"},
		{"unknown stock", func() answer { return send("u0000", "nostock", "sdk-2", 404) }, 404, "RESOURCE_NOT_EXISTS"},
		{"stock not started", func() answer { return send("u0000", "idle", "sdk-3", 403) }, 403, "RULE_LIMIT"},
		{"bad JSON", func() answer {
			return note(m.do("POST", usersPath+"u0000/coupons", json.RawMessage(`{"stock_id":1}`), 400))
		}, 400, "PARAM_ERROR"},
		{"wrong method", func() answer { return note(m.do("DELETE", usersPath+"u0000/coupons", nil, 405)) }, 405, "METHOD_NOT_ALLOWED"},
		{"unknown route", func() answer { return note(m.do("GET", "/v3/nothing/here", nil, 404)) }, 404, "RESOURCE_NOT_EXISTS"},
		{"quota used", func() answer {
			for i := range 3 {
				send(fmt.Sprintf("u%04d", 2*i+2), "api", fmt.Sprintf("q-%d", i), 200)
			}
			return send("u0010", "api", "q-over", 429)
		}, 429, "FREQUENCY_LIMITED"},
		{"body too large", func() answer {
			return note(m.do("POST", usersPath+"u0000/coupons", strings.Repeat("x", api.MaxBody+1), 413))
		}, 413, "REQUEST_ENTITY_TOO_LARGE"},
	}
	for _, e := range errs {
		if a := e.a(); a.status != e.status || a.code() != e.code {
			t.Errorf("%s: got %d %s, want %d %s", e.name, a.status, a.body, e.status, e.code)
		}
	}
	// A request whose signature the platform refuses still gets a signed
	// SIGN_ERROR.
	stale := *m
	var err error
	if stale.signer, err = sign.NewRSA(mchFiled, "R1", testRSA(), func() time.Time { return m.now().Add(-time.Hour) }); err != nil {
		t.Fatal(err)
	}
	if a := note(stale.do("GET", usersPath+"u0000/coupons?appid="+appFiled, nil, 401)); a.code() != "SIGN_ERROR" {
		t.Errorf("stale request: %s", a.body)
	}
	return serials
}

// TestSDKClientCertificateMode is the merchant side in certificate mode:
// it downloads and decrypts the platform certificate, then every answer of
// a session verifies with it, under its serial.
func TestSDKClientCertificateMode(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			f := sdkFixture(t, 4)
			h := newHarness(t, f, sk.open(t, f, t.TempDir()), Config{})
			m := newMerchantClient(t, h, f)
			m.download()
			pk, _ := f.Platform.Parse()
			m.accept = pk.Serial // as the SDK names what it can verify
			m.download()         // a later download verifies with the first
			serials := merchantSession(t, m)
			if len(serials) != 1 || !serials[pk.Serial] {
				t.Fatalf("answers signed under %v, want only %s", serials, pk.Serial)
			}
		})
	}
}

// TestSDKClientPublicKeyMode is the merchant side in public-key mode: it
// trusts the fixture's platform public key under its id and downloads
// nothing; the server signs under PUB_KEY_ID_… by default.
func TestSDKClientPublicKeyMode(t *testing.T) {
	f := sdkFixture(t, 4)
	st, err := NewMemoryStore(f)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, f, st, Config{PlatformKeyMode: PlatformKeyPubKey})
	m := newMerchantClient(t, h, f)
	pub, err := sign.ParsePublicKeyPEM([]byte(f.Platform.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	m.keys[f.Platform.PublicKeyID] = pub
	serials := merchantSession(t, m)
	if len(serials) != 1 || !serials[f.Platform.PublicKeyID] {
		t.Fatalf("answers signed under %v, want only %s", serials, f.Platform.PublicKeyID)
	}
	// The certificates download is signed under the certificate even here.
	c := newMerchantClient(t, h, f)
	c.download()
}

// TestAnswerSerialFollowsRequest signs under what the request's
// Wechatpay-Serial names, as the SDK asks: the public-key id on a
// certificate-mode server, the certificate on a public-key one.
func TestAnswerSerialFollowsRequest(t *testing.T) {
	f := sdkFixture(t, 0)
	pk, _ := f.Platform.Parse()
	for _, tc := range []struct {
		mode           PlatformKeyMode
		accept, serial string
	}{
		{PlatformKeyCert, "", pk.Serial},
		{PlatformKeyCert, pk.PublicKeyID, pk.PublicKeyID},
		{PlatformKeyCert, "UNKNOWN", pk.Serial},
		{PlatformKeyPubKey, "", pk.PublicKeyID},
		{PlatformKeyPubKey, pk.Serial, pk.Serial},
	} {
		st, _ := NewMemoryStore(f)
		h := newHarness(t, f, st, Config{PlatformKeyMode: tc.mode})
		m := newMerchantClient(t, h, f)
		m.keys[pk.Serial], m.keys[pk.PublicKeyID] = &pk.Key.PublicKey, &pk.Key.PublicKey
		m.accept = tc.accept
		a := m.do("GET", usersPath+"u0000/coupons?appid="+appFiled, nil, 200)
		if got := a.header.Get(sign.HeaderSerial); got != tc.serial {
			t.Errorf("mode %s, request names %q: signed under %s, want %s", tc.mode, tc.accept, got, tc.serial)
		}
	}
}

// TestTamperedAnswerDetected changes one part of a signed answer at a
// time; the merchant's check refuses each.
func TestTamperedAnswerDetected(t *testing.T) {
	f := sdkFixture(t, 0)
	st, _ := NewMemoryStore(f)
	h := newHarness(t, f, st, Config{})
	m := newMerchantClient(t, h, f)
	m.download()
	a := m.do("POST", usersPath+"u0000/coupons", sendBody("api", "t-1"), 200)
	edits := map[string]func(a *answer){
		"body":          func(a *answer) { a.body = bytes.Replace(a.body, []byte(`"coupon_id":"1`), []byte(`"coupon_id":"2`), 1) },
		"body appended": func(a *answer) { a.body = append(a.body, ' ') },
		"timestamp": func(a *answer) {
			ts, _ := strconv.ParseInt(a.header.Get(sign.HeaderTimestamp), 10, 64)
			a.header.Set(sign.HeaderTimestamp, strconv.FormatInt(ts+1, 10))
		},
		"nonce":     func(a *answer) { a.header.Set(sign.HeaderNonce, a.header.Get(sign.HeaderNonce)+"x") },
		"signature": func(a *answer) { a.header.Set(sign.HeaderSignature, "AAAA"+a.header.Get(sign.HeaderSignature)[4:]) },
		"serial":    func(a *answer) { a.header.Set(sign.HeaderSerial, "5157F09EFDC096DE15EBE81A47057A72") },
		"missing":   func(a *answer) { a.header.Del(sign.HeaderSignature) },
		"type":      func(a *answer) { a.header.Set(sign.HeaderSignatureType, sign.SchemeHMAC) },
	}
	for name, edit := range edits {
		c := answer{status: a.status, header: a.header.Clone(), body: bytes.Clone(a.body)}
		edit(&c)
		if _, err := m.check(c); err == nil {
			t.Errorf("tampered %s: the answer still verifies", name)
		}
	}
	late := *m
	late.now = func() time.Time { return m.now().Add(sign.MaxSkew) }
	if _, err := late.check(a); err == nil {
		t.Error("an answer five minutes old still verifies")
	}
	if _, err := m.check(a); err != nil {
		t.Fatalf("the untouched answer no longer verifies: %v", err)
	}
}

// TestResponseSigningModes: in auto mode an HMAC caller gets an HMAC
// signature under its own key and an unauthenticated caller the
// platform's; rsa signs everything with the platform key; off nothing;
// /healthz is never signed; timestamps are wall time, not platform time.
func TestResponseSigningModes(t *testing.T) {
	f := sdkFixture(t, 0)
	pk, _ := f.Platform.Parse()
	for _, mode := range ResponseSignings() {
		t.Run(string(mode), func(t *testing.T) {
			st, _ := NewMemoryStore(f)
			h := newHarness(t, f, st, Config{SignResponses: mode, Day: 10 * time.Second})
			get := func(s *sign.Signer, uri string) answer {
				req, _ := http.NewRequest("GET", h.hs.URL+uri, nil)
				if s != nil {
					s.Sign(req, nil)
				}
				resp, err := h.client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return answer{status: resp.StatusCode, header: resp.Header, body: b}
			}
			list := usersPath + "u0000/coupons?appid=" + appFiled
			hm, unauth, health := get(h.signer, list), get(nil, list), get(nil, api.PathHealth)
			if hm.status != 200 || unauth.status != 401 || health.status != 200 {
				t.Fatalf("statuses %d %d %d", hm.status, unauth.status, health.status)
			}
			if health.header.Get(sign.HeaderSignature) != "" {
				t.Error("/healthz is signed")
			}
			if mode == SignOff {
				if hm.header.Get(sign.HeaderSignature)+unauth.header.Get(sign.HeaderSignature) != "" {
					t.Error("off, yet signed")
				}
				return
			}
			for _, a := range []answer{hm, unauth} {
				rs, err := sign.ReadResponseSignature(a.header)
				if err != nil {
					t.Fatal(err)
				}
				if want := strconv.FormatInt(h.clock.Now().Unix(), 10); rs.Timestamp != want {
					t.Errorf("timestamp %s, want the wall clock's %s", rs.Timestamp, want)
				}
				if rs.Type == sign.SchemeHMAC {
					if mode != SignAuto || a.status != 200 || rs.Serial != "H1" {
						t.Errorf("HMAC signature on %d in mode %s under %s", a.status, mode, rs.Serial)
					}
					if err := sign.VerifyResponseHMAC([]byte(hmacKey), rs.Timestamp, rs.Nonce, a.body, rs.Signature); err != nil {
						t.Error(err)
					}
					continue
				}
				if mode == SignAuto && a.status == 200 {
					t.Error("auto: an HMAC caller got the RSA signature")
				}
				if err := rs.Verify(&pk.Key.PublicKey, a.body); err != nil || rs.Serial != pk.Serial {
					t.Errorf("%d under %s: %v", a.status, rs.Serial, err)
				}
			}
		})
	}
}

// TestCertificatesRefusals: a merchant without an APIv3 key, or an
// unsigned download, gets a signed refusal naming what is missing.
func TestCertificatesRefusals(t *testing.T) {
	f := sdkFixture(t, 0)
	st, _ := NewMemoryStore(f)
	h := newHarness(t, f, st, Config{})
	newSigner, _ := f.Merchant(mchNew).HMACSigner(h.clock.Now)
	r := h.do(newSigner, "GET", api.PathCertificates, nil)
	want(t, r, 404, "RESOURCE_NOT_EXISTS")
	if !strings.Contains(r.raw, "apiv3_key") {
		t.Errorf("refusal does not say what is missing: %s", r.raw)
	}
	want(t, h.do(nil, "GET", api.PathCertificates, nil), 401, "SIGN_ERROR")

	// With auth none the Authorization header's mchid picks the APIv3
	// key, unchecked; without one the merchant is unknown.
	st2, _ := NewMemoryStore(f)
	none := newHarness(t, f, st2, Config{Auth: AuthNone})
	m := newMerchantClient(t, none, f)
	m.download()
	want(t, none.do(nil, "GET", api.PathCertificates, nil), 400, "PARAM_ERROR")
}

// TestAuthModeNeedsKeys: --auth rsa (hmac) refuses to start when a
// merchant has no RSA public key (HMAC key), naming it.
func TestAuthModeNeedsKeys(t *testing.T) {
	f := testFixture(t, 1, 0)
	f.Merchant(mchNew).Keys = f.Merchant(mchNew).Keys[:1]   // HMAC only
	f.Merchant(mchCert).Keys = f.Merchant(mchCert).Keys[1:] // RSA only
	for mode, missing := range map[AuthMode]string{AuthRSA: mchNew, AuthHMAC: mchCert} {
		st, _ := NewMemoryStore(f)
		cfg := DefaultConfig()
		cfg.Auth = mode
		_, err := New(t.Context(), cfg, f, st)
		if err == nil || !strings.Contains(err.Error(), "merchants "+missing+" have no") {
			t.Errorf("auth %s: err = %v, want merchant %s named", mode, err, missing)
		}
		st.Close(t.Context())
	}
}

// TestPlatformMadeInMemory: a fixture without a platform identity (an
// older one) still serves; the server makes one, logs it, and serves its
// certificate.
func TestPlatformMadeInMemory(t *testing.T) {
	f := sdkFixture(t, 0)
	f.Platform = nil
	st, _ := NewMemoryStore(f)
	var log bytes.Buffer
	h := newHarness(t, f, st, Config{Log: &log}) // written at New and Platform, in this goroutine
	id, err := h.srv.Platform()
	if err != nil || !id.InMemory || id.Serial == "" {
		t.Fatalf("identity %+v, %v", id, err)
	}
	if !strings.Contains(log.String(), "made one in memory (certificate serial "+id.Serial) {
		t.Errorf("log: %q", log.String())
	}
	m := newMerchantClient(t, h, f)
	m.download()
	m.do("GET", usersPath+"u0000/coupons?appid="+appFiled, nil, 200)
}

// FuzzSignedAnswers sends arbitrary methods, paths and bodies, unsigned or
// HMAC-signed: every answer of a route the real platform has carries a
// signature that verifies, the platform's RSA one or (auto mode, an
// authenticated HMAC caller) the caller's HMAC one.
//
//	go test -run '^$' -fuzz FuzzSignedAnswers -fuzztime 60s ./platform/mock
func FuzzSignedAnswers(f *testing.F) {
	fx := sdkFixture(f, 0)
	pk, _ := fx.Platform.Parse()
	st, err := NewMemoryStore(fx)
	if err != nil {
		f.Fatal(err)
	}
	srv, err := New(context.Background(), Config{Day: 24 * time.Hour, Now: time.Now, Auth: AuthSign, Seed: 1}, fx, st)
	if err != nil {
		f.Fatal(err)
	}
	signer, _ := fx.Merchant(mchFiled).HMACSigner(time.Now)
	f.Add("POST", usersPath+"u0000/coupons", []byte(`{"stock_id":"api","out_request_no":"f1","appid":"wxfiled","stock_creator_mchid":"1900000001"}`), true)
	f.Add("GET", usersPath+"u0000/coupons?appid=wxfiled", []byte(nil), false)
	f.Add("GET", api.PathCertificates, []byte(nil), true)
	f.Add("PATCH", "/card/gift", []byte(`[]`), true)
	f.Add("GET", "/no/such/route", []byte(nil), true)
	f.Fuzz(func(t *testing.T, method, path string, body []byte, signed bool) {
		u, err := url.Parse("http://127.0.0.1" + path)
		if err != nil || !strings.HasPrefix(path, "/") || len(body) > 2*api.MaxBody ||
			method == "" || strings.ContainsAny(method, " \t\r\n()<>@,;:\\\"/[]?={}") {
			return
		}
		req := &http.Request{Method: method, URL: u, RequestURI: u.RequestURI(), Host: "127.0.0.1", Header: http.Header{},
			Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			RemoteAddr: "127.0.0.1:1234"}
		if signed {
			if err := signer.Sign(req, body); err != nil {
				t.Fatal(err)
			}
		}
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req.WithContext(context.Background()))
		if u.Path == api.PathHealth || u.Path == api.PathMetrics || u.Path == api.PathBillDownload ||
			w.Code == http.StatusMovedPermanently || w.Code == http.StatusTemporaryRedirect {
			return // routes the real platform lacks, a file download, the mux's path cleaning
		}
		rs, err := sign.ReadResponseSignature(w.Header())
		if err == nil {
			err = rs.CheckTime(time.Now(), sign.MaxSkew)
		}
		if err == nil {
			if rs.Type == sign.SchemeHMAC && signed && rs.Serial == "H1" {
				err = sign.VerifyResponseHMAC([]byte(hmacKey), rs.Timestamp, rs.Nonce, w.Body.Bytes(), rs.Signature)
			} else if rs.Serial != pk.Serial {
				err = fmt.Errorf("signed under %s, want %s", rs.Serial, pk.Serial)
			} else {
				err = rs.Verify(&pk.Key.PublicKey, w.Body.Bytes())
			}
		}
		if err != nil {
			t.Fatalf("%s %s (signed %v): answer %d %q: %v", method, path, signed, w.Code, w.Body.String(), err)
		}
	})
}
