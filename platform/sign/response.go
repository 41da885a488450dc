package sign

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// The platform's own signature on what it sends: every API response and
// every callback carries these headers, signed with the platform's private
// key, as the real API v3 does.
const (
	HeaderSerial        = "Wechatpay-Serial"
	HeaderSignature     = "Wechatpay-Signature"
	HeaderTimestamp     = "Wechatpay-Timestamp"
	HeaderNonce         = "Wechatpay-Nonce"
	HeaderSignatureType = "Wechatpay-Signature-Type"
)

// AlgorithmAEAD is the only encryption the platform uses for certificates
// and callback resources: AES-256-GCM keyed by the merchant's APIv3 key.
const AlgorithmAEAD = "AEAD_AES_256_GCM"

// APIv3KeyLen is the length of a merchant's APIv3 key in bytes (32 ASCII
// characters, used as the AES-256 key as is).
const APIv3KeyLen = 32

// ErrResponseSignature marks a platform signature that does not verify.
var ErrResponseSignature = errors.New("platform signature does not verify")

// AppendResponseMessage appends the platform's signed string
// "TIMESTAMP\nNONCE\nBODY\n" to dst.
func AppendResponseMessage(dst []byte, timestamp, nonce string, body []byte) []byte {
	dst = append(dst, timestamp...)
	dst = append(dst, '\n')
	dst = append(dst, nonce...)
	dst = append(dst, '\n')
	dst = append(dst, body...)
	return append(dst, '\n')
}

// SignResponse returns the base64 SHA256withRSA (PKCS #1 v1.5) signature of
// the response message with the platform's private key.
func SignResponse(key *rsa.PrivateKey, timestamp, nonce string, body []byte) (string, error) {
	d := sha256.Sum256(AppendResponseMessage(nil, timestamp, nonce, body))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, d[:])
	if err != nil {
		return "", fmt.Errorf("sign response: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// VerifyResponse checks a platform signature with the platform's public
// key; it wraps ErrResponseSignature when the signature does not verify.
func VerifyResponse(key *rsa.PublicKey, timestamp, nonce string, body []byte, signature string) error {
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return fmt.Errorf("%w: signature is not base64", ErrResponseSignature)
	}
	d := sha256.Sum256(AppendResponseMessage(nil, timestamp, nonce, body))
	if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, d[:], sig); err != nil {
		return fmt.Errorf("%w: %v", ErrResponseSignature, err)
	}
	return nil
}

// SignResponseHMAC returns the base64 HMAC-SHA256 of the response message
// under a merchant's HMAC key: giftsim's cheap signature on answers to
// SchemeHMAC requests (signature type SchemeHMAC). A ResponseMAC does the
// same for many answers under one key.
func SignResponseHMAC(key []byte, timestamp, nonce string, body []byte) string {
	return NewResponseMAC(key).Sign(timestamp, nonce, body)
}

// ResponseMAC signs answers with HMAC-SHA256 under one key, reusing its
// hash state: about a microsecond and one allocation (the result) each.
// It is safe for concurrent use.
type ResponseMAC struct {
	pool sync.Pool // of hash.Hash
}

// NewResponseMAC returns a ResponseMAC for key.
func NewResponseMAC(key []byte) *ResponseMAC {
	key = bytes.Clone(key)
	return &ResponseMAC{pool: sync.Pool{New: func() any { return hmac.New(sha256.New, key) }}}
}

// Sign returns the base64 HMAC-SHA256 of "TIMESTAMP\nNONCE\nBODY\n".
func (m *ResponseMAC) Sign(timestamp, nonce string, body []byte) string {
	h := m.pool.Get().(hash.Hash)
	defer m.pool.Put(h)
	h.Reset()
	io.WriteString(h, timestamp)
	h.Write(newline)
	io.WriteString(h, nonce)
	h.Write(newline)
	h.Write(body)
	h.Write(newline)
	var sum [sha256.Size]byte
	var out [44]byte // base64 of 32 bytes
	base64.StdEncoding.Encode(out[:], h.Sum(sum[:0]))
	return string(out[:])
}

var newline = []byte{'\n'}

// VerifyResponseHMAC checks a SignResponseHMAC signature; it wraps
// ErrResponseSignature when the signature does not verify.
func VerifyResponseHMAC(key []byte, timestamp, nonce string, body []byte, signature string) error {
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return fmt.Errorf("%w: signature is not base64", ErrResponseSignature)
	}
	m := hmac.New(sha256.New, key)
	m.Write(AppendResponseMessage(nil, timestamp, nonce, body))
	if !hmac.Equal(m.Sum(nil), sig) {
		return fmt.Errorf("%w: HMAC differs", ErrResponseSignature)
	}
	return nil
}

// ResponseSignature is the platform's signature on an answer or a
// callback, as its headers carry it. Type is the signature type
// (SchemeRSA, or SchemeHMAC for giftsim's cheap answers).
type ResponseSignature struct {
	Serial, Signature, Timestamp, Nonce, Type string
}

