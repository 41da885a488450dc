package sim

import (
	"context"
	"fmt"
	"maps"
	"net/netip"
	"testing"
	"time"

	"giftsim/platform"
	"giftsim/platform/fixture"
	"giftsim/platform/mock"
	"giftsim/sim/engine"
)

// confStep is one situation of a conformance sequence: at a time after
// the start, user is issued a coupon on a channel, offered one by from,
// claims the gift offered to it, or refuses it. want is the outcome both
// sides must give: "ok", a rule id, or a platform code.
type confStep struct {
	at   time.Duration
	op   string // issue, gift, claim or refuse
	user int
	from int              // from gifts (op gift)
	ch   platform.Channel // ch is the channel of an issue (0: API)
	want string
}

// confCase is a sequence run against a fresh model and a fresh mock store.
type confCase struct {
	name     string
	quota    int   // quota is the merchant's daily quota (R11).
	budget   int   // budget is the coupons the stock may issue (0: no cap).
	abnormal []int // abnormal users claim from one abnormal IP (R17).
	risk     platform.Risk
	steps    []confStep
}

const (
	confMch   = "1900000001"
	confApp   = "wxconf"
	confUsers = 12
)

// confIssue, confGift, confClaim and confRefuse build steps.
func confIssue(at time.Duration, u int, want string) confStep {
	return confStep{at: at, op: "issue", user: u, want: want}
}

func confMini(at time.Duration, u int, want string) confStep {
	return confStep{at: at, op: "issue", user: u, ch: platform.ChannelMiniProgram, want: want}
}

func confGift(at time.Duration, from, to int) confStep {
	return confStep{at: at, op: "gift", user: to, from: from, want: "ok"}
}

func confClaim(at time.Duration, u int, want string) confStep {
	return confStep{at: at, op: "claim", user: u, want: want}
}

func confRefuse(at time.Duration, u int) confStep {
	return confStep{at: at, op: "refuse", user: u, want: "ok"}
}

