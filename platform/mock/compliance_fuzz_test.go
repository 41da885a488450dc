package mock

import "testing"

// FuzzComplianceRoutes sends arbitrary methods, paths and bodies to the
// routes R18–R20 touch: stock creation with brand_statement,
// claim_requires_follow, official_marks and cash_equivalent, the
// compliance status, and the sends, offers, claims and redemptions a
// penalty refuses, as fuzzTarget.serve does (no 5xx, no panic, JSON
// answers). The seeds put penalties in force, so later inputs run against
// a restricted and banned merchant too.
//
//	go test -run '^$' -fuzz FuzzComplianceRoutes -fuzztime 60s ./platform/mock
func FuzzComplianceRoutes(f *testing.F) {
	target := newFuzzTarget(f)
	const stock = `{"stock_name":"s","belong_merchant":"1900000001","out_request_no":"OUT","coupon_use_rule":{"fixed_normal_coupon":{"coupon_amount":1000,"transaction_minimum":5000}},"kind":"discount","channel":"api","validity":"30d","allow_transfer":true,`
	for _, s := range []struct{ method, path, body string }{
		{"POST", "/v3/marketing/favor/coupon-stocks", stock + `"brand_statement":{"text":"该卡券由面馆品牌提供","font_pt":12}}`},
		{"POST", "/v3/marketing/favor/coupon-stocks", stock + `"brand_statement":{"text":"x","font_pt":1e308},"official_marks":"none"}`},
		{"POST", "/v3/marketing/favor/coupon-stocks", stock + `"brand_statement":{"text":"x","font_pt":-0},"cash_equivalent":true}`},
		{"POST", "/v3/marketing/favor/coupon-stocks", stock + `"brand_statement":null,"official_marks":"authorized"}`},
		{"POST", "/v3/marketing/favor/coupon-stocks", stock + `"brand_statement":{"text":"b","font_pt":12},"claim_requires_follow":true}`},
		{"POST", "/v3/marketing/favor/coupon-stocks", stock + `"brand_statement":{"text":"b","font_pt":12},"official_marks":"forged"}`},
		{"POST", "/v3/marketing/favor/coupon-stocks", stock + `"brand_statement":[],"official_marks":7,"claim_requires_follow":"yes"}`},
		{"GET", "/v3/marketing/favor/compliance?mchid=1900000001", ""},
		{"GET", "/v3/marketing/favor/compliance?mchid=%00", ""},
		{"POST", "/v3/marketing/favor/users/u0000/coupons", `{"stock_id":"api","out_request_no":"f1","appid":"wxfiled","stock_creator_mchid":"1900000001"}`},
		{"POST", "/card/gift/offer", `{"mch_id":"1900000001","appid":"wxfiled","openid":"u0000","coupon_id":"10000000000","to_openid":"u0002"}`},
		{"POST", "/card/gift/claim", `{"mch_id":"1900000001","appid":"wxfiled","openid":"u0002","coupon_id":"10000000000"}`},
		{"POST", "/card/code/consume", `{"mch_id":"1900000001","appid":"wxfiled","openid":"u0000","code":"10000000000"}`},
	} {
		f.Add(s.method, s.path, []byte(s.body))
	}
	f.Fuzz(target.serve)
}
