// Package loadgen drives a coupon platform (the mock or a staging server)
// with vegeta and judges the run against a load plan's thresholds.
//
// A Plan (strict YAML read with the kit in internal/strictyaml, see
// docs/LOAD.md) names the target, the merchant
// whose key signs the requests (HMAC or v3 RSA, through platform/sign), the
// identities (the mock's fixture, a CSV of openids, or gofakeit users) and
// phases run one after another. A phase is one vegeta attack: an operation
// mix (v3 or /card/gift sends, queries, gift offers, claims, refusals,
// redemptions, idempotent retries) at a rate profile (constant, ramp, steps,
// the daily curve compressed into the platform day, half-hour slot bursts),
// each a vegeta.Pacer. The model is open: the schedule is kept, the number
// of workers is capped, and a run that falls behind shows it as achieved
// against target rate and lag.
//
// Answers are counted by the platform's code read from the body, since some
// calls answer HTTP 200 with an error code. Thresholds such as
// "sends.accepted == 50000" or "latency.p99 < 50ms" are small expressions
// (ParseThreshold) over the metrics MetricNames lists. A threshold marked
// abort is also judged during the run over a sliding window of per-second
// buckets and stops the run when it fails there (abort.go, ErrAborted).
// While a run goes, Metrics serve its live Prometheus metrics and a live
// view shows it on a terminal (metrics.go, liveview.go).
// Shards on several hosts begin together: each waits, once its setup is
// done, for one common start (WithStartAt, ParseStartAt; start.go), and a
// merge reports how far apart they began (results.LoadStarts).
//
// An https target is verified against the system's CAs or the plan's
// http.cacert, with an optional client certificate, server name, Host
// override and HTTP/2 (TLS, tls.go, the one place the transport is
// built); a TLS failure at the probe is ErrTLS, before any load.
//
// The package is the only importer of vegeta and never imports the mock's
// server: the two meet over HTTP through the contract both import (package
// platform/api), so a run against staging works the same way. A run's
// Summary becomes a results.Load, which the terminal summary and the report
// both render. Raw results are written in vegeta's binary format, so vegeta
// report and vegeta plot read them, and SummarizeFiles merges several
// hosts' files.
package loadgen
