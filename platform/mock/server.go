package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"giftsim/platform"
	"giftsim/platform/api"
	"giftsim/platform/fixture"
	"giftsim/platform/sign"
)

// Server is the mock platform's HTTP handler.
type Server struct {
	cfg      Config
	store    Store
	clock    *Clock
	verifier *sign.Verifier
	apps     map[string]string // appid → mchid, for auth none
	mux      *http.ServeMux
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	reqID    atomic.Uint64
	idPrefix string
	bufs     sync.Pool
	faults   *faults     // faults is nil unless Config.Fault is active.
	bg       *background // bg delivers callbacks and runs scheduled sends (callbacks.go).
	resp     *respSigner // resp signs answers and callbacks (respsign.go).
}

// New returns a server for the fixture's identities over st. The clock
// anchor comes from st (a durable store keeps its first one).
func New(ctx context.Context, cfg Config, f *fixture.Fixture, st Store) (*Server, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.TrustedProxies == nil {
		cfg.TrustedProxies = DefaultTrustedProxies()
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if f == nil || st == nil {
		return nil, fmt.Errorf("%w: mock.New needs a fixture and a store", platform.ErrInvalid)
	}
	a, err := st.Anchor(ctx, cfg.defaultAnchor(cfg.Now()))
	if err != nil {
		return nil, fmt.Errorf("clock anchor: %w", err)
	}
	if a, err = adoptDay(ctx, st, a, cfg.Day, cfg.Now(), cfg.logf); err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x5851f42d4c957f2d))
	s := &Server{cfg: cfg, store: st, clock: NewClock(a, cfg.Day, cfg.Now), apps: map[string]string{},
		idPrefix: strconv.FormatUint(r.Uint64()>>32, 16) + "-"}
	keys := map[string]map[string]sign.Key{}
	for _, m := range f.Merchants {
		keys[m.MchID] = map[string]sign.Key{}
		for _, k := range m.Keys {
			var sk sign.Key
			if k.HMAC != "" {
				sk.HMAC = []byte(k.HMAC)
			}
			if k.RSAPublicKey != "" {
				if sk.RSA, err = sign.ParsePublicKeyPEM([]byte(k.RSAPublicKey)); err != nil {
					return nil, fmt.Errorf("merchant %s key %s: %w", m.MchID, k.Serial, err)
				}
			}
			keys[m.MchID][k.Serial] = sk
		}
		for _, app := range m.AppIDs {
			s.apps[app] = m.MchID
		}
	}
	if err := s.initSigning(f); err != nil {
		return nil, err
	}
	if cfg.Auth != AuthNone {
		var nonces sign.NonceRecorder
		if shared, ok := st.(interface {
			sharedNonces(capacity, merchants int) sign.NonceRecorder
		}); ok {
			nonces = shared.sharedNonces(cfg.NonceCapacity, len(f.Merchants)) // one record for every process on the store (redis.go)
		} else if nonces, err = newNonceRecorder(ctx, st, cfg.NonceCapacity, len(f.Merchants), cfg.Now(), sign.MaxSkew); err != nil {
			return nil, err
		}
		s.verifier, err = sign.NewVerifier(sign.VerifierConfig{
			Keys:     func(mch, serial string) (sign.Key, bool) { k, ok := keys[mch][serial]; return k, ok },
			Now:      cfg.Now,
			AllowRSA: cfg.Auth == AuthSign || cfg.Auth == AuthRSA, AllowHMAC: cfg.Auth == AuthSign || cfg.Auth == AuthHMAC,
			Skew:   sign.MaxSkew,
			Nonces: nonces, // kept in the store across restarts (nonces.go)
		})
		if err != nil {
			return nil, err
		}
	}
	s.initMetrics()
	s.faults = newFaults(cfg.Fault, cfg.Seed, s.reg)
	s.startBackground(ctx)
	s.routes()
	return s, nil
}

// Clock returns the platform clock.
func (s *Server) Clock() *Clock { return s.clock }