// confCases are the situations of the issue step (budget, R11, C3, R15,
// R16) and of a gift's claim (R16, R17), each rule at its boundary.
func confCases() []confCase {
	const h, m, s, d = time.Hour, time.Minute, time.Second, platform.Day
	risk := platform.DefaultRisk()
	burst3 := risk
	burst3.ReceiveBurst = 3
	tight := risk
	tight.ReceiveBurst, tight.IPClaims = 2, 2
	return []confCase{
		{name: "R11 daily quota, renewed at CST midnight", quota: 3, risk: risk, steps: []confStep{
			confIssue(10*h, 1, "ok"), confIssue(10*h+m, 2, "ok"), confIssue(10*h+2*m, 3, "ok"),
			confIssue(10*h+3*m, 4, "R11"), confIssue(d-s, 4, "R11"), confIssue(d, 4, "ok"),
		}},
		{name: "budget exhausted before the quota", quota: 2, budget: 2, risk: risk, steps: []confStep{
			confIssue(10*h, 1, "ok"), confIssue(10*h+m, 2, "ok"), confIssue(10*h+2*m, 3, "NOT_ENOUGH"),
			confIssue(d+10*h, 3, "NOT_ENOUGH"),
		}},
		{name: "C3 one mini-program coupon per user", quota: 100, risk: risk, steps: []confStep{
			confMini(10*h, 1, "ok"), confMini(11*h, 1, "C3"), confMini(11*h, 2, "ok"),
			confIssue(11*h+m, 1, "ok"), confIssue(12*h, 3, "ok"), confMini(12*h+m, 3, "ok"),
			confMini(d+12*h, 3, "C3"),
		}},
		{name: "R15 within 24 h of a refusal", quota: 100, risk: risk, steps: []confStep{
			confIssue(9*h, 0, "ok"), confGift(9*h+30*m, 0, 1), confRefuse(10*h, 1),
			confIssue(10*h+s, 1, "R15"), confIssue(d+10*h-s, 1, "R15"), confIssue(d+10*h, 1, "ok"),
		}},
		{name: "rule order: budget, R11, C3, R15", quota: 3, risk: risk, steps: []confStep{
			confMini(9*h, 0, "ok"), confGift(9*h+30*m, 0, 1), confRefuse(10*h, 1),
			confMini(10*h+m, 1, "R15"), confMini(10*h+2*m, 0, "C3"), confIssue(11*h, 1, "R15"),
			confIssue(11*h, 2, "ok"), confIssue(11*h+m, 3, "ok"),
			confIssue(11*h+2*m, 1, "R11"), confMini(12*h, 0, "R11"),
		}},
		{name: "R16 burst within and just outside the window", quota: 100, risk: burst3, steps: []confStep{
			confIssue(10*h, 1, "ok"), confIssue(10*h+20*m, 1, "ok"), confIssue(10*h+40*m, 1, "ok"),
			confIssue(11*h-s, 1, "R16"),
			confIssue(11*h, 1, "ok"), // the 10:00 receipt is exactly an hour old: out
			confIssue(11*h+s, 1, "R16"), confIssue(11*h+20*m, 1, "ok"),
			confIssue(11*h+25*m, 0, "ok"), confGift(11*h+30*m, 0, 1),
			confClaim(11*h+35*m, 1, "R16"), confClaim(11*h+40*m, 1, "ok"), // a claim is a receipt too
			confIssue(11*h+41*m, 1, "R16"), confIssue(12*h+20*m, 1, "ok"),
		}},
		{name: "R17 abnormal IP claims within a day", quota: 100, abnormal: []int{5, 6, 7, 8, 9}, risk: risk, steps: []confStep{
			confIssue(8*h, 0, "ok"), confIssue(8*h+m, 0, "ok"), confIssue(8*h+2*m, 0, "ok"),
			confIssue(8*h+3*m, 0, "ok"), confIssue(8*h+4*m, 0, "ok"),
			confGift(9*h, 0, 5), confGift(9*h, 0, 6), confGift(9*h, 0, 7), confGift(9*h, 0, 8), confGift(9*h, 0, 1),
			confClaim(10*h, 5, "ok"), confClaim(11*h, 6, "ok"), confClaim(12*h, 7, "ok"),
			confClaim(13*h, 8, "R17"), confClaim(13*h+30*m, 1, "ok"), // a normal IP is not counted
			confClaim(d+10*h-s, 8, "R17"),
			confClaim(d+10*h, 8, "ok"), // the 10:00 claim is exactly a day old: out
			confIssue(d+10*h+m, 0, "ok"), confGift(d+10*h+5*m, 0, 9),
			confClaim(d+10*h+30*m, 9, "R17"), confClaim(d+11*h, 9, "ok"),
		}},
		{name: "a claim refused by R16 is no R17 claim", quota: 100, abnormal: []int{5, 6, 7}, risk: tight, steps: []confStep{
			confIssue(8*h, 1, "ok"), confIssue(8*h, 2, "ok"), confIssue(8*h, 3, "ok"),
			confIssue(9*h, 5, "ok"), confIssue(9*h+10*m, 5, "ok"),
			confGift(9*h+20*m, 1, 5), confClaim(9*h+30*m, 5, "R16"),
			confGift(9*h+40*m, 2, 6), confClaim(9*h+50*m, 6, "ok"),
			confGift(10*h, 3, 7), confClaim(10*h+10*m, 7, "ok"),
			confClaim(10*h+20*m, 5, "R17"),
		}},
	}
}

// TestConformanceWithMock drives each sequence through the simulator's rule
// path (issueAt, accept, refuse on a tiny model) and through the mock
// platform's store, and compares every outcome: the rules are applied once,
// by package platform, and the windows of R16 and R17 are counted alike.
func TestConformanceWithMock(t *testing.T) {
	for _, tc := range confCases() {
		t.Run(tc.name, func(t *testing.T) {
			sm := newConfSim(t, tc)
			mk := newConfMock(t, tc)
			for i, st := range tc.steps {
				got, ref := sm.do(t, st), mk.do(t, st)
				if got != ref || ref != st.want {
					t.Errorf("step %d (%s user %d at %s): simulator %s, mock %s, want %s",
						i, st.op, st.user, st.at, got, ref, st.want)
				}
			}
		})
	}
}

