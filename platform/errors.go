package platform

import (
	"errors"
	"fmt"
)

// Sentinel errors, one per kind of refusal. Callers test them with errors.Is;
// CodeOf maps them to the platform's error codes in one place.
var (
	ErrInvalid          = errors.New("invalid parameter")
	ErrNotFound         = errors.New("resource does not exist")
	ErrNotGiftable      = errors.New("coupon may not be gifted")
	ErrTransferLimit    = errors.New("transfer limit reached")
	ErrValueLimit       = errors.New("value limit exceeded")
	ErrReviewRequired   = errors.New("manual review required")
	ErrValidityRange    = errors.New("validity out of range")
	ErrTierRequired     = errors.New("merchant tier does not allow this")
	ErrQuotaExhausted   = errors.New("daily issuing quota exhausted")
	ErrChatDailyLimit   = errors.New("daily chat gift limit reached")
	ErrOncePerUser      = errors.New("one coupon per user on this channel")
	ErrBankCardRequired = errors.New("bank card must be bound")
	ErrRealNameRequired = errors.New("real-name verification required")
	ErrClaimWindow      = errors.New("claim window closed")
	ErrRefusalBlock     = errors.New("recipient refused this kind recently")
	ErrFaceVerification = errors.New("face verification required")
	ErrIPBlocked        = errors.New("abnormal IP blocked by risk control")
	ErrIllegalState     = errors.New("illegal coupon state transition")
	ErrStockExhausted   = errors.New("stock budget exhausted")
	ErrBinding          = errors.New("mch_id, appid and openid do not belong together")
	ErrRecycleExpired   = errors.New("coupon left the recycle bin")
	ErrCompliance       = errors.New("compliance rule broken")

	// The mock platform's own refusals (HTTP layer, signatures, idempotency).
	ErrSignature        = errors.New("signature check failed")
	ErrAlreadyExists    = errors.New("resource already exists")
	ErrStockNotStarted  = errors.New("stock is not started")
	ErrMemberRequired   = errors.New("member account required")
	ErrMethodNotAllowed = errors.New("method not allowed")
	ErrBodyTooLarge     = errors.New("request body too large")
	// ErrNotSupported marks an operation the mock's store does not offer
	// (yet): the Redis store answers it for routes it does not carry.
	ErrNotSupported = errors.New("not supported by the store")
)

// RuleError is a refusal that names the domain rule behind it (R1–R20, C1–C7).
// It unwraps to one of the sentinel errors above.
type RuleError struct {
	Rule string // Rule is the DOMAIN.md id, e.g. "R15".
	Err  error  // Err is the sentinel, e.g. ErrRefusalBlock.
	Msg  string // Msg says what happened and what is allowed.
}

// Error formats the rule id, the sentinel and the detail.
func (e *RuleError) Error() string {
	if e.Msg == "" {
		return fmt.Sprintf("%s: %v", e.Rule, e.Err)
	}
	return fmt.Sprintf("%s: %v: %s", e.Rule, e.Err, e.Msg)
}

// Unwrap returns the sentinel.
func (e *RuleError) Unwrap() error { return e.Err }

func ruleErr(rule string, sentinel error, format string, a ...any) error {
	return &RuleError{Rule: rule, Err: sentinel, Msg: fmt.Sprintf(format, a...)}
}

// RuleOf returns the rule id carried by err, or "" if it carries none.
func RuleOf(err error) string {
	var re *RuleError
	if errors.As(err, &re) {
		return re.Rule
	}
	var te *TransitionError
	if errors.As(err, &te) {
		return te.Rule()
	}
	return ""
}

// Code is one of the platform's error codes, as sent in {"code","message"}.
// The HTTP status each is answered with is the contract's (package
// platform/api, api.Status).
type Code string

// The platform's codes (WeChat Pay API v3 style).
const (
	CodeOK                    Code = "SUCCESS"
	CodeParamError            Code = "PARAM_ERROR"
	CodeSignError             Code = "SIGN_ERROR"
	CodeRequestBlocked        Code = "REQUEST_BLOCKED"
	CodeRuleLimit             Code = "RULE_LIMIT"
	CodeUserAccountAbnormal   Code = "USER_ACCOUNT_ABNORMAL"
	CodeNotEnough             Code = "NOT_ENOUGH"
	CodeResourceNotExists     Code = "RESOURCE_NOT_EXISTS"
	CodeResourceAlreadyExists Code = "RESOURCE_ALREADY_EXISTS"
	CodeFrequencyLimited      Code = "FREQUENCY_LIMITED"
	CodeSystemError           Code = "SYSTEM_ERROR"
	// CodeMethodNotAllowed and CodeRequestTooLarge are HTTP-level refusals
	// (405, 413) that the mock answers in the same {"code","message"} shape.
	CodeMethodNotAllowed Code = "METHOD_NOT_ALLOWED"
	CodeRequestTooLarge  Code = "REQUEST_ENTITY_TOO_LARGE"
	// CodeNotImplemented is the mock's answer (501) to a route its store
	// does not support (ErrNotSupported).
	CodeNotImplemented Code = "NOT_IMPLEMENTED"
)

// CodeOf maps an error to the platform code it is answered with. It is the
// one place where rule refusals become codes; nil maps to CodeOK and an
// unknown error to CodeSystemError.
func CodeOf(err error) Code {
	switch {
	case err == nil:
		return CodeOK
	case errors.Is(err, ErrInvalid), errors.Is(err, ErrValidityRange), errors.Is(err, ErrValueLimit):
		return CodeParamError
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrRecycleExpired):
		return CodeResourceNotExists
	case errors.Is(err, ErrSignature):
		return CodeSignError
	case errors.Is(err, ErrAlreadyExists):
		return CodeResourceAlreadyExists
	case errors.Is(err, ErrMethodNotAllowed):
		return CodeMethodNotAllowed
	case errors.Is(err, ErrBodyTooLarge):
		return CodeRequestTooLarge
	case errors.Is(err, ErrNotSupported):
		return CodeNotImplemented
	case errors.Is(err, ErrQuotaExhausted):
		return CodeFrequencyLimited
	case errors.Is(err, ErrIPBlocked):
		return CodeRequestBlocked
	case errors.Is(err, ErrFaceVerification), errors.Is(err, ErrRealNameRequired):
		return CodeUserAccountAbnormal
	case errors.Is(err, ErrStockExhausted):
		return CodeNotEnough
	case errors.Is(err, ErrNotGiftable), errors.Is(err, ErrTransferLimit), errors.Is(err, ErrReviewRequired),
		errors.Is(err, ErrTierRequired), errors.Is(err, ErrChatDailyLimit), errors.Is(err, ErrOncePerUser),
		errors.Is(err, ErrBankCardRequired), errors.Is(err, ErrClaimWindow), errors.Is(err, ErrRefusalBlock),
		errors.Is(err, ErrIllegalState), errors.Is(err, ErrBinding), errors.Is(err, ErrCompliance),
		errors.Is(err, ErrStockNotStarted), errors.Is(err, ErrMemberRequired):
		return CodeRuleLimit
	default:
		return CodeSystemError
	}
}