// Registry returns the server's own Prometheus registry.
func (s *Server) Registry() *prometheus.Registry { return s.reg }

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Serve answers on ln until ctx ends, then stops accepting, waits up to
// drain for in-flight requests, closes the connections still open then
// (slow clients are no error), and returns. Config.HTTP bounds each
// connection's timeouts and how many are open. The caller closes the store
// afterwards, which flushes it.
func (s *Server) Serve(ctx context.Context, ln net.Listener, drain time.Duration) error {
	hs := &http.Server{Handler: s, BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) }}
	ln = s.cfg.HTTP.apply(hs, ln) // timeouts, header size, open connections (limits.go)
	errc := make(chan error, 1)
	serve := hs.Serve
	if s.cfg.TLS != nil { // HTTPS; ServeTLS offers HTTP/2 by ALPN
		hs.TLSConfig = s.cfg.TLS
		serve = func(ln net.Listener) error { return hs.ServeTLS(ln, "", "") }
	}
	go func() { errc <- serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), drain)
	defer cancel()
	defer s.Close(sctx) // stops the background workers (callbacks.go) within the drain
	if err := hs.Shutdown(sctx); err != nil {
		// A slow client is not a failed flush (security defect 6): close
		// the stragglers and stop cleanly.
		s.logf("drain: connections still open after %s; closing them", drain)
		hs.Close()
	}
	return nil
}

func (s *Server) initMetrics() {
	s.reg = prometheus.NewRegistry()
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "giftsim_mock_requests_total", Help: "Requests answered, by route and platform code.",
	}, []string{"route", "code"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "giftsim_mock_request_duration_seconds", Help: "Time to answer a request, by route.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5},
	}, []string{"route"})
	s.reg.MustRegister(s.requests, s.latency, quotaCollector{s}, collectors.NewGoCollector())
}

var (
	quotaUsedDesc  = prometheus.NewDesc("giftsim_mock_quota_used", "Coupons issued today (platform day) per merchant (R11).", []string{"mchid", "tier"}, nil)
	quotaLimitDesc = prometheus.NewDesc("giftsim_mock_quota_limit", "Daily issuing quota per merchant (R11).", []string{"mchid", "tier"}, nil)
)

// quotaCollector reads quota use from the store at scrape time.
type quotaCollector struct{ s *Server }

func (q quotaCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- quotaUsedDesc
	ch <- quotaLimitDesc
}

func (q quotaCollector) Collect(ch chan<- prometheus.Metric) {
	us, err := q.s.store.Usage(context.Background(), q.s.clock.Now())
	if err != nil {
		return
	}
	for _, u := range us {
		ch <- prometheus.MustNewConstMetric(quotaUsedDesc, prometheus.GaugeValue, float64(u.Used), u.MchID, u.Tier.String())
		ch <- prometheus.MustNewConstMetric(quotaLimitDesc, prometheus.GaugeValue, float64(u.Quota), u.MchID, u.Tier.String())
	}
}

// call is one request on its way through a handler.
type call struct {
	ctx   context.Context
	r     *http.Request
	body  []byte
	mchID string // mchID is the signing merchant ("" with auth none).
	ip    netip.Addr
	now   time.Time // now is platform time.
}

