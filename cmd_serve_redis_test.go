package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"giftsim/internal/redistest"
	"giftsim/internal/testkey"
	"giftsim/platform/fixture"
)

// TestServeStoreFlag: --store takes memory or redis://, never together
// with --data.
func TestServeStoreFlag(t *testing.T) {
	for _, tt := range []struct {
		want string
		args []string
	}{
		{"the state lives in one place; drop --data", []string{"--store", "redis://127.0.0.1:1/0", "--data", t.TempDir()}},
		{`--store "./dir": want memory or redis://HOST:PORT/DB (a directory is --data)`, []string{"--store", "./dir"}},
		{"redis store 127.0.0.1:1", []string{"--store", "redis://127.0.0.1:1/0", "--seed", "3"}},
	} {
		code, _, stderr := dispatchArgs(context.Background(), append([]string{"serve", "--addr", "127.0.0.1:0"}, tt.args...)...)
		if code != exitBadInput || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}

// TestServeRedisTwoServes starts two serve commands (in this process) on
// one Redis, the second without --fixture (it takes the stored one); a
// third with another fixture is refused. Each warns
// that persistence is off and lists the routes the Redis store does not
// carry, and a send retried on the other serve replays the first coupon.
func TestServeRedisTwoServes(t *testing.T) {
	rs := redistest.Start(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "fixture.yaml")
	cfg := fixture.DefaultGenerateConfig(7)
	cfg.Users, cfg.NewKey = [3]int{5, 5, 5}, testkey.RSA
	f := fixture.Generate(cfg)
	if err := f.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	var urls []string
	for i := range 2 {
		args := []string{"--store", rs.URL, "--fixture", path}
		if i == 1 {
			args = args[:2] // the second takes the fixture the first stored
		}
		url, stdout, stderr := startServe(t, args...)
		if i == 1 && !strings.Contains(stdout, "(from the redis store)") {
			t.Errorf("second serve did not take the stored fixture:\n%s", stdout)
		}
		for _, w := range []string{"WARNING: REDIS PERSISTENCE IS WEAK: appendonly no", "not supported on the redis store yet", "/v3/marketing/favor/callbacks"} {
			if !strings.Contains(stderr.String(), w) {
				t.Errorf("stderr lacks %q:\n%s", w, stderr)
			}
		}
		urls = append(urls, url)
	}
	other := filepath.Join(dir, "other.yaml")
	cfg.Seed = 8
	if err := fixture.Generate(cfg).WriteFile(other); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := dispatchArgs(context.Background(), "serve", "--addr", "127.0.0.1:0", "--store", rs.URL, "--fixture", other)
	if code != exitBadInput || !strings.Contains(stderr, "already serves another fixture") {
		t.Errorf("another fixture on the same Redis: exit %d, %s", code, stderr)
	}
	m := f.Merchants[len(f.Merchants)-1]
	signer, err := f.Merchant(m.MchID).HMACSigner(time.Now)
	if err != nil {
		t.Fatal(err)
	}
	var user string
	for _, u := range f.Users {
		if u.AppID == m.AppIDs[0] {
			user = u.OpenID
			break
		}
	}
	var stock string
	for _, s := range f.Stocks {
		if s.MchID == m.MchID {
			stock = s.StockID
		}
	}
	var ids []string
	for _, url := range urls {
		b, _ := json.Marshal(map[string]string{"stock_id": stock, "out_request_no": "two", "appid": m.AppIDs[0], "stock_creator_mchid": m.MchID})
		req, _ := http.NewRequest("POST", url+"/v3/marketing/favor/users/"+user+"/coupons", bytes.NewReader(b))
		if err := signer.Sign(req, b); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var r struct {
			CouponID string `json:"coupon_id"`
		}
		if resp.StatusCode != 200 || json.Unmarshal(raw, &r) != nil {
			t.Fatalf("send to %s: %d %s", url, resp.StatusCode, raw)
		}
		ids = append(ids, r.CouponID)
	}
	if ids[0] == "" || ids[0] != ids[1] {
		t.Fatalf("the same send on two serves gave coupons %v", ids)
	}
}
