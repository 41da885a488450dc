package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"giftsim/platform/fixture"
	"giftsim/platform/sign"
)

// oldFixture is a fixture as written before response signatures: HMAC
// keys only, no APIv3 key, no platform identity.
const oldFixture = `merchants:
  - mchid: "1900000001"
    tier: filed
    appids: [wx1]
    keys: [{serial: H1, hmac: secret}]
users:
  - {openid: o1, appid: wx1}
`

// TestServeSigningFlags: bad values and --auth rsa without RSA keys are
// refused at start, naming what is wrong.
func TestServeSigningFlags(t *testing.T) {
	old := writeFile(t, t.TempDir(), "old.yaml", oldFixture)
	for _, tt := range []struct {
		want string
		args []string
	}{
		{`sign-responses "sometimes" (allowed: auto, rsa, off)`, []string{"--sign-responses", "sometimes"}},
		{`platform key mode "x509" (allowed: cert, pubkey)`, []string{"--platform-key-mode", "x509"}},
		{"--auth rsa: merchants 1900000001 have no RSA public key", []string{"--fixture", old, "--auth", "rsa"}},
	} {
		code, _, stderr := dispatchArgs(context.Background(), append([]string{"serve", "--addr", "127.0.0.1:0"}, tt.args...)...)
		if code != exitBadInput || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

// TestServeSignsAnswers starts serve in public-key mode on a generated
// fixture: it prints the identity the fixture holds, and an answer is
// signed under the public-key id with the fixture's platform key.
func TestServeSignsAnswers(t *testing.T) {
	dir := t.TempDir()
	url, stdout, _ := startServe(t, "--data", dir, "--seed", "5", "--platform-key-mode", "pubkey")
	f, err := fixture.LoadFile(filepath.Join(dir, "fixture.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	pk, err := f.Platform.Parse()
	if err != nil {
		t.Fatal(err)
	}
	if want := "under platform certificate " + pk.Serial + " or public key " + pk.PublicKeyID + " (pubkey by default)"; !strings.Contains(stdout, want) {
		t.Errorf("stdout %q lacks %q", stdout, want)
	}
	resp, err := http.Get(url + "/v3/marketing/favor/users/o1/coupons")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := sign.ReadResponseSignature(resp.Header)
	if err == nil {
		err = rs.Verify(&pk.Key.PublicKey, body)
	}
	if err != nil || rs.Serial != pk.PublicKeyID || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("answer %d under %q: %v", resp.StatusCode, rs.Serial, err)
	}
}

// TestServeOldFixture: a fixture without a platform identity still serves;
// serve says it made one in memory and which merchants cannot download it.
func TestServeOldFixture(t *testing.T) {
	old := writeFile(t, t.TempDir(), "old.yaml", oldFixture)
	_, stdout, stderr := startServe(t, "--fixture", old)
	for _, want := range []string{"merchants 1900000001 have no apiv3_key", "the fixture has no platform identity: made one in memory (certificate serial "} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr %q lacks %q", stderr, want)
		}
	}
	if !strings.Contains(stdout, "answers signed (auto) under platform certificate ") {
		t.Errorf("stdout %q", stdout)
	}
}