// endpoint is one method of a route.
type endpoint struct {
	name string
	auth bool
	h    func(s *Server, c *call) (any, error)
}

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	add := func(pattern string, eps map[string]endpoint) { s.mux.Handle(pattern, s.route(eps)) }
	add(api.PathUserCoupons, map[string]endpoint{
		http.MethodPost: {"v3_send", true, (*Server).v3Send},
		http.MethodGet:  {"v3_list", true, (*Server).v3ListCoupons},
	})
	add(api.PathUserCoupon, map[string]endpoint{
		http.MethodGet: {"v3_coupon", true, (*Server).v3Coupon},
	})
	add(api.PathStocks, map[string]endpoint{
		http.MethodPost: {"v3_create_stock", true, (*Server).v3CreateStock},
	})
	add(api.PathStock, map[string]endpoint{
		http.MethodGet: {"v3_stock", true, (*Server).v3Stock},
	})
	add(api.PathStartStock, map[string]endpoint{
		http.MethodPost: {"v3_start_stock", true, (*Server).v3StartStock},
	})
	// The rest of the voucher API's stock routes (stocks.go).
	add(api.PathListStocks, map[string]endpoint{http.MethodGet: {"v3_list_stocks", true, (*Server).v3ListStocks}})
	add(api.PathPauseStock, map[string]endpoint{http.MethodPost: {"v3_pause_stock", true, v3StockStep(platform.StockPause)}})
	add(api.PathRestartStock, map[string]endpoint{http.MethodPost: {"v3_restart_stock", true, v3StockStep(platform.StockRestart)}})
	add(api.PathStopStock, map[string]endpoint{http.MethodPost: {"v3_stop_stock", true, v3StockStep(platform.StockStop)}})
	add(api.PathUseFlow, map[string]endpoint{http.MethodGet: {"v3_use_flow", true, v3Flow(flowUse)}})
	add(api.PathRefundFlow, map[string]endpoint{http.MethodGet: {"v3_refund_flow", true, v3Flow(flowRefund)}})
	add(api.PathBillDownload, map[string]endpoint{http.MethodGet: {"bill_download", true, (*Server).billDownload}})
	add(api.PathStockItems, map[string]endpoint{http.MethodGet: {"v3_stock_items", true, (*Server).v3StockItems}})
	add(api.PathStockMerchants, map[string]endpoint{http.MethodGet: {"v3_stock_merchants", true, (*Server).v3StockMerchants}})
	add(api.PathCardGift, map[string]endpoint{http.MethodPost: {"card_gift", true, (*Server).cardGift}})
	add(api.PathOffer, map[string]endpoint{http.MethodPost: {"card_offer", true, (*Server).cardOffer}})
	add(api.PathClaim, map[string]endpoint{http.MethodPost: {"card_claim", true, (*Server).cardClaim}})
	add(api.PathRefuse, map[string]endpoint{http.MethodPost: {"card_refuse", true, (*Server).cardRefuse}})
	add(api.PathConsume, map[string]endpoint{http.MethodPost: {"card_consume", true, (*Server).cardConsume}})
	add(api.PathRecover, map[string]endpoint{http.MethodPost: {"card_recover", true, (*Server).cardRecover}})
	add(api.PathCertificates, map[string]endpoint{http.MethodGet: {"v3_certificates", true, (*Server).v3Certificates}})
	add(api.PathHealth, map[string]endpoint{http.MethodGet: {"healthz", false, (*Server).healthz}})
	metrics := promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{Registry: s.reg})
	s.mux.Handle(api.PathMetrics, s.plain("metrics", metrics))
	s.callbackRoutes(add)
	s.scheduleRoutes(add)
	s.complianceRoutes(add) // R18–R20 (compliance.go)
	s.mux.Handle("/", s.route(map[string]endpoint{}))
}

// plain wraps a non-JSON handler with the request id and metrics.
func (s *Server) plain(name string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		w.Header().Set("Request-ID", s.nextID())
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			s.fail(w, name, start, fmt.Errorf("%w: %s %s (allowed: GET)", platform.ErrMethodNotAllowed, r.Method, r.URL.Path), "GET")
			return
		}
		h.ServeHTTP(w, r)
		s.observe(name, platform.CodeOK, start)
	})
}

func (s *Server) nextID() string {
	return s.idPrefix + strconv.FormatUint(s.reqID.Add(1), 16)
}

