package loadgen

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/brianvoe/gofakeit/v7"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"giftsim/platform"
	"giftsim/platform/api"
	"giftsim/platform/fixture"
)

// Errors a run reports. All but ErrInterrupted are bad input in the
// command's terms.
var (
	// ErrRemoteTarget refuses a target that is not loopback without
	// AllowRemote.
	ErrRemoteTarget = errors.New("target is not a loopback address")
	// ErrUnreachable is a target that did not answer.
	ErrUnreachable = errors.New("target unreachable")
	// ErrSetup is a target that refused the run's setup (stock creation).
	ErrSetup = errors.New("setup refused")
	// ErrClock is a phase that aligns with the platform day on a target
	// whose clock cannot be read.
	ErrClock = errors.New("platform clock unavailable")
	// ErrInterrupted is a run stopped by its context before its schedule
	// ended; the summary holds what was measured.
	ErrInterrupted = errors.New("run interrupted")
)

// Driver runs a load plan against a target. Build it with New.
type Driver struct {
	plan        *Plan
	target      string
	fix         *fixture.Fixture
	shard       int
	shards      int
	out         io.Writer
	progress    io.Writer
	log         io.Writer
	now         func() time.Time
	getenv      func(string) string
	allowRemote bool
	host        string
	transport   http.RoundTripper
	width       int      // width is the terminal's, for a live view redrawn in place (0: plain lines).
	metrics     *Metrics // metrics receive the run's live metrics (nil: none).

	start startGate // start is the common start of shards (start.go).

	tls   *tls.Config // tls is the client side of TLS for an https target (tls.go).
	proto string      // proto is what the probe spoke, e.g. "HTTP/2.0 over TLS 1.3".

	base *url.URL
	cred credentials
	ids  identities
	tag  string
}

// WithPlan sets the plan to run (required).
func WithPlan(p *Plan) func(*Driver) { return func(d *Driver) { d.plan = p } }

// WithTarget sets the target's base URL, overriding the plan's.
func WithTarget(u string) func(*Driver) { return func(d *Driver) { d.target = u } }

// WithFixture gives the mock's fixture (merchants, keys, users) instead of
// the plan's identities.fixture or the generated default.
func WithFixture(f *fixture.Fixture) func(*Driver) { return func(d *Driver) { d.fix = f } }

// WithShard makes the driver run shard i (from 0) of n: its share of the
// users, of every phase's requests and rate, and its own out_request_no
// space.
func WithShard(i, n int) func(*Driver) { return func(d *Driver) { d.shard, d.shards = i, n } }

// WithOutput writes every raw result to w in vegeta's binary format.
func WithOutput(w io.Writer) func(*Driver) { return func(d *Driver) { d.out = w } }

// WithProgress writes a live line to w each second.
func WithProgress(w io.Writer) func(*Driver) { return func(d *Driver) { d.progress = w } }

// WithLiveView shows a live view on w each second: on a terminal width
// columns wide (width > 0) it is redrawn in place with ANSI cursor
// movement, its lines cut to the width; with width 0 it is one plain line
// a second (liveview.go).
func WithLiveView(w io.Writer, width int) func(*Driver) {
	return func(d *Driver) { d.progress, d.width = w, width }
}

// WithMetrics feeds the run's live Prometheus metrics to m (serve
// m.Handler() while the run goes; metrics.go).
func WithMetrics(m *Metrics) func(*Driver) { return func(d *Driver) { d.metrics = m } }

// WithLog writes the run's setup (seed, run tag, waits for the platform day)
// to w.
func WithLog(w io.Writer) func(*Driver) { return func(d *Driver) { d.log = w } }

// WithNow sets the wall clock (default time.Now).
func WithNow(now func() time.Time) func(*Driver) { return func(d *Driver) { d.now = now } }

// WithGetenv sets how merchant.key_env is read (default os.Getenv).
func WithGetenv(f func(string) string) func(*Driver) { return func(d *Driver) { d.getenv = f } }

// AllowRemote permits a target that is not a loopback address.
func AllowRemote(ok bool) func(*Driver) { return func(d *Driver) { d.allowRemote = ok } }

// WithHost names the machine in summaries (merged reports list hosts).
func WithHost(name string) func(*Driver) { return func(d *Driver) { d.host = name } }

// WithTransport sets the HTTP transport under the driver's (default: a
// keep-alive transport sized to http.max_workers).
func WithTransport(rt http.RoundTripper) func(*Driver) { return func(d *Driver) { d.transport = rt } }

