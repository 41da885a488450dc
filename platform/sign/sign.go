package sign

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"giftsim/platform"
)

// The two signature schemes.
const (
	// SchemeRSA is the real platform's scheme: SHA256withRSA over the
	// canonical string with the merchant's 2048-bit private key.
	SchemeRSA = "WECHATPAY2-SHA256-RSA2048"
	// SchemeHMAC is giftsim's cheap variant: HMAC-SHA256 over the same
	// string with a key shared between merchant and platform.
	SchemeHMAC = "GIFTSIM-HMAC-SHA256"
)

// MaxSkew is how far a request's timestamp may be from the platform's
// clock, either way.
const MaxSkew = 300 * time.Second

// The verification errors. Each wraps platform.ErrSignature, so
// platform.CodeOf answers SIGN_ERROR for all of them.
var (
	ErrMalformed  = fmt.Errorf("%w: malformed Authorization header", platform.ErrSignature)
	ErrScheme     = fmt.Errorf("%w: signature scheme not accepted", platform.ErrSignature)
	ErrUnknownKey = fmt.Errorf("%w: no key registered for mchid and serial_no", platform.ErrSignature)
	ErrTimestamp  = fmt.Errorf("%w: timestamp outside the allowed window", platform.ErrSignature)
	ErrReplay     = fmt.Errorf("%w: nonce already used", platform.ErrSignature)
	ErrMismatch   = fmt.Errorf("%w: signature does not match", platform.ErrSignature)
)

// AppendMessage appends the canonical string
// "METHOD\nURI\nTIMESTAMP\nNONCE\nBODY\n" to dst; uri is the path with its
// query as sent (e.g. "/v3/x?appid=wx1").
func AppendMessage(dst []byte, method, uri string, timestamp int64, nonce string, body []byte) []byte {
	dst = append(dst, method...)
	dst = append(dst, '\n')
	dst = append(dst, uri...)
	dst = append(dst, '\n')
	dst = strconv.AppendInt(dst, timestamp, 10)
	dst = append(dst, '\n')
	dst = append(dst, nonce...)
	dst = append(dst, '\n')
	dst = append(dst, body...)
	return append(dst, '\n')
}

// Signer signs requests for one merchant key. It is safe for concurrent
// use; an HMAC signature costs about a microsecond and one allocation (the
// header string).
type Signer struct {
	scheme  string
	mchID   string
	serial  string
	hmacKey []byte
	rsaKey  *rsa.PrivateKey
	now     func() time.Time
	prefix  [8]byte       // prefix makes this signer's nonces unique.
	counter atomic.Uint64 // counter numbers its nonces.
	pool    sync.Pool     // of *scratch
}

// scratch is a signer's reusable per-call state.
type scratch struct {
	mac hash.Hash
	msg []byte
	hdr []byte
	sum [sha256.Size]byte
}

// NewHMAC returns a Signer for SchemeHMAC. now is the wall clock (nil:
// time.Now).
func NewHMAC(mchID, serial string, key []byte, now func() time.Time) (*Signer, error) {
	if len(key) == 0 {
		return nil, fmt.Errorf("sign: empty HMAC key for mchid %q", mchID)
	}
	s, err := newSigner(SchemeHMAC, mchID, serial, now)
	if err != nil {
		return nil, err
	}
	s.hmacKey = append([]byte(nil), key...)
	return s, nil
}

// NewRSA returns a Signer for SchemeRSA. now is the wall clock (nil:
// time.Now).
func NewRSA(mchID, serial string, key *rsa.PrivateKey, now func() time.Time) (*Signer, error) {
	if key == nil {
		return nil, fmt.Errorf("sign: nil RSA key for mchid %q", mchID)
	}
	s, err := newSigner(SchemeRSA, mchID, serial, now)
	if err != nil {
		return nil, err
	}
	s.rsaKey = key
	return s, nil
}

func newSigner(scheme, mchID, serial string, now func() time.Time) (*Signer, error) {
	if !validToken(mchID) || !validToken(serial) {
		return nil, fmt.Errorf("sign: mchid %q and serial %q must be non-empty without quotes, commas or spaces", mchID, serial)
	}
	if now == nil {
		now = time.Now
	}
	s := &Signer{scheme: scheme, mchID: mchID, serial: serial, now: now}
	if _, err := rand.Read(s.prefix[:]); err != nil {
		return nil, fmt.Errorf("sign: nonce prefix: %w", err)
	}
	return s, nil
}

// validToken reports whether v can sit inside a quoted header field.
func validToken(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c <= ' ' || c == '"' || c == ',' || c == '\\' || c >= 0x7f {
			return false
		}
	}
	return true
}

