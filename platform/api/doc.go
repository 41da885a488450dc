// Package api is the HTTP contract of the coupon platform, written once for
// both of its ends: the mock (package platform/mock) serves it and the load
// driver (package loadgen) calls it. It holds the paths, the request and
// reply bodies, the error body and the map from the platform's codes
// (platform.Code, chosen by platform.CodeOf) to HTTP statuses, so the rules
// package platform needs no net/http.
//
// The hot requests (sends and the coupon calls) also encode themselves
// without reflection (AppendJSON); a test keeps that encoding equal to
// encoding/json's.
package api
