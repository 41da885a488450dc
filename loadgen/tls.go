package loadgen

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"giftsim/internal/tlsgen"
	"giftsim/platform/api"
)

// ErrTLS is a target the driver cannot talk to securely: a certificate it
// does not trust or that names another host, a server that wants a client
// certificate, or a scheme that does not match what the target speaks. It
// is bad input in the command's terms, found by the probe before any load.
var ErrTLS = errors.New("TLS")

// TLS says how the driver connects to the target (the plan's http section,
// and the load command's --cacert, --cert, --key, --server-name, --host,
// --insecure and --http2): whom it trusts, who it is, which name it
// verifies, the Host header and whether it speaks HTTP/2.
type TLS struct {
	// CACert is a PEM file of the CA certificates to trust instead of the
	// system's (as curl --cacert does): an internal CA's staging server
	// is trusted, a public one is not unless its CA is in the file too.
	CACert string
	// Cert and Key are a client certificate and its key (PEM files) for a
	// server that requires mutual TLS.
	Cert, Key string
	// ServerName is the name sent by SNI and verified in the server's
	// certificate (default: Host's name, else the target's host).
	ServerName string
	// Host overrides the Host header of every request, e.g. a staging
	// virtual host reached by its address.
	Host string
	// Insecure skips verifying the server's certificate: anyone on the
	// path can read and alter the run. The driver warns on stderr and in
	// the summary and report.
	Insecure bool
	// HTTP2 negotiates HTTP/2 by ALPN where an https target offers it
	// (otherwise HTTP/1.1 only, as before).
	HTTP2 bool
}

// insecureWarning is the warning an --insecure run prints and keeps in its
// summary.
const insecureWarning = "TLS verification is OFF (--insecure / http.insecure): the server's certificate was not checked, so anyone between the driver and the target could read or change this run"

// tlsFields decodes the plan's http section's connection fields into c.
func (d *decoder) tlsFields(c *TLS) fields {
	return fields{
		"cacert":      func(v *yaml.Node, path string) { d.str(v, path, &c.CACert) },
		"cert":        func(v *yaml.Node, path string) { d.str(v, path, &c.Cert) },
		"key":         func(v *yaml.Node, path string) { d.str(v, path, &c.Key) },
		"server_name": func(v *yaml.Node, path string) { d.str(v, path, &c.ServerName) },
		"host":        func(v *yaml.Node, path string) { d.str(v, path, &c.Host) },
		"insecure":    func(v *yaml.Node, path string) { d.boolean(v, path, &c.Insecure) },
		"http2":       func(v *yaml.Node, path string) { d.boolean(v, path, &c.HTTP2) },
	}
}

// check reports every problem of c through bad.
func (c TLS) check(bad func(path, format string, a ...any)) {
	if (c.Cert == "") != (c.Key == "") {
		bad("http.cert", "a client certificate needs both cert and key (--cert and --key)")
	}
	if c.Insecure && c.CACert != "" {
		bad("http.insecure", "give cacert (verify against it) or insecure (verify nothing), not both")
	}
	if c.ServerName != "" && (strings.ContainsAny(c.ServerName, " /:@") || len(c.ServerName) > 253) {
		bad("http.server_name", "want a host name without port, got %q", c.ServerName)
	}
	if c.Host != "" {
		if u, err := url.Parse("https://" + c.Host); err != nil || u.Host != c.Host || u.User != nil {
			bad("http.host", "want host or host:port, got %q", c.Host)
		}
	}
}

// tlsSet reports whether c asks for anything only HTTPS can give.
func (c TLS) tlsSet() bool {
	return c.CACert != "" || c.Cert != "" || c.ServerName != "" || c.Insecure
}

