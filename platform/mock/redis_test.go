package mock

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"giftsim/internal/redistest"
	"giftsim/platform"
	"giftsim/platform/api"
	"giftsim/platform/fixture"
	"giftsim/platform/sign"
)

// openRedis opens a Redis store for f on srv.
func openRedis(t testing.TB, srv *redistest.Server, f *fixture.Fixture) *RedisStore {
	t.Helper()
	st, err := OpenRedisStore(context.Background(), srv.URL, f)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestRedisQuotaFourServers is issue 15's headline: four servers on one
// Redis, 64 clients spread over them, more sends than the quota: exactly
// the quota is issued, no coupon twice, and every tenth request retried on
// another server replays the first answer. The full size (60,000 against
// 50,000) runs without -short and without -race; 6,000 against a
// certified merchant's 5,000 always.
func TestRedisQuotaFourServers(t *testing.T) {
	type size struct {
		name                   string
		mch, app, stock, users string
		quota, total           int
	}
	sz := size{"certified 6000/5000", mchCert, appCert, "certstock", "c", 5000, 6000}
	if !testing.Short() && !raceEnabled {
		sz = size{"filed 60000/50000", mchFiled, appFiled, "api", "u", 50_000, 60_000}
	}
	t.Log(sz.name)
	rs := redistest.Start(t)
	f := testFixture(t, 2000, 0)
	clock := newFakeClock()
	var hs []*harness
	for range 4 {
		hs = append(hs, newHarness(t, f, openRedis(t, rs, f), Config{Now: clock.Now}))
	}
	signer, _ := f.Merchant(sz.mch).HMACSigner(clock.Now)
	var ok, limited, other, retried atomic.Int64
	var ids sync.Map
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range 64 {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(sz.total) {
					return
				}
				uri := fmt.Sprintf("/v3/marketing/favor/users/%s%04d/coupons", sz.users, i%2000)
				body := map[string]string{"stock_id": sz.stock, "out_request_no": fmt.Sprintf("q%d", i), "appid": sz.app, "stock_creator_mchid": sz.mch}
				r := hs[w%4].do(signer, "POST", uri, body)
				switch {
				case r.status == 200:
					ok.Add(1)
					if _, dup := ids.LoadOrStore(r.str("coupon_id"), i); dup {
						t.Errorf("coupon %s issued twice", r.str("coupon_id"))
					}
				case r.status == 429 && r.str("code") == "FREQUENCY_LIMITED":
					limited.Add(1)
				default:
					if other.Add(1) < 5 {
						t.Errorf("unexpected answer %d %s", r.status, r.raw)
					}
				}
				if i%10 == 0 { // the same request again, on another server
					again := hs[(w+1)%4].do(signer, "POST", uri, body)
					retried.Add(1)
					if again.status != r.status || again.str("coupon_id") != r.str("coupon_id") {
						t.Errorf("retry of q%d: %d %s, first %d %s", i, again.status, again.raw, r.status, r.raw)
					}
				}
			}
		})
	}
	wg.Wait()
	if ok.Load() != int64(sz.quota) || limited.Load() != int64(sz.total-sz.quota) || other.Load() != 0 {
		t.Fatalf("issued %d, limited %d, other %d; want %d, %d, 0", ok.Load(), limited.Load(), other.Load(), sz.quota, sz.total-sz.quota)
	}
	for _, h := range hs {
		us, err := h.store.Usage(context.Background(), h.srv.Clock().Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range us {
			if u.MchID == sz.mch && u.Used != sz.quota {
				t.Fatalf("Usage = %+v, want %d used", u, sz.quota)
			}
		}
	}
	t.Logf("%d retries replayed", retried.Load())
}

