package tlsgen

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// The files Ensure writes in its directory.
const (
	CAFile        = "ca.pem"         // CAFile is the CA certificate clients trust (--cacert, --client-ca).
	CAKeyFile     = "ca-key.pem"     // CAKeyFile is the CA's key, kept to renew the leaves under the same CA.
	ServerFile    = "server.pem"     // ServerFile is the server certificate (--tls-cert).
	ServerKeyFile = "server-key.pem" // ServerKeyFile is its key (--tls-key).
	ClientFile    = "client.pem"     // ClientFile is a client certificate for mutual TLS (load --cert).
	ClientKeyFile = "client-key.pem" // ClientKeyFile is its key (load --key).
)

// Validity is how long generated certificates are valid.
const Validity = 2 * 365 * 24 * time.Hour

// renewBefore is how long before its end a leaf is renewed by Ensure.
const renewBefore = 7 * 24 * time.Hour

// localIPs are the addresses a generated server certificate is valid for.
var localIPs = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}

// LocalDNS is the DNS name a generated server certificate is valid for,
// beside 127.0.0.1 and ::1.
const LocalDNS = "localhost"

// CA is a certificate authority that issues leaf certificates.
type CA struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
	PEM  []byte // PEM is the certificate in PEM.
}

// Pair is a certificate and its key in PEM.
type Pair struct {
	CertPEM, KeyPEM []byte
}

// TLS returns the pair as a tls.Certificate.
func (p Pair) TLS() (tls.Certificate, error) { return tls.X509KeyPair(p.CertPEM, p.KeyPEM) }

// NewCA makes a certificate authority named name, valid from now for
// Validity.
func NewCA(name string, now time.Time) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: name, Organization: []string{"giftsim local CA"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(Validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, Key: key, PEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

// Server issues a server certificate for 127.0.0.1, ::1 and localhost
// (and hosts, names or addresses), valid from now for Validity.
func (ca *CA) Server(now time.Time, hosts ...string) (Pair, error) {
	tmpl := ca.leaf("giftsim mock", now)
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	tmpl.IPAddresses = append(tmpl.IPAddresses, localIPs...)
	tmpl.DNSNames = []string{LocalDNS}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	return ca.issue(tmpl)
}

// Client issues a client certificate named name for mutual TLS, valid
// from now for Validity.
func (ca *CA) Client(name string, now time.Time) (Pair, error) {
	tmpl := ca.leaf(name, now)
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	return ca.issue(tmpl)
}

func (ca *CA) leaf(name string, now time.Time) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: name, Organization: []string{"giftsim"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(Validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
}

func (ca *CA) issue(tmpl *x509.Certificate) (Pair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Pair{}, err
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		return Pair{}, err
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return Pair{}, err
	}
	return Pair{CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM: pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})}, nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return n
}

// Files names the PEM files of a local CA, a server certificate and a
// client certificate in one directory.
type Files struct {
	Dir                       string
	CA, ServerCert, ServerKey string
	ClientCert, ClientKey     string
}

// FilesIn names the files Ensure writes in dir.
func FilesIn(dir string) Files {
	j := func(n string) string { return filepath.Join(dir, n) }
	return Files{Dir: dir, CA: j(CAFile), ServerCert: j(ServerFile), ServerKey: j(ServerKeyFile),
		ClientCert: j(ClientFile), ClientKey: j(ClientKeyFile)}
}

// Ensure returns the local CA, server and client certificates in dir,
// reusing those an earlier call wrote while they are valid at now for
// 127.0.0.1, ::1 and localhost, and writing new ones otherwise (keys with
// mode 0600). generated says it wrote new files. A leaf near its end is
// renewed under the same CA, so clients keep trusting ca.pem.
func Ensure(dir string, now time.Time) (f Files, generated bool, err error) {
	f = FilesIn(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return f, false, fmt.Errorf("tls directory: %w", err)
	}
	ca, err := loadCA(filepath.Join(dir, CAFile), filepath.Join(dir, CAKeyFile), now)
	if err == nil && leafValid(f.ServerCert, f.ServerKey, ca, now, true) && leafValid(f.ClientCert, f.ClientKey, ca, now, false) {
		return f, false, nil
	}
	if err != nil {
		if ca, err = NewCA("giftsim local CA", now); err != nil {
			return f, false, err
		}
		kb, err := x509.MarshalECPrivateKey(ca.Key)
		if err != nil {
			return f, false, err
		}
		if err := write(filepath.Join(dir, CAKeyFile), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
			return f, false, err
		}
		if err := write(f.CA, ca.PEM, 0o644); err != nil {
			return f, false, err
		}
	}
	srv, err := ca.Server(now)
	if err != nil {
		return f, false, err
	}
	cli, err := ca.Client("giftsim load", now)
	if err != nil {
		return f, false, err
	}
	for _, w := range []struct {
		path string
		b    []byte
		mode os.FileMode
	}{{f.ServerCert, srv.CertPEM, 0o644}, {f.ServerKey, srv.KeyPEM, 0o600}, {f.ClientCert, cli.CertPEM, 0o644}, {f.ClientKey, cli.KeyPEM, 0o600}} {
		if err := write(w.path, w.b, w.mode); err != nil {
			return f, false, err
		}
	}
	return f, true, nil
}

// write writes b to path through a temporary file, so a reader never sees
// half a file.
func write(path string, b []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, mode); err != nil {
		return err
	}
	if err := os.Chmod(tmp, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// loadCA reads a CA written by Ensure; it fails when either file is
// missing or the CA ends within renewBefore.
func loadCA(certFile, keyFile string, now time.Time) (*CA, error) {
	cb, err := os.ReadFile(certFile)
	if err != nil {
		return nil, err
	}
	kb, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, err
	}
	pair, err := tls.X509KeyPair(cb, kb)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, err
	}
	key, ok := pair.PrivateKey.(*ecdsa.PrivateKey)
	if !ok || !cert.IsCA || now.Add(renewBefore).After(cert.NotAfter) {
		return nil, errors.New("not a usable CA")
	}
	return &CA{Cert: cert, Key: key, PEM: cb}, nil
}

// leafValid reports whether the pair at certFile and keyFile was issued by
// ca, matches its key and stays valid past now+renewBefore; a server leaf
// must also name the local addresses.
func leafValid(certFile, keyFile string, ca *CA, now time.Time, server bool) bool {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return false
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil || cert.CheckSignatureFrom(ca.Cert) != nil || now.Add(renewBefore).After(cert.NotAfter) {
		return false
	}
	if server {
		for _, h := range []string{"127.0.0.1", "::1", LocalDNS} {
			if cert.VerifyHostname(h) != nil {
				return false
			}
		}
	}
	return true
}

// LoadPool reads the PEM file of CA certificates at path into a pool of
// its own (the system's roots are not in it).
func LoadPool(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return pool, nil
}

// ServerConfig returns the server side of TLS: the certificate and key in
// PEM files, TLS 1.2 at least, HTTP/2 and HTTP/1.1 offered by ALPN, and,
// when clientCA is not "", a client certificate signed by one of its CAs
// required on every connection (mutual TLS).
func ServerConfig(certFile, keyFile, clientCA string) (*tls.Config, error) {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("certificate %s and key %s: %w", certFile, keyFile, err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12,
		NextProtos: []string{"h2", "http/1.1"}}
	if clientCA != "" {
		if cfg.ClientCAs, err = LoadPool(clientCA); err != nil {
			return nil, fmt.Errorf("client CA: %w", err)
		}
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}
