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
// State lives behind Store: NewMemoryStore, or OpenFileStore, a bbolt file
// written with group commit, where every answered operation survives
// kill -9. out_request_no makes sends and stock creation idempotent per
// merchant. Identities come from a fixture (package platform/fixture),
// which the load driver reads too; neither imports the other.
package mock
