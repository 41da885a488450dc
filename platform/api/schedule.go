package api

import "net/url"

// Scheduled sends (R12) are giftsim's own routes, in the platform's style:
// the real voucher API has no scheduling call.
const (
	PathScheduledSends      = "/v3/marketing/favor/scheduled-sends"    // POST: schedule a send; GET: list them
	PathScheduledSend       = scheduledPrefix + "{schedule_id}"        // GET: one; DELETE: cancel it
	PathCancelScheduledSend = scheduledPrefix + "{schedule_id}/cancel" // POST: cancel it

	scheduledPrefix = PathScheduledSends + "/"
)

// ScheduledSendPath is PathScheduledSend for id under base.
func ScheduledSendPath(base, id string) string { return base + scheduledPrefix + url.PathEscape(id) }

// CancelScheduledSendPath is PathCancelScheduledSend for id under base.
func CancelScheduledSendPath(base, id string) string { return ScheduledSendPath(base, id) + "/cancel" }

// The states of a scheduled send.
const (
	ScheduleWaiting   = "SCHEDULED" // ScheduleWaiting: its slot has not come.
	ScheduleSent      = "SENT"      // ScheduleSent: executed; the coupon is in coupon_id.
	ScheduleFailed    = "FAILED"    // ScheduleFailed: executed and refused; error_code and error_message say why.
	ScheduleCancelled = "CANCELLED" // ScheduleCancelled: cancelled before its slot.
)

// ScheduleSendRequest is the body of POST PathScheduledSends: a v3 send
// (V3SendRequest's fields plus the openid) and its slot, an RFC 3339 time
// on the hour or half hour (R12).
type ScheduleSendRequest struct {
	StockID           string `json:"stock_id"`
	OpenID            string `json:"openid"`
	AppID             string `json:"appid"`
	StockCreatorMchID string `json:"stock_creator_mchid"`
	OutRequestNo      string `json:"out_request_no"`
	SendTime          string `json:"send_time"`
}

// CancelScheduledSendRequest is the body of POST PathCancelScheduledSend
// (optional for DELETE PathScheduledSend).
type CancelScheduledSendRequest struct {
	StockCreatorMchID string `json:"stock_creator_mchid"`
}

// ScheduledSend is a scheduled send as the API answers it.
type ScheduledSend struct {
	ScheduleID        string `json:"schedule_id"`
	StockCreatorMchID string `json:"stock_creator_mchid"`
	StockID           string `json:"stock_id"`
	OpenID            string `json:"openid"`
	AppID             string `json:"appid"`
	OutRequestNo      string `json:"out_request_no"`
	SendTime          string `json:"send_time"`
	Status            string `json:"status"` // Status is SCHEDULED, SENT, FAILED or CANCELLED.
	CreateTime        string `json:"create_time"`
	ExecuteTime       string `json:"execute_time,omitempty"`
	CancelTime        string `json:"cancel_time,omitempty"`
	CouponID          string `json:"coupon_id,omitempty"`
	ErrorCode         string `json:"error_code,omitempty"`
	ErrorMessage      string `json:"error_message,omitempty"`
}

// ScheduledSendList is the answer to GET PathScheduledSends.
type ScheduledSendList struct {
	Data       []ScheduledSend `json:"data"`
	TotalCount int             `json:"total_count"`
	Offset     int             `json:"offset"`
	Limit      int             `json:"limit"`
}