// TestRedisMatchesMemory runs one script of requests against the memory
// store and the Redis store, each with its own clock from the same start:
// every answer (status and body) must be the same. The script covers
// idempotency, stock budgets, unstarted and other merchants' stocks, C3
// once per user, R16's receive burst, a new day's quota, stocks created
// with limits (window, max_coupons_per_user, max_amount_by_day) and their
// status steps, coupon reads and lists, and the stock query's counts.
func TestRedisMatchesMemory(t *testing.T) {
	rs := redistest.Start(t)
	f := testFixture(t, 64, 0)
	mem, err := NewMemoryStore(f)
	if err != nil {
		t.Fatal(err)
	}
	// Claims through a proxy at 10.0.0.1 (trusted) come from the X-Forwarded-For address (R17).
	cfg := Config{TrustProxy: true, TrustedProxies: append(DefaultTrustedProxies(), netip.MustParsePrefix("10.0.0.0/8"))}
	hm := newHarness(t, f, mem, cfg)
	hr := newHarness(t, f, openRedis(t, rs, f), cfg)
	type step struct {
		name string
		do   func(h *harness) reply
	}
	var steps []step
	add := func(name string, do func(h *harness) reply) { steps = append(steps, step{name, do}) }
	send := func(openid, stock, out string) {
		add("send "+openid+" "+stock+" "+out, func(h *harness) reply { return h.send(openid, stock, out) })
	}
	advance := func(d time.Duration) {
		add("advance "+d.String(), func(h *harness) reply { h.clock.Advance(d); return reply{} })
	}
	for i := range 12 {
		for _, st := range []string{"api", "mini", "points", "edu", "cash", "idle", "budget", "newstock", "nosuch"} {
			send(fmt.Sprintf("u%04d", i%5), st, fmt.Sprintf("m-%s-%d", st, i%7)) // out_request_no repeats: replays and RESOURCE_ALREADY_EXISTS
		}
	}
	send("n1", "api", "wrong-app")
	for i := range 55 { // R16: 50 an hour
		send("u0010", "api", fmt.Sprintf("burst-%d", i))
	}
	advance(61 * time.Minute)
	send("u0010", "api", "after-burst")
	add("list", func(h *harness) reply { return h.get("/v3/marketing/favor/users/u0001/coupons?appid=" + appFiled) })
	add("coupon", func(h *harness) reply { return h.coupon("u0000", "10000000000") })
	add("coupon of another", func(h *harness) reply { return h.coupon("u0001", "10000000000") })
	add("create", func(h *harness) reply {
		return h.createStock("lim", "available_begin_time", "2026-03-03T00:00:00+08:00", "available_end_time", "2026-03-06T00:00:00+08:00",
			"stock_use_rule", map[string]any{"max_coupons": 100, "max_amount_by_day": 3500, "max_coupons_per_user": 2})
	})
	add("create again", func(h *harness) reply { return h.createStock("lim") })
	add("create bad", func(h *harness) reply { return h.createStock("bad", "validity", "900d") })
	add("create R20", func(h *harness) reply { return h.createStock("r20", "cash_equivalent", true) })
	add("create R19", func(h *harness) reply { return h.createStock("r19", "brand_statement", nil) })
	id := "20000000"
	add("send unstarted", func(h *harness) reply { return h.send("u0000", id, "l0") })
	add("start", func(h *harness) reply { return h.step(id, "start") })
	add("send before window", func(h *harness) reply { return h.send("u0000", id, "l1") })
	advance(15 * time.Hour)
	for i := range 5 {
		send("u0002", id, fmt.Sprintf("l2-%d", i))
	}
	send("u0004", id, "l3")
	add("pause", func(h *harness) reply { return h.step(id, "pause") })
	send("u0006", id, "l4")
	add("restart", func(h *harness) reply { return h.step(id, "restart") })
	advance(24 * time.Hour)
	send("u0006", id, "l5")
	send("u0008", id, "l6")
	add("stock", func(h *harness) reply { return h.get(stockPath(id, "") + "?stock_creator_mchid=" + mchFiled) })
	add("stop", func(h *harness) reply { return h.step(id, "stop") })
	send("u0012", id, "l7")
	add("stock api", func(h *harness) reply { return h.get(stockPath("api", "") + "?stock_creator_mchid=" + mchFiled) })
	for _, q := range []string{"offset=0&limit=10", "offset=1&limit=2", "offset=0&limit=10&status=running", "offset=0&limit=10&status=stoped"} {
		add("stock list "+q, func(h *harness) reply {
			return h.get("/v3/marketing/favor/stocks?stock_creator_mchid=" + mchFiled + "&" + q)
		})
	}
	add("items", func(h *harness) reply { return h.get(stockPath(id, "items") + "?stock_creator_mchid=" + mchFiled) })

	// The coupon lifecycle (slice 2): each named coupon's id as each store issued it.
	named := map[*harness]map[string]string{hm: {}, hr: {}}
	n := 0
	issue := func(name, openid, stock string) {
		n++
		out := fmt.Sprintf("lc%d", n)
		add("issue "+name, func(h *harness) reply {
			r := h.send(openid, stock, out)
			named[h][name] = r.str("coupon_id")
			return r
		})
	}
	card := func(what, path, who, name string, kv ...string) {
		add(what+" "+name, func(h *harness) reply {
			fields := append([]string{"openid", who, "coupon_id", named[h][name]}, kv...)
			return h.card(path, fields...)
		})
	}
	offer := func(from, to, name string) { card("offer to "+to, "/card/gift/offer", from, name, "to_openid", to) }
	claim := func(to, name string, hdr ...string) {
		add("claim "+name+" by "+to, func(h *harness) reply {
			body := map[string]string{"mch_id": mchFiled, "appid": appFiled, "openid": to, "coupon_id": named[h][name]}
			return h.do(h.signer, "POST", "/card/gift/claim", body, hdr...)
		})
	}
	read := func(openid, name string) {
		add("read "+name+" as "+openid, func(h *harness) reply { return h.coupon(openid, named[h][name]) })
	}
	advance(25 * time.Hour)
	issue("a", "u0020", "api")
	offer("u0020", "u0022", "a")
	read("u0022", "a")
	claim("u0022", "a")
	offer("u0022", "u0024", "a") // R2: one transfer
	issue("b", "u0021", "api")
	offer("u0021", "u0022", "b") // R8: no bank card
	issue("c", "u0026", "api")
	offer("u0026", "u0027", "c") // R6: recipient not real-name
	offer("u0026", "u0026", "c") // to itself
	claim("u0027", "c")
	issue("c2", "u0024", "api")
	offer("u0024", "u0028", "c2")
	card("refuse", "/card/gift/refuse", "u0028", "c2")
	read("u0024", "c2")
	send("u0028", "api", "after-refusal") // R15: the refuser gets no discount for 24 h
	send("u0028", "points", "other-kind")
	issue("c3", "u0034", "api")
	offer("u0034", "u0028", "c3") // R15 on the gift too
	issue("d", "u0030", "api")
	offer("u0030", "u0032", "d")
	card("refuse by another", "/card/gift/refuse", "u0034", "d")
	advance(48*time.Hour + time.Second)
	claim("u0032", "d") // R9: the window closed
	read("u0030", "d")
	for i := range 5 { // R17: an abnormal IP claims at most 3 times
		name := fmt.Sprintf("ip%d", i)
		issue(name, fmt.Sprintf("u%04d", 40+2*i), "api")
		offer(fmt.Sprintf("u%04d", 40+2*i), fmt.Sprintf("u%04d", 50+2*i), name)
		claim(fmt.Sprintf("u%04d", 50+2*i), name, "X-Forwarded-For", "203.0.113.9, 10.0.0.1")
	}
	issue("e", "u0036", "points")
	card("consume", "/card/code/consume", "u0036", "e")
	card("consume again", "/card/code/consume", "u0036", "e")
	issue("f", "u0037", "points")
	card("consume by a non-member", "/card/code/consume", "u0037", "f")
	for i := range 51 { // C1: 50 chat gifts a day
		if i == 50 {
			advance(61 * time.Minute)
		}
		issue(fmt.Sprintf("chat%d", i), "u0060", "api")
	}
	for i := range 51 {
		offer("u0060", fmt.Sprintf("u%04d", 2*(i%20)), fmt.Sprintf("chat%d", i))
	}
	issue("g", "u0038", "api")
	advance(7*24*time.Hour + time.Second) // R14: expiry, recycle bin, recovery fee
	read("u0038", "g")
	card("consume expired", "/card/code/consume", "u0038", "g")
	card("recover", "/card/recover", "", "g")
	card("consume recovered", "/card/code/consume", "u0038", "g")
	issue("h", "u0038", "api")
	advance(37*24*time.Hour + time.Minute)
	card("recover purged", "/card/recover", "", "h")
	add("list after the lifecycle", func(h *harness) reply { return h.get("/v3/marketing/favor/users/u0022/coupons?appid=" + appFiled) })

	codes := map[string]int{}
	for _, s := range steps {
		a, b := s.do(hm), s.do(hr)
		if a.status != b.status || a.raw != b.raw {
			t.Fatalf("%s:\nmemory %d %s\nredis  %d %s", s.name, a.status, a.raw, b.status, b.raw)
		}
		if testing.Verbose() && a.status != 0 {
			t.Logf("%s: %d %.120s", s.name, a.status, a.raw)
		}
		if a.status != 0 {
			codes[cmp.Or(a.str("code"), strconv.Itoa(a.status))]++
		}
	}
	for _, c := range []string{"200", "RULE_LIMIT", "USER_ACCOUNT_ABNORMAL", "REQUEST_BLOCKED", "NOT_ENOUGH", "RESOURCE_NOT_EXISTS", "RESOURCE_ALREADY_EXISTS", "PARAM_ERROR"} {
		if codes[c] == 0 {
			t.Errorf("the script never answered %s: %v", c, codes)
		}
	}
	t.Logf("%d steps, answers %v", len(steps), codes)
	for _, day := range []time.Time{hm.clock.Now(), hm.clock.Now().Add(-45 * 24 * time.Hour)} {
		a, _ := hm.store.Usage(context.Background(), day)
		b, _ := hr.store.Usage(context.Background(), day)
		if !slices.Equal(a, b) {
			t.Errorf("usage on %v: memory %+v, redis %+v", day, a, b)
		}
	}
}

