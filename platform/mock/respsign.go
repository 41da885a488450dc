package mock

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"giftsim/platform"
	"giftsim/platform/api"
	"giftsim/platform/fixture"
	"giftsim/platform/sign"
)

// PlatformKeyMode is what the platform signs its answers under, as the real
// platform offers both: its certificate or its public key.
type PlatformKeyMode string

// The platform key modes.
const (
	// PlatformKeyCert signs under the platform certificate's serial, the
	// certificate merchants download from GET /v3/certificates.
	PlatformKeyCert PlatformKeyMode = "cert"
	// PlatformKeyPubKey signs under the public-key id (PUB_KEY_ID_…),
	// whose public key merchants hold (the fixture's platform.public_key).
	PlatformKeyPubKey PlatformKeyMode = "pubkey"
)

// ResponseSigning says which answers carry a platform signature.
type ResponseSigning string

// The response signing modes.
const (
	// SignAuto signs every answer with the platform's RSA key except the
	// answers to requests signed with SchemeHMAC, which carry an
	// HMAC-SHA256 signature under the caller's HMAC key instead
	// (Wechatpay-Signature-Type GIFTSIM-HMAC-SHA256, Wechatpay-Serial the
	// key's serial): an RSA signature costs about a millisecond of CPU,
	// an HMAC one under a microsecond, so HMAC load tests keep their
	// throughput. The official SDK signs with RSA and so always gets the
	// platform's signature.
	SignAuto ResponseSigning = "auto"
	// SignRSA signs every answer with the platform's RSA key, as the real
	// platform does.
	SignRSA ResponseSigning = "rsa"
	// SignOff signs nothing, for pure throughput tests.
	SignOff ResponseSigning = "off"
)

// ResponseSignings lists the modes in the order help shows them.
func ResponseSignings() []ResponseSigning { return []ResponseSigning{SignAuto, SignRSA, SignOff} }

// respSigner signs the server's answers and callbacks.
type respSigner struct {
	mode     ResponseSigning
	keyMode  PlatformKeyMode
	platform func() (*fixture.PlatformKeys, error)   // platform is made at first use when the fixture has none.
	hmac     map[string]map[string]*sign.ResponseMAC // hmac signs under mchid → serial's HMAC key.
	apiv3    map[string][]byte                       // apiv3 is mchid → APIv3 key.
	inMemory bool                                    // inMemory: the fixture has no platform identity.
	prefix   [8]byte                                 // prefix starts this server's nonces,
	seq      atomic.Uint64                           // seq numbers them.
}

// PlatformIdentity says what the server signs under: the certificate's
// serial and the public-key id, and whether the identity was made in
// memory because the fixture has none.
type PlatformIdentity struct {
	Serial      string
	PublicKeyID string
	InMemory    bool
}

