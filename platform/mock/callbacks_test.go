package mock

import (
	"context"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"giftsim/internal/testkey"
	"giftsim/platform"
	"giftsim/platform/api"
	"giftsim/platform/fixture"
)

// testAPIv3Key is the filed merchant's APIv3 key in callback tests.
const testAPIv3Key = "0123456789abcdefghijklmnopqrstuv"

// callbackFixture is testFixture with the filed merchant's APIv3 key and
// a platform identity on testkey.RSA, so a receiver can verify the
// platform's signatures with its public key.
func callbackFixture(t testing.TB, users, quota int) *fixture.Fixture {
	t.Helper()
	f := testFixture(t, users, quota)
	f.Merchants[0].APIv3Key = testAPIv3Key
	p, err := fixture.NewPlatform(testkey.RSA(), 7, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	f.Platform = p
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	return f
}

// notice is one notification a receiver accepted, verified and decrypted.
type notice struct {
	at     time.Time // at is platform time on arrival.
	serial string
	body   api.Notification
	coupon map[string]any
}

// receiver is a merchant's notify endpoint: it checks every notification's
// platform signature with the platform's public key and decrypts its
// resource with the APIv3 key, using only standard library crypto, and
// answers status(n) to the n-th notification (from 0).
type receiver struct {
	t      testing.TB
	pub    *rsa.PublicKey
	key    []byte
	now    func() time.Time
	status func(n int) int
	hs     *httptest.Server

	mu    sync.Mutex
	calls int
	got   []notice
}

func newReceiver(t testing.TB, status func(n int) int) *receiver {
	r := &receiver{t: t, pub: &testkey.RSA().PublicKey, key: []byte(testAPIv3Key), status: status, now: time.Now}
	r.hs = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.hs.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err != nil {
		r.t.Errorf("receiver: read: %v", err)
		return
	}
	h := req.Header
	ts, nonce, sig := h.Get("Wechatpay-Timestamp"), h.Get("Wechatpay-Nonce"), h.Get("Wechatpay-Signature")
	if req.Method != http.MethodPost || h.Get("Content-Type") != "application/json" || h.Get("Wechatpay-Serial") == "" || ts == "" || nonce == "" {
		r.t.Errorf("receiver: %s with headers %v", req.Method, h)
	}
	raw, err := base64.StdEncoding.DecodeString(sig)
	d := sha256.Sum256([]byte(ts + "\n" + nonce + "\n" + string(body) + "\n"))
	if err != nil || rsa.VerifyPKCS1v15(r.pub, crypto.SHA256, d[:], raw) != nil {
		r.t.Errorf("receiver: platform signature does not verify (%v)", err)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var n api.Notification
	if err := json.Unmarshal(body, &n); err != nil {
		r.t.Errorf("receiver: body %q: %v", body, err)
		return
	}
	res := n.Resource
	if res.Algorithm != "AEAD_AES_256_GCM" || n.ResourceType != "encrypt-resource" || res.OriginalType != "coupon" || len(res.Nonce) != 12 {
		r.t.Errorf("receiver: resource %+v of %s", res, n.ResourceType)
	}
	block, _ := aes.NewCipher(r.key)
	gcm, _ := cipher.NewGCM(block)
	ct, _ := base64.StdEncoding.DecodeString(res.Ciphertext)
	plain, err := gcm.Open(nil, []byte(res.Nonce), ct, []byte(res.AssociatedData))
	if err != nil {
		r.t.Errorf("receiver: decrypt: %v", err)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var cp map[string]any
	if err := json.Unmarshal(plain, &cp); err != nil {
		r.t.Errorf("receiver: resource %q: %v", plain, err)
	}
	r.mu.Lock()
	k := r.calls
	r.calls++
	r.got = append(r.got, notice{at: r.now(), serial: h.Get("Wechatpay-Serial"), body: n, coupon: cp})
	r.mu.Unlock()
	w.WriteHeader(r.status(k))
}

// notices returns what arrived so far.
func (r *receiver) notices() []notice {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]notice(nil), r.got...)
}

// waitFor polls cond for up to 30 s of wall time.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// fastHarness starts a harness on the real wall clock with a platform
// day of day, and stops its background workers before its store closes.
func fastHarness(t testing.TB, f *fixture.Fixture, st Store, day time.Duration, cb CallbackConfig) *harness {
	t.Helper()
	if cb.Poll == 0 {
		cb.Poll = 5 * time.Millisecond
	}
	h := newHarness(t, f, st, Config{Day: day, Now: time.Now, Auth: AuthSign, Seed: 1, Callbacks: cb})
	t.Cleanup(func() { h.srv.Close(context.Background()) })
	return h
}

// setNotify points the filed merchant's notifications at url.
func (h *harness) setNotify(url string) reply {
	h.t.Helper()
	return h.do(h.signer, "POST", api.PathCallbacks, map[string]any{"mchid": mchFiled, "notify_url": url, "switch": true})
}

func TestCheckNotifyURL(t *testing.T) {
	long := "http://127.0.0.1/" + strings.Repeat("a", MaxNotifyURL)
	for _, tc := range []struct {
		url           string
		local, remote bool // accepted without and with AllowRemote
	}{
		{"http://127.0.0.1:9000/notify", true, true},
		{"https://127.0.0.1/notify", true, true},
		{"http://127.8.9.10/n", true, true},
		{"http://[::1]:8080/n", true, true},
		{"http://localhost:8080/n", true, true},
		{"http://LOCALHOST/n", true, true},
		{"http://[::ffff:127.0.0.1]/n", true, true},
		{"https://pay.example.com/notify", false, true},
		{"http://10.0.0.1/n", false, true},
		{"http://0.0.0.0/n", false, true},
		{"http://[::]/n", false, true},
		{"http://169.254.169.254/latest", false, true},
		{"http://localhost.example.com/n", false, true},
		{"http://127.0.0.1.nip.io/n", false, true},
		{"http://[fe80::1%25lo]/n", false, true},
		{"ftp://127.0.0.1/n", false, false},
		{"file:///etc/passwd", false, false},
		{"127.0.0.1:9000/n", false, false},
		{"http://user:pw@127.0.0.1/n", false, false},
		{"http://127.0.0.1/n?x=1", false, false},
		{"http://127.0.0.1/n?", false, false},
		{"http://127.0.0.1/n#frag", false, false},
		{"http://127.0.0.1:0/n", false, false},
		{"http://127.0.0.1:70000/n", false, false},
		{"http:///n", false, false},
		{"", false, false},
		{long, false, false},
	} {
		for _, remote := range []bool{false, true} {
			want := tc.local
			if remote {
				want = tc.remote
			}
			err := CheckNotifyURL(tc.url, remote)
			if (err == nil) != want {
				t.Errorf("CheckNotifyURL(%q, remote %v) = %v, want accepted %v", tc.url, remote, err, want)
			}
			if err != nil && platform.CodeOf(err) != platform.CodeParamError {
				t.Errorf("CheckNotifyURL(%q): code %s, want PARAM_ERROR", tc.url, platform.CodeOf(err))
			}
		}
	}
}

func TestSetCallbackRoute(t *testing.T) {
	f := callbackFixture(t, 4, 0)
	st, _ := NewMemoryStore(f)
	h := fastHarness(t, f, st, 24*time.Hour, CallbackConfig{})
	r := h.setNotify("https://pay.example.com/notify")
	want(t, r, 400, "PARAM_ERROR")
	if !strings.Contains(r.str("message"), "loopback") {
		t.Errorf("refusal does not say why: %s", r.raw)
	}
	want(t, h.do(h.signer, "GET", api.PathCallbacks+"?mchid="+mchFiled, nil), 404, "RESOURCE_NOT_EXISTS")
	r = h.setNotify("http://127.0.0.1:9/notify")
	want(t, r, 200, "")
	if r.str("notify_url") != "http://127.0.0.1:9/notify" || r.str("update_time") == "" {
		t.Errorf("set callback answered %s", r.raw)
	}
	r = h.do(h.signer, "GET", api.PathCallbacks+"?mchid="+mchFiled, nil)
	want(t, r, 200, "")
	if r.str("notify_url") != "http://127.0.0.1:9/notify" || r.body["switch"] != true {
		t.Errorf("query callback answered %s", r.raw)
	}
	// Another merchant's mchid in the body is refused (R13); a merchant
	// without an APIv3 key cannot turn notifications on.
	r = h.do(h.signer, "POST", api.PathCallbacks, map[string]any{"mchid": mchNew, "notify_url": "http://127.0.0.1:9/n"})
	want(t, r, 403, "RULE_LIMIT")
	s2, _ := f.Merchant(mchNew).HMACSigner(time.Now)
	r = h.do(s2, "POST", api.PathCallbacks, map[string]any{"mchid": mchNew, "notify_url": "http://127.0.0.1:9/n"})
	want(t, r, 400, "PARAM_ERROR")
	if !strings.Contains(r.str("message"), "APIv3") {
		t.Errorf("refusal does not name the APIv3 key: %s", r.raw)
	}
	// Switched off, events queue nothing.
	want(t, h.do(h.signer, "POST", api.PathCallbacks, map[string]any{"mchid": mchFiled, "notify_url": "http://127.0.0.1:9/n", "switch": false}), 200, "")
	id := h.send("u0000", "api", "off1").str("coupon_id")
	want(t, h.card(api.PathConsume, "openid", "u0000", "code", id), 200, "")
	if p, _, _ := st.CallbackQueue(context.Background()); p != 0 {
		t.Errorf("switched off, %d notifications queued", p)
	}
	// With AllowRemote a remote URL is taken.
	st2, _ := NewMemoryStore(f)
	h2 := fastHarness(t, f, st2, 24*time.Hour, CallbackConfig{AllowRemote: true})
	want(t, h2.setNotify("https://pay.example.com/notify"), 200, "")
}

// TestCallbacksDelivered redeems and gifts coupons and checks that every
// event arrives once, signed and encrypted as the platform does, with the
// coupon as the event left it; an offer left unclaimed for 48 hours
// arrives as a return, and claimed or refused offers never do.
func TestCallbacksDelivered(t *testing.T) {
	f := callbackFixture(t, 8, 0)
	st, _ := NewMemoryStore(f)
	day := time.Second // 48 h of platform time pass in 2 s
	h := fastHarness(t, f, st, day, CallbackConfig{})
	rc := newReceiver(t, func(int) int { return http.StatusNoContent })
	rc.now = h.srv.Clock().Now
	want(t, h.setNotify(rc.hs.URL+"/notify"), 200, "")

	issue := func(no string) string {
		r := h.send("u0000", "api", no)
		want(t, r, 200, "")
		return r.str("coupon_id")
	}
	used, claimed, refused, returned := issue("o1"), issue("o2"), issue("o3"), issue("o4")
	want(t, h.card(api.PathConsume, "openid", "u0000", "code", used), 200, "")
	want(t, h.card(api.PathOffer, "openid", "u0000", "coupon_id", claimed, "to_openid", "u0002"), 200, "")
	want(t, h.card(api.PathClaim, "openid", "u0002", "coupon_id", claimed), 200, "")
	want(t, h.card(api.PathOffer, "openid", "u0000", "coupon_id", refused, "to_openid", "u0004"), 200, "")
	want(t, h.card(api.PathRefuse, "openid", "u0004", "coupon_id", refused), 200, "")
	want(t, h.card(api.PathOffer, "openid", "u0000", "coupon_id", returned, "to_openid", "u0006"), 200, "")

	wantEvents := map[string]string{ // coupon id + event type → state in the resource
		used + " COUPON.USE":             "redeemed",
		claimed + " COUPON.GIFT_OFFER":   "offered",
		claimed + " COUPON.GIFT_CLAIM":   "claimed",
		refused + " COUPON.GIFT_OFFER":   "offered",
		refused + " COUPON.GIFT_REFUSE":  "refused",
		returned + " COUPON.GIFT_OFFER":  "offered",
		returned + " COUPON.GIFT_RETURN": "returned",
	}
	waitFor(t, "seven notifications", func() bool { return len(rc.notices()) >= len(wantEvents) })
	time.Sleep(day / 4) // any stray return of a claimed or refused offer would arrive by now
	pid, err := h.srv.Platform()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	got := rc.notices()
	if len(got) != len(wantEvents) {
		t.Errorf("got %d notifications, want %d", len(got), len(wantEvents))
	}
	for _, n := range got {
		id, _ := n.coupon["coupon_id"].(string)
		key := id + " " + n.body.EventType
		state, ok := wantEvents[key]
		if !ok {
			t.Errorf("unexpected notification %s", key)
			continue
		}
		delete(wantEvents, key)
		if n.coupon["state"] != state || n.coupon["stock_id"] != "api" || n.coupon["stock_creator_mchid"] != mchFiled {
			t.Errorf("%s: resource %v, want state %s", key, n.coupon, state)
		}
		if n.serial != pid.Serial || ids[n.body.ID] || !strings.HasPrefix(n.body.ID, "EV-") || n.body.Summary == "" || n.body.CreateTime == "" {
			t.Errorf("%s: serial %s (platform %s), id %q, summary %q, create_time %q", key, n.serial, pid.Serial, n.body.ID, n.body.Summary, n.body.CreateTime)
		}
		ids[n.body.ID] = true
		if n.body.EventType == api.EventCouponUse {
			ci, _ := n.coupon["consume_information"].(map[string]any)
			_, named := n.coupon["coupon_name"]
			if !named || n.coupon["status"] != "USED" || ci["consume_mchid"] != mchFiled || len(ci["transaction_id"].(string)) != 28 || ci["consume_time"] == "" {
				t.Errorf("coupon use resource %v", n.coupon)
			}
		}
		if n.body.EventType == api.EventCouponGiftReturn {
			ct, _ := time.Parse(time.RFC3339, n.body.CreateTime)
			if off, _ := time.Parse(time.RFC3339, got[0].body.CreateTime); ct.Sub(off) < platform.ClaimWindow-time.Minute {
				t.Errorf("return notified at %s, under 48 h after the offers (%s)", ct, off)
			}
		}
	}
	if len(wantEvents) > 0 {
		t.Errorf("missing notifications: %v", wantEvents)
	}
	if n := counterValue(h.srv.bg.outcomes.WithLabelValues(outcomeDelivered)); n != 7 {
		t.Errorf("delivered counter %v, want 7", n)
	}
	if p, _, _ := st.CallbackQueue(context.Background()); p != 0 {
		t.Errorf("%d notifications still pending", p)
	}
}

// TestCallbackRetriesThenGivesUp fails every attempt: the platform retries
// on its schedule, measured in platform time, and gives up after the last.
func TestCallbackRetriesThenGivesUp(t *testing.T) {
	for _, tc := range []struct {
		name    string
		retries []time.Duration
		day     time.Duration
	}{
		{"coupon", CouponNotifyRetries(), 24 * time.Hour / 1440 * 5}, // a platform minute lasts 5 ms
		{"payment", PaymentNotifyRetries(), 2 * time.Second},         // the schedule's 24 h 4 min last about 2 s
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := callbackFixture(t, 4, 0)
			st, _ := NewMemoryStore(f)
			cb := CallbackConfig{}
			if tc.name == "payment" {
				cb.Retries = tc.retries
			}
			h := fastHarness(t, f, st, tc.day, cb)
			rc := newReceiver(t, func(int) int { return http.StatusInternalServerError })
			rc.now = h.srv.Clock().Now
			want(t, h.setNotify(rc.hs.URL), 200, "")
			id := h.send("u0000", "api", "r1").str("coupon_id")
			want(t, h.card(api.PathConsume, "openid", "u0000", "code", id), 200, "")
			given := h.srv.bg.outcomes.WithLabelValues(outcomeGivenUp)
			waitFor(t, "giving up", func() bool { return counterValue(given) == 1 })
			got := rc.notices()
			if len(got) != len(tc.retries)+1 {
				t.Fatalf("%d attempts, want %d", len(got), len(tc.retries)+1)
			}
			for i := 1; i < len(got); i++ {
				if got[i].body.ID != got[0].body.ID {
					t.Errorf("attempt %d has id %s, first %s", i, got[i].body.ID, got[0].body.ID)
				}
				// The dispatcher never tries early; the platform clock's
				// reading on arrival is a little later than the send.
				if gap := got[i].at.Sub(got[i-1].at); gap < tc.retries[i-1]-time.Second {
					t.Errorf("attempt %d came %s after the one before, want at least %s", i+1, gap, tc.retries[i-1])
				}
			}
			if n := counterValue(h.srv.bg.outcomes.WithLabelValues(outcomeRetried)); int(n) != len(tc.retries) {
				t.Errorf("retried counter %v, want %d", n, len(tc.retries))
			}
			if p, _, _ := st.CallbackQueue(context.Background()); p != 0 {
				t.Errorf("%d still pending after giving up", p)
			}
			// Nothing more arrives.
			time.Sleep(20 * time.Millisecond)
			if n := len(rc.notices()); n != len(got) {
				t.Errorf("%d attempts after giving up, want %d", n, len(got))
			}
		})
	}
}

