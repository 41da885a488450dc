// Package mock is an HTTP mock of the coupon platform that enforces every
// platform rule by calling package platform: merchant tiers and daily
// quotas (R11), the mchid–appid–openid binding (R13), kinds, giftability,
// transfers, categories and review (R1–R7, R10), chat and mini-program
// limits (C1, C3), the 48-hour claim window (R9), the refusal block (R15),
// risk control (R16, R17), expiry, the recycle bin and recovery (R14).
//
// Server answers the WeChat Pay API v3 voucher calls and the seed's own
// /card/… calls of the contract in package platform/api (docs/API.md lists
// them), checks signatures with package platform/sign, answers errors as
// api.Error with the code from platform.CodeOf and the status from
// api.Status, and exposes /healthz and /metrics (its own Prometheus
// registry). Its clock can run fast (Config.Day, platform.FastClock):
// platform time is Anchor.Start + (wall − Anchor.Wall)·24h/Day, while auth
// timestamps use wall time.
//
// Every answer is signed as the real platform signs it (respsign.go):
// Wechatpay-Serial, -Signature, -Timestamp and -Nonce with the platform's
// RSA key, under its certificate's serial or its public-key id
// (Config.PlatformKeyMode, or what the request's Wechatpay-Serial asks
// for); GET /v3/certificates serves the certificate sealed with the
// merchant's APIv3 key (certs.go). Config.SignResponses keeps HMAC load
// tests cheap.
//
// Merchants that set a notify URL (POST /v3/marketing/favor/callbacks)
// get each redemption and gift event POSTed to it, signed and sealed like
// the platform's notifications and retried on its schedule in platform
// time (callbacks.go); sends can be booked for a half-hour slot (R12,
// schedule.go). Background workers run both; Close stops them.
//
// With Config.TLS, Serve answers HTTPS (HTTP/2 offered; internal/tlsgen
// makes a local CA and certificates). Config.Fault injects 500s and
// latency into a share of authenticated calls, decided before the endpoint
// runs so no state changes, for rehearsing failures (fault.go).
//
// Hardening (issue 14): accepted nonces are kept per merchant in bounded
// memory and, with the file store, on disk until their window ends, so a
// replay is refused also after a restart (nonces.go); Config.HTTP bounds
// timeouts, header size and open connections, X-Forwarded-For counts only
// as written by trusted proxies, and a changed day length is converted so
// platform time stays continuous (limits.go).
//
// Compliance (R18–R20, compliance.go): a stock's create request declares
// its brand statement, forced follow, official marks and whether it is
// cash-equivalent; platform.Compliance.CheckStock refuses R19 and R20
// breaches, and R18 penalties (display restricted for 7 platform days,
// payment banned) are kept with the engine's state and refuse sends,
// offers, claims or redemptions.
//
// State lives behind Store: NewMemoryStore, or OpenFileStore, a bbolt file
// written with group commit, where every answered operation survives
// kill -9. out_request_no makes sends and stock creation idempotent per
// merchant. Identities come from a fixture (package platform/fixture),
// which the load driver reads too; neither imports the other.
package mock
