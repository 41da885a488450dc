package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"giftsim/internal/tlsgen"
	"giftsim/platform"
	"giftsim/platform/mock"
)

// serveTLSFlags are serve's HTTPS and fault-injection flags.
type serveTLSFlags struct {
	cert, key, clientCA *string
	generate            *bool
	fault5xx            *string
	latency, jitter     *string
}

// addServeTLSFlags adds serve's HTTPS and fault-injection flags to fs.
func addServeTLSFlags(fs *flag.FlagSet) *serveTLSFlags {
	return &serveTLSFlags{
		cert:     fs.String("tls-cert", "", "serve HTTPS with this certificate `file` (PEM; with --tls-key)"),
		key:      fs.String("tls-key", "", "the private key `file` (PEM) of --tls-cert"),
		generate: fs.Bool("tls-generate", false, "serve HTTPS with a local CA and a certificate for 127.0.0.1, ::1 and localhost, written to --data (or the temp directory) as ca.pem, server.pem, server-key.pem, client.pem, client-key.pem and reused on restart"),
		clientCA: fs.String("client-ca", "", "require client certificates signed by a CA in this PEM `file` (mutual TLS; with --tls-generate, the generated ca.pem if the value is 'generated')"),
		fault5xx: fs.String("fault-5xx", "", "answer this `share` of authenticated calls 500 SYSTEM_ERROR \"injected fault\" before they run, e.g. 0.05 or 5%"),
		latency:  fs.String("fault-latency", "", "add this `duration` of latency to every authenticated call, e.g. 20ms"),
		jitter:   fs.String("fault-latency-jitter", "", "add a further uniform 0 to this `duration` to each call's latency"),
	}
}

// tlsNote says, once the server listens on addr, how clients reach it.
type tlsNote func(w io.Writer, addr net.Addr)

// apply sets cfg.TLS and cfg.Fault from the flags. Generated files go to
// dataDir (the temp directory's giftsim-tls without one). The note it
// returns prints where the certificates are and the commands that use
// them (nil for plain HTTP).
func (f *serveTLSFlags) apply(cfg *mock.Config, dataDir string, now time.Time) (tlsNote, error) {
	if err := f.applyFault(cfg); err != nil {
		return nil, err
	}
	cert, key, clientCA := *f.cert, *f.key, *f.clientCA
	switch {
	case *f.generate && (cert != "" || key != ""):
		return nil, errors.New("--tls-generate makes its own certificate: give it or --tls-cert and --tls-key, not both")
	case (cert == "") != (key == ""):
		return nil, errors.New("--tls-cert and --tls-key go together")
	case cert == "" && !*f.generate:
		if clientCA != "" {
			return nil, errors.New("--client-ca needs HTTPS: add --tls-cert and --tls-key, or --tls-generate")
		}
		return nil, nil
	}
	var files tlsgen.Files
	how := "given"
	if *f.generate {
		dir := dataDir
		if dir == "" {
			dir = filepath.Join(os.TempDir(), "giftsim-tls")
		}
		var gen bool
		var err error
		if files, gen, err = tlsgen.Ensure(dir, now); err != nil {
			return nil, fmt.Errorf("--tls-generate: %w", err)
		}
		cert, key, how = files.ServerCert, files.ServerKey, "kept from an earlier run"
		if gen {
			how = "generated"
		}
		if clientCA == "generated" {
			clientCA = files.CA
		}
	} else if clientCA == "generated" {
		return nil, errors.New("--client-ca generated needs --tls-generate")
	}
	tc, err := tlsgen.ServerConfig(cert, key, clientCA)
	if err != nil {
		return nil, fmt.Errorf("TLS: %w", err)
	}
	cfg.TLS = tc
	return func(w io.Writer, addr net.Addr) {
		url := "https://" + addr.String()
		fmt.Fprintf(w, "giftsim serve: TLS 1.2 or later, HTTP/2 and HTTP/1.1; certificate %s (%s)\n", cert, how)
		cacert, client := " --cacert CA.pem", ""
		if *f.generate {
			cacert = " --cacert " + files.CA
			fmt.Fprintf(w, "giftsim serve: local CA %s; the certificate is for 127.0.0.1, ::1 and localhost\n", files.CA)
		}
		if clientCA != "" {
			fmt.Fprintf(w, "giftsim serve: client certificates required, signed by a CA in %s (mutual TLS)\n", clientCA)
			client = " --cert CLIENT.pem --key CLIENT-key.pem"
			if *f.generate && clientCA == files.CA {
				client = " --cert " + files.ClientCert + " --key " + files.ClientKey
			}
		}
		fmt.Fprintf(w, "giftsim serve: check it with  curl%s%s %s/healthz\n", cacert, client, url)
		fmt.Fprintf(w, "giftsim serve: drive it with  giftsim load PLAN --target %s%s%s\n", url, cacert, client)
	}, nil
}

// applyFault sets cfg.Fault from the fault flags.
func (f *serveTLSFlags) applyFault(cfg *mock.Config) error {
	if s := strings.TrimSpace(*f.fault5xx); s != "" {
		pct := strings.HasSuffix(s, "%")
		v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
		if pct {
			v /= 100
		}
		if err != nil || !(v >= 0 && v <= 1) {
			return fmt.Errorf("--fault-5xx %q: want a share from 0 to 1, e.g. 0.05 or 5%%", s)
		}
		cfg.Fault.Share5xx = v
	}
	for _, d := range []struct {
		name, text string
		to         *time.Duration
	}{{"--fault-latency", *f.latency, &cfg.Fault.Latency}, {"--fault-latency-jitter", *f.jitter, &cfg.Fault.Jitter}} {
		if d.text == "" {
			continue
		}
		v, err := platform.ParseDuration(d.text)
		if err != nil || v < 0 || v > mock.MaxFaultLatency {
			return fmt.Errorf("%s %q: want a duration from 0 to %s, e.g. 20ms", d.name, d.text, platform.FormatDuration(mock.MaxFaultLatency))
		}
		*d.to = v
	}
	return nil
}
