package loadgen_test

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"giftsim/internal/tlsgen"
	"giftsim/loadgen"
	"giftsim/platform/fixture"
	"giftsim/platform/mock"
)

// tlsMock starts the mock platform for p over HTTPS on a loopback port with
// a fresh local CA (files), requiring client certificates signed by it
// when mutual is set.
func tlsMock(t testing.TB, p *loadgen.Plan, mutual bool) (url string, fix *fixture.Fixture, files tlsgen.Files) {
	t.Helper()
	files, _, err := tlsgen.Ensure(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	clientCA := ""
	if mutual {
		clientCA = files.CA
	}
	cfg := mock.DefaultConfig()
	if cfg.TLS, err = tlsgen.ServerConfig(files.ServerCert, files.ServerKey, clientCA); err != nil {
		t.Fatal(err)
	}
	fix = builtinFixture(t, p)
	st, err := mock.NewMemoryStore(fix)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Day, cfg.TrustProxy = p.Day, true
	srv, err := mock.New(context.Background(), cfg, fix, st)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(ctx, ln, time.Second) }()
	t.Cleanup(func() { cancel(); <-done; st.Close(context.Background()) })
	return "https://" + ln.Addr().String(), fix, files
}

// runTLS runs p against url and returns the summary, the error and what
// the driver logged.
func runTLS(t testing.TB, p *loadgen.Plan, url string, fix *fixture.Fixture) (*loadgen.Summary, error, string) {
	t.Helper()
	var log bytes.Buffer
	d, err := loadgen.New(loadgen.WithPlan(p), loadgen.WithTarget(url), loadgen.WithFixture(fix), loadgen.WithLog(&log))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := d.Run(context.Background())
	return sum, err, log.String()
}

// smallPlan is 50 sends with their counts as thresholds.
func smallPlan(t testing.TB) *loadgen.Plan {
	return parsePlan(t, "small.yaml", `
name: small
day: 1m
merchant: {tier: filed}
phases: [{name: sends, requests: 50, rate: 500/s}]
thresholds: [sends.accepted == 50, codes.5xx == 0]
`)
}

// TestTLSQuotaNewMerchant runs the bundled quota-new-merchant plan over
// HTTPS with the mock's CA: exactly 500 of 600 accepted, as over HTTP.
func TestTLSQuotaNewMerchant(t *testing.T) {
	p := loadPlan(t, "quota-new-merchant")
	p.Day, p.MaxDuration = time.Minute, 3*time.Minute // see TestQuotaNewMerchant
	// The driver opens http.max_workers TLS connections before the phase;
	// 256 of them on a busy machine can take longer than the 1% of a day
	// a day-start phase may begin late, and the phase would wait a day.
	p.HTTP.MaxWorkers = 32
	if raceEnabled {
		// The race detector slows every TLS handshake many times over: fewer
		// connections at a rate it sustains.
		p.Phases[0].Rate.Rate, p.HTTP.Workers, p.HTTP.MaxWorkers = 200, 4, 16
	}
	url, fix, files := tlsMock(t, p, false)
	p.HTTP.TLS.CACert = files.CA
	sum, err, _ := runTLS(t, p, url, fix)
	if err != nil {
		t.Fatal(err)
	}
	expect(t, sum, "", map[string]float64{"sends.total": 600, "sends.accepted": 500, "codes.FREQUENCY_LIMITED": 100, "codes.5xx": 0})
	expectPassed(t, sum, false)
	if !strings.HasPrefix(sum.Protocol, "HTTP/1.1 over TLS 1.") || sum.Load().Connection != sum.Protocol {
		t.Errorf("protocol %q (summary %q), want HTTP/1.1 over TLS", sum.Protocol, sum.Load().Connection)
	}
}

// TestTLSBulkHTTP2 runs a short api-bulk (the bundled plan's daily profile
// and thresholds at 2,200 sends against a quota of 2,000) over HTTPS with
// http2: true, and checks that HTTP/2 was negotiated.
func TestTLSBulkHTTP2(t *testing.T) {
	p := loadPlan(t, "api-bulk-50k")
	p.Day, p.MaxDuration, p.Merchant.Quota = 5*time.Second, time.Minute, 2000
	if raceEnabled {
		// The daily curve's busiest hour must fit the platform day with
		// room for the race detector's lag, or the last sends miss the day.
		p.Day, p.HTTP.Workers, p.HTTP.MaxWorkers = 20*time.Second, 4, 16
	}
	p.Phases[0].Requests = 2200
	p.Phases[0].Rate.PerDay = 2200
	p.Thresholds = nil
	for _, th := range []string{"sends.accepted == 2000", "codes.FREQUENCY_LIMITED == 200", "codes.5xx == 0", "codes.TIMEOUT + codes.TRANSPORT == 0"} {
		c, err := loadgen.ParseThreshold(th)
		if err != nil {
			t.Fatal(err)
		}
		p.Thresholds = append(p.Thresholds, loadgen.Check{Threshold: c})
	}
	p.HTTP.TLS.HTTP2 = true
	url, fix, files := tlsMock(t, p, false)
	p.HTTP.TLS.CACert = files.CA
	sum, err, _ := runTLS(t, p, url, fix)
	if err != nil {
		t.Fatal(err)
	}
	expectPassed(t, sum, false)
	if !strings.HasPrefix(sum.Protocol, "HTTP/2.0 over TLS 1.") {
		t.Errorf("protocol %q, want HTTP/2.0 over TLS", sum.Protocol)
	}
}

