package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"giftsim/platform"
	"giftsim/platform/api"
	"giftsim/platform/sign"
)

// CallbackConfig configures notifications (POSTs to merchants' notify
// URLs) and the background workers that deliver them and execute
// scheduled sends (R12).
type CallbackConfig struct {
	// AllowRemote lets notify URLs name any host; without it only
	// loopback hosts (127.0.0.0/8, ::1, localhost) are accepted, and each
	// connection is checked to reach a loopback address.
	AllowRemote bool
	// Retries are the gaps, in platform time, between a failed attempt and
	// the next (nil: CouponNotifyRetries); after the last the delivery is
	// given up.
	Retries []time.Duration
	// Workers bounds concurrent deliveries (0: 4).
	Workers int
	// Queue bounds each merchant's waiting notifications (0:
	// DefaultCallbackQueue); events beyond it are dropped and counted.
	Queue int
	// Timeout is the wall time one attempt may take (0: 5s).
	Timeout time.Duration
	// Poll is the longest wall time the workers sleep before looking at
	// the platform clock again while work waits (0: 1s).
	Poll time.Duration
	// Sign sets the platform's Wechatpay-Serial, -Signature, -Timestamp and
	// -Nonce headers on a notification body (nil: the server's own
	// platform key, if it has one).
	Sign func(h http.Header, body []byte) error
	// APIv3Key returns a merchant's APIv3 key, which seals the resource
	// (nil: the fixture's apiv3_key).
	APIv3Key func(mchID string) ([]byte, bool)
	// Transport carries the notifications (nil: a transport built from
	// the settings above; with AllowRemote false it connects to loopback
	// addresses only). A redirect is never followed.
	Transport http.RoundTripper
}

// Validate checks c.
func (c CallbackConfig) Validate() error {
	if c.Workers < 0 || c.Queue < 0 || c.Timeout < 0 || c.Poll < 0 {
		return fmt.Errorf("%w: callback workers, queue, timeout and poll must not be negative", platform.ErrInvalid)
	}
	for i, d := range c.Retries {
		if d <= 0 {
			return fmt.Errorf("%w: callback retry %d is %s, want a positive duration", platform.ErrInvalid, i+1, d)
		}
	}
	return nil
}

// CouponNotifyRetries is the voucher notification's retry schedule: the
// platform's coupon-use notification documentation says it is sent once
// a minute, nine times in all, so eight retries a minute apart.
func CouponNotifyRetries() []time.Duration {
	out := make([]time.Duration, 8)
	for i := range out {
		out[i] = time.Minute
	}
	return out
}

// PaymentNotifyRetries is the back-off schedule the platform documents
// for its payment notifications (15 retries over 24 h 4 min); select it
// with Config.Callbacks.Retries or serve --callback-retries payment.
func PaymentNotifyRetries() []time.Duration {
	m, h := time.Minute, time.Hour
	return []time.Duration{15 * time.Second, 15 * time.Second, 30 * time.Second, 3 * m, 10 * m, 20 * m, 30 * m, 30 * m, 30 * m,
		60 * m, 3 * h, 3 * h, 3 * h, 6 * h, 6 * h}
}

// RetrySchedule returns the named retry schedule: "coupon"
// (CouponNotifyRetries) or "payment" (PaymentNotifyRetries).
func RetrySchedule(name string) ([]time.Duration, error) {
	switch name {
	case "coupon":
		return CouponNotifyRetries(), nil
	case "payment":
		return PaymentNotifyRetries(), nil
	}
	return nil, fmt.Errorf("%w: retry schedule %q (allowed: coupon, payment)", platform.ErrInvalid, name)
}

// MaxNotifyURL is the longest notify URL the platform accepts.
const MaxNotifyURL = 256

