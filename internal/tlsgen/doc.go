// Package tlsgen makes and loads the TLS material a local HTTPS run needs:
// a small certificate authority (ECDSA P-256, crypto/x509), a server
// certificate for 127.0.0.1, ::1 and localhost, and a client certificate
// for mutual TLS, written as PEM files that giftsim serve reuses on
// restart; LoadPool reads a PEM file of CA certificates for either side,
// and ServerConfig builds the server's tls.Config (TLS 1.2 at least,
// HTTP/2 offered, client certificates required when a client CA is given).
package tlsgen