// New checks the plan and the options, finds the merchant's key and the
// users, and returns a driver ready to Run. Secrets are read here and
// never printed.
func New(opts ...func(*Driver)) (*Driver, error) {
	d := &Driver{shards: 1, now: time.Now, getenv: os.Getenv}
	for _, o := range opts {
		o(d)
	}
	if d.plan == nil {
		return nil, fmt.Errorf("%w: no plan", ErrPlan)
	}
	if err := d.plan.Validate(); err != nil {
		return nil, err
	}
	if d.shards < 1 || d.shard < 0 || d.shard >= d.shards {
		return nil, fmt.Errorf("%w: shard %d of %d: want 0 <= shard < shards", ErrPlan, d.shard, d.shards)
	}
	if d.target == "" {
		d.target = d.plan.Target
	}
	if d.target == TargetBuiltin {
		return nil, fmt.Errorf("%w: target %q is started by the command layer; pass its URL with WithTarget", ErrPlan, TargetBuiltin)
	}
	u, err := ParseTarget(d.target)
	if err != nil {
		return nil, err
	}
	if !d.allowRemote && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("%w: %s (allow it explicitly with --allow-remote)", ErrRemoteTarget, u.Host)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	d.base = u
	if d.tls, err = d.plan.HTTP.TLS.clientTLS(u); err != nil {
		return nil, err
	}
	d.cred, d.ids, err = resolve(d.plan, d.fix, d.shard, d.shards, d.getenv, d.now)
	if err != nil {
		return nil, err
	}
	for i, ph := range d.plan.Phases {
		if ph.To == "" && len(d.ids.rest) == 0 {
			return nil, fmt.Errorf("%w: phase %s sends to the users in no group, and the groups took them all", ErrCredentials, ph.Name)
		}
		if ph.Stock == "" && d.cred.stockID == "" {
			return nil, fmt.Errorf("%w: phase %d (%s) has no stock: set merchant.stock_id or a stock under stocks", ErrCredentials, i+1, ph.Name)
		}
	}
	d.tag = strconv.FormatInt(d.now().UnixMilli()%(36*36*36*36*36*36*36), 36)
	return d, nil
}

// isLoopback reports whether host is a loopback address or localhost.
// Names other than localhost are not resolved, so they count as remote.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

func (d *Driver) logf(format string, a ...any) {
	if d.log != nil {
		fmt.Fprintf(d.log, "giftsim load: "+format+"\n", a...)
	}
}