// Set writes rs into h (the five values share one allocation).
func (rs ResponseSignature) Set(h http.Header) {
	v := []string{rs.Serial, rs.Signature, rs.Timestamp, rs.Nonce, rs.Type}
	h[HeaderSerial] = v[0:1:1]
	h[HeaderSignature] = v[1:2:2]
	h[HeaderTimestamp] = v[2:3:3]
	h[HeaderNonce] = v[3:4:4]
	h[HeaderSignatureType] = v[4:5:5]
}

// ReadResponseSignature reads the signature headers from h, as a merchant
// receives them; a missing serial, signature, timestamp or nonce is an
// error wrapping ErrResponseSignature, as the official SDK refuses it. A
// missing type reads as SchemeRSA.
func ReadResponseSignature(h http.Header) (ResponseSignature, error) {
	rs := ResponseSignature{Serial: h.Get(HeaderSerial), Signature: h.Get(HeaderSignature),
		Timestamp: h.Get(HeaderTimestamp), Nonce: h.Get(HeaderNonce), Type: h.Get(HeaderSignatureType)}
	for _, f := range []struct{ name, v string }{{HeaderSerial, rs.Serial}, {HeaderSignature, rs.Signature}, {HeaderTimestamp, rs.Timestamp}, {HeaderNonce, rs.Nonce}} {
		if f.v == "" {
			return rs, fmt.Errorf("%w: header %s is empty", ErrResponseSignature, f.name)
		}
	}
	if rs.Type == "" {
		rs.Type = SchemeRSA
	}
	return rs, nil
}

// CheckTime refuses a timestamp that is not Unix seconds or lies skew or
// more from now, the official SDK's five-minute check (skew MaxSkew).
func (rs ResponseSignature) CheckTime(now time.Time, skew time.Duration) error {
	ts, err := strconv.ParseInt(rs.Timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q is not Unix seconds", ErrResponseSignature, rs.Timestamp)
	}
	if d := time.Duration(now.Unix()-ts) * time.Second; d >= skew || d <= -skew {
		return fmt.Errorf("%w: timestamp %d is %s from now", ErrResponseSignature, ts, d)
	}
	return nil
}

// Verify checks rs over body with the platform's public key (SchemeRSA).
func (rs ResponseSignature) Verify(key *rsa.PublicKey, body []byte) error {
	if rs.Type != SchemeRSA {
		return fmt.Errorf("%w: signature type %q, want %s", ErrResponseSignature, rs.Type, SchemeRSA)
	}
	return VerifyResponse(key, rs.Timestamp, rs.Nonce, body, rs.Signature)
}

// Encrypted is a resource encrypted with AlgorithmAEAD, in the shape of the
// platform's JSON (certificates' encrypt_certificate, a callback's resource).
// Ciphertext is base64 of the GCM output (ciphertext then 16-byte tag).
type Encrypted struct {
	Algorithm      string `json:"algorithm"`
	Ciphertext     string `json:"ciphertext"`
	AssociatedData string `json:"associated_data"`
	OriginalType   string `json:"original_type,omitempty"`
	Nonce          string `json:"nonce"`
}

// NonceLen is the length of an AEAD nonce: 12 characters, used as bytes.
const NonceLen = 12

// Seal encrypts plaintext with the merchant's APIv3 key, nonce (NonceLen
// bytes) and associated data.
func Seal(apiV3Key []byte, nonce, associatedData string, plaintext []byte) (Encrypted, error) {
	g, err := newGCM(apiV3Key)
	if err != nil {
		return Encrypted{}, err
	}
	if len(nonce) != g.NonceSize() {
		return Encrypted{}, fmt.Errorf("seal: nonce is %d bytes, want %d", len(nonce), g.NonceSize())
	}
	ct := g.Seal(nil, []byte(nonce), plaintext, []byte(associatedData))
	return Encrypted{Algorithm: AlgorithmAEAD, Ciphertext: base64.StdEncoding.EncodeToString(ct),
		AssociatedData: associatedData, Nonce: nonce}, nil
}

// Open decrypts e with the merchant's APIv3 key.
func Open(apiV3Key []byte, e Encrypted) ([]byte, error) {
	if e.Algorithm != AlgorithmAEAD {
		return nil, fmt.Errorf("open: algorithm %q, want %s", e.Algorithm, AlgorithmAEAD)
	}
	g, err := newGCM(apiV3Key)
	if err != nil {
		return nil, err
	}
	if len(e.Nonce) != g.NonceSize() {
		return nil, fmt.Errorf("open: nonce is %d bytes, want %d", len(e.Nonce), g.NonceSize())
	}
	ct, err := base64.StdEncoding.DecodeString(e.Ciphertext)
	if err != nil {
		return nil, fmt.Errorf("open: ciphertext is not base64: %w", err)
	}
	pt, err := g.Open(nil, []byte(e.Nonce), ct, []byte(e.AssociatedData))
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	return pt, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	if len(key) != APIv3KeyLen {
		return nil, fmt.Errorf("APIv3 key is %d bytes, want %d", len(key), APIv3KeyLen)
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// RandomNonce returns n random characters from [0-9A-Za-z], for AEAD
// nonces and the Wechatpay-Nonce header.
func RandomNonce(n int) string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