// confSim is the simulator's side: a model on a star world whose coupons
// the steps drive directly.
type confSim struct {
	m    *model
	held map[int][]int32 // held lists each user's issued coupons, last last
	gift map[int]int32   // gift is the coupon offered to each user
}

// confMarker is an event kind the model never schedules.
const confMarker uint8 = 0xff

func newConfSim(t *testing.T, tc confCase) *confSim {
	t.Helper()
	cfg := tinyConfig()
	cfg.Merchant = Merchant{Industry: platform.IndustryRetail, Tier: platform.TierFiled, DailyQuota: tc.quota}
	cfg.Coupon.Stock = platform.Stock{Kind: platform.KindDiscount, Category: platform.CategoryGeneral,
		Face: platform.CNY(20), MinSpend: platform.CNY(60), Validity: 7 * platform.Day, AllowTransfer: true}
	cfg.Coupon.Budget = platform.Money(tc.budget) * cfg.Coupon.Face
	cfg.Risk = tc.risk
	w := starWorld(t, confUsers)
	w.groups = 1
	for _, u := range tc.abnormal {
		w.flags[u] |= flagAbnormalIP
		w.ipGroup[u] = 0
	}
	return &confSim{m: newModel(&cfg, w, 1, 0), held: map[int][]int32{}, gift: map[int]int32{}}
}

// advance moves the model's clock to at. Events the coupons scheduled on
// the way (expiries, plans) are dropped: the steps alone drive them.
func (s *confSim) advance(t *testing.T, at time.Duration) int64 {
	t.Helper()
	now := int64(at / time.Second)
	if now < s.m.now() {
		t.Fatalf("steps go back in time to %s", at)
	}
	s.m.q.At(now, confMarker, 0, 0)
	for {
		e, ok := s.m.q.Next(engine.MaxTime)
		if !ok || e.Kind() == confMarker {
			break
		}
	}
	if s.m.now() != now {
		t.Fatalf("clock at %d, want %d", s.m.now(), now)
	}
	return now
}

func (s *confSim) do(t *testing.T, st confStep) string {
	t.Helper()
	m := s.m
	s.advance(t, st.at)
	before := maps.Clone(m.refused)
	u := int32(st.user)
	done := false
	switch st.op {
	case "issue":
		ch := st.ch
		if ch == 0 {
			ch = platform.ChannelAPI
		}
		first := int32(len(m.state))
		if done = m.issueAt(u, ch, false); done {
			s.held[st.user] = append(s.held[st.user], first)
		}
	case "gift":
		// What gift does once CheckGift passed, to the chosen friend.
		c := popHeld(t, s.held, st.from)
		m.move(c, platform.EventGift)
		m.pending[c] = u
		s.gift[st.user] = c
		done = true
	case "claim":
		c, ok := s.gift[st.user]
		if !ok {
			return "no offer"
		}
		m.accept(c)
		if done = m.holder[c] == u; done {
			delete(s.gift, st.user)
		}
	case "refuse":
		c, ok := s.gift[st.user]
		if !ok {
			return "no offer"
		}
		m.refuse(c)
		delete(s.gift, st.user)
		done = true
	}
	if m.err != nil {
		t.Fatal(m.err)
	}
	var out []string
	for rule, n := range m.refused {
		if n != before[rule] {
			out = append(out, rule)
		}
	}
	switch {
	case len(out) == 0 && done:
		return "ok"
	case len(out) == 1 && !done && out[0] == "budget":
		return string(platform.CodeOf(platform.ErrStockExhausted))
	case len(out) == 1 && !done:
		return out[0]
	}
	return fmt.Sprintf("done=%t refused %v", done, out)
}

// confMock is the mock platform's side: a memory store with one merchant,
// an API and a mini-program stock and the users o000….
type confMock struct {
	st     mock.Store
	start  time.Time
	held   map[int][]string
	gift   map[int]string
	abn    map[int]bool
	nextNo int
}