// Run runs the plan's phases in order and returns the summary with the
// thresholds judged (not for one shard of several: its share alone cannot
// be judged; merge the shards' results with ReadResults and Judge). It
// stops by itself when the schedule ends, at the plan's max_duration, or
// when ctx ends (ErrInterrupted, with what was measured), or when an abort
// threshold fails over its window (ErrAborted, with the summary judged on
// what ran and its Aborted set).
func (d *Driver) Run(ctx context.Context) (*Summary, error) {
	p := d.plan
	ctx, cancel := context.WithTimeout(ctx, p.MaxDuration+p.HTTP.Timeout+5*time.Second+d.start.ahead(d.now()))
	defer cancel()

	base := d.transport
	if base == nil {
		var closeIdle func()
		base, closeIdle = d.newTransport()
		defer closeIdle()
	}
	tr := &tracker{base: base, users: d.ids.byID}
	client := &http.Client{Transport: tr, Timeout: p.HTTP.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	if _, err := d.probe(ctx, client); err != nil {
		return nil, err
	}
	d.warm(ctx, client)
	stocks, err := d.createStocks(ctx, client)
	if err != nil {
		return nil, err
	}
	if err := d.awaitStart(ctx); err != nil {
		return nil, err
	}
	tg := d.newTargeter()
	d.logf("plan %s: target %s, merchant %s (quota %d), %d users, seed %d, run tag %s, shard %d/%d",
		p.Name, d.base, d.cred.mchID, d.cred.quota, len(d.ids.all), p.Seed, d.tag, d.shard+1, d.shards)

	var enc vegeta.Encoder
	var bw *bufio.Writer
	if d.out != nil {
		bw = bufio.NewWriterSize(d.out, 1<<20)
		enc = vegeta.NewEncoder(bw)
	}
	sum := &Summary{Plan: p.Name, Target: d.base.String(), Host: d.host, Seed: p.Seed, RunTag: d.tag,
		Shard: d.shard, Shards: d.shards, Merchant: d.cred.mchID, Quota: d.cred.quota}
	sum.Protocol, sum.Warnings = d.proto, d.warnings()
	sum.StartAt, sum.StartedAt = d.start.at, d.start.began
	var col *collector
	w := d.newWatch()
	runs := map[string]*phaseRun{}
	feeds := p.feeds()
	var runErr error
	for i := range p.Phases {
		ph := &p.Phases[i]
		pr, err := d.newPhaseRun(i, stocks, runs[ph.From], feeds[ph.Name])
		if err != nil {
			return nil, err
		}
		runs[ph.Name] = pr
		sched := pr.sched

		dayLeft, err := d.align(ctx, client, ph, sched)
		if err != nil {
			if ctx.Err() != nil {
				runErr = ErrInterrupted
				break
			}
			return nil, err
		}
		start := d.now()
		if col == nil {
			col = newCollector(start)
			sum.Started = start
		}
		w.startPhase(i, pr, start)
		ps := &PhaseSummary{Name: ph.Name, Started: start, stats: &stats{start: start, schedule: sched, sched: sched.Length(), planned: int(sched.Requests())}}
		sum.Phases = append(sum.Phases, ps)
		tr.phase.Store(pr)
		stopped, err := d.attack(ctx, client, tg, pr, ps, col, enc, dayLeft, w)
		tr.phase.Store(nil)
		ps.FellBack = int(pr.fellBack.Load())
		col.total.sched += ps.stats.sched
		col.total.planned += ps.stats.planned
		col.total.active += ps.stats.lastStart
		if err != nil {
			return nil, err
		}
		if msg := ps.behind(); msg != "" {
			d.logf("phase %s %s", ph.Name, msg)
		}
		if stopped {
			runErr = ErrInterrupted
			break
		}
		if w.fired != nil {
			sum.Aborted, runErr = w.fired, ErrAborted
			break
		}
	}
	w.end()
	if bw != nil {
		if err := bw.Flush(); err != nil {
			return nil, fmt.Errorf("write results: %w", err)
		}
	}
	if col == nil {
		col = newCollector(d.now())
	}
	sum.total = col.total
	if runErr != nil && sum.Aborted == nil {
		sum.Interrupted = true
		return sum, runErr
	}
	if d.shards == 1 {
		sum.Judge(p)
	} else {
		sum.unjudged = checks(p)
	}
	return sum, runErr
}

// newTargeter returns the run's request builder. The run tag keeps
// out_request_no unique across runs against one server; the shard number
// keeps shards apart.
func (d *Driver) newTargeter() *targeter {
	return &targeter{origin: d.base.Scheme + "://" + d.base.Host, basePath: d.base.EscapedPath(), mchID: d.cred.mchID,
		signer: d.cred.signer, prefix: "gs" + d.tag + fmt.Sprintf("%02d", d.shard%100), json: []string{"application/json"}}
}

// newPhaseRun prepares phase i: its share of the schedule, its stock and
// users, and the phase whose pools it uses (src; nil for its own).
func (d *Driver) newPhaseRun(i int, stocks map[string]string, src *phaseRun, feed bool) (*phaseRun, error) {
	p := d.plan
	ph := &p.Phases[i]
	sched, err := ph.Schedule(p.Day, d.shard, d.shards)
	if err != nil {
		return nil, err
	}
	pr := &phaseRun{ph: ph, sched: sched, stockID: d.cred.stockID, to: d.ids.rest, src: src, feed: feed,
		credit: make([]float64, len(ph.Mix)), fake: gofakeit.NewFaker(rand.NewPCG(p.Seed, uint64(i)+1), false)}
	if ph.Stock != "" {
		pr.stockID = stocks[ph.Stock]
	}
	if ph.To != "" {
		pr.to = d.ids.groups[ph.To]
	}
	if pr.src == nil {
		pr.src = pr
	}
	for _, e := range ph.Mix {
		pr.weight += e.Weight
	}
	return pr, nil
}

// attack runs one phase and feeds its results to the collector. stopped
// reports that ctx ended it early. A phase aligned with the platform day
// stops sending dayLeft after its start (0: not aligned).
func (d *Driver) attack(ctx context.Context, client *http.Client, tg *targeter, pr *phaseRun, ps *PhaseSummary, col *collector, enc vegeta.Encoder, dayLeft time.Duration, w *watch) (stopped bool, err error) {
	h := d.plan.HTTP
	atk := vegeta.NewAttacker(vegeta.Client(client), vegeta.Workers(uint64(h.Workers)), vegeta.MaxWorkers(uint64(h.MaxWorkers)),
		vegeta.MaxBody(api.MaxBody), vegeta.Timeout(h.Timeout), vegeta.Redirects(vegeta.NoFollow))
	length := pr.sched.Length()
	// The phase may run late by half its length (at least 5 s) before it
	// is cut off, and an aligned one not past its platform day, where the
	// quotas start afresh; the run's context bounds it too.
	bound := length + max(5*time.Second, length/2)
	if dayLeft > 0 {
		bound = min(bound, dayLeft)
	}

	var steps []*stats
	var stepWant []int
	if pr.ph.Hold != nil {
		segs := pr.sched.Segments()
		steps = make([]*stats, len(segs))
		stepWant = make([]int, len(segs))
		at := ps.Started
		for n := uint64(0); n < pr.sched.Requests(); n++ {
			stepWant[pr.sched.SegmentOf(n)]++
		}
		for i, g := range segs {
			steps[i] = &stats{start: at, sched: g.Dur, planned: stepWant[i]}
			at = at.Add(g.Dur)
			ps.Steps = append(ps.Steps, StepSummary{Rate: g.From})
		}
		ps.HasCapacity = true
	}
	nextStep := 0
	judgeSteps := func() {
		for nextStep < len(steps) && steps[nextStep].hits >= stepWant[nextStep] {
			st := &ps.Steps[nextStep]
			st.Judged = true
			pass, obs, err := pr.ph.Hold.Eval(func(name string) (float64, bool) { return steps[nextStep].metric(name) })
			st.Held, st.Observed = pass && err == nil, obs
			if err != nil {
				st.Observed = err.Error()
			}
			if !st.Held {
				atk.Stop()
				nextStep = len(steps)
				return
			}
			ps.Capacity = st.Rate
			nextStep++
		}
	}

	res := atk.Attack(tg.targeter(pr), pr.sched, bound, pr.ph.Name)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	judge := w.judgeEvery()
	defer w.stopJudging()
	done := ctx.Done()
	for {
		select {
		case r, ok := <-res:
			if !ok {
				return stopped, nil
			}
			lag := r.Timestamp.Sub(ps.Started) - pr.sched.Due(r.Seq)
			scopes := []*stats{ps.stats}
			if steps != nil {
				scopes = append(scopes, steps[pr.sched.SegmentOf(r.Seq)])
			}
			op, code, replayed := col.add(r, scopes, max(lag, 0))
			w.observe(r, op, code, replayed)
			if steps != nil {
				judgeSteps()
			}
			if enc != nil {
				if err := enc.Encode(r); err != nil {
					atk.Stop()
					for range res {
					}
					return stopped, fmt.Errorf("write results: %w", err)
				}
			}
		case <-tick.C:
			w.second(pr, ps, col)
		case <-judge:
			if w.judge(d.now()) {
				atk.Stop()
				judge = nil
			}
		case <-done:
			stopped = true
			done = nil
			atk.Stop()
		}
	}
}

// clock is a reading of the platform clock: platform time pt at wall time
// wall.
type clock struct {
	pt, wall time.Time
	ok       bool
}

// probe checks the target answers and reads its platform clock from
// /healthz if it has one.
func (d *Driver) probe(ctx context.Context, client *http.Client) (clock, error) {
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(pctx, http.MethodGet, d.base.String()+api.PathHealth, nil)
	if err != nil {
		return clock{}, fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
	t0 := d.now()
	resp, err := client.Do(req)
	if terr := d.checkProbe(resp, err); terr != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return clock{}, terr
	}
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return clock{}, fmt.Errorf("%w: %s: %v", ErrUnreachable, d.base, err)
	}
	defer resp.Body.Close()
	t1 := d.now()
	var h api.Health
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&h) != nil || h.PlatformTime == "" {
		return clock{}, nil
	}
	if h.Day != "" {
		if day, err := platform.ParseDuration(h.Day); err == nil && day != d.plan.Day {
			return clock{}, fmt.Errorf("%w: the target's platform day lasts %s but the plan says day: %s; set --day %s", ErrPlan,
				platform.FormatDuration(day), platform.FormatDuration(d.plan.Day), platform.FormatDuration(day))
		}
	}
	pt, err := time.Parse(time.RFC3339Nano, h.PlatformTime)
	if err != nil {
		return clock{}, nil
	}
	return clock{pt: pt, wall: t0.Add(t1.Sub(t0) / 2), ok: true}, nil
}

