package loadgen

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"

	"github.com/brianvoe/gofakeit/v7"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"giftsim/platform/api"
	"giftsim/platform/sign"
)

// maxPool bounds each coupon pool; the oldest entries go first.
const maxPool = 1 << 20

// pool is a bounded FIFO of items shared by the targeter (which takes) and
// the transport (which adds as answers arrive). It is safe for concurrent
// use.
type pool[T any] struct {
	mu    sync.Mutex
	items []T
	head  int
	n     int
	next  int // next is the cursor of at.
}

func (p *pool[T]) push(v T) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.items == nil {
		p.items = make([]T, 64)
	}
	if p.n == len(p.items) {
		if len(p.items) < maxPool {
			grown := make([]T, 2*len(p.items))
			for i := range p.n {
				grown[i] = p.items[(p.head+i)%len(p.items)]
			}
			p.items, p.head = grown, 0
		} else {
			p.head = (p.head + 1) % len(p.items)
			p.n--
		}
	}
	p.items[(p.head+p.n)%len(p.items)] = v
	p.n++
}

// take removes and returns the oldest item that ok accepts (nil: any),
// looking at no more than 64 items.
func (p *pool[T]) take(ok func(T) bool) (T, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var zero T
	for i := 0; i < p.n && i < 64; i++ {
		j := (p.head + i) % len(p.items)
		v := p.items[j]
		if ok != nil && !ok(v) {
			continue
		}
		// Move the head item into the hole and advance the head.
		p.items[j] = p.items[p.head]
		p.items[p.head] = zero
		p.head = (p.head + 1) % len(p.items)
		p.n--
		return v, true
	}
	return zero, false
}

// at returns the items in turn without removing them.
func (p *pool[T]) at() (T, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var zero T
	if p.n == 0 {
		return zero, false
	}
	p.next %= p.n
	v := p.items[(p.head+p.next)%len(p.items)]
	p.next++
	return v, true
}

// coupon is a coupon the driver saw issued, offered or claimed.
type coupon struct {
	id     string
	holder *user
	to     *user // to is the recipient of an open offer.
}

// sent is a send request the driver made, kept for retries.
type sent struct {
	op    Op // op is OpSendV3 or OpSendCard.
	user  *user
	stock string
	outNo string
}

// phaseRun is a phase while it runs: its schedule, users and coupon pools.
type phaseRun struct {
	ph      *Phase
	sched   *Schedule
	stockID string
	to      []*user      // to are the users sends and offers go to.
	src     *phaseRun    // src is the phase whose pools this one uses.
	held    pool[coupon] // held are usable coupons and their holders.
	offered pool[coupon] // offered are open gift offers.
	sends   pool[sent]   // sends are this phase's send requests.

	// feed says later operations use this phase's coupons and sends, so
	// answers are tracked into its pools.
	feed bool
	// fellBack counts operations sent as sends for want of a coupon.
	fellBack atomic.Uint64

	mu     sync.Mutex      // mu guards the fields below.
	credit []float64       // credit is the smooth weighted round-robin state of the mix.
	weight float64         // weight is the mix's total weight.
	cursor int             // cursor walks to.
	fake   *gofakeit.Faker // fake makes client addresses for client_ip: fake.
}

// nextOp picks the mix's next operation by smooth weighted round robin:
// deterministic, and within one request of the weights at every point.
func (pr *phaseRun) nextOp() Op {
	best := 0
	for i, e := range pr.ph.Mix {
		pr.credit[i] += e.Weight
		if pr.credit[i] > pr.credit[best] {
			best = i
		}
	}
	pr.credit[best] -= pr.weight
	return pr.ph.Mix[best].Op
}

// nextUser returns the next user of the phase's users in turn, skipping
// not.
func (pr *phaseRun) nextUser(not *user) *user {
	u := pr.to[pr.cursor%len(pr.to)]
	pr.cursor++
	if u == not && len(pr.to) > 1 {
		u = pr.to[pr.cursor%len(pr.to)]
		pr.cursor++
	}
	return u
}

