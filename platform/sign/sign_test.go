package sign

import (
	"crypto/rsa"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"giftsim/internal/testkey"
	"giftsim/platform"
)

// testRSAKey is the merchant key the tests sign with.
func testRSAKey(testing.TB) *rsa.PrivateKey { return testkey.RSA() }

func fixedNow() time.Time { return time.Unix(1_770_000_000, 0) }

func testVerifier(t testing.TB, now func() time.Time) *Verifier {
	k := testRSAKey(t)
	v, err := NewVerifier(VerifierConfig{
		Keys: func(mch, serial string) (Key, bool) {
			switch {
			case mch == "1900000001" && serial == "H1":
				return Key{HMAC: []byte("secret")}, true
			case mch == "1900000001" && serial == "R1":
				return Key{RSA: &k.PublicKey}, true
			}
			return Key{}, false
		},
		Now: now, AllowRSA: true, AllowHMAC: true, NoncesPerMerchant: 100,
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestAppendMessage(t *testing.T) {
	got := string(AppendMessage(nil, "POST", "/v3/x?appid=wx1", 1554208460, "593BEC0C930BF1AFEB40B4A08C8FB242", []byte(`{"a":1}`)))
	want := "POST\n/v3/x?appid=wx1\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n{\"a\":1}\n"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestRoundTrip(t *testing.T) {
	hs, err := NewHMAC("1900000001", "H1", []byte("secret"), fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := NewRSA("1900000001", "R1", testRSAKey(t), fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"stock_id":"1"}`)
	for _, s := range []*Signer{hs, rs} {
		t.Run(s.Scheme(), func(t *testing.T) {
			v := testVerifier(t, fixedNow)
			auth, err := s.Authorization("POST", "/v3/x", body)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(auth, s.Scheme()+` mchid="1900000001",nonce_str="`) {
				t.Fatalf("header %q", auth)
			}
			h, err := v.Verify(auth, "POST", "/v3/x", body)
			if err != nil || h.MchID != "1900000001" {
				t.Fatalf("Verify = %+v, %v", h, err)
			}
			if _, err := v.Verify(auth, "POST", "/v3/x", body); !errors.Is(err, ErrReplay) {
				t.Fatalf("replay: %v", err)
			}
			for name, tamper := range map[string][3]string{
				"method": {"PUT", "/v3/x", string(body)},
				"uri":    {"POST", "/v3/x?a=1", string(body)},
				"body":   {"POST", "/v3/x", `{"stock_id":"2"}`},
			} {
				auth, _ := s.Authorization("POST", "/v3/x", body)
				if _, err := v.Verify(auth, tamper[0], tamper[1], []byte(tamper[2])); !errors.Is(err, ErrMismatch) || platform.CodeOf(err) != platform.CodeSignError {
					t.Fatalf("tampered %s: %v", name, err)
				}
			}
		})
	}
}

func TestVerifyRefusals(t *testing.T) {
	hs, _ := NewHMAC("1900000001", "H1", []byte("secret"), fixedNow)
	other, _ := NewHMAC("1900000001", "H9", []byte("secret"), fixedNow)
	wrongKey, _ := NewHMAC("1900000001", "H1", []byte("wrong"), fixedNow)
	early, _ := NewHMAC("1900000001", "H1", []byte("secret"), func() time.Time { return fixedNow().Add(-301 * time.Second) })
	edge, _ := NewHMAC("1900000001", "H1", []byte("secret"), func() time.Time { return fixedNow().Add(300 * time.Second) })
	good, _ := hs.Authorization("GET", "/x", nil)
	mk := func(s *Signer) string { a, _ := s.Authorization("GET", "/x", nil); return a }
	tests := []struct {
		name string
		auth string
		want error
	}{
		{"empty", "", ErrMalformed},
		{"no fields", "GIFTSIM-HMAC-SHA256", ErrMalformed},
		{"missing signature", strings.Split(good, `,signature=`)[0], ErrMalformed},
		{"unknown field", good + `,extra="1"`, ErrMalformed},
		{"bad timestamp", strings.Replace(good, `timestamp="`, `timestamp="x`, 1), ErrMalformed},
		{"scheme", strings.Replace(good, SchemeHMAC, "BASIC", 1), ErrScheme},
		{"unknown serial", mk(other), ErrUnknownKey},
		{"wrong key", mk(wrongKey), ErrMismatch},
		{"timestamp too old", mk(early), ErrTimestamp},
		{"timestamp at skew edge", mk(edge), nil},
		{"signature not base64", strings.Replace(good, `signature="`, `signature="!`, 1), ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := testVerifier(t, fixedNow)
			_, err := v.Verify(tt.auth, "GET", "/x", nil)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
			if err != nil && platform.CodeOf(err) != platform.CodeSignError {
				t.Fatalf("CodeOf = %s", platform.CodeOf(err))
			}
		})
	}
}

func TestSignRequest(t *testing.T) {
	s, _ := NewHMAC("1900000001", "H1", []byte("secret"), fixedNow)
	req, _ := http.NewRequest("GET", "http://127.0.0.1/v3/x?appid=wx1", nil)
	if err := s.Sign(req, nil); err != nil {
		t.Fatal(err)
	}
	v := testVerifier(t, fixedNow)
	if _, err := v.Verify(req.Header.Get("Authorization"), "GET", "/v3/x?appid=wx1", nil); err != nil {
		t.Fatal(err)
	}
}

func TestNewSignerRejectsBadIDs(t *testing.T) {
	if _, err := NewHMAC(`19"0`, "H1", []byte("k"), nil); err == nil {
		t.Fatal("quote in mchid accepted")
	}
	if _, err := NewHMAC("19", "H1", nil, nil); err == nil {
		t.Fatal("empty key accepted")
	}
}

func BenchmarkSignHMAC(b *testing.B) {
	s, _ := NewHMAC("1900000001", "H1", []byte("0123456789abcdef0123456789abcdef"), time.Now)
	body := []byte(`{"stock_id":"9856000","out_request_no":"89560002019101000121","appid":"wx233544546545989","stock_creator_mchid":"1900000001"}`)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Authorization("POST", "/v3/marketing/favor/users/oUpF8uMuAJO_M2pxb1Q9zNjWeS6o/coupons", body); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkVerifyHMAC(b *testing.B) {
	s, _ := NewHMAC("1900000001", "H1", []byte("secret"), time.Now)
	v := testVerifier(b, time.Now)
	v.nonces = NewNonceCache(0)
	body := []byte(`{"stock_id":"9856000"}`)
	b.ReportAllocs()
	for b.Loop() {
		a, _ := s.Authorization("POST", "/v3/x", body)
		if _, err := v.Verify(a, "POST", "/v3/x", body); err != nil {
			b.Fatal(err)
		}
	}
}
