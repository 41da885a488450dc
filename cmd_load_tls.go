package main

import (
	"crypto/tls"
	"errors"
	"flag"
	"os"
	"time"

	"giftsim/internal/tlsgen"
	"giftsim/loadgen"
)

// loadTLSFlags are load's connection flags; each overrides the plan's
// http section.
type loadTLSFlags struct {
	cacert, cert, key, serverName, host *string
	insecure, http2, useTLS             *bool
}

// addLoadTLSFlags adds load's connection flags to fs.
func addLoadTLSFlags(fs *flag.FlagSet) *loadTLSFlags {
	return &loadTLSFlags{
		cacert:     fs.String("cacert", "", "trust the CA certificates in this PEM `file` instead of the system's (https targets; plan: http.cacert)"),
		cert:       fs.String("cert", "", "client certificate `file` (PEM) for a server that requires mutual TLS, with --key (plan: http.cert)"),
		key:        fs.String("key", "", "the client certificate's private key `file` (PEM) (plan: http.key)"),
		serverName: fs.String("server-name", "", "`name` sent by SNI and verified in the server's certificate (default: --host's, else the target's) (plan: http.server_name)"),
		host:       fs.String("host", "", "the Host header of every request: `host` or host:port, e.g. staging.example.com (plan: http.host)"),
		insecure:   fs.Bool("insecure", false, "do NOT verify the server's certificate (warned on stderr and in the summary and report; plan: http.insecure)"),
		http2:      fs.Bool("http2", false, "speak HTTP/2 where an https target offers it (plan: http.http2)"),
		useTLS:     fs.Bool("tls", false, "with the builtin target: serve the in-process mock over HTTPS with a fresh local CA, which the driver trusts"),
	}
}

// apply sets what was given on the command line in the plan's http section.
func (f *loadTLSFlags) apply(p *loadgen.Plan) error {
	if *f.useTLS && p.Target != loadgen.TargetBuiltin {
		return errors.New("--tls serves the builtin mock over HTTPS; for another target give its https:// URL and --cacert")
	}
	c := &p.HTTP.TLS
	for _, s := range []struct {
		flag string
		to   *string
	}{{*f.cacert, &c.CACert}, {*f.cert, &c.Cert}, {*f.key, &c.Key}, {*f.serverName, &c.ServerName}, {*f.host, &c.Host}} {
		if s.flag != "" {
			*s.to = s.flag
		}
	}
	c.Insecure = c.Insecure || *f.insecure
	c.HTTP2 = c.HTTP2 || *f.http2
	return nil
}

// builtinTLS returns the in-process mock's TLS with --tls: a local CA and
// server certificate made in a temporary directory, whose ca.pem the plan
// then trusts. cleanup removes the directory. Without --tls it returns
// nil.
func (f *loadTLSFlags) builtinTLS(p *loadgen.Plan) (cfg *tls.Config, cleanup func(), err error) {
	if !*f.useTLS {
		return nil, func() {}, nil
	}
	if p.HTTP.TLS.CACert != "" || p.HTTP.TLS.Insecure {
		return nil, nil, errors.New("--tls makes the builtin mock's CA and trusts it: leave out --cacert and --insecure")
	}
	dir, err := os.MkdirTemp("", "giftsim-load-tls-")
	if err != nil {
		return nil, nil, err
	}
	cleanup = func() { os.RemoveAll(dir) }
	files, _, err := tlsgen.Ensure(dir, time.Now())
	if err == nil {
		cfg, err = tlsgen.ServerConfig(files.ServerCert, files.ServerKey, "")
	}
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	p.HTTP.TLS.CACert = files.CA
	return cfg, cleanup, nil
}