// Scheme returns the signer's scheme.
func (s *Signer) Scheme() string { return s.scheme }

// MchID returns the merchant the signer signs for.
func (s *Signer) MchID() string { return s.mchID }

// Authorization returns the Authorization header value for a request;
// uri is the path with its query exactly as sent.
func (s *Signer) Authorization(method, uri string, body []byte) (string, error) {
	sc := s.get()
	defer s.pool.Put(sc)
	if err := s.build(sc, method, uri, body); err != nil {
		return "", err
	}
	return string(sc.hdr), nil
}

// Sign sets req's Authorization header; body is the request body as it
// will be sent (req.Body is not read).
func (s *Signer) Sign(req *http.Request, body []byte) error {
	h, err := s.Authorization(req.Method, req.URL.RequestURI(), body)
	if err != nil {
		return err
	}
	req.Header["Authorization"] = []string{h}
	return nil
}

func (s *Signer) get() *scratch {
	if sc, ok := s.pool.Get().(*scratch); ok {
		return sc
	}
	sc := &scratch{msg: make([]byte, 0, 512), hdr: make([]byte, 0, 512)}
	if s.hmacKey != nil {
		sc.mac = hmac.New(sha256.New, s.hmacKey)
	}
	return sc
}

const hexDigits = "0123456789abcdef"

// build writes the header value into sc.hdr.
func (s *Signer) build(sc *scratch, method, uri string, body []byte) error {
	var nonce [32]byte
	var raw [16]byte
	copy(raw[:8], s.prefix[:])
	binary.BigEndian.PutUint64(raw[8:], s.counter.Add(1))
	for i, b := range raw {
		nonce[2*i], nonce[2*i+1] = hexDigits[b>>4], hexDigits[b&15]
	}
	ts := s.now().Unix()
	sc.msg = AppendMessage(sc.msg[:0], method, uri, ts, string(nonce[:]), body)

	var sig []byte
	switch s.scheme {
	case SchemeHMAC:
		sc.mac.Reset()
		sc.mac.Write(sc.msg)
		sig = sc.mac.Sum(sc.sum[:0])
	default:
		d := sha256.Sum256(sc.msg)
		b, err := rsa.SignPKCS1v15(nil, s.rsaKey, crypto.SHA256, d[:])
		if err != nil {
			return fmt.Errorf("sign: %w", err)
		}
		sig = b
	}
	h := sc.hdr[:0]
	h = append(h, s.scheme...)
	h = append(h, ` mchid="`...)
	h = append(h, s.mchID...)
	h = append(h, `",nonce_str="`...)
	h = append(h, nonce[:]...)
	h = append(h, `",timestamp="`...)
	h = strconv.AppendInt(h, ts, 10)
	h = append(h, `",serial_no="`...)
	h = append(h, s.serial...)
	h = append(h, `",signature="`...)
	h = base64.StdEncoding.AppendEncode(h, sig)
	h = append(h, '"')
	sc.hdr = h
	return nil
}

// Header is a parsed Authorization header.
type Header struct {
	Scheme    string
	MchID     string
	Nonce     string
	Timestamp int64
	Serial    string
	Signature string // Signature is base64.
}

// The header's limits: canonical forms only, so one request has one header.
const (
	// MaxNonceLen bounds nonce_str (the real platform's clients send 32).
	MaxNonceLen = 64
	// MaxTokenLen bounds mchid and serial_no.
	MaxTokenLen = 64
	// MaxSignatureLen bounds signature: base64 of 512 bytes (RSA-4096).
	MaxSignatureLen   = 684
	maxSignatureBytes = 512
	// maxTimestampDigits bounds timestamp: Unix seconds, no sign, no
	// leading zero, below 10^18 so it fits an int64.
	maxTimestampDigits = 18
)

