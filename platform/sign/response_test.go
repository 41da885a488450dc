package sign

import (
	"errors"
	"strings"
	"testing"
)

func TestResponseSignatureRoundTrip(t *testing.T) {
	k := testRSAKey(t)
	body := []byte(`{"coupon_id":"1"}`)
	sig, err := SignResponse(k, "1770000000", "n1", body)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyResponse(&k.PublicKey, "1770000000", "n1", body, sig); err != nil {
		t.Fatalf("own signature refused: %v", err)
	}
	for name, tc := range map[string][3]string{
		"timestamp": {"1770000001", "n1", string(body)},
		"nonce":     {"1770000000", "n2", string(body)},
		"body":      {"1770000000", "n1", `{"coupon_id":"2"}`},
	} {
		if err := VerifyResponse(&k.PublicKey, tc[0], tc[1], []byte(tc[2]), sig); !errors.Is(err, ErrResponseSignature) {
			t.Errorf("%s changed: got %v, want ErrResponseSignature", name, err)
		}
	}
	if err := VerifyResponse(&k.PublicKey, "1770000000", "n1", body, "!!"); !errors.Is(err, ErrResponseSignature) {
		t.Errorf("non-base64 signature: got %v", err)
	}
}

func TestSealOpen(t *testing.T) {
	key := []byte(strings.Repeat("k", APIv3KeyLen))
	e, err := Seal(key, "0123456789ab", "certificate", []byte("PEM"))
	if err != nil {
		t.Fatal(err)
	}
	if e.Algorithm != AlgorithmAEAD {
		t.Fatalf("algorithm %q", e.Algorithm)
	}
	pt, err := Open(key, e)
	if err != nil || string(pt) != "PEM" {
		t.Fatalf("open: %q %v", pt, err)
	}
	bad := e
	bad.AssociatedData = "coupon"
	if _, err := Open(key, bad); err == nil {
		t.Error("changed associated data opened")
	}
	if _, err := Open([]byte(strings.Repeat("x", APIv3KeyLen)), e); err == nil {
		t.Error("wrong key opened")
	}
	if _, err := Seal(key[:16], "0123456789ab", "", nil); err == nil {
		t.Error("16-byte key accepted")
	}
	if _, err := Seal(key, "short", "", nil); err == nil {
		t.Error("short nonce accepted")
	}
	if n := RandomNonce(NonceLen); len(n) != NonceLen {
		t.Errorf("RandomNonce length %d", len(n))
	}
}