// initSigning checks the fixture's keys against cfg.Auth and prepares the
// platform's signing identity: the fixture's, or, for a fixture that has
// none, one made in memory at first use (logged then).
func (s *Server) initSigning(f *fixture.Fixture) error {
	if err := checkAuthKeys(s.cfg.Auth, f); err != nil {
		return err
	}
	rs := &respSigner{mode: s.cfg.SignResponses, keyMode: s.cfg.PlatformKeyMode,
		hmac: map[string]map[string]*sign.ResponseMAC{}, apiv3: map[string][]byte{}, inMemory: f.Platform == nil}
	if rs.mode == "" {
		rs.mode = SignAuto
	}
	if rs.keyMode == "" {
		rs.keyMode = PlatformKeyCert
	}
	var noAPIv3 []string
	for _, m := range f.Merchants {
		if m.APIv3Key == "" {
			noAPIv3 = append(noAPIv3, m.MchID)
		}
		rs.hmac[m.MchID] = map[string]*sign.ResponseMAC{}
		for _, k := range m.Keys {
			if k.HMAC != "" {
				rs.hmac[m.MchID][k.Serial] = sign.NewResponseMAC([]byte(k.HMAC))
			}
		}
		if m.APIv3Key != "" {
			rs.apiv3[m.MchID] = []byte(m.APIv3Key)
		}
	}
	rand.Read(rs.prefix[:])
	if len(noAPIv3) > 0 {
		s.logf("merchants %s have no apiv3_key in the fixture: GET /v3/certificates refuses them", strings.Join(noAPIv3, ", "))
	}
	if f.Platform != nil {
		pk, err := f.Platform.Parse()
		if err != nil {
			return fmt.Errorf("%w: fixture platform: %w", platform.ErrInvalid, err)
		}
		rs.platform = func() (*fixture.PlatformKeys, error) { return pk, nil }
	} else {
		seed, now, logf := s.cfg.Seed, s.cfg.Now, s.logf
		rs.platform = sync.OnceValues(func() (*fixture.PlatformKeys, error) {
			key, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				return nil, err
			}
			p, err := fixture.NewPlatform(key, seed, now())
			if err != nil {
				return nil, err
			}
			pk, err := p.Parse()
			if err == nil {
				logf("the fixture has no platform identity: made one in memory (certificate serial %s, public key id %s); it changes at every start", pk.Serial, pk.PublicKeyID)
			}
			return pk, err
		})
	}
	s.resp = rs
	return nil
}

