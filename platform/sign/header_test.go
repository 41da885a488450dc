package sign

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"giftsim/platform"
)

// TestVerifyLongSignature is security defect 2: a signature of 684 or more
// characters was decoded into a 512-byte buffer before its length was
// checked, and panicked (an unauthenticated 500).
func TestVerifyLongSignature(t *testing.T) {
	hs, _ := NewHMAC("1900000001", "H1", []byte("secret"), fixedNow)
	good, _ := hs.Authorization("GET", "/x", nil)
	prefix, _, _ := strings.Cut(good, `signature="`)
	for _, n := range []int{684, 688, 1024, 1 << 16} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			v := testVerifier(t, fixedNow)
			auth := prefix + `signature="` + strings.Repeat("A", n) + `"`
			_, err := v.Verify(auth, "GET", "/x", nil)
			if err == nil || platform.CodeOf(err) != platform.CodeSignError || n > MaxSignatureLen && !errors.Is(err, ErrMalformed) {
				t.Fatalf("Verify = %v, want SIGN_ERROR (malformed over %d characters)", err, MaxSignatureLen)
			}
		})
	}
	// The longest allowed (RSA-4096, 512 bytes) is checked, not refused as malformed.
	auth := prefix + `signature="` + base64.StdEncoding.EncodeToString(make([]byte, 512)) + `"`
	if _, err := testVerifier(t, fixedNow).Verify(auth, "GET", "/x", nil); !errors.Is(err, ErrMismatch) {
		t.Fatalf("512-byte signature: %v, want a mismatch", err)
	}
}

// TestParseHeaderCanonical is security defect 5: the header's fields have
// one written form each; "+T" and "000T" used to verify with a signature
// over T.
func TestParseHeaderCanonical(t *testing.T) {
	hs, _ := NewHMAC("1900000001", "H1", []byte("secret"), fixedNow)
	good, _ := hs.Authorization("GET", "/x", nil)
	h, err := ParseHeader(good)
	if err != nil {
		t.Fatal(err)
	}
	ts := strconv.FormatInt(h.Timestamp, 10)
	field := func(name, val string) string { return fmt.Sprintf(`%s="%s"`, name, val) }
	swap := func(name, from, to string) string {
		return strings.Replace(good, field(name, from), field(name, to), 1)
	}
	tests := []struct{ name, auth string }{
		{"timestamp plus sign", swap("timestamp", ts, "+"+ts)},
		{"timestamp leading zeros", swap("timestamp", ts, "000"+ts)},
		{"timestamp minus zero", swap("timestamp", ts, "-0")},
		{"timestamp space", swap("timestamp", ts, " "+ts)},
		{"timestamp underscore", swap("timestamp", ts, ts[:3]+"_"+ts[3:])},
		{"timestamp overflow", swap("timestamp", ts, strings.Repeat("9", 19))},
		{"timestamp empty", swap("timestamp", ts, "")},
		{"nonce with space", swap("nonce_str", h.Nonce, h.Nonce[:4]+" "+h.Nonce[4:])},
		{"nonce with dot", swap("nonce_str", h.Nonce, h.Nonce+".")},
		{"nonce non-ASCII", swap("nonce_str", h.Nonce, h.Nonce+"é")},
		{"nonce too long", swap("nonce_str", h.Nonce, strings.Repeat("a", MaxNonceLen+1))},
		{"mchid with tab", swap("mchid", "1900000001", "19000\t00001")},
		{"serial too long", swap("serial_no", "H1", strings.Repeat("H", MaxTokenLen+1))},
		{"signature unpadded", swap("signature", h.Signature, strings.TrimRight(h.Signature, "="))},
		{"signature URL alphabet", swap("signature", h.Signature, strings.NewReplacer("+", "-", "/", "_").Replace(h.Signature)+"-")},
		{"double comma", strings.Replace(good, `",`, `",,`, 1)},
		{"leading comma", strings.Replace(good, ` mchid=`, ` ,mchid=`, 1)},
		{"trailing comma", good + ","},
		{"no separator", strings.Replace(good, `",`, `" `, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.auth == good {
				t.Fatal("the case did not change the header")
			}
			_, err := testVerifier(t, fixedNow).Verify(tt.auth, "GET", "/x", nil)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Verify(%q) = %v, want malformed", tt.auth, err)
			}
		})
	}
	// Spaces after the commas and any field order stay accepted (clients differ).
	spaced := strings.ReplaceAll(good, `",`, `", `)
	if _, err := testVerifier(t, fixedNow).Verify(spaced, "GET", "/x", nil); err != nil {
		t.Fatalf("spaces after commas: %v", err)
	}
	reordered := fmt.Sprintf(`%s signature="%s",serial_no="H1",timestamp="%s",nonce_str="%s",mchid="1900000001"`, SchemeHMAC, h.Signature, ts, h.Nonce)
	if _, err := testVerifier(t, fixedNow).Verify(reordered, "GET", "/x", nil); err != nil {
		t.Fatalf("fields in another order: %v", err)
	}
}