// TestCallbackResumesAfterRestart leaves a failed delivery pending in a
// file store, restarts, and sees the next start deliver it.
func TestCallbackResumesAfterRestart(t *testing.T) {
	f := callbackFixture(t, 4, 0)
	dir := t.TempDir()
	var ok atomic.Bool
	rc := newReceiver(t, func(int) int {
		if ok.Load() {
			return http.StatusOK
		}
		return http.StatusServiceUnavailable
	})
	day := 24 * time.Second // a platform hour lasts a wall second
	cb := CallbackConfig{Retries: []time.Duration{time.Hour, time.Hour}}
	open := func() *harness {
		st, err := OpenFileStore(context.Background(), dir, f)
		if err != nil {
			t.Fatal(err)
		}
		return fastHarness(t, f, st, day, cb)
	}
	h := open()
	rc.now = h.srv.Clock().Now
	want(t, h.setNotify(rc.hs.URL+"/n"), 200, "")
	id := h.send("u0000", "api", "k1").str("coupon_id")
	want(t, h.card(api.PathConsume, "openid", "u0000", "code", id), 200, "")
	waitFor(t, "the first attempt", func() bool { return len(rc.notices()) == 1 })
	waitFor(t, "the retry to be recorded", func() bool {
		return counterValue(h.srv.bg.outcomes.WithLabelValues(outcomeRetried)) == 1
	})
	if err := h.srv.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.hs.Close()
	if err := h.store.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	ok.Store(true)
	h2 := open()
	if p, _, _ := h2.store.CallbackQueue(context.Background()); p != 1 {
		t.Fatalf("after restart %d deliveries pending, want 1", p)
	}
	waitFor(t, "the resumed delivery", func() bool {
		return counterValue(h2.srv.bg.outcomes.WithLabelValues(outcomeDelivered)) == 1
	})
	got := rc.notices()
	if len(got) != 2 || got[1].body.ID != got[0].body.ID || got[1].body.EventType != api.EventCouponUse {
		t.Fatalf("notifications %+v, want the same COUPON.USE twice", got)
	}
	if p, _, _ := h2.store.CallbackQueue(context.Background()); p != 0 {
		t.Errorf("%d still pending", p)
	}
	// The setting survived too, and a new event gets a new id.
	want(t, h2.do(h2.signer, "GET", api.PathCallbacks+"?mchid="+mchFiled, nil), 200, "")
	id = h2.send("u0000", "api", "k2").str("coupon_id")
	want(t, h2.card(api.PathConsume, "openid", "u0000", "code", id), 200, "")
	waitFor(t, "the next notification", func() bool { return len(rc.notices()) == 3 })
	if got := rc.notices(); got[2].body.ID == got[0].body.ID {
		t.Errorf("a new event after restart reuses id %s", got[0].body.ID)
	}
}

