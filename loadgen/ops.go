package loadgen

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"giftsim/platform/api"
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

// classifyURL returns the wire operation of a request from its method and
// URL (api's paths), or 0 for anything else.
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
	if _, rest, ok := api.UserOfPath(p); ok { // {openid}/coupons[/{id}]
		after, ok := strings.CutPrefix(rest, "/coupons")
		switch {
		case !ok:
			return 0
		case after == "" && method == http.MethodPost:
			return OpSendV3
		case len(after) > 1 && after[0] == '/' && method == http.MethodGet:
			return OpQuery
		}
		return 0
	}
	if method != http.MethodPost {
		return 0
	}
	switch {
	case strings.HasSuffix(p, api.PathOffer):
		return OpOffer
	case strings.HasSuffix(p, api.PathClaim):
		return OpClaim
	case strings.HasSuffix(p, api.PathRefuse):
		return OpRefuse
	case strings.HasSuffix(p, api.PathConsume):
		return OpRedeem
	case strings.HasSuffix(p, api.PathCardGift):
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

// parseReply reads what the driver follows of a JSON answer; a body that
// is not a JSON object yields the zero answer.
func parseReply(body []byte) api.Answer {
	var r api.Answer
	if len(body) > 0 && body[0] == '{' {
		_ = json.Unmarshal(body, &r)
	}
	return r
}

// codeOf classifies a result: the platform's code from the body (some
// calls answer HTTP 200 with an error code), accepted for a 2xx answer
// without one, HTTP_nnn for an error status without a code, TIMEOUT or
// TRANSPORT when no answer came.
func codeOf(r *vegeta.Result, rep api.Answer) string {
	if r.Code == 0 {
		if strings.Contains(r.Error, "Timeout") || strings.Contains(r.Error, "deadline exceeded") {
			return CodeTimeout
		}
		return CodeTransport
	}
	if rep.Failed() {
		return string(rep.Code)
	}
	if r.Code >= 200 && r.Code < 300 {
		return CodeAccepted
	}
	return "HTTP_" + strconv.Itoa(int(r.Code))
}
