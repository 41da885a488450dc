package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"giftsim/internal/tlsgen"
)

// lockedBuffer is a bytes.Buffer a command may write while a test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var listening = regexp.MustCompile(`listening on (https?://\S+)`)

// startServe runs giftsim serve with args on a free loopback port until the
// test ends, and returns its URL, what it printed before it was ready, and
// its stderr.
func startServe(t *testing.T, args ...string) (url, stdout string, stderr *lockedBuffer) {
	t.Helper()
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	stderr = &lockedBuffer{}
	done := make(chan int, 1)
	go func() {
		code := dispatch(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), pw, stderr)
		pw.Close()
		done <- code
	}()
	var out strings.Builder
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "Ctrl-C stops it") {
			break
		}
	}
	go io.Copy(io.Discard, pr)
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("serve exited %d: %s", code, stderr)
		}
	})
	m := listening.FindStringSubmatch(out.String())
	if m == nil {
		cancel()
		t.Fatalf("serve did not start:\n%s\n%s", out.String(), stderr)
	}
	return m[1], out.String(), stderr
}

// smallTLSPlan is 40 sends that must all be accepted, on a one-minute
// platform day like the servers here, with few connections (each costs a
// TLS handshake, slow under the race detector).
const smallTLSPlan = `name: tls-small
day: 1m
merchant: {tier: filed}
http: {workers: 4, max_workers: 8}
phases: [{name: sends, requests: 40, rate: 200/s}]
thresholds: [sends.accepted == 40, codes.5xx == 0]
`

// loadArgs runs smallTLSPlan against url.
func loadArgs(t *testing.T, url string, more ...string) []string {
	plan := writeFile(t, t.TempDir(), "small.yaml", smallTLSPlan)
	return append([]string{"load", plan, "--target", url}, more...)
}

// TestServeLoadTLS runs giftsim serve --tls-generate and drives it with
// giftsim load over HTTPS: with the generated CA it passes; with another
// CA it stops before any load with one clear line and exit 2; --insecure
// passes with a loud warning on stderr and in the summary; a restart on the
// same --data reuses the certificates.
func TestServeLoadTLS(t *testing.T) {
	data := t.TempDir()
	url, out, _ := startServe(t, "--tls-generate", "--data", data, "--day", "1m")
	ca := filepath.Join(data, tlsgen.CAFile)
	for _, want := range []string{"listening on https://127.0.0.1:", "certificate " + filepath.Join(data, tlsgen.ServerFile) + " (generated)",
		"local CA " + ca, "--cacert " + ca} {
		if !strings.Contains(out, want) {
			t.Errorf("serve output lacks %q:\n%s", want, out)
		}
	}

	code, stdout, stderr := dispatchArgs(context.Background(), loadArgs(t, url, "--cacert", ca)...)
	if code != exitOK || !strings.Contains(stdout, "connection  HTTP/1.1 over TLS 1.") {
		t.Errorf("load with the CA: exit %d\n%s\n%s", code, stdout, stderr)
	}

	other, _, err := tlsgen.Ensure(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = dispatchArgs(context.Background(), loadArgs(t, url, "--cacert", other.CA)...)
	if code != exitBadInput || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "giftsim load: TLS: "+url+" presents a certificate signed by an authority --cacert "+other.CA+" does not hold") || stdout != "" {
		t.Errorf("load with another CA: exit %d, want 2 and one line; stdout %q\nstderr %q", code, stdout, stderr)
	}

	outDir := filepath.Join(t.TempDir(), "insecure")
	code, stdout, stderr = dispatchArgs(context.Background(), loadArgs(t, url, "--insecure", "--out", outDir)...)
	if code != exitOK || !strings.Contains(stderr, "WARNING: TLS verification is OFF") || !strings.Contains(stdout, "WARNING: TLS verification is OFF") {
		t.Errorf("load --insecure: exit %d\n%s\n%s", code, stdout, stderr)
	}
	again := filepath.Join(t.TempDir(), "again")
	if code, _, stderr := dispatchArgs(context.Background(), "report", outDir, "--out", again); code != exitOK {
		t.Errorf("report: exit %d: %s", code, stderr)
	}
	for _, f := range []string{filepath.Join(outDir, "summary.json"), filepath.Join(outDir, "report.html"), filepath.Join(again, "report.html")} {
		if b, err := os.ReadFile(f); err != nil || !strings.Contains(string(b), "TLS verification is OFF") || !strings.Contains(string(b), "over TLS 1.") {
			t.Errorf("%s does not carry the --insecure warning and the connection (%v)", f, err)
		}
	}

	code, _, stderr = dispatchArgs(context.Background(), loadArgs(t, strings.Replace(url, "https", "http", 1))...)
	if code != exitBadInput || !strings.Contains(stderr, "speaks HTTPS: use https://") {
		t.Errorf("load over http: exit %d, stderr %q", code, stderr)
	}
}