// sendOp is the send the phase falls back to when an operation finds no
// coupon: its first send in the mix, else a v3 send.
func (pr *phaseRun) sendOp() Op {
	for _, e := range pr.ph.Mix {
		if e.Op == OpSendV3 || e.Op == OpSendCard {
			return e.Op
		}
	}
	return OpSendV3
}

// request is one request to build.
type request struct {
	op     Op
	user   *user // user acts: the recipient of a send, the holder or the recipient of an offer.
	to     *user // to receives an offer.
	coupon string
	stock  string
	outNo  string
	ip     string
	track  bool // track asks the transport to record the coupon a new send issues.
}

// plan decides the next request under pr.mu.
func (t *targeter) plan(pr *phaseRun) request {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	op := pr.nextOp()
	req := request{op: op}
	src := pr.src
	switch op {
	case OpQuery:
		if c, ok := src.held.at(); ok {
			req.user, req.coupon = c.holder, c.id
		}
	case OpOffer:
		if c, ok := src.held.take(func(c coupon) bool { return c.holder.canGift() }); ok {
			req.user, req.coupon = c.holder, c.id
			req.to = pr.nextUser(c.holder)
		}
	case OpClaim, OpRefuse:
		if c, ok := src.offered.take(nil); ok {
			req.user, req.coupon = c.to, c.id
		}
	case OpRedeem:
		if c, ok := src.held.take(nil); ok {
			req.user, req.coupon = c.holder, c.id
		}
	case OpRetry, OpRetryOther:
		if s, ok := src.sends.at(); ok {
			req.op, req.user, req.stock, req.outNo = s.op, s.user, s.stock, s.outNo
			if op == OpRetryOther {
				req.user = pr.nextUser(s.user)
			}
		}
	}
	if req.user == nil { // a send, or an operation that found nothing to act on
		if op != OpSendV3 && op != OpSendCard {
			pr.fellBack.Add(1)
			req.op = pr.sendOp()
		}
		req.user = pr.nextUser(nil)
		req.stock = pr.stockID
		req.outNo = t.outNo()
		if pr.feed {
			pr.sends.push(sent{op: req.op, user: req.user, stock: req.stock, outNo: req.outNo})
			req.track = true
		}
	}
	switch ip := pr.ph.ClientIP; ip {
	case "":
	case "fake":
		req.ip = pr.fake.IPv4Address()
	default:
		req.ip = ip
	}
	return req
}

// targeter builds and signs the requests of a run.
type targeter struct {
	origin   string // origin is the target's scheme and host.
	basePath string // basePath is the target's path prefix, which signatures cover.
	mchID    string
	signer   *sign.Signer
	prefix   string // prefix starts every out_request_no: run tag and shard.
	seq      atomic.Uint64
	json     []string // json is the shared header value application/json.
}

// outNo returns a fresh out_request_no: the run's prefix and a ten-digit
// sequence number, unique across runs (the tag) and shards.
func (t *targeter) outNo() string {
	var b [32]byte
	n := copy(b[:], t.prefix)
	v := t.seq.Add(1)
	for i := n + 9; i >= n; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return string(b[:n+10])
}

// Headers the driver sets.
const (
	// headerOpenID carries the recipient of a send, so answers can be
	// matched to users (the /card/gift answer does not name the user).
	headerOpenID = "X-Giftsim-Openid"
	headerXFF    = "X-Forwarded-For"
)

// Targeter returns the vegeta.Targeter of a phase.
func (t *targeter) targeter(pr *phaseRun) vegeta.Targeter {
	return func(tgt *vegeta.Target) error {
		return t.build(tgt, t.plan(pr))
	}
}

