package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"giftsim/platform"
	"giftsim/platform/fixture"
	"giftsim/platform/mock"
)

// cmdServe starts the mock coupon platform and serves until SIGINT/SIGTERM.
func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "[flags]",
		"giftsim serve --addr 127.0.0.1:8080 --day 10s --data ./mockdata --seed 42", stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "`host:port` to listen on (loopback by default)")
	fixturePath := fs.String("fixture", "", "fixture `file` (YAML: merchants with their keys, stocks, users, abnormal IPs, the platform's signing identity; at most 16 MiB); default: generated from --seed and written out")
	dayText := fs.String("day", "24h", "wall `duration` of one platform day, e.g. 10s (quotas, the 48 h claim window and expiry run that much faster)")
	data := fs.String("data", "", "`dir`ectory for the durable store (bbolt, every answered send survives kill -9); default: in memory")
	storeURL := fs.String("store", "memory", "where the platform's state lives: memory (or the directory --data names), or redis://HOST:PORT/DB, shared by every serve on that Redis so they act as one platform (docs/API.md, \"Redis store\")")
	auth := fs.String("auth", "sign", "accepted signatures: sign (RSA and HMAC), rsa, hmac, none (no checks at all)")
	trustProxy := fs.Bool("trust-proxy", false, "take the client IP for risk control (R17) from X-Forwarded-For: the rightmost address not added by a --trusted-proxies proxy")
	maxConns := fs.Int("max-conns", mock.DefaultMaxConns, "connections open at once; more wait until one closes (raise it for load plans with more http.max_workers)")
	trustedProxies := fs.String("trusted-proxies", "127.0.0.0/8,::1", "comma-separated `addresses or CIDR prefixes` of the proxies in front of the mock, whose X-Forwarded-For entries --trust-proxy believes")
	seed := fs.Uint64("seed", 1, "`seed` for the generated fixture and request ids")
	signResponses := fs.String("sign-responses", "auto", "which answers carry the platform's signature (Wechatpay-* headers): auto (every one; answers to HMAC-signed requests get a cheap HMAC-SHA256 under the caller's key instead of the platform's RSA key), rsa (every one with the platform's RSA key, about 1 ms of CPU each), off")
	keyMode := fs.String("platform-key-mode", "cert", "what answers are signed under when the request's Wechatpay-Serial names neither: cert (the platform certificate's serial; GET /v3/certificates) or pubkey (the public-key id PUB_KEY_ID_...)")
	allowRemoteCallbacks := fs.Bool("allow-remote-callbacks", false, "let merchants set notify URLs on any host (default: loopback only, 127.0.0.0/8, ::1, localhost)")
	callbackRetries := fs.String("callback-retries", "coupon", "`schedule` of notification retries in platform time: coupon (the voucher notification's: 8 retries a minute apart) or payment (15s, 15s, 30s, 3m, 10m, 20m, 30m ×3, 60m, 3h ×3, 6h ×2)")
	tf := addServeTLSFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return badInput(fmt.Errorf("unexpected argument %q (see giftsim serve -h)", fs.Arg(0)))
	}
	day, err := platform.ParseDuration(*dayText)
	if err != nil {
		return badInput(fmt.Errorf("--day: %w", err))
	}
	cfg := mock.DefaultConfig()
	cfg.Day, cfg.Auth, cfg.TrustProxy, cfg.Seed, cfg.Log = day, mock.AuthMode(*auth), *trustProxy, *seed, stderr
	cfg.SignResponses, cfg.PlatformKeyMode = mock.ResponseSigning(*signResponses), mock.PlatformKeyMode(*keyMode)
	cfg.HTTP.MaxConns = *maxConns
	if cfg.TrustedProxies, err = mock.ParsePrefixes(*trustedProxies); err != nil {
		return badInput(fmt.Errorf("--trusted-proxies: %w", err))
	}
	cfg.Callbacks.AllowRemote = *allowRemoteCallbacks
	if cfg.Callbacks.Retries, err = mock.RetrySchedule(*callbackRetries); err != nil {
		return badInput(fmt.Errorf("--callback-retries: %w", err))
	}
	note, err := tf.apply(&cfg, *data, time.Now())
	if err != nil {
		return badInput(err)
	}
	if err := cfg.Validate(); err != nil {
		return badInput(err)
	}

	redisURL, err := serveStoreFlag(*storeURL, *data)
	if err != nil {
		return badInput(err)
	}
	var f *fixture.Fixture
	var where string
	if redisURL != "" {
		f, where, err = serveRedisFixture(ctx, redisURL, *fixturePath, *seed)
	} else {
		f, where, err = serveFixture(*fixturePath, *data, *seed)
	}
	if err != nil {
		return badInput(err)
	}
	var st mock.Store
	storeName := "memory"
	if redisURL != "" {
		storeName = "redis " + redisURL
		st, err = openServeRedis(ctx, redisURL, f, stderr)
	} else if *data != "" {
		storeName = "file " + filepath.Join(*data, mock.FileStoreName)
		st, err = mock.OpenFileStore(ctx, *data, f)
	} else {
		st, err = mock.NewMemoryStore(f)
	}
	if err != nil {
		return badInput(fmt.Errorf("store: %w", err))
	}
	err = serve(ctx, cfg, f, st, *addr, stdout, stderr, where, storeName, note)
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if cerr := st.Close(cctx); cerr != nil {
		return errors.Join(err, failed(fmt.Errorf("flush store: %w", cerr)))
	}
	return err
}

