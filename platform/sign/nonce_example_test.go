package sign_test

import (
	"errors"
	"fmt"

	"giftsim/platform/sign"
)

// A NonceCache refuses a merchant's nonce while its timestamp is inside
// the window, whoever else sends what.
func ExampleNonceCache() {
	c := sign.NewNonceCache(1000) // at most 1,000 nonces per merchant
	const now, skew = 1_770_000_000, 300
	fmt.Println(c.Record("1900000001", "n1", now, now, skew))
	fmt.Println(errors.Is(c.Record("1900000001", "n1", now, now+skew, skew), sign.ErrReplay))
	fmt.Println(c.Record("1900000002", "n1", now, now, skew)) // another merchant's nonces are its own
	// Output:
	// <nil>
	// true
	// <nil>
}