// TestRedisReplayAcrossServers: a request captured from one server is
// refused as a replay by another on the same Redis.
func TestRedisReplayAcrossServers(t *testing.T) {
	rs := redistest.Start(t)
	f := testFixture(t, 8, 0)
	var srvs []*Server
	for range 2 {
		h := newHarness(t, f, openRedis(t, rs, f), Config{Now: time.Now})
		srvs = append(srvs, h.srv)
	}
	signer, _ := f.Merchant(mchFiled).HMACSigner(time.Now)
	c := capture(t, signer, "POST", "/v3/marketing/favor/users/u0000/coupons",
		map[string]string{"stock_id": "api", "out_request_no": "cap", "appid": appFiled, "stock_creator_mchid": mchFiled})
	if status, code, m := c.replay(srvs[0]); status != 200 {
		t.Fatalf("first: %d %s %v", status, code, m)
	}
	if status, code, _ := c.replay(srvs[1]); status != 401 || code != "SIGN_ERROR" {
		t.Fatalf("replay to the other server: %d %s, want 401 SIGN_ERROR", status, code)
	}
}

// TestRedisUnsupported: a route the Redis store does not carry answers
// 501 NOT_IMPLEMENTED saying so, never a pretend success.
func TestRedisUnsupported(t *testing.T) {
	rs := redistest.Start(t)
	f := testFixture(t, 8, 0)
	h := newHarness(t, f, openRedis(t, rs, f), Config{})
	c := h.send("u0000", "api", "x")
	want(t, c, 200, "")
	r := h.get("/v3/marketing/favor/callbacks?mchid=" + mchFiled)
	want(t, r, 501, "NOT_IMPLEMENTED")
	if r.str("message") != "not supported by the redis store yet: notify URLs" {
		t.Fatalf("message %q", r.str("message"))
	}
	// R18: the memory store creates this stock and restricts the merchant;
	// the Redis store keeps no penalties yet and creates nothing.
	r = h.createStock("follow", "claim_requires_follow", true)
	want(t, r, 501, "NOT_IMPLEMENTED")
	want(t, h.get(stockPath("20000000", "")+"?stock_creator_mchid="+mchFiled), 404, "RESOURCE_NOT_EXISTS")
}

