package mock

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"giftsim/platform"
	"giftsim/platform/api"
	"giftsim/platform/fixture"
)

// childEnv makes the test binary run a mock server instead of the tests:
// its value is the data directory holding fixture.yaml.
const childEnv = "GIFTSIM_MOCK_CHILD_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		os.Exit(runChild(dir))
	}
	os.Exit(m.Run())
}

// runChild serves the file store in dir on a loopback port it writes to
// dir/addr, until SIGTERM (or SIGKILL).
func runChild(dir string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	f, err := fixture.LoadFile(filepath.Join(dir, "fixture.yaml"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	var st Store
	if url := os.Getenv(childRedisEnv); url != "" {
		st, err = OpenRedisStore(ctx, url, f) // redis_test.go
	} else {
		st, err = OpenFileStore(ctx, dir, f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	srv, err := New(ctx, DefaultConfig(), f, st)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	tmp := filepath.Join(dir, "addr.tmp")
	os.WriteFile(tmp, []byte(ln.Addr().String()), 0o600)
	os.Rename(tmp, filepath.Join(dir, "addr"))
	err = srv.Serve(ctx, ln, 5*time.Second)
	if cerr := st.Close(context.Background()); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// startChild runs the server child on dir and returns it with its URL.
func startChild(t *testing.T, dir string) (*exec.Cmd, string) {
	t.Helper()
	os.Remove(filepath.Join(dir, "addr"))
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(filepath.Join(dir, "addr")); err == nil {
			return cmd, "http://" + string(b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	t.Fatal("child server did not start")
	return nil, ""
}

// TestFileStoreSurvivesSIGKILL kills the server with SIGKILL during a
// concurrent load, restarts it on the same directory and checks that every
// send answered 200 is there and the quota counters equal the coupons.
func TestFileStoreSurvivesSIGKILL(t *testing.T) {
	dir := t.TempDir()
	f := testFixture(t, 2000, 0)
	if err := f.WriteFile(filepath.Join(dir, "fixture.yaml")); err != nil {
		t.Fatal(err)
	}
	signer, _ := f.Merchant(mchFiled).HMACSigner(time.Now)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	send := func(url, openid, out string) (string, error) { return signedSend(client, signer, url, openid, out) }

	cmd, url := startChild(t, dir)
	type ack struct{ openid, out, id string }
	var mu sync.Mutex
	var acks []ack
	var seq atomic.Int64
	var killed atomic.Bool
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for !killed.Load() {
				i := seq.Add(1)
				openid, out := fmt.Sprintf("u%04d", i%2000), fmt.Sprintf("k%d", i)
				id, err := send(url, openid, out)
				if err != nil {
					continue // Not acknowledged: it may or may not be stored.
				}
				mu.Lock()
				acks = append(acks, ack{openid, out, id})
				mu.Unlock()
			}
		})
	}
	target := 2000
	if testing.Short() {
		target = 500
	}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		mu.Lock()
		n := len(acks)
		mu.Unlock()
		if n >= target {
			break
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	killed.Store(true)
	wg.Wait()
	client.CloseIdleConnections()
	if len(acks) == 0 {
		t.Fatal("no send was acknowledged before the kill")
	}

	cmd, url = startChild(t, dir)
	for i, a := range acks {
		if i%4 == 0 {
			// A retry after the restart replays the stored coupon.
			id, err := send(url, a.openid, a.out)
			if err != nil || id != a.id {
				t.Fatalf("retry of %s after restart: %q, %v; acknowledged %s", a.out, id, err, a.id)
			}
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child after SIGTERM: %v", err)
	}

	st, err := OpenFileStore(context.Background(), dir, f)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(context.Background())
	e := st.(*engine)
	for _, a := range acks {
		c := e.coupons[a.id]
		if c == nil || c.OutRequestNo != a.out || c.Holder != a.openid {
			t.Fatalf("acknowledged coupon %s (%s) lost after SIGKILL", a.id, a.out)
		}
	}
	used := 0
	for k, n := range e.quota {
		if k.mch == mchFiled {
			used += n
		}
	}
	if used != len(e.coupons) {
		t.Fatalf("quota counters say %d, %d coupons stored", used, len(e.coupons))
	}
	t.Logf("%d acknowledged before SIGKILL, %d stored", len(acks), len(e.coupons))
}

// TestFileStoreRestoresState closes and reopens the durable store: coupons,
// idempotency keys, quota counters, the R15 refusal block, R16 receive
// counts, created stocks and the clock anchor come back.
func TestFileStoreRestoresState(t *testing.T) {
	dir := t.TempDir()
	f := testFixture(t, 10, 0)
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, platform.Beijing)
	st, err := OpenFileStore(ctx, dir, f)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := st.Anchor(ctx, Anchor{Start: now, Wall: now})
	c, _, err := st.Send(ctx, SendOp{MchID: mchFiled, AppID: appFiled, OpenID: "u0000", StockID: "api", OutRequestNo: "a", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Gift(ctx, GiftOp{MchID: mchFiled, AppID: appFiled, OpenID: "u0000", CouponID: c.ID, ToOpenID: "u0002", Now: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Refuse(ctx, CouponOp{MchID: mchFiled, AppID: appFiled, OpenID: "u0002", CouponID: c.ID, Now: now}); err != nil {
		t.Fatal(err)
	}
	for i := range 49 {
		if _, _, err := st.Send(ctx, SendOp{MchID: mchFiled, AppID: appFiled, OpenID: "u0004", StockID: "api", OutRequestNo: fmt.Sprint("r", i), Now: now}); err != nil {
			t.Fatal(err)
		}
	}
	s, err := st.CreateStock(ctx, StockOp{MchID: mchFiled, OutRequestNo: "s", Name: "n", Rule: stockRule(t, f, "api"), Channel: platform.ChannelAPI, Now: now,
		Terms: StockTerms{Compliance: api.StockCompliance{BrandStatement: &api.BrandStatement{Text: "provided by Noodle Chain", FontPt: 12}}}}) // R19
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(ctx); err != nil {
		t.Fatal(err)
	}

	st, err = OpenFileStore(ctx, dir, f)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)
	if b, _ := st.Anchor(ctx, Anchor{Start: now.Add(time.Hour), Wall: now}); !b.Start.Equal(a.Start) {
		t.Fatalf("anchor %v, want %v", b, a)
	}
	again, replayed, err := st.Send(ctx, SendOp{MchID: mchFiled, AppID: appFiled, OpenID: "u0000", StockID: "api", OutRequestNo: "a", Now: now})
	if err != nil || !replayed || again.ID != c.ID || again.State != platformStateRefused {
		t.Fatalf("replay after reopen: %+v %v %v", again, replayed, err)
	}
	if _, _, err := st.Send(ctx, SendOp{MchID: mchFiled, AppID: appFiled, OpenID: "u0002", StockID: "api", OutRequestNo: "b", Now: now}); CodeOf(err) != "RULE_LIMIT" {
		t.Fatalf("R15 block lost on reopen: %v", err)
	}
	if _, _, err := st.Send(ctx, SendOp{MchID: mchFiled, AppID: appFiled, OpenID: "u0004", StockID: "api", OutRequestNo: "r49", Now: now}); err != nil {
		t.Fatal(err) // the 50th receive within the hour
	}
	if _, _, err := st.Send(ctx, SendOp{MchID: mchFiled, AppID: appFiled, OpenID: "u0004", StockID: "api", OutRequestNo: "r50", Now: now}); CodeOf(err) != "USER_ACCOUNT_ABNORMAL" {
		t.Fatalf("R16 receive count lost on reopen: %v", err)
	}
	if got, err := st.Stock(ctx, StockOp{MchID: mchFiled, StockID: s.ID}); err != nil || got.Started {
		t.Fatalf("created stock after reopen: %+v %v", got, err)
	}
	us, _ := st.Usage(ctx, now)
	if us[0].Used != 51 {
		t.Fatalf("quota used %d after reopen, want 51", us[0].Used)
	}
}