// CheckNotifyURL refuses a notify URL the mock will not call: not http or
// https, with user info, a query or a fragment (the platform wants a
// plain URL), longer than MaxNotifyURL, or, unless allowRemote, naming a
// host other than a loopback address or localhost.
func CheckNotifyURL(raw string, allowRemote bool) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: notify_url: "+format, append([]any{platform.ErrInvalid}, a...)...)
	}
	if raw == "" {
		return bad("is required")
	}
	if len(raw) > MaxNotifyURL {
		return bad("is %d characters, at most %d", len(raw), MaxNotifyURL)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return bad("is not a URL: %v", err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return bad("scheme %q, want http or https", u.Scheme)
	case u.User != nil:
		return bad("must not carry user information")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.ContainsAny(raw, "?#"):
		return bad("must not carry a query or fragment (the platform calls the URL as given)")
	case u.Opaque != "" || u.Host == "":
		return bad("needs a host, as in http://127.0.0.1:9000/notify")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return bad("port %q is not 1–65535", p)
		}
	}
	host := u.Hostname()
	if host == "" {
		return bad("needs a host")
	}
	if allowRemote {
		return nil
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return bad("host %q is not loopback (127.0.0.0/8, ::1 or localhost); serve --allow-remote-callbacks allows other hosts", host)
	}
	if a.Zone() != "" || !a.Unmap().IsLoopback() {
		return bad("host %s is not loopback (127.0.0.0/8, ::1 or localhost); serve --allow-remote-callbacks allows other hosts", host)
	}
	return nil
}

// background runs the server's background work: notification delivery
// and scheduled sends (schedule.go).
type background struct {
	s       *Server
	cfg     CallbackConfig
	retries []time.Duration
	client  *http.Client
	sem     chan struct{}
	kick    wakeup
	stop    context.CancelFunc
	wg      sync.WaitGroup

	outcomes *prometheus.CounterVec
	sends    *prometheus.CounterVec
}

// Delivery and scheduled-send outcomes, as metric labels.
const (
	outcomeDelivered = "delivered"
	outcomeRetried   = "retried"
	outcomeGivenUp   = "given_up"
)

// startBackground starts the notification dispatcher and the scheduled
// send executor; they stop when ctx ends or Close is called.
func (s *Server) startBackground(ctx context.Context) {
	cfg := s.cfg.Callbacks
	b := &background{s: s, cfg: cfg, retries: cfg.Retries, kick: make(wakeup, 1)}
	if b.retries == nil {
		b.retries = CouponNotifyRetries()
	}
	if b.cfg.Workers == 0 {
		b.cfg.Workers = 4
	}
	if b.cfg.Timeout == 0 {
		b.cfg.Timeout = 5 * time.Second
	}
	if b.cfg.Poll == 0 {
		b.cfg.Poll = time.Second
	}
	if b.cfg.Sign == nil && s.resp != nil {
		b.cfg.Sign = s.signHeaders // the platform key (respsign.go)
	}
	if b.cfg.APIv3Key == nil && s.resp != nil {
		b.cfg.APIv3Key = func(mch string) ([]byte, bool) { k, ok := s.resp.apiv3[mch]; return k, ok }
	}
	if b.cfg.APIv3Key == nil {
		b.cfg.APIv3Key = func(string) ([]byte, bool) { return nil, false }
	}
	b.sem = make(chan struct{}, b.cfg.Workers)
	dialer := &net.Dialer{Timeout: b.cfg.Timeout}
	if !cfg.AllowRemote {
		dialer.Control = loopbackOnly
	}
	var tr http.RoundTripper = &http.Transport{Proxy: nil, DialContext: dialer.DialContext, TLSHandshakeTimeout: b.cfg.Timeout,
		ResponseHeaderTimeout: b.cfg.Timeout, MaxIdleConnsPerHost: b.cfg.Workers, IdleConnTimeout: time.Minute}
	if cfg.Transport != nil {
		tr = cfg.Transport
	}
	b.client = &http.Client{
		Transport: tr,
		Timeout:   b.cfg.Timeout,
		// A redirect is not followed: it is a failed attempt.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	if q, ok := s.store.(interface{ setCallbackQueue(int) }); ok {
		q.setCallbackQueue(cfg.Queue)
	}
	b.outcomes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "giftsim_mock_callbacks_total", Help: "Notification attempts by outcome: delivered, retried (failed, another attempt follows), given_up (the last attempt failed).",
	}, []string{"outcome"})
	b.sends = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "giftsim_mock_scheduled_sends_total", Help: "Scheduled sends executed (R12) by outcome: sent or failed.",
	}, []string{"outcome"})
	pending := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "giftsim_mock_callbacks_pending", Help: "Notifications waiting for an attempt or for an offer's 48 hours to end.",
	}, func() float64 { n, _, _ := s.store.CallbackQueue(context.Background()); return float64(n) })
	dropped := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "giftsim_mock_callbacks_dropped_total", Help: "Notifications dropped because the merchant's queue was full.",
	}, func() float64 { _, n, _ := s.store.CallbackQueue(context.Background()); return float64(n) })
	s.reg.MustRegister(b.outcomes, b.sends, pending, dropped)
	for _, o := range []string{outcomeDelivered, outcomeRetried, outcomeGivenUp} {
		b.outcomes.WithLabelValues(o)
	}
	for _, o := range []string{api.ScheduleSent, api.ScheduleFailed} {
		b.sends.WithLabelValues(strings.ToLower(o))
	}
	s.bg = b

	ctx, b.stop = context.WithCancel(ctx)
	var cbWake, schWake <-chan struct{} // nil for a store without them: the workers poll
	if w, ok := s.store.(interface{ wakes() (_, _ <-chan struct{}) }); ok {
		cbWake, schWake = w.wakes()
	}
	b.wg.Add(2)
	go func() { defer b.wg.Done(); b.loop(ctx, cbWake, b.kick, b.dispatch) }()
	go func() { defer b.wg.Done(); b.loop(ctx, schWake, nil, b.executeDue) }()
}