// canonicalHeader writes h in the form Signer writes.
func canonicalHeader(h Header) string {
	return fmt.Sprintf(`%s mchid="%s",nonce_str="%s",timestamp="%d",serial_no="%s",signature="%s"`,
		h.Scheme, h.MchID, h.Nonce, h.Timestamp, h.Serial, h.Signature)
}

// FuzzParseHeader: no input panics, and a header that parses has one
// canonical form that parses to the same fields with the timestamp's
// digits as written.
//
//	go test -run '^$' -fuzz FuzzParseHeader -fuzztime 60s ./platform/sign
func FuzzParseHeader(f *testing.F) {
	hs, _ := NewHMAC("1900000001", "H1", []byte("secret"), fixedNow)
	good, _ := hs.Authorization("GET", "/x", nil)
	f.Add(good)
	f.Add(strings.ReplaceAll(good, `",`, `", `))
	f.Add(strings.Replace(good, `timestamp="`, `timestamp="+`, 1))
	f.Add(`GIFTSIM-HMAC-SHA256 mchid="1",nonce_str="a",timestamp="1",serial_no="s",signature="` + strings.Repeat("A", 700) + `"`)
	f.Add("")
	f.Add(`X a="`)
	f.Fuzz(func(t *testing.T, v string) {
		h, err := ParseHeader(v)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("ParseHeader(%q) = %v, not ErrMalformed", v, err)
			}
			return
		}
		if !strings.Contains(v, `timestamp="`+strconv.FormatInt(h.Timestamp, 10)+`"`) {
			t.Fatalf("ParseHeader(%q): timestamp %d is not written canonically", v, h.Timestamp)
		}
		h2, err := ParseHeader(canonicalHeader(h))
		if err != nil || h2 != h {
			t.Fatalf("canonical form of %q: %+v, %v; want %+v", v, h2, err, h)
		}
	})
}

// FuzzVerify varies the Authorization header of a signed request: no input
// panics, every refusal is a SIGN_ERROR, and whatever verifies is written
// canonically (timestamp digits as signed, signature bytes in canonical
// base64) and is refused when replayed.
//
//	go test -run '^$' -fuzz FuzzVerify -fuzztime 60s ./platform/sign
func FuzzVerify(f *testing.F) {
	hs, _ := NewHMAC("1900000001", "H1", []byte("secret"), fixedNow)
	good, _ := hs.Authorization("POST", "/x", []byte("{}"))
	f.Add(good)
	f.Add(strings.ReplaceAll(good, `",`, `", `))
	f.Add(strings.Replace(good, `timestamp="`, `timestamp="000`, 1))
	f.Add(strings.Replace(good, `signature="`, `signature="`+strings.Repeat("A", 684), 1))
	f.Add(strings.Replace(good, SchemeHMAC, SchemeRSA, 1))
	f.Fuzz(func(t *testing.T, auth string) {
		v := testVerifier(t, fixedNow)
		h, err := v.Verify(auth, "POST", "/x", []byte("{}"))
		if err != nil {
			if platform.CodeOf(err) != platform.CodeSignError {
				t.Fatalf("Verify(%q) = %v, code %s", auth, err, platform.CodeOf(err))
			}
			return
		}
		sig, err := base64.StdEncoding.DecodeString(h.Signature)
		if err != nil || base64.StdEncoding.EncodeToString(sig) != h.Signature {
			t.Fatalf("Verify accepted a signature not in canonical base64: %q", h.Signature)
		}
		if !strings.Contains(auth, `timestamp="`+strconv.FormatInt(h.Timestamp, 10)+`"`) {
			t.Fatalf("Verify accepted a timestamp not in canonical digits: %q", auth)
		}
		if _, err := v.Verify(auth, "POST", "/x", []byte("{}")); !errors.Is(err, ErrReplay) {
			t.Fatalf("replay of %q: %v", auth, err)
		}
	})
}
