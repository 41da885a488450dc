package mock

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"giftsim/platform/fixture"
	"giftsim/platform/sign"
)

// benchSigned runs the signed-send benchmark (memory store, HMAC
// requests, 64 clients) with answers signed in mode.
func benchSigned(b *testing.B, mode ResponseSigning) {
	f := benchFixture(b)
	var err error
	if f.Platform, err = fixture.NewPlatform(platformTestKey(), 5, time.Now()); err != nil {
		b.Fatal(err)
	}
	st, err := NewMemoryStore(f)
	if err != nil {
		b.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.SignResponses = mode
	h := newHarness(b, f, st, cfg)
	s, _ := f.Merchant(mchFiled).HMACSigner(time.Now)
	benchSends(b, h.hs.URL, s, 5000, 64)
}

// BenchmarkSendSignedAnswers compares the response signing modes on the
// signed-send benchmark: auto (HMAC answers for HMAC callers, the default),
// off, and rsa (every answer signed with the platform's RSA key).
func BenchmarkSendSignedAnswers(b *testing.B) {
	for _, mode := range ResponseSignings() {
		b.Run(string(mode), func(b *testing.B) { benchSigned(b, mode) })
	}
}

// BenchmarkSignAnswer is the cost of one answer's signature headers.
func BenchmarkSignAnswer(b *testing.B) {
	f := benchFixture(b)
	var err error
	if f.Platform, err = fixture.NewPlatform(platformTestKey(), 5, time.Now()); err != nil {
		b.Fatal(err)
	}
	st, _ := NewMemoryStore(f)
	defer st.Close(context.Background())
	srv, err := New(context.Background(), DefaultConfig(), f, st)
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(`{"coupon_id":"10000000000"}`)
	for _, tc := range []struct {
		name string
		hmac bool
	}{{"hmac", true}, {"rsa", false}} {
		b.Run(tc.name, func(b *testing.B) {
			aw := &answerWriter{ResponseWriter: httptest.NewRecorder(), keyMode: PlatformKeyCert}
			if tc.hmac {
				aw.hmacSerial, aw.hmac = "H1", sign.NewResponseMAC([]byte(hmacKey))
			}
			b.ReportAllocs()
			for b.Loop() {
				srv.signAnswer(aw, body)
				if aw.Header().Get("Wechatpay-Signature") == "" {
					b.Fatal("unsigned")
				}
			}
		})
	}
}