// route builds the handler for one path: method dispatch, body limit,
// signature check, then the endpoint; every answer is JSON.
func (s *Server) route(eps map[string]endpoint) http.Handler {
	var allow []string
	for m := range eps {
		allow = append(allow, m)
	}
	allowed := strings.Join(allow, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		w, bare := s.answerWriter(w, r), w // w signs the answer (respsign.go)
		w.Header().Set("Request-ID", s.nextID())
		ep, ok := eps[r.Method]
		if !ok {
			if len(eps) == 0 {
				s.fail(w, "unknown", start, fmt.Errorf("%w: no route %s %s", platform.ErrNotFound, r.Method, r.URL.Path), "")
				return
			}
			s.fail(w, "method", start, fmt.Errorf("%w: %s %s (allowed: %s)", platform.ErrMethodNotAllowed, r.Method, r.URL.Path, allowed), allowed)
			return
		}
		defer func() {
			if p := recover(); p != nil {
				s.logf("panic in %s %s: %v", r.Method, r.URL.Path, p)
				s.fail(w, ep.name, start, fmt.Errorf("internal error"), "")
			}
		}()
		buf := s.getBuf()
		defer s.bufs.Put(buf)
		if r.ContentLength > api.MaxBody {
			s.fail(w, ep.name, start, fmt.Errorf("%w: body is %d bytes, at most %d", platform.ErrBodyTooLarge, r.ContentLength, api.MaxBody), "")
			return
		}
		if _, err := buf.ReadFrom(http.MaxBytesReader(bare, r.Body, api.MaxBody)); err != nil {
			if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
				err = fmt.Errorf("%w: body over %d bytes", platform.ErrBodyTooLarge, api.MaxBody)
			} else {
				err = fmt.Errorf("%w: body: %v", platform.ErrInvalid, err)
			}
			s.fail(w, ep.name, start, err, "")
			return
		}
		c := &call{ctx: r.Context(), r: r, body: buf.Bytes(), ip: s.clientIP(r)}
		if ep.auth && s.verifier != nil {
			uri := r.RequestURI
			if !strings.HasPrefix(uri, "/") {
				uri = r.URL.RequestURI() // absolute-form target: sign the path and query
			}
			h, err := s.verifier.Verify(r.Header.Get("Authorization"), r.Method, uri, c.body)
			if err != nil {
				s.fail(w, ep.name, start, err, "")
				return
			}
			c.mchID = h.MchID
			s.signedBy(w, h)
		}
		if ep.auth && s.faults != nil && s.inject(c.ctx, w, ep.name, start) {
			return
		}
		c.now = s.clock.Now()
		v, err := ep.h(s, c)
		if err != nil {
			s.fail(w, ep.name, start, err, "")
			return
		}
		if raw, ok := v.(rawAnswer); ok { // a flow file (stocks.go), not JSON
			w.Header().Set("Content-Type", raw.contentType)
			w.Write(raw.body)
			s.observe(ep.name, platform.CodeOK, start)
			return
		}
		s.write(w, http.StatusOK, v)
		s.observe(ep.name, platform.CodeOK, start)
	})
}

func (s *Server) getBuf() *bytes.Buffer {
	if b, ok := s.bufs.Get().(*bytes.Buffer); ok {
		b.Reset()
		return b
	}
	return new(bytes.Buffer)
}

// clientIP is the connection's address or, with TrustProxy, the client
// that trusted proxies name in X-Forwarded-For (R17, forwardedClient).
func (s *Server) clientIP(r *http.Request) netip.Addr {
	var peer netip.Addr
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		peer = ap.Addr().Unmap()
	}
	if xff := r.Header.Values("X-Forwarded-For"); s.cfg.TrustProxy && len(xff) > 0 {
		return forwardedClient(peer, xff, s.cfg.TrustedProxies)
	}
	return peer
}

// fail answers err with its code (platform.CodeOf) and status (api.Status).
func (s *Server) fail(w http.ResponseWriter, route string, start time.Time, err error, allow string) {
	code := platform.CodeOf(err)
	msg := err.Error()
	if code == platform.CodeSystemError {
		s.logf("%s: %v", route, err)
		msg = "system error: " + msg
	}
	if allow != "" {
		w.Header().Set("Allow", allow)
	}
	s.write(w, api.Status(code), api.Error{Code: code, Message: msg})
	s.observe(route, code, start)
}

func (s *Server) write(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"code":"SYSTEM_ERROR","message":"encode response"}`)
	}
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	s.signAnswer(w, b)
	w.WriteHeader(status)
	w.Write(b)
}

func (s *Server) observe(route string, code platform.Code, start time.Time) {
	s.requests.WithLabelValues(route, string(code)).Inc()
	s.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
}

func (s *Server) logf(format string, a ...any) { s.cfg.logf(format, a...) }