// ParseHeader reads an Authorization header value. Fields may come in any
// order, separated by a comma and optional spaces; all five are required
// and each must be in canonical form, so no two header texts verify as
// the same request: mchid and serial_no printable without quotes, commas,
// backslashes or spaces (at most MaxTokenLen), nonce_str letters, digits,
// '-' and '_' (at most MaxNonceLen), timestamp decimal digits without
// sign or leading zero, signature padded standard base64 (at most
// MaxSignatureLen characters).
func ParseHeader(v string) (Header, error) {
	var h Header
	sp := strings.IndexByte(v, ' ')
	if sp <= 0 {
		return h, fmt.Errorf("%w: want SCHEME mchid=\"…\",nonce_str=\"…\",timestamp=\"…\",serial_no=\"…\",signature=\"…\"", ErrMalformed)
	}
	h.Scheme = v[:sp]
	rest := v[sp+1:]
	var ts string
	seen := 0
	for first := true; ; first = false {
		if !first {
			if rest == "" {
				break
			}
			if rest[0] != ',' {
				return h, fmt.Errorf("%w: fields must be separated by commas", ErrMalformed)
			}
			rest = rest[1:]
			for len(rest) > 0 && rest[0] == ' ' {
				rest = rest[1:]
			}
		}
		eq := strings.IndexByte(rest, '=')
		if eq <= 0 || eq+1 >= len(rest) || rest[eq+1] != '"' {
			return h, fmt.Errorf("%w: want key=\"value\" pairs", ErrMalformed)
		}
		key := rest[:eq]
		rest = rest[eq+2:]
		end := strings.IndexByte(rest, '"')
		if end < 0 {
			return h, fmt.Errorf("%w: unterminated value of %q", ErrMalformed, key)
		}
		val := rest[:end]
		rest = rest[end+1:]
		var bit int
		switch key {
		case "mchid":
			h.MchID, bit = val, 1
		case "nonce_str":
			h.Nonce, bit = val, 2
		case "timestamp":
			ts, bit = val, 4
		case "serial_no":
			h.Serial, bit = val, 8
		case "signature":
			h.Signature, bit = val, 16
		default:
			return h, fmt.Errorf("%w: unknown field %q", ErrMalformed, key)
		}
		if seen&bit != 0 {
			return h, fmt.Errorf("%w: field %s given twice", ErrMalformed, key)
		}
		seen |= bit
	}
	for bit, name := range []string{"mchid", "nonce_str", "timestamp", "serial_no", "signature"} {
		if seen&(1<<bit) == 0 {
			return h, fmt.Errorf("%w: field %s missing", ErrMalformed, name)
		}
	}
	switch {
	case !validToken(h.MchID) || len(h.MchID) > MaxTokenLen:
		return h, fmt.Errorf("%w: mchid must be 1 to %d printable characters without quotes, commas, backslashes or spaces", ErrMalformed, MaxTokenLen)
	case !validToken(h.Serial) || len(h.Serial) > MaxTokenLen:
		return h, fmt.Errorf("%w: serial_no must be 1 to %d printable characters without quotes, commas, backslashes or spaces", ErrMalformed, MaxTokenLen)
	case !validNonce(h.Nonce):
		return h, fmt.Errorf("%w: nonce_str must be 1 to %d letters, digits, '-' or '_'", ErrMalformed, MaxNonceLen)
	case !validBase64(h.Signature):
		return h, fmt.Errorf("%w: signature must be padded standard base64 of at most %d characters", ErrMalformed, MaxSignatureLen)
	}
	t, ok := parseTimestamp(ts)
	if !ok {
		return h, fmt.Errorf("%w: timestamp %q is not Unix seconds in canonical digits", ErrMalformed, ts)
	}
	h.Timestamp = t
	return h, nil
}

// validNonce reports whether n is a canonical nonce_str.
func validNonce(n string) bool {
	if n == "" || len(n) > MaxNonceLen {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// validBase64 reports whether s has the shape of padded standard base64
// of at most MaxSignatureLen characters (the decoder checks the rest).
func validBase64(s string) bool {
	if s == "" || len(s) > MaxSignatureLen || len(s)%4 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '+' || c == '/' || c == '=') {
			return false
		}
	}
	return true
}

// parseTimestamp reads canonical Unix seconds: decimal digits, no sign,
// no leading zero.
func parseTimestamp(s string) (int64, bool) {
	if s == "" || len(s) > maxTimestampDigits || s[0] == '0' {
		return 0, false
	}
	var t int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		t = t*10 + int64(c-'0')
	}
	return t, true
}

// Key is what the platform holds for one merchant serial number: an HMAC
// key, an RSA public key, or both.
type Key struct {
	HMAC []byte
	RSA  *rsa.PublicKey
}

// KeyFunc looks up the key registered for a merchant's serial number.
type KeyFunc func(mchID, serial string) (Key, bool)

// Verifier checks Authorization headers on the platform side. It is safe
// for concurrent use.
type Verifier struct {
	keys    KeyFunc
	now     func() time.Time
	skew    time.Duration
	rsa     bool
	hmac    bool
	nonces  NonceRecorder
	macPool sync.Pool // of *verifyScratch
}

type verifyScratch struct {
	msg []byte
	sig [MaxSignatureLen / 4 * 3]byte // sig holds any signature ParseHeader passes.
}