// TestRedisAnchorShared: the first store fixes the anchor, the next takes it.
func TestRedisAnchorShared(t *testing.T) {
	rs := redistest.Start(t)
	f := testFixture(t, 8, 0)
	a, b := openRedis(t, rs, f), openRedis(t, rs, f)
	defer a.Close(context.Background())
	defer b.Close(context.Background())
	first := Anchor{Start: time.Unix(1000, 0).UTC(), Wall: time.Unix(2000, 0).UTC(), Day: time.Hour}
	got, err := a.Anchor(context.Background(), first)
	if err != nil || !got.Start.Equal(first.Start) {
		t.Fatalf("first: %v %v", got, err)
	}
	got, err = b.Anchor(context.Background(), Anchor{Start: time.Unix(5000, 0), Wall: time.Unix(6000, 0)})
	if err != nil || !got.Start.Equal(first.Start) || !got.Wall.Equal(first.Wall) || got.Day != first.Day {
		t.Fatalf("second took %v %v, want the first's %v", got, err, first)
	}
}

func TestOpenRedisStoreBadURL(t *testing.T) {
	f := testFixture(t, 2, 0)
	for _, u := range []string{"", "http://x", "redis://127.0.0.1:1/notanumber", "memory"} {
		if _, err := OpenRedisStore(context.Background(), u, f); err == nil || CodeOf(err) != "PARAM_ERROR" {
			t.Errorf("%q: %v", u, err)
		}
	}
}