// clientTLS returns the client side of TLS for the target u: nil for an
// http target (refusing TLS options there), else TLS 1.2 at least, the CA
// file's roots or the system's, the client certificate, the server name
// and ALPN for HTTP/2 when asked. Files are read here, so a missing or bad
// one is a plan error before the run.
func (c TLS) clientTLS(u *url.URL) (*tls.Config, error) {
	if u.Scheme != "https" {
		if c.tlsSet() {
			return nil, fmt.Errorf("%w: http.cacert, cert, key, server_name and insecure (--cacert, --cert, --key, --server-name, --insecure) need an https target, not %s", ErrPlan, u)
		}
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.ServerName, InsecureSkipVerify: c.Insecure}
	if cfg.ServerName == "" && c.Host != "" {
		if h, _, err := net.SplitHostPort(c.Host); err == nil {
			cfg.ServerName = h
		} else {
			cfg.ServerName = c.Host
		}
	}
	if c.CACert != "" {
		pool, err := tlsgen.LoadPool(c.CACert)
		if err != nil {
			return nil, fmt.Errorf("%w: http.cacert: %w", ErrPlan, err)
		}
		cfg.RootCAs = pool
	}
	if c.Cert != "" {
		pair, err := tls.LoadX509KeyPair(c.Cert, c.Key)
		if err != nil {
			return nil, fmt.Errorf("%w: http.cert and http.key: %w", ErrPlan, err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	if c.HTTP2 {
		cfg.NextProtos = []string{"h2", "http/1.1"}
	}
	return cfg, nil
}

// newTransport returns the run's base transport, the one place it is built:
// keep-alive connections sized to http.max_workers, the plan's TLS, HTTP/2
// when asked, and the Host override. closeIdle closes its idle
// connections after the run.
func (d *Driver) newTransport() (rt http.RoundTripper, closeIdle func()) {
	h := d.plan.HTTP
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        h.MaxWorkers,
		MaxIdleConnsPerHost: h.MaxWorkers,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
		TLSClientConfig:     d.tls,
		TLSHandshakeTimeout: 5 * time.Second,
		ForceAttemptHTTP2:   d.tls != nil && h.TLS.HTTP2,
	}
	if h.TLS.Insecure {
		d.logf("WARNING: %s", insecureWarning)
	}
	if h.TLS.HTTP2 && d.tls == nil {
		d.logf("http2 applies to https targets; %s is spoken in HTTP/1.1", d.base)
	}
	rt = tr
	if h.TLS.Host != "" {
		rt = hostTransport{base: tr, host: h.TLS.Host}
	}
	return rt, tr.CloseIdleConnections
}

// hostTransport sets the Host header of every request.
type hostTransport struct {
	base http.RoundTripper
	host string
}

// RoundTrip implements http.RoundTripper on a shallow copy of req.
func (t hostTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := *req
	r.Host = t.host
	return t.base.RoundTrip(&r)
}

// warnings are the sentences the run's summary must carry about how it
// connected.
func (d *Driver) warnings() []string {
	if d.plan.HTTP.TLS.Insecure {
		return []string{insecureWarning}
	}
	return nil
}

// checkProbe looks at the probe's answer or error: it records the
// protocol the target speaks and turns a TLS failure into one clear
// ErrTLS sentence with what to do (nil: no TLS problem).
func (d *Driver) checkProbe(resp *http.Response, err error) error {
	if err == nil {
		d.proto = resp.Proto
		if resp.TLS != nil {
			d.proto += " over " + tls.VersionName(resp.TLS.Version)
			if d.plan.HTTP.TLS.Insecure {
				d.proto += " (certificate not verified)"
			}
		}
		if resp.TLS == nil && resp.StatusCode == http.StatusBadRequest {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			if strings.Contains(string(b), "HTTP request to an HTTPS server") {
				return fmt.Errorf("%w: %s speaks HTTPS: use https://%s", ErrTLS, d.base, d.base.Host)
			}
		}
		return nil
	}
	c := d.plan.HTTP.TLS
	trust := "the system's CAs"
	if c.CACert != "" {
		trust = "--cacert " + c.CACert
	}
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		op       *net.OpError
	)
	switch {
	case errors.As(err, &unknown):
		return fmt.Errorf("%w: %s presents a certificate signed by an authority %s does not hold (%v); give the CA that signed it with --cacert (or http.cacert)", ErrTLS, d.base, trust, unknown)
	case errors.As(err, &hostname):
		return fmt.Errorf("%w: %s presents a certificate for another name (%v); use the name it holds in the target, or --server-name NAME", ErrTLS, d.base, hostname)
	case errors.As(err, &invalid):
		return fmt.Errorf("%w: %s presents a certificate that is not valid (%v)", ErrTLS, d.base, invalid)
	case errors.As(err, &op) && op.Op == "remote error":
		hint := ""
		if c.Cert == "" {
			hint = "; the server may require a client certificate: give --cert and --key (mutual TLS)"
		} else {
			hint = "; the server may not trust the client certificate " + c.Cert
		}
		return fmt.Errorf("%w: %s refused the TLS handshake (%v)%s", ErrTLS, d.base, op.Err, hint)
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return fmt.Errorf("%w: %s speaks plain HTTP: use http://%s", ErrTLS, d.base, d.base.Host)
	}
	return nil
}

// warm opens http.workers connections to an https target before the first
// phase, each with its TLS handshake, by as many concurrent GET /healthz,
// and leaves them idle for the attack: the first requests then do not pay
// for handshakes, and vegeta does not start a worker per handshake in
// progress (which at a high rate snowballs into hundreds of handshakes).
// Over HTTP/2 the probe's one connection serves; over plain HTTP
// connecting is cheap. Failures are left to the attack to count.
func (d *Driver) warm(ctx context.Context, client *http.Client) {
	if d.tls == nil || d.plan.HTTP.TLS.HTTP2 {
		return
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	t0 := d.now()
	defer func() {
		d.logf("opened %d TLS connections (http.max_workers) in %s", d.plan.HTTP.MaxWorkers, d.now().Sub(t0).Round(time.Millisecond))
	}()
	var wg sync.WaitGroup
	for range d.plan.HTTP.MaxWorkers {
		wg.Go(func() {
			req, err := http.NewRequestWithContext(wctx, http.MethodGet, d.base.String()+api.PathHealth, nil)
			if err != nil {
				return
			}
			if resp, err := client.Do(req); err == nil {
				io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
}
