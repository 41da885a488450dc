package sign

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"giftsim/internal/testkey"
)

// TestResponseSignatureHeaders writes and reads the signature headers and
// checks each part: a missing header, a stale timestamp, a wrong type.
func TestResponseSignatureHeaders(t *testing.T) {
	k := testkey.RSA()
	now := time.Unix(1770000000, 0)
	body := []byte(`{"code":"PARAM_ERROR","message":"x"}`)
	sig, err := SignResponse(k, "1770000000", "n1", body)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	ResponseSignature{Serial: "S1", Signature: sig, Timestamp: "1770000000", Nonce: "n1", Type: SchemeRSA}.Set(h)
	rs, err := ReadResponseSignature(h)
	if err != nil {
		t.Fatal(err)
	}
	if err := rs.Verify(&k.PublicKey, body); err != nil {
		t.Fatal(err)
	}
	if err := rs.CheckTime(now.Add(299*time.Second), MaxSkew); err != nil {
		t.Fatal(err)
	}
	for _, d := range []time.Duration{300 * time.Second, -300 * time.Second} {
		if err := rs.CheckTime(now.Add(d), MaxSkew); !errors.Is(err, ErrResponseSignature) {
			t.Errorf("timestamp %s off: %v", d, err)
		}
	}
	if err := rs.Verify(&k.PublicKey, append(body, ' ')); !errors.Is(err, ErrResponseSignature) {
		t.Errorf("changed body: %v", err)
	}
	hm := rs
	hm.Type = SchemeHMAC
	if err := hm.Verify(&k.PublicKey, body); !errors.Is(err, ErrResponseSignature) {
		t.Errorf("HMAC type verified as RSA: %v", err)
	}
	for _, name := range []string{HeaderSerial, HeaderSignature, HeaderTimestamp, HeaderNonce} {
		c := h.Clone()
		c.Del(name)
		if _, err := ReadResponseSignature(c); !errors.Is(err, ErrResponseSignature) {
			t.Errorf("without %s: %v", name, err)
		}
	}
	c := h.Clone()
	c.Del(HeaderSignatureType)
	if rs, err := ReadResponseSignature(c); err != nil || rs.Type != SchemeRSA {
		t.Errorf("without a type: %+v %v, want %s", rs, err, SchemeRSA)
	}
	bad := rs
	bad.Timestamp = "+1770000000x"
	if err := bad.CheckTime(now, MaxSkew); !errors.Is(err, ErrResponseSignature) {
		t.Errorf("malformed timestamp: %v", err)
	}
}

func TestResponseHMAC(t *testing.T) {
	key := []byte("merchant-secret")
	body := []byte(`{"coupon_id":"1"}`)
	sig := SignResponseHMAC(key, "1770000000", "n1", body)
	if err := VerifyResponseHMAC(key, "1770000000", "n1", body, sig); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"key":       VerifyResponseHMAC([]byte("other"), "1770000000", "n1", body, sig),
		"timestamp": VerifyResponseHMAC(key, "1770000001", "n1", body, sig),
		"body":      VerifyResponseHMAC(key, "1770000000", "n1", []byte(`{"coupon_id":"2"}`), sig),
		"base64":    VerifyResponseHMAC(key, "1770000000", "n1", body, "!!"),
	} {
		if !errors.Is(err, ErrResponseSignature) {
			t.Errorf("%s changed: %v", name, err)
		}
	}
}