// TestCallbackQueueBound drops events beyond a merchant's queue and
// counts them, without delaying the redemptions.
func TestCallbackQueueBound(t *testing.T) {
	f := callbackFixture(t, 4, 0)
	st, _ := NewMemoryStore(f)
	block := make(chan struct{})
	rc := newReceiver(t, func(int) int { <-block; return 200 })
	h := fastHarness(t, f, st, 24*time.Hour, CallbackConfig{Queue: 2, Workers: 1})
	defer close(block)
	want(t, h.setNotify(rc.hs.URL), 200, "")
	for i := range 4 {
		id := h.send("u0000", "api", "q"+string(rune('a'+i))).str("coupon_id")
		want(t, h.card(api.PathConsume, "openid", "u0000", "code", id), 200, "")
	}
	p, dropped, _ := st.CallbackQueue(context.Background())
	if p != 2 || dropped != 2 {
		t.Errorf("pending %d, dropped %d; want 2 and 2", p, dropped)
	}
}

// counterValue reads a counter.
func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return -1
	}
	return m.GetCounter().GetValue()
}

// TestNotificationIDsNeverRepeat finishes a delivery, restarts the file
// store and checks that the next event gets a new id: merchants drop
// repeated ids as retries.
func TestNotificationIDsNeverRepeat(t *testing.T) {
	f := callbackFixture(t, 4, 0)
	dir := t.TempDir()
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, platform.Beijing)
	var ids []string
	for i := range 2 {
		st, err := OpenFileStore(ctx, dir, f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.SetNotify(ctx, NotifySetting{MchID: mchFiled, URL: "http://127.0.0.1:9/n", On: true, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
		c, _, err := st.Send(ctx, SendOp{MchID: mchFiled, AppID: appFiled, OpenID: "u0000", StockID: "api", OutRequestNo: "n" + string(rune('0'+i)), Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Redeem(ctx, CouponOp{MchID: mchFiled, AppID: appFiled, OpenID: "u0000", CouponID: c.ID, Now: now}); err != nil {
			t.Fatal(err)
		}
		ds, _, _ := st.DueDeliveries(ctx, now, 10)
		if len(ds) != 1 || ds[0].EventType != api.EventCouponUse {
			t.Fatalf("due deliveries %+v, want one COUPON.USE", ds)
		}
		d := ds[0]
		d.State, d.Attempts = DeliveryDone, 1
		if err := st.FinishDelivery(ctx, d); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.ID)
		if err := st.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if ids[0] == ids[1] {
		t.Errorf("notification id %s given out twice", ids[0])
	}
}

// TestServeStopsDeliveries ends Serve's context while a delivery hangs on
// a slow receiver: Serve returns within its drain and the delivery stays
// pending for the next start.
func TestServeStopsDeliveries(t *testing.T) {
	f := callbackFixture(t, 4, 0)
	st, _ := NewMemoryStore(f)
	defer st.Close(context.Background())
	release := make(chan struct{})
	defer close(release)
	arrived := make(chan struct{}, 1)
	rc := newReceiver(t, func(int) int {
		arrived <- struct{}{}
		<-release
		return 200
	})
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := New(ctx, Config{Day: 24 * time.Hour, Now: time.Now, Auth: AuthNone, Seed: 1}, f, st)
	if err != nil {
		t.Fatal(err)
	}
	op := time.Now()
	if _, err := st.SetNotify(ctx, NotifySetting{MchID: mchFiled, URL: rc.hs.URL, On: true, UpdatedAt: op}); err != nil {
		t.Fatal(err)
	}
	c, _, err := st.Send(ctx, SendOp{MchID: mchFiled, AppID: appFiled, OpenID: "u0000", StockID: "api", OutRequestNo: "d1", Now: srv.Clock().Now()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Redeem(ctx, CouponOp{MchID: mchFiled, AppID: appFiled, OpenID: "u0000", CouponID: c.ID, Now: srv.Clock().Now()}); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln, 5*time.Second) }()
	select {
	case <-arrived:
	case <-time.After(30 * time.Second):
		t.Fatal("the delivery never started")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
	if p, _, _ := st.CallbackQueue(context.Background()); p != 1 {
		t.Errorf("%d pending after the stop, want the cut-off delivery kept", p)
	}
	ds, _, _ := st.DueDeliveries(context.Background(), srv.Clock().Now(), 10)
	if len(ds) != 1 || ds[0].Attempts != 0 {
		t.Errorf("after the stop: %+v, want the delivery due again, unattempted", ds)
	}
}