// loopbackOnly refuses a connection to an address that is not loopback,
// so a name that passed CheckNotifyURL cannot lead elsewhere.
func loopbackOnly(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("notify: %s is not an address: %w", address, err)
	}
	if !ap.Addr().Unmap().IsLoopback() {
		return fmt.Errorf("notify: %s is not a loopback address (serve --allow-remote-callbacks allows it)", ap.Addr())
	}
	return nil
}

// Close stops the background workers (deliveries in flight are handed
// back to the store for the next start) and waits for them until ctx
// ends. Serve calls it after draining; a server used only as an
// http.Handler should call it before closing its store.
func (s *Server) Close(ctx context.Context) error {
	b := s.bg
	if b == nil {
		return nil
	}
	b.stop()
	done := make(chan struct{})
	go func() { b.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop background workers: %w", ctx.Err())
	}
}

// loop calls step at once, whenever wake or kick fires, and when the
// platform clock reaches the time step says the next work is due (looking
// at the clock at least every Poll of wall time meanwhile), until ctx
// ends. A step that asks to back off waits a whole Poll.
func (b *background) loop(ctx context.Context, wake, kick <-chan struct{}, step func(context.Context) (next time.Time, backoff bool)) {
	t := time.NewTimer(time.Hour)
	t.Stop()
	for {
		next, backoff := step(ctx)
		var tc <-chan time.Time
		switch {
		case backoff:
			t.Reset(b.cfg.Poll)
			tc = t.C
		case !next.IsZero():
			d := b.s.clock.fast.WallDuration(next.Sub(b.s.clock.Now()))
			d = max(0, min(d, b.cfg.Poll))
			t.Reset(d)
			tc = t.C
		}
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-wake:
		case <-kick:
		case <-tc:
		}
		if !t.Stop() {
			select {
			case <-t.C:
			default:
			}
		}
	}
}