// build fills tgt with req, signed.
func (t *targeter) build(tgt *vegeta.Target, req request) error {
	var uri string
	var body []byte
	u := req.user
	switch req.op {
	case OpSendV3:
		tgt.Method = http.MethodPost
		uri = api.UserCouponsPath(t.basePath, u.openID)
		body = api.V3SendRequest{StockID: req.stock, OutRequestNo: req.outNo, AppID: u.appID, StockCreatorMchID: t.mchID}.AppendJSON(make([]byte, 0, 160))
	case OpSendCard:
		tgt.Method = http.MethodPost
		uri = t.basePath + api.PathCardGift
		body = api.CardGiftRequest{MchID: t.mchID, AppID: u.appID, OpenID: u.openID, CardID: req.stock, OutRequestNo: req.outNo}.AppendJSON(make([]byte, 0, 160))
	case OpQuery:
		tgt.Method = http.MethodGet
		uri = api.UserCouponPath(t.basePath, u.openID, req.coupon) + "?appid=" + url.QueryEscape(u.appID)
	case OpOffer, OpClaim, OpRefuse, OpRedeem:
		tgt.Method = http.MethodPost
		uri = t.basePath + api.PathClaim
		switch req.op {
		case OpOffer:
			uri = t.basePath + api.PathOffer
		case OpRefuse:
			uri = t.basePath + api.PathRefuse
		case OpRedeem:
			uri = t.basePath + api.PathConsume
		}
		cr := api.CouponRequest{MchID: t.mchID, AppID: u.appID, OpenID: u.openID, CouponID: req.coupon}
		if req.op == OpOffer {
			cr.ToOpenID = req.to.openID
		}
		body = cr.AppendJSON(make([]byte, 0, 192))
	default:
		return fmt.Errorf("loadgen: cannot build operation %s", req.op)
	}
	auth, err := t.signer.Authorization(tgt.Method, uri, body)
	if err != nil {
		return err
	}
	tgt.URL = t.origin + uri
	tgt.Body = body
	// vegeta copies header values into each request, so constant values are
	// shared.
	h := make(http.Header, 4)
	h["Authorization"] = []string{auth}
	if body != nil {
		h["Content-Type"] = t.json
	}
	if req.track {
		h[headerOpenID] = []string{u.openID}
	}
	if req.ip != "" {
		h[headerXFF] = []string{req.ip}
	}
	tgt.Header = h
	return nil
}

// tracker is the driver's HTTP transport: it reads answers as they arrive
// and feeds the running phase's coupon pools, so later operations (query,
// offer, claim, refuse, redeem) act on coupons the platform really issued.
type tracker struct {
	base  http.RoundTripper
	users map[string]*user
	phase atomic.Pointer[phaseRun]
}

// RoundTrip implements http.RoundTripper.
func (tr *tracker) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := tr.base.RoundTrip(req)
	pr := tr.phase.Load()
	if err != nil || pr == nil || !pr.feed || resp.StatusCode/100 != 2 {
		return resp, err
	}
	op := classifyURL(req.Method, req.URL.Path)
	if op != OpSendV3 && op != OpSendCard && op != OpOffer && op != OpClaim && op != OpRefuse {
		return resp, nil
	}
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, api.MaxBody))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if rerr != nil {
		return resp, nil
	}
	rep := parseReply(body)
	if rep.Failed() || rep.CouponID == "" {
		return resp, nil
	}
	switch op {
	case OpSendV3, OpSendCard:
		if u := tr.users[req.Header.Get(headerOpenID)]; u != nil {
			pr.held.push(coupon{id: rep.CouponID, holder: u})
		}
	case OpOffer:
		if h, to := tr.users[rep.OpenID], tr.users[rep.OfferedTo]; h != nil && to != nil {
			pr.offered.push(coupon{id: rep.CouponID, holder: h, to: to})
		}
	case OpClaim, OpRefuse:
		if h := tr.users[rep.OpenID]; h != nil {
			pr.held.push(coupon{id: rep.CouponID, holder: h})
		}
	}
	return resp, nil
}