// serve listens and answers until ctx ends.
func serve(ctx context.Context, cfg mock.Config, f *fixture.Fixture, st mock.Store, addr string, stdout, stderr io.Writer, where, storeName string, note tlsNote) error {
	srv, err := mock.New(ctx, cfg, f, st)
	if err != nil {
		return badInput(err)
	}
	id, err := srv.Platform() // an older fixture's identity is made now, and logged
	if err != nil {
		return failed(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return badInput(fmt.Errorf("--addr %s: %w", addr, err))
	}
	if ap, err := netip.ParseAddrPort(ln.Addr().String()); err == nil && !ap.Addr().IsLoopback() {
		fmt.Fprintf(stderr, "giftsim serve: WARNING: listening on %s, which is not loopback: other machines can reach this mock\n", ln.Addr())
	}
	if cfg.Auth == mock.AuthNone {
		fmt.Fprintln(stderr, "giftsim serve: WARNING: --auth none: signatures are NOT checked, any caller may act as any merchant. For local trials only.")
	}
	if cfg.Callbacks.AllowRemote {
		fmt.Fprintln(stderr, "giftsim serve: WARNING: --allow-remote-callbacks: merchants may point notifications at any host, including ones only this machine can reach")
	}
	if cfg.Fault.Active() {
		fmt.Fprintf(stderr, "giftsim serve: WARNING: FAULT INJECTION: %s (not on /healthz or /metrics; counted as giftsim_mock_injected_faults_total)\n", cfg.Fault)
	}
	scheme := "http"
	if cfg.TLS != nil {
		scheme = "https"
	}
	fmt.Fprintf(stdout, "giftsim serve: listening on %s://%s (auth %s, day %s, store %s, seed %d)\n",
		scheme, ln.Addr(), cfg.Auth, platform.FormatDuration(cfg.Day), storeName, cfg.Seed)
	if note != nil {
		note(stdout, ln.Addr())
	}
	fmt.Fprintf(stdout, "giftsim serve: fixture %s; platform time %s\n", where, srv.Clock().Now().Format(time.RFC3339))
	fmt.Fprintf(stdout, "giftsim serve: answers signed (%s) under platform certificate %s or public key %s (%s by default)\n",
		cfg.SignResponses, id.Serial, id.PublicKeyID, cfg.PlatformKeyMode)
	for _, m := range f.Merchants {
		var stocks []string
		for _, s := range f.Stocks {
			if s.MchID == m.MchID {
				stocks = append(stocks, s.StockID)
			}
		}
		fmt.Fprintf(stdout, "  merchant %s  %-9s %6d/day  appids %s  stocks %s  users %d\n", m.MchID, m.Tier, m.DailyQuota(),
			strings.Join(m.AppIDs, ","), strings.Join(stocks, ","), countUsers(f, m.AppIDs))
	}
	fmt.Fprintln(stdout, "giftsim serve: Ctrl-C stops it (in-flight requests drain, the store is flushed)")
	if err := srv.Serve(ctx, ln, 10*time.Second); err != nil {
		return failed(err)
	}
	fmt.Fprintln(stdout, "giftsim serve: stopped")
	return nil
}

// serveStoreFlag checks --store against --data and returns the Redis URL
// ("" for memory or the file store).
func serveStoreFlag(store, data string) (string, error) {
	switch {
	case store == "memory" || store == "":
		return "", nil
	case strings.HasPrefix(store, "redis://"):
		if data != "" {
			return "", fmt.Errorf("--store %s and --data %s: the state lives in one place; drop --data (the fixture then comes from --fixture or --seed)", store, data)
		}
		return store, nil
	}
	return "", fmt.Errorf("--store %q: want memory or redis://HOST:PORT/DB (a directory is --data)", store)
}

// serveRedisFixture returns the fixture every serve on the Redis shares
// (mock.SharedFixture): the stored one, or the --fixture file, or one
// generated from seed, which the first serve stores. A generated
// fixture's RSA keys are random, so two serves must not each generate one.
func serveRedisFixture(ctx context.Context, url, path string, seed uint64) (*fixture.Fixture, string, error) {
	where := "from the redis store"
	b, stored, err := mock.SharedFixture(ctx, url, path != "", func() ([]byte, error) {
		if path != "" {
			return os.ReadFile(path)
		}
		var buf bytes.Buffer
		if err := fixture.Generate(fixture.DefaultGenerateConfig(seed)).Write(&buf); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	})
	if err != nil {
		return nil, "", err
	}
	if stored {
		where = "stored in the redis store for every serve on it"
	}
	f, err := fixture.Load(bytes.NewReader(b), "redis fixture")
	if err != nil {
		return nil, "", err
	}
	// A copy for the load driver's plans, named by its content: every serve
	// on the Redis writes the same file (through a rename, so none reads
	// half of it).
	out := filepath.Join(os.TempDir(), fmt.Sprintf("giftsim-fixture-redis-%016x.yaml", fnv64(b)))
	tmp, err := os.CreateTemp(os.TempDir(), "giftsim-fixture-*.tmp")
	if err != nil {
		return nil, "", err
	}
	_, werr := tmp.Write(b)
	if err := errors.Join(werr, tmp.Close(), os.Rename(tmp.Name(), out)); err != nil {
		os.Remove(tmp.Name())
		return nil, "", fmt.Errorf("write fixture copy: %w", err)
	}
	return f, out + " (" + where + ")", nil
}

// fnv64 is the FNV-1a hash of b.
func fnv64(b []byte) uint64 {
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64()
}

// openServeRedis opens the Redis store and warns about what it does not
// carry yet and about persistence weaker than appendfsync always.
func openServeRedis(ctx context.Context, url string, f *fixture.Fixture, stderr io.Writer) (mock.Store, error) {
	st, err := mock.OpenRedisStore(ctx, url, f)
	if err != nil {
		return nil, err
	}
	note, weak, err := st.Durability(ctx)
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "giftsim serve: WARNING: could not read Redis persistence settings (%v): acknowledged sends may not survive a Redis crash\n", err)
	case weak:
		fmt.Fprintf(stderr, "giftsim serve: WARNING: REDIS PERSISTENCE IS WEAK: %s\n", note)
	default:
		fmt.Fprintf(stderr, "giftsim serve: redis %s\n", note)
	}
	fmt.Fprintln(stderr, "giftsim serve: not supported on the redis store yet (answered 501 NOT_IMPLEMENTED):")
	for _, r := range mock.RedisUnsupported {
		fmt.Fprintf(stderr, "  %s\n", r)
	}
	return st, nil
}

func countUsers(f *fixture.Fixture, apps []string) int {
	n := 0
	for _, u := range f.Users {
		for _, a := range apps {
			if u.AppID == a {
				n++
			}
		}
	}
	return n
}

// serveFixture loads the fixture at path, or reuses the one in the data
// directory, or generates one from seed and writes it out so the load
// driver can use the same identities. It returns where the fixture is.
func serveFixture(path, data string, seed uint64) (*fixture.Fixture, string, error) {
	if path != "" {
		f, err := fixture.LoadFile(path)
		return f, path, err
	}
	out := filepath.Join(os.TempDir(), fmt.Sprintf("giftsim-fixture-%d.yaml", seed))
	if data != "" {
		if err := os.MkdirAll(data, 0o755); err != nil {
			return nil, "", fmt.Errorf("--data: %w", err)
		}
		out = filepath.Join(data, "fixture.yaml")
		if f, err := fixture.LoadFile(out); err == nil {
			return f, out + " (kept from an earlier run)", nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, "", err
		}
	}
	f := fixture.Generate(fixture.DefaultGenerateConfig(seed))
	if err := f.WriteFile(out); err != nil {
		return nil, "", err
	}
	return f, out + " (generated)", nil
}