// TestTLSWrongCA checks that a CA that did not sign the server's
// certificate fails at the probe with one clear sentence, before any load.
func TestTLSWrongCA(t *testing.T) {
	p := smallPlan(t)
	url, fix, files := tlsMock(t, p, false)
	other, _, err := tlsgen.Ensure(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		set  func(*loadgen.TLS)
		want string
	}{
		{"other CA", func(c *loadgen.TLS) { c.CACert = other.CA }, "signed by an authority --cacert " + other.CA + " does not hold"},
		{"system CAs", func(c *loadgen.TLS) {}, "signed by an authority the system's CAs does not hold"},
		{"other CA and name", func(c *loadgen.TLS) { c.CACert = other.CA; c.ServerName = "staging.example" }, "for another name"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q := *p
			tt.set(&q.HTTP.TLS)
			sum, err, _ := runTLS(t, &q, url, fix)
			if !errors.Is(err, loadgen.ErrTLS) || sum != nil {
				t.Fatalf("Run: %v (summary %v), want ErrTLS and no run", err, sum != nil)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
				t.Errorf("message %q, want one line with %q", msg, tt.want)
			}
		})
	}
	// The right CA but another name: the certificate names 127.0.0.1,
	// ::1 and localhost only.
	q := *p
	q.HTTP.TLS.CACert, q.HTTP.TLS.ServerName = files.CA, "staging.example"
	if _, err, _ := runTLS(t, &q, url, fix); !errors.Is(err, loadgen.ErrTLS) || !strings.Contains(err.Error(), "--server-name") {
		t.Errorf("another server name: %v, want ErrTLS naming --server-name", err)
	}
}

// TestTLSMutual checks that a server requiring client certificates refuses
// a driver without one (a clear message) and serves one with the
// certificate its CA signed.
func TestTLSMutual(t *testing.T) {
	p := smallPlan(t)
	url, fix, files := tlsMock(t, p, true)
	p.HTTP.TLS.CACert = files.CA
	_, err, _ := runTLS(t, p, url, fix)
	if !errors.Is(err, loadgen.ErrTLS) || !strings.Contains(err.Error(), "give --cert and --key") {
		t.Fatalf("without a client certificate: %v, want ErrTLS asking for --cert and --key", err)
	}
	p.HTTP.TLS.Cert, p.HTTP.TLS.Key = files.ClientCert, files.ClientKey
	sum, err, _ := runTLS(t, p, url, fix)
	if err != nil {
		t.Fatal(err)
	}
	expectPassed(t, sum, false)
}

// TestTLSInsecure checks that insecure skips verification and says so
// loudly: in the log and in the summary the reports render.
func TestTLSInsecure(t *testing.T) {
	p := smallPlan(t)
	url, fix, _ := tlsMock(t, p, false)
	p.HTTP.TLS.Insecure = true
	sum, err, log := runTLS(t, p, url, fix)
	if err != nil {
		t.Fatal(err)
	}
	expectPassed(t, sum, false)
	if !strings.Contains(log, "WARNING: TLS verification is OFF") {
		t.Errorf("log lacks the warning:\n%s", log)
	}
	l := sum.Load()
	if len(l.Warnings) != 1 || !strings.Contains(l.Warnings[0], "not checked") || !strings.Contains(l.Connection, "not verified") {
		t.Errorf("summary warnings %q, connection %q", l.Warnings, l.Connection)
	}
}

// TestTLSHostAndServerName checks that the Host override reaches the
// server as the Host header and, without server_name, as the name SNI sends
// and the driver verifies.
func TestTLSHostAndServerName(t *testing.T) {
	var mu sync.Mutex
	var hosts, snis []string
	hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hosts, snis = append(hosts, r.Host), append(snis, r.TLS.ServerName)
		mu.Unlock()
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"coupon_id":"1"}`))
	}))
	hs.StartTLS()
	t.Cleanup(hs.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: hs.Certificate().Raw}), 0o644)
	p := parsePlan(t, "host.yaml", `