func newConfMock(t *testing.T, tc confCase) *confMock {
	t.Helper()
	stock := func(id, ch string) fixture.Stock {
		spec := platform.StockSpec{Kind: platform.KindDiscount, Validity: platform.Duration(7 * platform.Day), AllowTransfer: true}
		_ = spec.Channel.UnmarshalText([]byte(ch))
		return fixture.Stock{StockID: id, MchID: confMch, StockSpec: spec, Face: 20, MinSpend: 60, MaxCoupons: tc.budget, Started: true}
	}
	f := &fixture.Fixture{
		Merchants: []fixture.Merchant{{MchID: confMch, Tier: "filed", Quota: tc.quota, AppIDs: []string{confApp},
			Keys: []fixture.Key{{Serial: "H1", HMAC: "secret"}}}},
		Stocks:      []fixture.Stock{stock("api", "api"), stock("mini", "mini-program")},
		AbnormalIPs: []string{"203.0.113.0/24"},
		Risk: &fixture.Risk{ReceiveBurst: tc.risk.ReceiveBurst, ReceiveWindow: platform.FormatDuration(tc.risk.ReceiveWindow),
			IPClaims: tc.risk.IPClaims, IPWindow: platform.FormatDuration(tc.risk.IPWindow)},
	}
	for u := range confUsers {
		f.Users = append(f.Users, fixture.User{OpenID: confOpenID(u), AppID: confApp, BankCard: true, RealName: true})
	}
	st, err := mock.NewMemoryStore(f)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close(context.Background()) })
	k := &confMock{st: st, start: tinyConfig().Start, held: map[int][]string{}, gift: map[int]string{}, abn: map[int]bool{}}
	for _, u := range tc.abnormal {
		k.abn[u] = true
	}
	return k
}

func confOpenID(u int) string { return fmt.Sprintf("o%03d", u) }

func (k *confMock) do(t *testing.T, st confStep) string {
	t.Helper()
	ctx := context.Background()
	now := k.start.Add(st.at)
	if _, ok := k.gift[st.user]; !ok && (st.op == "claim" || st.op == "refuse") {
		return "no offer"
	}
	var err error
	switch st.op {
	case "issue":
		stock := "api"
		if st.ch == platform.ChannelMiniProgram {
			stock = "mini"
		}
		k.nextNo++
		var c mock.Coupon
		c, _, err = k.st.Send(ctx, mock.SendOp{MchID: confMch, AppID: confApp, OpenID: confOpenID(st.user),
			StockID: stock, OutRequestNo: fmt.Sprintf("r%d", k.nextNo), Now: now})
		if err == nil {
			k.held[st.user] = append(k.held[st.user], c.ID)
		}
	case "gift":
		id := popHeld(t, k.held, st.from)
		_, err = k.st.Gift(ctx, mock.GiftOp{MchID: confMch, AppID: confApp, OpenID: confOpenID(st.from),
			CouponID: id, ToOpenID: confOpenID(st.user), Now: now})
		k.gift[st.user] = id
	case "claim":
		ip := netip.MustParseAddr("198.51.100.7")
		if k.abn[st.user] {
			ip = netip.MustParseAddr("203.0.113.9")
		}
		_, err = k.st.Claim(ctx, mock.ClaimOp{MchID: confMch, AppID: confApp, OpenID: confOpenID(st.user),
			CouponID: k.gift[st.user], IP: ip, Now: now})
		if err == nil {
			delete(k.gift, st.user)
		}
	case "refuse":
		_, err = k.st.Refuse(ctx, mock.CouponOp{MchID: confMch, AppID: confApp, OpenID: confOpenID(st.user),
			CouponID: k.gift[st.user], Now: now})
		delete(k.gift, st.user)
	}
	switch {
	case err == nil:
		return "ok"
	case platform.RuleOf(err) != "":
		return platform.RuleOf(err)
	}
	return string(platform.CodeOf(err))
}

// popHeld takes the coupon user received last, the one a gift step
// hands on, off held.
func popHeld[C any](t *testing.T, held map[int][]C, user int) C {
	t.Helper()
	cs := held[user]
	if len(cs) == 0 {
		t.Fatalf("user %d has no coupon to gift", user)
	}
	held[user] = cs[:len(cs)-1]
	return cs[len(cs)-1]
}
