package mock

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"giftsim/platform"
)

// The HTTP limits' defaults (security defect 6: without them 2,000
// slow-body connections stayed open for minutes).
const (
	// DefaultReadHeaderTimeout bounds reading a request's headers.
	DefaultReadHeaderTimeout = 5 * time.Second
	// DefaultReadTimeout bounds reading a whole request, body included.
	DefaultReadTimeout = 15 * time.Second
	// DefaultWriteTimeout bounds a request from its headers to the end of
	// its answer.
	DefaultWriteTimeout = 30 * time.Second
	// DefaultIdleTimeout closes a keep-alive connection idle this long.
	DefaultIdleTimeout = 2 * time.Minute
	// DefaultMaxHeaderBytes bounds a request's headers (the real API's are
	// well under 8 KiB).
	DefaultMaxHeaderBytes = 64 << 10
	// DefaultMaxConns bounds the connections open at once (about 16 KiB
	// of memory each when idle); more wait in the kernel's accept queue.
	DefaultMaxConns = 16384
)

// HTTPLimits bounds what one client can hold of the server. Zero fields
// take the defaults above.
type HTTPLimits struct {
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int
	MaxConns          int
}

// withDefaults fills the zero fields.
func (l HTTPLimits) withDefaults() HTTPLimits {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&l.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	def(&l.ReadTimeout, DefaultReadTimeout)
	def(&l.WriteTimeout, DefaultWriteTimeout)
	def(&l.IdleTimeout, DefaultIdleTimeout)
	if l.MaxHeaderBytes == 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.MaxConns == 0 {
		l.MaxConns = DefaultMaxConns
	}
	return l
}

// Validate refuses negative limits.
func (l HTTPLimits) Validate() error {
	if l.ReadHeaderTimeout < 0 || l.ReadTimeout < 0 || l.WriteTimeout < 0 || l.IdleTimeout < 0 || l.MaxHeaderBytes < 0 || l.MaxConns < 0 {
		return fmt.Errorf("%w: HTTP timeouts and limits must not be negative", platform.ErrInvalid)
	}
	return nil
}

// apply sets hs's timeouts and header limit and returns ln limited to
// MaxConns open connections.
func (l HTTPLimits) apply(hs *http.Server, ln net.Listener) net.Listener {
	l = l.withDefaults()
	hs.ReadHeaderTimeout, hs.ReadTimeout, hs.WriteTimeout, hs.IdleTimeout = l.ReadHeaderTimeout, l.ReadTimeout, l.WriteTimeout, l.IdleTimeout
	hs.MaxHeaderBytes = l.MaxHeaderBytes
	return &limitListener{Listener: ln, sem: make(chan struct{}, l.MaxConns), done: make(chan struct{})}
}

// limitListener accepts a connection only while fewer than cap(sem) are
// open.
type limitListener struct {
	net.Listener
	sem       chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.sem }}, nil
}

// Close stops Accept, also while it waits for a free slot.
func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// limitConn gives its slot back once, on the first Close.
type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// logf writes one line to c.Log, if any.
func (c Config) logf(format string, a ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, "giftsim serve: "+format+"\n", a...)
	}
}

// DefaultTrustedProxies are the proxies whose X-Forwarded-For entries are
// believed by default: loopback only.
func DefaultTrustedProxies() []netip.Prefix {
	return []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
}

// ParsePrefixes reads a comma-separated list of addresses and CIDR
// prefixes ("127.0.0.1,10.0.0.0/8").
func ParsePrefixes(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%w: %q is neither an address nor a CIDR prefix", platform.ErrInvalid, f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// forwardedClient returns the client address of a request that came from
// peer with X-Forwarded-For values xff (security defect 4). Each proxy
// appends the address it received the request from, so only the entries
// added by trusted proxies can be believed: walking from the right, the
// first address that is not a trusted proxy is the client. A peer that is
// not a trusted proxy wrote the whole header itself and is the client; an
// entry that does not parse ends the walk at the last trusted hop. If
// every hop is trusted, the leftmost is the client.
func forwardedClient(peer netip.Addr, xff []string, trusted []netip.Prefix) netip.Addr {
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	if !peer.IsValid() || !isTrusted(peer) {
		return peer
	}
	client := peer
	for i := len(xff) - 1; i >= 0; i-- {
		hops := strings.Split(xff[i], ",")
		for j := len(hops) - 1; j >= 0; j-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[j]))
			if err != nil {
				return client
			}
			client = a.Unmap()
			if !isTrusted(client) {
				return client
			}
		}
	}
	return client
}

// adoptDay reconciles the stored clock anchor a with the configured day
// length (security defect 7). An anchor taken with another day length is
// converted so platform time runs on from where it is now instead of
// jumping by days: its new start is the platform time now under the old
// day length. An anchor from before day lengths were recorded is taken as
// made with day. Either way the new anchor is stored and said on log.
func adoptDay(ctx context.Context, st Store, a Anchor, day time.Duration, wall time.Time, log func(format string, args ...any)) (Anchor, error) {
	switch {
	case a.Day == day:
		return a, nil
	case a.Day == 0:
		a.Day = day
		log("the store's clock anchor has no day length (written before it was recorded); taking --day %s", platform.FormatDuration(day))
	default:
		old := platform.FastClock{Start: a.Start, Wall: a.Wall, Day: a.Day}
		was := a.Day
		a = Anchor{Start: old.At(wall), Wall: wall, Day: day}
		log("--day changed from %s to %s on this store: platform time continues from %s at the new pace",
			platform.FormatDuration(was), platform.FormatDuration(day), a.Start.In(platform.Beijing).Format(time.RFC3339))
	}
	if err := st.SetAnchor(ctx, a); err != nil {
		return a, fmt.Errorf("clock anchor: %w", err)
	}
	return a, nil
}
