package mock

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"giftsim/platform/api"
)

// refuseTransport fails every notification without a connection, so fuzzed
// notify URLs reach nothing on this machine.
type refuseTransport struct{}

func (refuseTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("fuzz: notifications go nowhere")
}

// FuzzBackgroundRoutes sends arbitrary methods, paths and bodies to the
// notify-URL and scheduled-send routes (and a redemption, which queues a
// notification), unsigned with auth none and HMAC-signed with auth sign:
// no input may panic or produce a 5xx, and every answer is JSON.
//
//	go test -run '^$' -fuzz FuzzBackgroundRoutes -fuzztime 60s ./platform/mock
func FuzzBackgroundRoutes(f *testing.F) {
	fx := callbackFixture(f, 20, 0)
	open := func(auth AuthMode) *Server {
		st, err := NewMemoryStore(fx)
		if err != nil {
			f.Fatal(err)
		}
		srv, err := New(context.Background(), Config{Day: 24 * time.Hour, Now: time.Now, Auth: auth, Seed: 1,
			Callbacks: CallbackConfig{Transport: refuseTransport{}}}, fx, st)
		if err != nil {
			f.Fatal(err)
		}
		f.Cleanup(func() { srv.Close(context.Background()) })
		return srv
	}
	none, signed := open(AuthNone), open(AuthSign)
	signer, _ := fx.Merchant(mchFiled).HMACSigner(time.Now)

	slot := time.Now().Add(2 * time.Hour).Truncate(30 * time.Minute).Format(time.RFC3339)
	for _, s := range []struct{ method, path, body string }{
		{"POST", api.PathCallbacks, `{"mchid":"1900000001","notify_url":"http://127.0.0.1:9/n","switch":true}`},
		{"POST", api.PathCallbacks, `{"mchid":"1900000001","notify_url":"http://[::1]:9/n","switch":false}`},
		{"POST", api.PathCallbacks, `{"mchid":"1900000001","notify_url":"https://example.com/n"}`},
		{"POST", api.PathCallbacks, `{"mchid":"1900000001","notify_url":"http://127.0.0.1:9/n?x#y","switch":"yes"}`},
		{"GET", api.PathCallbacks + "?mchid=1900000001", ""},
		{"POST", "/card/code/consume", `{"mch_id":"1900000001","appid":"wxfiled","openid":"u0000","code":"10000000000"}`},
		{"POST", api.PathScheduledSends, `{"openid":"u0000","stock_id":"api","appid":"wxfiled","stock_creator_mchid":"1900000001","out_request_no":"f1","send_time":"` + slot + `"}`},
		{"POST", api.PathScheduledSends, `{"openid":"u0000","stock_id":"api","appid":"wxfiled","stock_creator_mchid":"1900000001","out_request_no":"f2","send_time":"2026-03-02T10:15:00+08:00"}`},
		{"GET", api.PathScheduledSends + "?stock_creator_mchid=1900000001&status=SCHEDULED&offset=0&limit=10", ""},
		{"GET", api.PathScheduledSends + "?stock_creator_mchid=1900000001&limit=1000", ""},
		{"GET", "/v3/marketing/favor/scheduled-sends/SCH-000000000001?stock_creator_mchid=1900000001", ""},
		{"DELETE", "/v3/marketing/favor/scheduled-sends/SCH-000000000001?stock_creator_mchid=1900000001", ""},
		{"POST", "/v3/marketing/favor/scheduled-sends/SCH-000000000001/cancel", `{"stock_creator_mchid":"1900000001"}`},
		{"POST", "/v3/marketing/favor/scheduled-sends/%00/cancel", `[]`},
		{"PUT", api.PathScheduledSends, `{}`},
	} {
		f.Add(s.method, s.path, []byte(s.body))
	}
	// The shared checks of stocks_fuzz_test.go, on servers whose
	// notifications go nowhere.
	f.Fuzz(fuzzTarget{none: none, signed: signed, signer: signer}.serve)
}
