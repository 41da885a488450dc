package loadgen

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"giftsim/results"
)

// Op is an operation the driver performs against the platform.
type Op uint8

// The operations. Retry and RetryOther are sends on the wire: Retry repeats
// an earlier send with the same out_request_no (the platform must answer the
// same coupon and not issue again), RetryOther reuses an out_request_no for
// another user (the platform must refuse it with RESOURCE_ALREADY_EXISTS).
const (
	OpSendV3     Op = iota + 1 // POST /v3/marketing/favor/users/{openid}/coupons
	OpSendCard                 // POST /card/gift (the seed's send)
	OpQuery                    // GET /v3/marketing/favor/users/{openid}/coupons/{coupon_id}
	OpOffer                    // POST /card/gift/offer (a holder gifts a coupon in chat, C1)
	OpClaim                    // POST /card/gift/claim (R9, R17)
	OpRefuse                   // POST /card/gift/refuse (R15)
	OpRedeem                   // POST /card/code/consume
	OpRetry                    // a send repeated with its out_request_no
	OpRetryOther               // an out_request_no reused for another user
	numOps
)

// opNames are the names plans and metrics use, indexed by Op.
var opNames = [numOps]string{"", "send_v3", "send_card", "query", "offer", "claim", "refuse", "redeem", "retry", "retry_other"}

// String returns the op's name as plans write it.
func (o Op) String() string {
	if o == 0 || o >= numOps {
		return "other"
	}
	return opNames[o]
}

// ParseOp reads an operation name such as "send_v3".
func ParseOp(s string) (Op, error) {
	for i, n := range opNames {
		if i > 0 && n == s {
			return Op(i), nil
		}
	}
	return 0, fmt.Errorf("unknown operation %q (allowed: %s)", s, strings.Join(OpNames(), ", "))
}

// OpNames lists the operation names a plan's mix accepts.
func OpNames() []string { return append([]string(nil), opNames[1:]...) }

// wireOps are the operations a response is classified into: what the URL
// shows. Retries appear as the send they repeat.
var wireOps = []Op{OpSendV3, OpSendCard, OpQuery, OpOffer, OpClaim, OpRefuse, OpRedeem}

// Paths of the platform API, relative to the target's base URL.
const (
	pathUsers   = "/v3/marketing/favor/users/"
	pathCard    = "/card/gift"
	pathOffer   = "/card/gift/offer"
	pathClaim   = "/card/gift/claim"
	pathRefuse  = "/card/gift/refuse"
	pathConsume = "/card/code/consume"
	pathStocks  = "/v3/marketing/favor/coupon-stocks"
	pathStock   = "/v3/marketing/favor/stocks/"
	pathHealth  = "/healthz"
)

// classifyURL returns the wire operation of a request from its method and
// URL, or 0 for anything else.
func classifyURL(method, rawURL string) Op {
	p := rawURL
	if i := strings.Index(p, "://"); i >= 0 {
		p = p[i+3:]
		if j := strings.IndexByte(p, '/'); j >= 0 {
			p = p[j:]
		} else {
			p = "/"
		}
	}
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	if i := strings.Index(p, pathUsers); i >= 0 {
		rest := p[i+len(pathUsers):] // {openid}/coupons[/{id}]
		_, after, ok := strings.Cut(rest, "/coupons")
		switch {
		case !ok:
			return 0
		case after == "" && method == "POST":
			return OpSendV3
		case len(after) > 1 && after[0] == '/' && method == "GET":
			return OpQuery
		}
		return 0
	}
	if method != "POST" {
		return 0
	}
	switch {
	case strings.HasSuffix(p, pathOffer):
		return OpOffer
	case strings.HasSuffix(p, pathClaim):
		return OpClaim
	case strings.HasSuffix(p, pathRefuse):
		return OpRefuse
	case strings.HasSuffix(p, pathConsume):
		return OpRedeem
	case strings.HasSuffix(p, pathCard):
		return OpSendCard
	}
	return 0
}

// The driver's codes for answers that carry no platform code.
const (
	CodeAccepted  = results.CodeAccepted // a 2xx answer without an error code
	CodeTimeout   = "TIMEOUT"            // no answer within the request timeout
	CodeTransport = "TRANSPORT"          // no answer: connection refused, reset …
)

// reply is the part of a platform answer the driver reads.
type reply struct {
	Code     string `json:"code"`
	CouponID string `json:"coupon_id"`
	OpenID   string `json:"openid"`
	Offered  string `json:"offered_to"`
}

// parseReply reads the fields of a JSON answer; a body that is not a JSON
// object yields the zero reply.
func parseReply(body []byte) reply {
	var r reply
	if len(body) > 0 && body[0] == '{' {
		_ = json.Unmarshal(body, &r)
	}
	return r
}

// codeOf classifies a result: the platform's code from the body (some
// calls answer HTTP 200 with an error code), accepted for a 2xx answer
// without one, HTTP_nnn for an error status without a code, TIMEOUT or
// TRANSPORT when no answer came.
func codeOf(r *vegeta.Result, rep reply) string {
	if r.Code == 0 {
		if strings.Contains(r.Error, "Timeout") || strings.Contains(r.Error, "deadline exceeded") {
			return CodeTimeout
		}
		return CodeTransport
	}
	if rep.Code != "" && rep.Code != "SUCCESS" {
		return rep.Code
	}
	if r.Code >= 200 && r.Code < 300 {
		return CodeAccepted
	}
	return "HTTP_" + strconv.Itoa(int(r.Code))
}
