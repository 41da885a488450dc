package loadgen

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"giftsim/platform/fixture"
	"giftsim/platform/sign"
)

// testDriver returns a driver for plan over the default fixture, aimed at a
// loopback address it never contacts.
func testDriver(t testing.TB, plan string) (*Driver, *fixture.Fixture) {
	t.Helper()
	p, err := ParsePlan(strings.NewReader(plan), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f := fixture.Generate(fixture.DefaultGenerateConfig(1))
	d, err := New(WithPlan(p), WithFixture(f), WithTarget("http://127.0.0.1:1/base"),
		WithNow(func() time.Time { return time.Unix(1_770_000_000, 0) }))
	if err != nil {
		t.Fatal(err)
	}
	return d, f
}

// verifier checks requests the way the mock does, with the fixture's keys.
func verifier(t testing.TB, f *fixture.Fixture) *sign.Verifier {
	t.Helper()
	v, err := sign.NewVerifier(sign.VerifierConfig{
		Keys: func(mch, serial string) (sign.Key, bool) {
			if m := f.Merchant(mch); m != nil {
				for _, k := range m.Keys {
					if k.Serial == serial {
						return sign.Key{HMAC: []byte(k.HMAC)}, true
					}
				}
			}
			return sign.Key{}, false
		},
		Now: func() time.Time { return time.Unix(1_770_000_000, 0) }, AllowHMAC: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestTargeterBuildsSignedRequests(t *testing.T) {
	d, f := testDriver(t, "name: t\nmerchant: {tier: filed}\nphases: [{requests: 10, mix: {send_v3: 1, send_card: 1, query: 1, offer: 1, claim: 1, refuse: 1, redeem: 1}}]\n")
	pr, err := d.newPhaseRun(0, nil, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	var holder *user
	for _, u := range d.ids.rest {
		if u.bankCard {
			holder = u
			break
		}
	}
	friend := d.ids.rest[len(d.ids.rest)-1]
	pr.held.push(coupon{id: "1001", holder: holder})
	pr.held.push(coupon{id: "1002", holder: holder})
	pr.held.push(coupon{id: "1003", holder: holder})
	pr.offered.push(coupon{id: "2001", holder: holder, to: friend})
	pr.offered.push(coupon{id: "2002", holder: holder, to: friend})
	tg := d.newTargeter()
	next := tg.targeter(pr)
	v := verifier(t, f)

	want := map[Op]struct{ method, path string }{
		OpSendV3:   {"POST", "/base/v3/marketing/favor/users/{u}/coupons"},
		OpSendCard: {"POST", "/base/card/gift"},
		OpQuery:    {"GET", "/base/v3/marketing/favor/users/{u}/coupons/{c}?appid={a}"},
		OpOffer:    {"POST", "/base/card/gift/offer"},
		OpClaim:    {"POST", "/base/card/gift/claim"},
		OpRefuse:   {"POST", "/base/card/gift/refuse"},
		OpRedeem:   {"POST", "/base/card/code/consume"},
	}
	seen := map[Op]int{}
	for range 7 {
		var tgt vegeta.Target
		if err := next(&tgt); err != nil {
			t.Fatal(err)
		}
		req, err := tgt.Request()
		if err != nil {
			t.Fatal(err)
		}
		op := classifyURL(req.Method, tgt.URL)
		seen[op]++
		if _, err := v.Verify(req.Header.Get("Authorization"), req.Method, req.URL.RequestURI(), tgt.Body); err != nil {
			t.Errorf("%s: signature does not verify: %v", op, err)
		}
		w := want[op]
		path := strings.NewReplacer("{u}", holder.openID, "{c}", "1001", "{a}", holder.appID).Replace(w.path)
		if req.Method != w.method || (op != OpSendV3 && req.URL.RequestURI() != path) {
			t.Errorf("%s: %s %s, want %s %s", op, req.Method, req.URL.RequestURI(), w.method, path)
		}
		if tgt.Body != nil {
			var body map[string]string
			if err := json.Unmarshal(tgt.Body, &body); err != nil {
				t.Errorf("%s: body %s: %v", op, tgt.Body, err)
			}
			if op == OpSendV3 && (body["stock_id"] != d.cred.stockID || body["stock_creator_mchid"] != d.cred.mchID || len(body["out_request_no"]) > 32) {
				t.Errorf("send body %v", body)
			}
			if op == OpOffer && (body["openid"] != holder.openID || body["to_openid"] == holder.openID) {
				t.Errorf("offer body %v", body)
			}
			if (op == OpClaim || op == OpRefuse) && body["openid"] != friend.openID {
				t.Errorf("%s body %v: the recipient acts", op, body)
			}
		}
	}
	for op := range want {
		if seen[op] != 1 {
			t.Errorf("the mix sent %s %d times in 7 requests, want once", op, seen[op])
		}
	}
}

func TestTargeterFallsBackToSends(t *testing.T) {
	d, _ := testDriver(t, "name: t\nmerchant: {tier: new}\nphases: [{requests: 10, mix: {claim: 1}}]\n")
	pr, err := d.newPhaseRun(0, nil, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	var tgt vegeta.Target
	if err := d.newTargeter().targeter(pr)(&tgt); err != nil {
		t.Fatal(err)
	}
	if op := classifyURL(tgt.Method, tgt.URL); op != OpSendV3 || pr.fellBack.Load() != 1 {
		t.Errorf("a claim with no offer to claim became %s (fell back %d), want a send", op, pr.fellBack.Load())
	}
}

func TestMixIsSmooth(t *testing.T) {
	pr := &phaseRun{ph: &Phase{Mix: []MixEntry{{OpSendV3, 9}, {OpQuery, 1}}}, credit: make([]float64, 2), weight: 10}
	counts := map[Op]int{}
	for i := range 1000 {
		counts[pr.nextOp()]++
		if q := counts[OpQuery]; q < (i+1)/10-1 || q > (i+1)/10+1 {
			t.Fatalf("after %d requests %d queries, want about a tenth", i+1, q)
		}
	}
	if counts[OpSendV3] != 900 || counts[OpQuery] != 100 {
		t.Errorf("counts %v, want 900 and 100", counts)
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		method, url string
		op          Op
	}{
		{"POST", "http://h:1/v3/marketing/favor/users/o1/coupons", OpSendV3},
		{"GET", "http://h:1/p/v3/marketing/favor/users/o1/coupons/7?appid=wx", OpQuery},
		{"GET", "http://h:1/v3/marketing/favor/users/o1/coupons?appid=wx", 0},
		{"POST", "https://h/card/gift", OpSendCard},
		{"POST", "https://h/card/gift/offer", OpOffer},
		{"POST", "/card/gift/claim", OpClaim},
		{"POST", "/card/gift/refuse", OpRefuse},
		{"POST", "/card/code/consume", OpRedeem},
		{"GET", "/card/gift", 0},
		{"POST", "/healthz", 0},
	}
	for _, tt := range tests {
		if got := classifyURL(tt.method, tt.url); got != tt.op {
			t.Errorf("classifyURL(%s %s) = %s, want %s", tt.method, tt.url, got, tt.op)
		}
	}
	codes := []struct {
		res  vegeta.Result
		want string
	}{
		{vegeta.Result{Code: 200, Body: []byte(`{"coupon_id":"1"}`)}, CodeAccepted},
		{vegeta.Result{Code: 200, Body: []byte(`{"code":"RULE_LIMIT","message":"x"}`)}, "RULE_LIMIT"},
		{vegeta.Result{Code: 429, Body: []byte(`{"code":"FREQUENCY_LIMITED","message":"x"}`)}, "FREQUENCY_LIMITED"},
		{vegeta.Result{Code: 502, Body: []byte(`<html>bad gateway</html>`)}, "HTTP_502"},
		{vegeta.Result{Error: "Post \"x\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"}, CodeTimeout},
		{vegeta.Result{Error: "dial tcp: connection refused"}, CodeTransport},
	}
	for _, c := range codes {
		if got := codeOf(&c.res, parseReply(c.res.Body)); got != c.want {
			t.Errorf("codeOf(%d %s %q) = %s, want %s", c.res.Code, c.res.Body, c.res.Error, got, c.want)
		}
	}
}

// BenchmarkTargeterHMAC measures choosing, building and HMAC-signing one v3
// send, the driver's work per request before vegeta sends it.
func BenchmarkTargeterHMAC(b *testing.B) { benchTargeter(b, false) }

// BenchmarkTargeterHMACRequest adds vegeta's conversion of the target into
// an *http.Request.
func BenchmarkTargeterHMACRequest(b *testing.B) { benchTargeter(b, true) }

// benchTargeter runs the targeter of a one-phase HMAC plan; toRequest adds
// the conversion of each target into an *http.Request.
func benchTargeter(b *testing.B, toRequest bool) {
	d, _ := testDriver(b, "name: t\nmerchant: {tier: filed}\nphases: [{requests: 10}]\n")
	pr, err := d.newPhaseRun(0, nil, nil, false)
	if err != nil {
		b.Fatal(err)
	}
	next := d.newTargeter().targeter(pr)
	b.ReportAllocs()
	for b.Loop() {
		var tgt vegeta.Target
		if err := next(&tgt); err != nil {
			b.Fatal(err)
		}
		if toRequest {
			if _, err := tgt.Request(); err != nil {
				b.Fatal(err)
			}
		}
	}
}
