package sign

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
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
