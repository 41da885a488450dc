package mock_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"giftsim/platform"
	"giftsim/platform/fixture"
	"giftsim/platform/mock"
)

// ExampleNew serves a one-merchant fixture from memory and sends a coupon
// the v3 way, signed with the HMAC scheme.
func ExampleNew() {
	f := &fixture.Fixture{
		Merchants: []fixture.Merchant{{MchID: "1900000001", Tier: "filed", AppIDs: []string{"wx1"},
			Keys: []fixture.Key{{Serial: "H1", HMAC: "secret"}}}},
		Stocks: []fixture.Stock{{StockID: "9856000", MchID: "1900000001",
			StockSpec: platform.StockSpec{Kind: platform.KindDiscount, Channel: platform.ChannelAPI, Validity: platform.Duration(30 * platform.Day)},
			Face:      5, MinSpend: 50, Started: true}},
		Users: []fixture.User{{OpenID: "o1", AppID: "wx1"}},
	}
	st, _ := mock.NewMemoryStore(f)
	defer st.Close(context.Background())
	now := func() time.Time { return time.Date(2026, 3, 2, 10, 0, 0, 0, platform.Beijing) }
	cfg := mock.DefaultConfig()
	cfg.Now = now
	srv, err := mock.New(context.Background(), cfg, f, st)
	if err != nil {
		panic(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()

	signer, _ := f.Merchant("1900000001").HMACSigner(now)
	body := []byte(`{"stock_id":"9856000","out_request_no":"r1","appid":"wx1","stock_creator_mchid":"1900000001"}`)
	req, _ := http.NewRequest("POST", hs.URL+"/v3/marketing/favor/users/o1/coupons", bytes.NewReader(body))
	signer.Sign(req, body)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, string(out))
	// Output: 200 {"coupon_id":"10000000000"}
}