// dispatch starts a delivery of each due notification, as many as there
// are free workers.
func (b *background) dispatch(ctx context.Context) (time.Time, bool) {
	free := cap(b.sem) - len(b.sem)
	if free == 0 {
		return time.Time{}, false // a worker's end kicks the loop
	}
	now := b.s.clock.Now()
	ds, next, err := b.s.store.DueDeliveries(ctx, now, free)
	if err != nil {
		b.s.logf("callbacks: %v", err)
		return time.Time{}, true
	}
	for _, d := range ds {
		b.sem <- struct{}{}
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			b.deliver(ctx, d)
			<-b.sem
			b.kick.fire()
		}()
	}
	if len(ds) == free {
		return now, false // more may be due
	}
	return next, false
}

// deliver makes one attempt at d and records its outcome.
func (b *background) deliver(ctx context.Context, d Delivery) {
	fail := func(why string) {
		d.Attempts++
		d.LastError = why
		if d.Attempts > len(b.retries) {
			d.State = DeliveryGivenUp
			b.outcomes.WithLabelValues(outcomeGivenUp).Inc()
		} else {
			d.State, d.NextAt = DeliveryPending, b.s.clock.Now().Add(b.retries[d.Attempts-1])
			b.outcomes.WithLabelValues(outcomeRetried).Inc()
		}
	}
	err := b.attempt(ctx, d)
	if ctx.Err() != nil {
		b.s.store.ReleaseDelivery(context.WithoutCancel(ctx), d.ID)
		return
	}
	var stop *stopError
	switch {
	case err == nil:
		d.Attempts++
		d.State, d.LastError = DeliveryDone, ""
		b.outcomes.WithLabelValues(outcomeDelivered).Inc()
	case errors.As(err, &stop):
		d.Attempts++
		d.State, d.LastError = DeliveryGivenUp, err.Error()
		b.outcomes.WithLabelValues(outcomeGivenUp).Inc()
	default:
		fail(err.Error())
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := b.s.store.FinishDelivery(fctx, d); err != nil {
		b.s.logf("callbacks: record delivery %s: %v", d.ID, err)
	}
}

// stopError is a delivery that cannot succeed: no notify URL, switched
// off, no key.
type stopError struct{ msg string }

func (e *stopError) Error() string { return e.msg }

// attempt POSTs d to the merchant's notify URL; nil means the merchant
// answered 200 or 204 in time.
func (b *background) attempt(ctx context.Context, d Delivery) error {
	set, ok, err := b.s.store.Notify(ctx, d.MchID)
	switch {
	case err != nil:
		return err
	case !ok || !set.On:
		return &stopError{"notifications are switched off for merchant " + d.MchID}
	}
	signFn := b.cfg.Sign
	if signFn == nil {
		return &stopError{"this server has no platform key to sign notifications with"}
	}
	key, ok := b.cfg.APIv3Key(d.MchID)
	if !ok {
		return &stopError{"merchant " + d.MchID + " has no APIv3 key"}
	}
	body, err := b.notification(ctx, d, key)
	if err != nil {
		return &stopError{err.Error()}
	}
	actx, cancel := context.WithTimeout(ctx, b.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, set.URL, bytes.NewReader(body))
	if err != nil {
		return &stopError{fmt.Sprintf("notify_url: %v", err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "giftsim-mock-platform")
	req.Header.Set(sign.HeaderSignatureType, sign.SchemeRSA)
	if err := signFn(req.Header, body); err != nil {
		return &stopError{fmt.Sprintf("sign notification: %v", err)}
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, api.MaxBody))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("notify_url answered %d", resp.StatusCode)
	}
	return nil
}

// Summaries of the notification events, as the platform words them (the
// gift ones are giftsim's own).
var summaries = map[string]string{
	api.EventCouponUse:        "代金券核销通知",
	api.EventCouponGiftOffer:  "代金券赠送通知",
	api.EventCouponGiftClaim:  "代金券领取通知",
	api.EventCouponGiftRefuse: "代金券拒收通知",
	api.EventCouponGiftReturn: "代金券退回通知",
}

// notification builds the body of d: the resource (CouponEvent) sealed
// with the merchant's APIv3 key under a fresh nonce.
func (b *background) notification(ctx context.Context, d Delivery, key []byte) ([]byte, error) {
	ev := api.CouponEvent{Coupon: b.s.view(&call{ctx: ctx}, d.Coupon)} // the coupon view, as GET answers it
	if d.EventType == api.EventCouponUse {
		ev.ConsumeInformation = &api.ConsumeInformation{ConsumeTime: timeText(d.Coupon.UsedAt), ConsumeMchID: d.Coupon.MchID,
			TransactionID: transactionID(d.Coupon)}
	}
	plain, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	enc, err := sign.Seal(key, sign.RandomNonce(sign.NonceLen), api.ResourceOriginalCoupon, plain)
	if err != nil {
		return nil, err
	}
	return json.Marshal(api.Notification{ID: d.ID, CreateTime: timeText(d.At), EventType: d.EventType,
		ResourceType: api.ResourceTypeEncrypted, Summary: summaries[d.EventType],
		Resource: api.NotificationResource{OriginalType: api.ResourceOriginalCoupon, Algorithm: enc.Algorithm,
			Ciphertext: enc.Ciphertext, AssociatedData: enc.AssociatedData, Nonce: enc.Nonce}})
}

// transactionID makes up the 28-digit payment id of a redemption: giftsim
// has no payments, so it is "4200", the day of use and the coupon id.
func transactionID(c Coupon) string {
	id := c.ID
	if len(id) > 16 {
		id = id[len(id)-16:]
	}
	return "4200" + c.UsedAt.In(platform.Beijing).Format("20060102") + strings.Repeat("0", 16-len(id)) + id
}

// setCallback answers POST PathCallbacks.
func (s *Server) setCallback(c *call) (any, error) {
	var req api.SetCallbackRequest
	if err := decode(c, &req); err != nil {
		return nil, err
	}
	if err := check(field{"mchid", req.MchID}); err != nil {
		return nil, err
	}
	mch, err := s.merchant(c, "mchid", req.MchID, "")
	if err != nil {
		return nil, err
	}
	if err := CheckNotifyURL(req.NotifyURL, s.cfg.Callbacks.AllowRemote); err != nil {
		return nil, err
	}
	on := req.Switch == nil || *req.Switch
	if on {
		if s.bg.cfg.Sign == nil {
			return nil, fmt.Errorf("%w: notifications are unavailable: this server has no platform key to sign them with", platform.ErrInvalid)
		}
		if _, ok := s.bg.cfg.APIv3Key(mch); !ok {
			return nil, fmt.Errorf("%w: merchant %s has no APIv3 key (the fixture's apiv3_key), which notifications are encrypted with", platform.ErrInvalid, mch)
		}
	}
	set, err := s.store.SetNotify(c.ctx, NotifySetting{MchID: mch, URL: req.NotifyURL, On: on, UpdatedAt: c.now})
	if err != nil {
		return nil, err
	}
	return api.SetCallbackReply{UpdateTime: timeText(set.UpdatedAt), NotifyURL: set.URL}, nil
}

// getCallback answers GET PathCallbacks?mchid=….
func (s *Server) getCallback(c *call) (any, error) {
	q := c.r.URL.Query().Get("mchid")
	if c.mchID == "" {
		if err := check(field{"mchid", q}); err != nil {
			return nil, err
		}
	}
	mch, err := s.merchant(c, "mchid", q, "")
	if err != nil {
		return nil, err
	}
	set, ok, err := s.store.Notify(c.ctx, mch)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w: merchant %s has set no notify URL", platform.ErrNotFound, mch)
	}
	return api.Callback{MchID: mch, NotifyURL: set.URL, Switch: set.On}, nil
}

// callbackRoutes adds the notify-URL routes.
func (s *Server) callbackRoutes(add func(string, map[string]endpoint)) {
	add(api.PathCallbacks, map[string]endpoint{
		http.MethodPost: {"v3_set_callback", true, (*Server).setCallback},
		http.MethodGet:  {"v3_callback", true, (*Server).getCallback},
	})
}
