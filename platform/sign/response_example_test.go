package sign_test

import (
	"fmt"
	"net/http"
	"time"

	"giftsim/internal/testkey"
	"giftsim/platform/sign"
)

// ExampleReadResponseSignature checks a platform answer the way a
// merchant's SDK does: the four headers present, the timestamp within five
// minutes, the signature valid under the platform key of the serial.
func ExampleReadResponseSignature() {
	platformKey := testkey.RSA() // the platform's; a merchant has its certificate or public key
	body := []byte(`{"coupon_id":"10000000000"}`)
	sig, _ := sign.SignResponse(platformKey, "1770000000", "4f9c2a", body)
	h := http.Header{}
	sign.ResponseSignature{Serial: "5157F09EFDC096DE15EBE81A47057A72", Signature: sig,
		Timestamp: "1770000000", Nonce: "4f9c2a", Type: sign.SchemeRSA}.Set(h)

	rs, err := sign.ReadResponseSignature(h)
	if err == nil {
		err = rs.CheckTime(time.Unix(1770000030, 0), sign.MaxSkew)
	}
	if err == nil {
		err = rs.Verify(&platformKey.PublicKey, body)
	}
	fmt.Println(rs.Serial, err)
	fmt.Println(rs.Verify(&platformKey.PublicKey, []byte(`{"coupon_id":"10000000001"}`)) != nil)
	// Output:
	// 5157F09EFDC096DE15EBE81A47057A72 <nil>
	// true
}
