package sign_test

import (
	"fmt"
	"time"

	"giftsim/platform/sign"
)

// ExampleSigner signs a request with the HMAC scheme and verifies it the
// way the mock platform does.
func ExampleSigner() {
	now := func() time.Time { return time.Unix(1_770_000_000, 0) }
	s, err := sign.NewHMAC("1900000001", "HMAC01", []byte("secret"), now)
	if err != nil {
		panic(err)
	}
	body := []byte(`{"stock_id":"9856000"}`)
	auth, _ := s.Authorization("POST", "/v3/marketing/favor/users/o1/coupons", body)

	v, _ := sign.NewVerifier(sign.VerifierConfig{
		Keys: func(mch, serial string) (sign.Key, bool) {
			return sign.Key{HMAC: []byte("secret")}, mch == "1900000001" && serial == "HMAC01"
		},
		Now: now, AllowHMAC: true,
	})
	h, err := v.Verify(auth, "POST", "/v3/marketing/favor/users/o1/coupons", body)
	fmt.Println(h.Scheme, h.MchID, err)
	_, err = v.Verify(auth, "POST", "/v3/marketing/favor/users/o1/coupons", body)
	fmt.Println(err != nil)
	// Output:
	// GIFTSIM-HMAC-SHA256 1900000001 <nil>
	// true
}
