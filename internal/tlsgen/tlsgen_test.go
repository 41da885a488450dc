package tlsgen_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"giftsim/internal/tlsgen"
)

var now = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func parse(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("%s: no PEM", path)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestEnsure checks that Ensure writes a CA, a server certificate for the
// loopback names and a client certificate that verify against it, keys
// readable by the owner only, and that a second call reuses them.
func TestEnsure(t *testing.T) {
	dir := t.TempDir()
	f, gen, err := tlsgen.Ensure(dir, now)
	if err != nil || !gen {
		t.Fatalf("Ensure: generated %v, %v", gen, err)
	}
	pool, err := tlsgen.LoadPool(f.CA)
	if err != nil {
		t.Fatal(err)
	}
	srv := parse(t, f.ServerCert)
	for _, name := range []string{"127.0.0.1", "::1", "localhost"} {
		if _, err := srv.Verify(x509.VerifyOptions{DNSName: name, Roots: pool, CurrentTime: now.Add(time.Hour)}); err != nil {
			t.Errorf("server certificate for %s: %v", name, err)
		}
	}
	if _, err := srv.Verify(x509.VerifyOptions{DNSName: "example.com", Roots: pool, CurrentTime: now}); err == nil {
		t.Error("the server certificate verifies for example.com")
	}
	cli := parse(t, f.ClientCert)
	if _, err := cli.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("client certificate: %v", err)
	}
	for _, k := range []string{f.ServerKey, f.ClientKey, filepath.Join(dir, tlsgen.CAKeyFile)} {
		st, err := os.Stat(k)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", k, st.Mode().Perm())
		}
	}
	before, _ := os.ReadFile(f.ServerCert)
	if _, gen, err := tlsgen.Ensure(dir, now.Add(24*time.Hour)); err != nil || gen {
		t.Fatalf("second Ensure: generated %v, %v; want the files reused", gen, err)
	}
	after, _ := os.ReadFile(f.ServerCert)
	if !bytes.Equal(before, after) {
		t.Error("the server certificate changed on reuse")
	}
	// A lost leaf is renewed under the same CA, so clients keep their ca.pem.
	caBefore, _ := os.ReadFile(f.CA)
	os.Remove(f.ServerKey)
	if _, gen, err := tlsgen.Ensure(dir, now); err != nil || !gen {
		t.Fatalf("Ensure after a lost key: generated %v, %v", gen, err)
	}
	if caAfter, _ := os.ReadFile(f.CA); !bytes.Equal(caBefore, caAfter) {
		t.Error("renewing the leaf replaced the CA")
	}
	// Near its end the whole set is renewed.
	if _, gen, err := tlsgen.Ensure(dir, now.Add(tlsgen.Validity)); err != nil || !gen {
		t.Fatalf("Ensure at the end of validity: generated %v, %v", gen, err)
	}
}

// TestLoadPool checks that a file without a PEM certificate is refused.
func TestLoadPool(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.pem")
	os.WriteFile(p, []byte("not a certificate"), 0o644)
	if _, err := tlsgen.LoadPool(p); err == nil {
		t.Error("LoadPool accepted a file without certificates")
	}
	if _, err := tlsgen.LoadPool(p + ".missing"); err == nil {
		t.Error("LoadPool accepted a missing file")
	}
}

// TestServerConfigMutualTLS serves HTTPS on loopback with a client CA: a
// client without a certificate is refused, one with the generated client
// certificate is answered over HTTP/2, and TLS 1.1 is refused.
func TestServerConfigMutualTLS(t *testing.T) {
	f, _, err := tlsgen.Ensure(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := tlsgen.ServerConfig(f.ServerCert, f.ServerKey, f.CA)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{TLSConfig: cfg, ErrorLog: log.New(io.Discard, "", 0), Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, r.Proto)
	})}
	go hs.ServeTLS(ln, "", "")
	t.Cleanup(func() { hs.Close() })
	url := "https://" + ln.Addr().String() + "/"
	pool, _ := tlsgen.LoadPool(f.CA)
	get := func(c *tls.Config) (string, error) {
		cl := &http.Client{Transport: &http.Transport{TLSClientConfig: c, ForceAttemptHTTP2: true}, Timeout: 5 * time.Second}
		defer cl.CloseIdleConnections()
		resp, err := cl.Get(url)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b), nil
	}
	if _, err := get(&tls.Config{RootCAs: pool}); err == nil {
		t.Error("a client without a certificate was answered")
	}
	pair, err := tls.LoadX509KeyPair(f.ClientCert, f.ClientKey)
	if err != nil {
		t.Fatal(err)
	}
	if proto, err := get(&tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}}); err != nil || proto != "HTTP/2.0" {
		t.Errorf("with the client certificate: %q, %v; want HTTP/2.0", proto, err)
	}
	if _, err := get(&tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}, MaxVersion: tls.VersionTLS11}); err == nil {
		t.Error("TLS 1.1 was accepted")
	}
}

// BenchmarkHandshake measures one full TLS handshake on loopback, client
// and server in this process, with the generated ECDSA P-256 certificates
// and Go's default key exchange (what giftsim load pays per connection).
func BenchmarkHandshake(b *testing.B) {
	f, _, err := tlsgen.Ensure(b.TempDir(), time.Now())
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := tlsgen.ServerConfig(f.ServerCert, f.ServerKey, "")
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	hs := &http.Server{TLSConfig: cfg, ErrorLog: log.New(io.Discard, "", 0), Handler: http.NotFoundHandler()}
	go hs.ServeTLS(ln, "", "")
	defer hs.Close()
	pool, _ := tlsgen.LoadPool(f.CA)
	cc := &tls.Config{RootCAs: pool}
	for b.Loop() {
		c, err := tls.Dial("tcp", ln.Addr().String(), cc)
		if err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}

// ExampleEnsure makes the local CA and certificates giftsim serve
// --tls-generate uses.
func ExampleEnsure() {
	dir, _ := os.MkdirTemp("", "tlsgen")
	defer os.RemoveAll(dir)
	f, generated, err := tlsgen.Ensure(dir, time.Now())
	if err != nil {
		panic(err)
	}
	fmt.Println(generated, filepath.Base(f.CA), filepath.Base(f.ServerCert), filepath.Base(f.ServerKey))
	_, generated, _ = tlsgen.Ensure(dir, time.Now())
	fmt.Println(generated)
	// Output:
	// true ca.pem server.pem server-key.pem
	// false
}