name: host
day: 1m
merchant: {tier: filed}
http: {host: example.com, cacert: `+ca+`}
phases: [{name: sends, requests: 5, rate: 100/s}]
`)
	sum, err, _ := runTLS(t, p, hs.URL, builtinFixture(t, p))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := sum.Metric("", "requests"); got != 5 {
		t.Errorf("%v requests, want 5", got)
	}
	mu.Lock()
	defer mu.Unlock()
	for i := range hosts {
		if hosts[i] != "example.com" || snis[i] != "example.com" {
			t.Fatalf("request %d: Host %q, SNI %q; want example.com for both", i, hosts[i], snis[i])
		}
	}
}

// TestTLSPlanFields checks the plan's http connection fields and their
// errors, and that TLS options need an https target.
func TestTLSPlanFields(t *testing.T) {
	p := parsePlan(t, "tls.yaml", `
name: tls
http: {cacert: ca.pem, cert: c.pem, key: k.pem, server_name: staging.example, host: "staging.example:8443", http2: true}
phases: [{requests: 1}]
`)
	want := loadgen.TLS{CACert: "ca.pem", Cert: "c.pem", Key: "k.pem", ServerName: "staging.example", Host: "staging.example:8443", HTTP2: true}
	if p.HTTP.TLS != want {
		t.Errorf("http section %+v, want %+v", p.HTTP.TLS, want)
	}
	for _, tt := range []struct{ http, want string }{
		{"{cert: c.pem}", "tls.yaml:3:14: http.cert: a client certificate needs both cert and key"},
		{"{cacert: ca.pem, insecure: true}", "give cacert (verify against it) or insecure (verify nothing), not both"},
		{"{server_name: 'a:1'}", "http.server_name: want a host name without port"},
		{"{host: 'a/b'}", "http.host: want host or host:port"},
		{"{insecure: yes}", "want true or false"},
		{"{tls: true}", "tls"},
	} {
		_, err := loadgen.ParsePlan(strings.NewReader("name: tls\nphases: [{requests: 1}]\nhttp: "+tt.http+"\n"), "tls.yaml")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("http: %s: %v, want %q", tt.http, err, tt.want)
		}
	}
	q := parsePlan(t, "plain.yaml", "name: plain\nday: 1m\nmerchant: {tier: filed}\nhttp: {insecure: true}\nphases: [{requests: 1}]\n")
	_, err := loadgen.New(loadgen.WithPlan(q), loadgen.WithTarget("http://127.0.0.1:1"), loadgen.WithFixture(builtinFixture(t, q)))
	if !errors.Is(err, loadgen.ErrPlan) || !strings.Contains(err.Error(), "need an https target") {
		t.Errorf("insecure on an http target: %v, want a plan error", err)
	}
	q.HTTP.TLS = loadgen.TLS{CACert: filepath.Join(t.TempDir(), "missing.pem")}
	_, err = loadgen.New(loadgen.WithPlan(q), loadgen.WithTarget("https://127.0.0.1:1"), loadgen.WithFixture(builtinFixture(t, q)))
	if !errors.Is(err, loadgen.ErrPlan) || !strings.Contains(err.Error(), "http.cacert") {
		t.Errorf("a missing cacert: %v, want a plan error", err)
	}
}

// TestTLSSchemeMismatch checks that an https target that speaks plain HTTP,
// and an http target that speaks HTTPS, fail with what to use instead.
func TestTLSSchemeMismatch(t *testing.T) {
	p := smallPlan(t)
	plain := startMock(t, p, builtinFixture(t, p))
	_, err, _ := runTLS(t, p, strings.Replace(plain, "http://", "https://", 1), builtinFixture(t, p))
	if !errors.Is(err, loadgen.ErrTLS) || !strings.Contains(err.Error(), "speaks plain HTTP") {
		t.Errorf("https to an http server: %v", err)
	}
	url, fix, _ := tlsMock(t, p, false)
	_, err, _ = runTLS(t, p, strings.Replace(url, "https://", "http://", 1), fix)
	if !errors.Is(err, loadgen.ErrTLS) || !strings.Contains(err.Error(), "speaks HTTPS") {
		t.Errorf("http to an https server: %v", err)
	}
}

// FuzzPlanTLS checks that the http section's connection fields, whatever
// they hold, are accepted or refused with a plan error, never a panic, and
// that an accepted plan validates.
func FuzzPlanTLS(f *testing.F) {
	f.Add("{cacert: ca.pem, cert: c.pem, key: k.pem, server_name: s.example, host: 'h:1', http2: true}")
	f.Add("{insecure: true, host: '[::1]:8443'}")
	f.Add("{server_name: 'a b', host: 'x@y'}")
	f.Fuzz(func(t *testing.T, http string) {
		p, err := loadgen.ParsePlan(strings.NewReader("name: f\nphases: [{requests: 1}]\nhttp: "+http+"\n"), "f.yaml")
		if err != nil {
			if !errors.Is(err, loadgen.ErrPlan) {
				t.Fatalf("err = %v, want an ErrPlan", err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("accepted plan fails Validate: %v", err)
		}
	})
}
