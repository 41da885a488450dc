package sign

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// ParsePublicKeyPEM reads an RSA public key in PEM form ("PUBLIC KEY",
// PKIX, or "RSA PUBLIC KEY", PKCS #1).
func ParsePublicKeyPEM(data []byte) (*rsa.PublicKey, error) {
	return parseKeyPEM(data, "public key", "PUBLIC KEY", x509.ParsePKIXPublicKey, "RSA PUBLIC KEY", x509.ParsePKCS1PublicKey)
}

// ParsePrivateKeyPEM reads an RSA private key in PEM form ("PRIVATE KEY",
// PKCS #8, as the platform hands out apiclient_key.pem, or "RSA PRIVATE
// KEY", PKCS #1).
func ParsePrivateKeyPEM(data []byte) (*rsa.PrivateKey, error) {
	return parseKeyPEM(data, "private key", "PRIVATE KEY", x509.ParsePKCS8PrivateKey, "RSA PRIVATE KEY", x509.ParsePKCS1PrivateKey)
}

// parseKeyPEM reads the RSA key (what, for messages) in data's first PEM
// block: of type generic, parsed by parseGeneric, which may hold a key of
// another algorithm, or of type rsaOnly, parsed by parseRSA.
func parseKeyPEM[K *rsa.PublicKey | *rsa.PrivateKey](data []byte, what, generic string, parseGeneric func([]byte) (any, error), rsaOnly string, parseRSA func([]byte) (K, error)) (K, error) {
	b, _ := pem.Decode(data)
	if b == nil {
		return nil, errors.New("sign: no PEM block in " + what)
	}
	var k any
	var err error
	switch b.Type {
	case generic:
		k, err = parseGeneric(b.Bytes)
	case rsaOnly:
		k, err = parseRSA(b.Bytes)
	default:
		return nil, fmt.Errorf("sign: PEM block %q, want %s", b.Type, generic)
	}
	if err != nil {
		return nil, fmt.Errorf("sign: %s: %w", what, err)
	}
	rk, ok := k.(K)
	if !ok {
		return nil, fmt.Errorf("sign: %s is %T, want RSA", what, k)
	}
	return rk, nil
}

// MarshalPublicKeyPEM writes k as a PKIX "PUBLIC KEY" PEM block.
func MarshalPublicKeyPEM(k *rsa.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// MarshalPrivateKeyPEM writes k as a PKCS #8 "PRIVATE KEY" PEM block.
func MarshalPrivateKeyPEM(k *rsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}