// TestServeLoadMutualTLS serves with --client-ca and checks that load is
// refused without a client certificate (exit 2, saying what to give) and
// passes with the generated one over HTTP/2.
func TestServeLoadMutualTLS(t *testing.T) {
	data := t.TempDir()
	f, _, err := tlsgen.Ensure(data, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	url, out, _ := startServe(t, "--tls-generate", "--client-ca", "generated", "--data", data, "--day", "1m")
	if !strings.Contains(out, "(kept from an earlier run)") || !strings.Contains(out, "client certificates required") ||
		!strings.Contains(out, "--cert "+f.ClientCert+" --key "+f.ClientKey) {
		t.Errorf("serve output:\n%s", out)
	}
	code, _, stderr := dispatchArgs(context.Background(), loadArgs(t, url, "--cacert", f.CA)...)
	if code != exitBadInput || !strings.Contains(stderr, "refused the TLS handshake") || !strings.Contains(stderr, "give --cert and --key") {
		t.Errorf("load without a client certificate: exit %d, stderr %q", code, stderr)
	}
	code, stdout, stderr := dispatchArgs(context.Background(), loadArgs(t, url, "--cacert", f.CA, "--cert", f.ClientCert, "--key", f.ClientKey, "--http2")...)
	if code != exitOK || !strings.Contains(stdout, "connection  HTTP/2.0 over TLS 1.") {
		t.Errorf("load with the client certificate: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

// TestLoadBuiltinTLS runs the builtin mock over HTTPS with --tls and
// HTTP/2.
func TestLoadBuiltinTLS(t *testing.T) {
	code, stdout, stderr := dispatchArgs(context.Background(), "load", "--tls", "--http2", "--requests", "40", "--rate", "200/s",
		"--threshold", "sends.accepted == 40")
	if code != exitOK || !strings.Contains(stdout, "target https://127.0.0.1:") || !strings.Contains(stdout, "connection  HTTP/2.0 over TLS 1.") {
		t.Errorf("load --tls: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

// TestServeFault serves with injected faults: serve warns loudly, and a
// load run sees about the asked share of 5xx answers.
func TestServeFault(t *testing.T) {
	url, _, serveErr := startServe(t, "--fault-5xx", "25%", "--fault-latency", "1ms", "--day", "1m")
	if !strings.Contains(serveErr.String(), "WARNING: FAULT INJECTION: 25% of authenticated calls answer 500 SYSTEM_ERROR") {
		t.Errorf("serve stderr: %s", serveErr)
	}
	out := t.TempDir()
	code, stdout, stderr := dispatchArgs(context.Background(), "load", "--target", url, "--day", "1m", "--requests", "200", "--rate", "400/s",
		"--threshold", "codes.5xx > 20 && codes.5xx < 80", "--out", out)
	if code != exitOK {
		t.Errorf("load against faults: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

// TestServeTLSFlags checks serve's refusals of TLS and fault flags.
func TestServeTLSFlags(t *testing.T) {
	dir := t.TempDir()
	cert := filepath.Join(dir, "c.pem")
	os.WriteFile(cert, []byte("x"), 0o644)
	for _, tt := range []struct {
		want string
		args []string
	}{
		{"--tls-cert and --tls-key go together", []string{"--tls-cert", cert}},
		{"--tls-generate makes its own certificate", []string{"--tls-generate", "--tls-cert", cert, "--tls-key", cert}},
		{"--client-ca needs HTTPS", []string{"--client-ca", cert}},
		{"TLS: certificate " + cert + " and key " + cert, []string{"--tls-cert", cert, "--tls-key", cert}},
		{"TLS: client CA: " + cert + " holds no PEM certificate", []string{"--tls-generate", "--data", dir, "--client-ca", cert}},
		{"--fault-5xx \"2\": want a share from 0 to 1", []string{"--fault-5xx", "2"}},
		{"--fault-latency \"-1s\"", []string{"--fault-latency", "-1s"}},
		{"--fault-latency-jitter \"soon\"", []string{"--fault-latency-jitter", "soon"}},
	} {
		wantBadInput(t, tt.want, append([]string{"serve", "--addr", "127.0.0.1:0"}, tt.args...)...)
	}
	wantBadInput(t, "--tls serves the builtin mock", "load", "--tls", "--target", "https://127.0.0.1:1")
	wantBadInput(t, "need an https target", "load", "--cacert", cert, "--target", "http://127.0.0.1:1")
}