// VerifierConfig configures a Verifier.
type VerifierConfig struct {
	Keys      KeyFunc          // Keys finds a merchant's key (required).
	Now       func() time.Time // Now is the wall clock (nil: time.Now).
	Skew      time.Duration    // Skew bounds |now − timestamp| (0: MaxSkew).
	AllowRSA  bool             // AllowRSA accepts SchemeRSA.
	AllowHMAC bool             // AllowHMAC accepts SchemeHMAC.
	// Nonces remembers accepted nonces (nil: a NonceCache holding
	// NoncesPerMerchant of each merchant).
	Nonces NonceRecorder
	// NoncesPerMerchant is the default NonceCache's per-merchant budget
	// (0: DefaultNoncesPerMerchant).
	NoncesPerMerchant int
}

// NewVerifier returns a Verifier for cfg.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	if cfg.Keys == nil {
		return nil, errors.New("sign: VerifierConfig.Keys is required")
	}
	if !cfg.AllowRSA && !cfg.AllowHMAC {
		return nil, errors.New("sign: VerifierConfig must allow at least one scheme")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Skew <= 0 {
		cfg.Skew = MaxSkew
	}
	if cfg.Nonces == nil {
		cfg.Nonces = NewNonceCache(cfg.NoncesPerMerchant)
	}
	return &Verifier{keys: cfg.Keys, now: cfg.Now, skew: cfg.Skew, rsa: cfg.AllowRSA, hmac: cfg.AllowHMAC,
		nonces: cfg.Nonces}, nil
}

// Verify checks the Authorization header value auth of a request and
// returns the parsed header. Errors wrap platform.ErrSignature and one of
// this package's sentinels. A nonce is recorded only once the signature
// holds, so forged requests cannot fill the replay cache.
func (v *Verifier) Verify(auth, method, uri string, body []byte) (Header, error) {
	h, err := ParseHeader(auth)
	if err != nil {
		return h, err
	}
	switch {
	case h.Scheme == SchemeHMAC && v.hmac, h.Scheme == SchemeRSA && v.rsa:
	default:
		return h, fmt.Errorf("%w: %q", ErrScheme, h.Scheme)
	}
	now := v.now().Unix()
	skew := int64(v.skew / time.Second)
	if d := now - h.Timestamp; d > skew || d < -skew {
		return h, fmt.Errorf("%w: timestamp %d is %ds from the platform's %d (allowed ±%ds)", ErrTimestamp, h.Timestamp, d, now, skew)
	}
	key, ok := v.keys(h.MchID, h.Serial)
	if !ok {
		return h, fmt.Errorf("%w: mchid %q serial_no %q", ErrUnknownKey, h.MchID, h.Serial)
	}
	sc, _ := v.macPool.Get().(*verifyScratch)
	if sc == nil {
		sc = &verifyScratch{msg: make([]byte, 0, 512)}
	}
	defer v.macPool.Put(sc)
	// ParseHeader bounded the signature to MaxSignatureLen characters, which
	// decode to at most len(sc.sig) bytes; check again before decoding into
	// the fixed buffer (security defect 2: a longer one used to panic).
	if base64.StdEncoding.DecodedLen(len(h.Signature)) > len(sc.sig) {
		return h, fmt.Errorf("%w: signature over %d characters", ErrMalformed, MaxSignatureLen)
	}
	n, err := base64.StdEncoding.Strict().Decode(sc.sig[:], []byte(h.Signature))
	if err != nil {
		return h, fmt.Errorf("%w: signature is not canonical base64", ErrMalformed)
	}
	sig := sc.sig[:n]
	sc.msg = AppendMessage(sc.msg[:0], method, uri, h.Timestamp, h.Nonce, body)
	switch h.Scheme {
	case SchemeHMAC:
		if key.HMAC == nil {
			return h, fmt.Errorf("%w: serial_no %q has no HMAC key", ErrUnknownKey, h.Serial)
		}
		m := hmac.New(sha256.New, key.HMAC)
		m.Write(sc.msg)
		var sum [32]byte
		if !hmac.Equal(m.Sum(sum[:0]), sig) {
			return h, ErrMismatch
		}
	case SchemeRSA:
		if key.RSA == nil {
			return h, fmt.Errorf("%w: serial_no %q has no RSA public key", ErrUnknownKey, h.Serial)
		}
		d := sha256.Sum256(sc.msg)
		if rsa.VerifyPKCS1v15(key.RSA, crypto.SHA256, d[:], sig) != nil {
			return h, ErrMismatch
		}
	}
	if err := v.nonces.Record(h.MchID, h.Nonce, h.Timestamp, now, skew); err != nil {
		return h, err
	}
	return h, nil
}