// childRedisEnv makes a server child (kill_test.go, runChild) use the
// Redis store at its URL instead of the file store.
const childRedisEnv = "GIFTSIM_MOCK_CHILD_REDIS"

// TestRedisSIGKILLOneOfFour runs four server processes on one Redis, 32
// clients spread over them, and kills one with SIGKILL mid-run; a client
// whose request got no answer retries it on the next server, as behind a
// load balancer. Every acknowledged send is in Redis, no out_request_no
// holds two coupons, and the quota counter equals the coupons stored.
func TestRedisSIGKILLOneOfFour(t *testing.T) {
	rs := redistest.Start(t)
	f := testFixture(t, 2000, 0)
	t.Setenv(childRedisEnv, rs.URL)
	var cmds []*exec.Cmd
	var urls []string
	for range 4 {
		dir := t.TempDir()
		if err := f.WriteFile(filepath.Join(dir, "fixture.yaml")); err != nil {
			t.Fatal(err)
		}
		cmd, url := startChild(t, dir)
		cmds, urls = append(cmds, cmd), append(urls, url)
	}
	defer func() {
		for _, c := range cmds[1:] {
			c.Process.Signal(syscall.SIGTERM)
			c.Wait()
		}
	}()
	signer, _ := f.Merchant(mchFiled).HMACSigner(time.Now)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	send := func(url, openid, out string) (string, error) { return signedSend(client, signer, url, openid, out) }
	total := 4000
	if testing.Short() || raceEnabled {
		total = 1200
	}
	var dead atomic.Bool
	var next, acked, retries atomic.Int64
	ids := make([]string, total)
	var wg sync.WaitGroup
	for w := range 32 {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= total {
					return
				}
				if i == total/3 && dead.CompareAndSwap(false, true) {
					cmds[0].Process.Signal(syscall.SIGKILL)
				}
				openid, out := fmt.Sprintf("u%04d", i%2000), fmt.Sprintf("k%d", i)
				for try := 0; ; try++ {
					id, err := send(urls[(w+try)%4], openid, out)
					if err == nil {
						ids[i] = id
						acked.Add(1)
						break
					}
					if try > 8 {
						t.Errorf("%s: no answer after %d tries: %v", out, try, err)
						return
					}
					retries.Add(1)
				}
			}
		})
	}
	wg.Wait()
	cmds[0].Wait()
	st := openRedis(t, rs, f)
	defer st.Close(context.Background())
	seen := map[string]int{}
	for i, id := range ids {
		if id == "" {
			continue
		}
		if j, dup := seen[id]; dup {
			t.Fatalf("coupon %s acknowledged for k%d and k%d", id, j, i)
		}
		seen[id] = i
		cs, err := st.coupons(context.Background(), []string{id})
		if err != nil || len(cs) != 1 || cs[0].OutRequestNo != fmt.Sprintf("k%d", i) {
			t.Fatalf("acknowledged coupon %s (k%d) not in Redis: %v %v", id, i, cs, err)
		}
	}
	last, err := st.rdb.Get(context.Background(), rkCouponSeq).Int64()
	if err != nil {
		t.Fatal(err)
	}
	us, err := st.Usage(context.Background(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	issued := int(last - (firstCouponID - 1))
	if int(acked.Load()) != total || us[0].Used != issued || issued != total {
		t.Fatalf("acknowledged %d of %d, quota used %d, coupons issued %d: want all equal", acked.Load(), total, us[0].Used, issued)
	}
	t.Logf("%d sends, all acknowledged, %d retries after the kill, %d coupons in Redis", total, retries.Load(), issued)
}

// signedSend sends a coupon of the filed merchant's stock api to openid
// under out_request_no out and returns the coupon id of a 200 answer.
func signedSend(client *http.Client, signer *sign.Signer, url, openid, out string) (string, error) {
	b, _ := json.Marshal(map[string]string{"stock_id": "api", "out_request_no": out, "appid": appFiled, "stock_creator_mchid": mchFiled})
	req, _ := http.NewRequest("POST", url+"/v3/marketing/favor/users/"+openid+"/coupons", bytes.NewReader(b))
	signer.Sign(req, b)
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r api.SendReply
	if resp.StatusCode != 200 || json.Unmarshal(raw, &r) != nil || r.CouponID == "" {
		return "", fmt.Errorf("status %d: %s", resp.StatusCode, raw)
	}
	return r.CouponID, nil
}

// TestRedisLifecycleRaces runs lifecycle steps that race on two servers
// over one Redis: of 8 claims of one offered coupon exactly one wins, and
// of 60 concurrent chat gifts by one sender exactly 50 pass (C1), as the
// optimistic transactions must guarantee.
func TestRedisLifecycleRaces(t *testing.T) {
	rs := redistest.Start(t)
	f := testFixture(t, 200, 0)
	clock := newFakeClock()
	hs := []*harness{
		newHarness(t, f, openRedis(t, rs, f), Config{Now: clock.Now}),
		newHarness(t, f, openRedis(t, rs, f), Config{Now: clock.Now}),
	}
	h := hs[0]
	var ids []string
	for i := range 60 {
		if i == 50 {
			clock.Advance(61 * time.Minute) // R16: 50 receives an hour
		}
		r := h.send("u0100", "api", fmt.Sprintf("race%d", i))
		want(t, r, 200, "")
		ids = append(ids, r.str("coupon_id"))
	}
	want(t, h.card("/card/gift/offer", "openid", "u0100", "to_openid", "u0102", "coupon_id", ids[0]), 200, "")
	var won, lost atomic.Int64
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			r := hs[i%2].card("/card/gift/claim", "openid", "u0102", "coupon_id", ids[0])
			switch {
			case r.status == 200:
				won.Add(1)
			case r.status == 404 && r.str("code") == "RESOURCE_NOT_EXISTS": // no longer offered to u0102
				lost.Add(1)
			default:
				t.Errorf("claim: %d %s", r.status, r.raw)
			}
		})
	}
	wg.Wait()
	if won.Load() != 1 || lost.Load() != 7 {
		t.Fatalf("claims: %d won, %d lost; want 1 and 7", won.Load(), lost.Load())
	}
	var ok, limited atomic.Int64
	for i, id := range ids[1:] {
		wg.Go(func() {
			r := hs[i%2].card("/card/gift/offer", "openid", "u0100", "to_openid", fmt.Sprintf("u%04d", 2*(i%40)+2), "coupon_id", id)
			switch {
			case r.status == 200:
				ok.Add(1)
			case r.status == 403 && r.str("code") == "RULE_LIMIT":
				limited.Add(1)
			default:
				t.Errorf("offer: %d %s", r.status, r.raw)
			}
		})
	}
	wg.Wait()
	// The first offer counted too: 49 more pass today.
	if ok.Load() != 49 || limited.Load() != 10 {
		t.Fatalf("chat gifts: %d passed, %d limited; want 49 and 10 (C1: 50 a day)", ok.Load(), limited.Load())
	}
}