// checkAuthKeys refuses an auth mode some merchants cannot sign for: with
// rsa every merchant needs an RSA public key, with hmac an HMAC key.
func checkAuthKeys(mode AuthMode, f *fixture.Fixture) error {
	var missing []string
	for _, m := range f.Merchants {
		if mode == AuthRSA && !m.HasRSA() || mode == AuthHMAC && !m.HasHMAC() {
			missing = append(missing, m.MchID)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	what := "RSA public key (keys[].rsa_public_key)"
	if mode == AuthHMAC {
		what = "HMAC key (keys[].hmac)"
	}
	return fmt.Errorf("%w: --auth %s: merchants %s have no %s, so every request of theirs would be refused; add one or use --auth sign",
		platform.ErrInvalid, mode, strings.Join(missing, ", "), what)
}

// Platform returns what the server signs under, making the in-memory
// identity now if the fixture has none.
func (s *Server) Platform() (PlatformIdentity, error) {
	pk, err := s.resp.platform()
	if err != nil {
		return PlatformIdentity{}, fmt.Errorf("platform identity: %w", err)
	}
	return PlatformIdentity{Serial: pk.Serial, PublicKeyID: pk.PublicKeyID, InMemory: s.resp.inMemory}, nil
}

// answerWriter carries what one answer's signature depends on: the
// caller's verified HMAC key (SignAuto) and the platform serial the
// request asks for.
type answerWriter struct {
	http.ResponseWriter
	hmacSerial string
	hmac       *sign.ResponseMAC
	accept     string          // accept is the request's Wechatpay-Serial header.
	keyMode    PlatformKeyMode // keyMode applies when accept names neither.
	unsigned   bool            // unsigned: a route the real platform does not have.
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (a *answerWriter) Unwrap() http.ResponseWriter { return a.ResponseWriter }

// answerWriter wraps w for the answer to r. The official SDK names in its
// request's Wechatpay-Serial the certificate serial or public-key id it
// can verify; the answer is signed under that one, else under
// Config.PlatformKeyMode, except that the certificates download is signed
// under the certificate (its client is in certificate mode by definition).
func (s *Server) answerWriter(w http.ResponseWriter, r *http.Request) http.ResponseWriter {
	aw := &answerWriter{ResponseWriter: w, accept: r.Header.Get(sign.HeaderSerial), keyMode: s.resp.keyMode,
		unsigned: r.URL.Path == api.PathHealth || r.URL.Path == api.PathMetrics}
	if r.URL.Path == api.PathCertificates {
		aw.keyMode = PlatformKeyCert
	}
	return aw
}

// signedBy records that the request was signed with h (after the check),
// so that an HMAC caller's answer carries its HMAC signature (SignAuto).
func (s *Server) signedBy(w http.ResponseWriter, h sign.Header) {
	aw, ok := w.(*answerWriter)
	if !ok || h.Scheme != sign.SchemeHMAC || s.resp.mode != SignAuto {
		return
	}
	if m := s.resp.hmac[h.MchID][h.Serial]; m != nil {
		aw.hmacSerial, aw.hmac = h.Serial, m
	}
}

// signAnswer sets the signature headers of an answer with body b.
func (s *Server) signAnswer(w http.ResponseWriter, b []byte) {
	if s.resp.mode == SignOff {
		return
	}
	accept, mode := "", s.resp.keyMode
	if aw, ok := w.(*answerWriter); ok {
		if aw.unsigned {
			return
		}
		if aw.hmac != nil {
			ts, nonce := s.responseStamp()
			sign.ResponseSignature{Serial: aw.hmacSerial, Signature: aw.hmac.Sign(ts, nonce, b),
				Timestamp: ts, Nonce: nonce, Type: sign.SchemeHMAC}.Set(w.Header())
			return
		}
		accept, mode = aw.accept, aw.keyMode
	}
	if err := s.signPlatform(w.Header(), b, accept, mode); err != nil {
		s.logf("sign answer: %v", err)
	}
}

// signHeaders signs body with the platform's key, under the serial of
// Config.PlatformKeyMode, and sets the Wechatpay-* headers in h: what a
// callback to a merchant carries.
func (s *Server) signHeaders(h http.Header, body []byte) error {
	return s.signPlatform(h, body, "", s.resp.keyMode)
}

// apiV3Key returns the merchant's APIv3 key (nil if the fixture gives
// none): the AES-256-GCM key of its certificates and callbacks.
func (s *Server) apiV3Key(mchID string) []byte { return s.resp.apiv3[mchID] }

// signPlatform signs body with the platform's RSA key under accept if it
// names the certificate or the public key, else under mode's serial.
func (s *Server) signPlatform(h http.Header, body []byte, accept string, mode PlatformKeyMode) error {
	pk, err := s.resp.platform()
	if err != nil {
		return err
	}
	serial := pk.Serial
	switch {
	case accept == pk.Serial:
	case accept == pk.PublicKeyID || mode == PlatformKeyPubKey:
		serial = pk.PublicKeyID
	}
	ts, nonce := s.responseStamp()
	sig, err := sign.SignResponse(pk.Key, ts, nonce, body)
	if err != nil {
		return err
	}
	sign.ResponseSignature{Serial: serial, Signature: sig, Timestamp: ts, Nonce: nonce, Type: sign.SchemeRSA}.Set(h)
	return nil
}

// responseStamp returns the timestamp and a fresh nonce of a signature.
// The timestamp is wall time (Config.Now), not platform time: merchants
// check it against their own clocks, the SDK within five minutes. The
// nonce is 32 hex digits, a random per-server prefix and a counter, so
// no two answers share one.
func (s *Server) responseStamp() (string, string) {
	var raw [16]byte
	copy(raw[:8], s.resp.prefix[:])
	binary.BigEndian.PutUint64(raw[8:], s.resp.seq.Add(1))
	var nonce [32]byte
	hex.Encode(nonce[:], raw[:])
	return strconv.FormatInt(s.cfg.Now().Unix(), 10), string(nonce[:])
}

// validSigning checks the two signing settings of c.
func (c Config) validSigning() error {
	if c.SignResponses != "" && !slices.Contains(ResponseSignings(), c.SignResponses) {
		return fmt.Errorf("%w: sign-responses %q (allowed: auto, rsa, off)", platform.ErrInvalid, c.SignResponses)
	}
	switch c.PlatformKeyMode {
	case "", PlatformKeyCert, PlatformKeyPubKey:
	default:
		return fmt.Errorf("%w: platform key mode %q (allowed: cert, pubkey)", platform.ErrInvalid, c.PlatformKeyMode)
	}
	return nil
}