// align waits, if the phase asks, until a platform day starts or until the
// phase fits in what is left of the day. It returns how long the phase may
// send before that day ends, less 1% of a day (0: not aligned).
func (d *Driver) align(ctx context.Context, client *http.Client, ph *Phase, sched *Schedule) (time.Duration, error) {
	if ph.Align == "" || ph.Align == AlignNone {
		return 0, nil
	}
	// Read the clock afresh: earlier phases took time.
	c, err := d.probe(ctx, client)
	if err != nil {
		return 0, err
	}
	if !c.ok {
		return 0, fmt.Errorf("%w: phase %s aligns with the platform day, but %s%s gives no platform_time; set align: none", ErrClock, ph.Name, d.base, api.PathHealth)
	}
	fc := platform.FastClock{Start: c.pt, Wall: c.wall, Day: d.plan.Day}
	slack := d.plan.Day / 100
	// With a common start, shards decide as of that moment (start.go).
	now := d.now()
	ref := d.start.alignRef(now, slack)
	pt := fc.At(ref)
	dayStart := platform.DayStart(pt)
	since := fc.WallDuration(pt.Sub(dayStart))
	left := fc.WallDuration(dayStart.Add(platform.Day).Sub(pt)) - now.Sub(ref)
	switch {
	case ph.Align == AlignDayStart && since <= slack,
		ph.Align == AlignFitDay && left >= sched.Length()*11/10+slack:
		return left - slack, nil
	}
	wait := max(left, 0) + time.Millisecond
	d.logf("phase %s waits %s for the next platform day", ph.Name, wait.Round(time.Millisecond))
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return d.plan.Day - slack, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// createStocks creates and starts the plan's stocks and returns their ids
// by name.
func (d *Driver) createStocks(ctx context.Context, client *http.Client) (map[string]string, error) {
	ids := map[string]string{}
	for i, s := range d.plan.Stocks {
		st, ch, err := s.Platform()
		if err != nil {
			return nil, fmt.Errorf("%w: stock %s: %w", ErrPlan, s.Name, err)
		}
		body := api.CreateStockRequest{StockName: fmt.Sprintf("giftsim load %s %s", d.plan.Name, s.Name),
			BelongMerchant: d.cred.mchID, OutRequestNo: fmt.Sprintf("gs%sst%02d%02d", d.tag, d.shard%100, i),
			StockType: "NORMAL", StockSpec: s.StockSpec}
		// R19: a stock that allows transfer says on the gift page who provides it.
		body.BrandStatement = &api.BrandStatement{Text: "this coupon is provided by merchant " + d.cred.mchID, FontPt: platform.MinLabelPt}
		body.Kind, body.Category, body.Channel, body.Validity = st.Kind, st.Category, ch, platform.Duration(st.Validity)
		body.StockUseRule.MaxCoupons = s.MaxCoupons
		body.CouponUseRule.FixedNormalCoupon = api.NormalCoupon{CouponAmount: int64(st.Face), TransactionMinimum: int64(st.MinSpend)}
		var created api.Stock
		if err := d.call(ctx, client, http.MethodPost, api.PathStocks, body, &created); err != nil {
			return nil, fmt.Errorf("stock %s: %w", s.Name, err)
		}
		if created.StockID == "" {
			return nil, fmt.Errorf("%w: stock %s: the answer has no stock_id", ErrSetup, s.Name)
		}
		if err := d.call(ctx, client, http.MethodPost, api.StartStockPath("", created.StockID),
			api.StartStockRequest{StockCreatorMchID: d.cred.mchID}, nil); err != nil {
			return nil, fmt.Errorf("stock %s: start: %w", s.Name, err)
		}
		ids[s.Name] = created.StockID
		d.logf("created stock %s: %s (%s, %s, validity %s)", s.Name, created.StockID, st.Kind, ch, platform.FormatDuration(st.Validity))
	}
	return ids, nil
}

// call makes one signed setup request and decodes the answer into out.
func (d *Driver) call(ctx context.Context, client *http.Client, method, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	uri := d.base.Path + path
	req, err := http.NewRequestWithContext(ctx, method, d.base.String()+path, strings.NewReader(string(body)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	auth, err := d.cred.signer.Authorization(method, uri, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", auth)
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, api.MaxBody))
	rep := parseReply(b)
	if resp.StatusCode/100 != 2 || rep.Failed() {
		return fmt.Errorf("%w: %s %s answered %d %s", ErrSetup, method, path, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%w: %s %s: %w", ErrSetup, method, path, err)
		}
	}
	return nil
}
