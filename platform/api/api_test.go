package api_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"giftsim/platform"
	"giftsim/platform/api"
)

// TestCodes checks the one map from refusals to codes (platform.CodeOf)
// and from codes to HTTP statuses (api.Status).
func TestCodes(t *testing.T) {
	tests := []struct {
		err    error
		code   platform.Code
		status int
	}{
		{nil, platform.CodeOK, 200},
		{platform.ErrInvalid, platform.CodeParamError, 400},
		{platform.ErrQuotaExhausted, platform.CodeFrequencyLimited, 429},
		{platform.ErrIPBlocked, platform.CodeRequestBlocked, 403},
		{platform.ErrFaceVerification, platform.CodeUserAccountAbnormal, 403},
		{platform.ErrStockExhausted, platform.CodeNotEnough, 403},
		{platform.ErrNotFound, platform.CodeResourceNotExists, 404},
		{platform.ErrRefusalBlock, platform.CodeRuleLimit, 403},
		{&platform.TransitionError{From: platform.StateRedeemed, Event: platform.EventRedeem}, platform.CodeRuleLimit, 403},
		{errors.New("disk on fire"), platform.CodeSystemError, 500},
		// The mock's own refusals.
		{platform.ErrSignature, platform.CodeSignError, 401},
		{platform.ErrAlreadyExists, platform.CodeResourceAlreadyExists, 400},
		{platform.ErrMethodNotAllowed, platform.CodeMethodNotAllowed, 405},
		{platform.ErrBodyTooLarge, platform.CodeRequestTooLarge, 413},
		{platform.ErrStockNotStarted, platform.CodeRuleLimit, 403},
		{platform.ErrMemberRequired, platform.CodeRuleLimit, 403},
		{fmt.Errorf("%w: gift", platform.ErrNotSupported), platform.CodeNotImplemented, 501},
	}
	for _, tc := range tests {
		if got := platform.CodeOf(tc.err); got != tc.code || api.Status(got) != tc.status {
			t.Errorf("CodeOf(%v) = %s (%d), want %s (%d)", tc.err, got, api.Status(got), tc.code, tc.status)
		}
	}
}

// TestAppendJSON checks that the hot requests encode as encoding/json
// encodes them, escapes included.
func TestAppendJSON(t *testing.T) {
	odd := "a\"b\\c<d>&\u00e9\x01"
	tests := []struct {
		v interface{ AppendJSON([]byte) []byte }
	}{
		{api.V3SendRequest{StockID: "s1", OutRequestNo: "o1", AppID: "wx1", StockCreatorMchID: "m1"}},
		{api.V3SendRequest{StockID: odd, OutRequestNo: "o1", AppID: "wx1", StockCreatorMchID: "m1", CouponValue: 100, CouponMinimum: 5000}},
		{api.CardGiftRequest{MchID: "m1", AppID: "wx1", OpenID: odd, CardID: "c1", OutRequestNo: "o2"}},
		{api.CouponRequest{MchID: "m1", AppID: "wx1", OpenID: "u1", CouponID: "c1"}},
		{api.CouponRequest{MchID: "m1", AppID: "wx1", OpenID: "u1", CouponID: "c1", ToOpenID: "u2", Code: odd}},
	}
	for i, tc := range tests {
		want, err := json.Marshal(tc.v)
		if err != nil {
			t.Fatal(err)
		}
		if got := tc.v.AppendJSON(nil); string(got) != string(want) {
			t.Errorf("%d: AppendJSON = %s, want %s", i, got, want)
		}
	}
}

// TestStockSpecText checks that a create-stock request reads and writes
// the platform's enums by name, and that left-out fields take the
// platform's defaults.
func TestStockSpecText(t *testing.T) {
	var req api.CreateStockRequest
	if err := json.Unmarshal([]byte(`{"stock_name":"s","kind":"points-exchange","channel":"mini-program","validity":"10d","sub_kinds":["discount"]}`), &req); err != nil {
		t.Fatal(err)
	}
	st, ch := req.Stock(platform.CNY(10), 0)
	if st.Kind != platform.KindPointsExchange || st.Category != platform.CategoryGeneral || ch != platform.ChannelMiniProgram || st.Validity != 10*platform.Day {
		t.Fatalf("stock %+v on %s", st, ch)
	}
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	var back api.CreateStockRequest
	if err := json.Unmarshal(b, &back); err != nil || fmt.Sprint(back) != fmt.Sprint(req) {
		t.Fatalf("round trip: %s, err %v", b, err)
	}
	if err := json.Unmarshal([]byte(`{"kind":"gold"}`), &req); !errors.Is(err, platform.ErrInvalid) {
		t.Fatalf("unknown kind: err = %v", err)
	}
}

func ExampleStatus() {
	fmt.Println(api.Status(platform.CodeOf(platform.ErrQuotaExhausted)))
	// Output: 429
}

func ExampleUserCouponPath() {
	fmt.Println(api.UserCouponPath("", "o-1", "c 2"))
	// Output: /v3/marketing/favor/users/o-1/coupons/c%202
}