// TestRedisScheduledSends runs TestScheduledSends on the Redis store.
func TestRedisScheduledSends(t *testing.T) {
	rs := redistest.Start(t)
	f := testFixture(t, 10, 3)
	testScheduledSends(t, f, openRedis(t, rs, f))
}

// TestRedisScheduledOnce: two servers on one Redis run the background
// that executes scheduled sends; each of 40 sends executes exactly once.
func TestRedisScheduledOnce(t *testing.T) {
	rs := redistest.Start(t)
	f := testFixture(t, 40, 0)
	day := 4800 * time.Millisecond // a slot lasts 100 ms
	h := fastHarness(t, f, openRedis(t, rs, f), day, CallbackConfig{})
	fastHarness(t, f, openRedis(t, rs, f), day, CallbackConfig{})
	slot := platform.NextSlot(h.srv.Clock().Now().Add(2 * platform.SlotLength))
	for i := range 40 {
		want(t, h.schedule(fmt.Sprintf("u%04d", i), "api", fmt.Sprintf("once%d", i), slot), 200, "")
	}
	waitFor(t, "the slot", func() bool { return len(h.scheduled("&status=SCHEDULED").Data) == 0 })
	time.Sleep(100 * time.Millisecond)
	l := h.scheduled("")
	seen := map[string]bool{}
	for _, sd := range l.Data {
		if sd.Status != api.ScheduleSent || sd.CouponID == "" || seen[sd.CouponID] {
			t.Errorf("scheduled send %+v", sd)
		}
		seen[sd.CouponID] = true
	}
	us, _ := h.store.Usage(context.Background(), h.srv.Clock().Now())
	if len(seen) != 40 || us[0].Used != 40 {
		t.Fatalf("%d coupons from 40 scheduled sends, quota used %d", len(seen), us[0].Used)
	}
}
