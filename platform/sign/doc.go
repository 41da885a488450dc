// Package sign builds, signs and verifies the Authorization header of the
// coupon platform's API, the WeChat Pay API v3 way.
//
// The signed message is the canonical string
//
//	METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nBODY\n
//
// and the header is
//
//	SCHEME mchid="…",nonce_str="…",timestamp="…",serial_no="…",signature="…"
//
// with SCHEME either SchemeRSA (WECHATPAY2-SHA256-RSA2048: SHA256withRSA,
// PKCS #1 v1.5, with the merchant's private key; the platform holds the
// public key under serial_no) or SchemeHMAC (GIFTSIM-HMAC-SHA256: HMAC-SHA256
// with a shared key registered under serial_no, for cheap load tests). The
// signature is base64 (standard alphabet, padded).
//
// A Signer is the client side (the load driver imports this package without
// the mock); a Verifier is the server side: it refuses timestamps more than
// MaxSkew from its clock and nonces it has seen (a NonceRecorder: by default
// a NonceCache, bounded per merchant; the mock plugs in one that also
// persists them). The package is pure: no I/O, the clock is injected as Now.
package sign
