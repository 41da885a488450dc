package mock

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/netip"
	"time"

	"giftsim/platform"
)

// AuthMode says which request signatures the mock accepts.
type AuthMode string

// The authentication modes.
const (
	AuthSign AuthMode = "sign" // AuthSign accepts both SchemeRSA and SchemeHMAC (the default).
	AuthRSA  AuthMode = "rsa"  // AuthRSA accepts only the real v3 scheme.
	AuthHMAC AuthMode = "hmac" // AuthHMAC accepts only the HMAC variant.
	AuthNone AuthMode = "none" // AuthNone checks nothing: for quick local trials only.
)

// AuthModes lists the modes in the order help shows them.
func AuthModes() []AuthMode { return []AuthMode{AuthSign, AuthRSA, AuthHMAC, AuthNone} }

// Config configures a Server.
type Config struct {
	// Day is how long a platform day lasts in wall time: 24h runs the
	// platform in real time, 10s makes a day pass every ten seconds so
	// quotas, the 48-hour window and expiry can be exercised in a test.
	Day time.Duration
	// Start is the platform time at Config.Now()'s first reading (zero:
	// the wall time for a real-time day, else the last midnight CST so a
	// fast platform day starts with the server). A durable store keeps
	// the first anchor it saw, so the platform clock runs on across
	// restarts.
	Start time.Time
	// Now is the wall clock (nil: time.Now). Auth timestamps use it.
	Now func() time.Time
	// Auth is the accepted signature scheme.
	Auth AuthMode
	// TrustProxy takes the client IP (R17) from X-Forwarded-For when the
	// connection comes from a trusted proxy: the rightmost address not
	// itself a trusted proxy (forwardedClient).
	TrustProxy bool
	// TrustedProxies are the proxies' addresses (nil: loopback,
	// DefaultTrustedProxies).
	TrustedProxies []netip.Prefix
	// NonceCapacity bounds the replay cache: at most this many nonces in
	// all, shared evenly by the fixture's merchants (0:
	// DefaultNonceCapacity).
	NonceCapacity int
	// HTTP bounds timeouts, header size and open connections (zero
	// fields: the defaults in limits.go).
	HTTP HTTPLimits
	// Seed seeds request ids; log it to reproduce a run.
	Seed uint64
	// Log receives one line per server error (nil: discarded).
	Log io.Writer
	// SignResponses says which answers carry a platform signature
	// (respsign.go; "": SignAuto).
	SignResponses ResponseSigning
	// PlatformKeyMode is the serial answers are signed under when the
	// request names none: the certificate's or the public-key id
	// ("": PlatformKeyCert).
	PlatformKeyMode PlatformKeyMode
	// TLS, when set, makes Serve answer HTTPS with it (HTTP/2 offered);
	// internal/tlsgen.ServerConfig builds one.
	TLS *tls.Config
	// Fault injects failures and latency on purpose (fault.go).
	Fault Fault
	// Callbacks configures notifications and scheduled sends (callbacks.go).
	Callbacks CallbackConfig
}

// DefaultConfig returns a real-time platform accepting both signature
// schemes.
func DefaultConfig() Config {
	return Config{Day: platform.Day, Now: time.Now, Auth: AuthSign, Seed: 1, SignResponses: SignAuto, PlatformKeyMode: PlatformKeyCert}
}

// Validate checks c.
func (c Config) Validate() error {
	if c.Day < time.Millisecond {
		return fmt.Errorf("%w: day must be at least 1ms, got %s", platform.ErrInvalid, c.Day)
	}
	switch c.Auth {
	case AuthSign, AuthRSA, AuthHMAC, AuthNone:
	default:
		return fmt.Errorf("%w: auth %q (allowed: sign, rsa, hmac, none)", platform.ErrInvalid, c.Auth)
	}
	if c.NonceCapacity < 0 {
		return fmt.Errorf("%w: nonce capacity must not be negative", platform.ErrInvalid)
	}
	if err := c.HTTP.Validate(); err != nil {
		return err
	}
	if err := c.validSigning(); err != nil {
		return err
	}
	if err := c.Fault.Validate(); err != nil {
		return err
	}
	if err := c.Callbacks.Validate(); err != nil {
		return err
	}
	return nil
}

// Clock is the platform's clock: it may run faster than the wall clock
// (platform.FastClock).
type Clock struct {
	fast platform.FastClock
	now  func() time.Time
}

// NewClock returns a clock on which a platform day lasts day of wall time,
// anchored at a.
func NewClock(a Anchor, day time.Duration, now func() time.Time) *Clock {
	if now == nil {
		now = time.Now
	}
	return &Clock{fast: platform.FastClock{Start: a.Start, Wall: a.Wall, Day: day}, now: now}
}

// Now returns the platform time.
func (c *Clock) Now() time.Time { return c.At(c.now()) }

// At returns the platform time at wall time w, in Beijing time.
func (c *Clock) At(w time.Time) time.Time { return c.fast.At(w).In(platform.Beijing) }

// Wall returns the wall clock.
func (c *Clock) Wall() time.Time { return c.now() }

// defaultAnchor picks the anchor for c at wall time w.
func (c Config) defaultAnchor(w time.Time) Anchor {
	start := c.Start
	if start.IsZero() {
		start = w
		if c.Day != platform.Day {
			start = platform.DayStart(w)
		}
	}
	return Anchor{Start: start, Wall: w, Day: c.Day}
}
