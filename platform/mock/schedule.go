package mock

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"giftsim/platform"
	"giftsim/platform/api"
)

// dueBatch is how many scheduled sends one step executes before looking
// at the clock again.
const dueBatch = 64

// executeDue executes the scheduled sends whose slot has come (R12)
// through Store.Send, as a live send: quota (R11), idempotency by
// out_request_no and every issuing rule apply.
func (b *background) executeDue(ctx context.Context) (time.Time, bool) {
	st := b.s.store
	due, next, err := st.DueSends(ctx, b.s.clock.Now(), dueBatch)
	if err != nil {
		b.s.logf("scheduled sends: %v", err)
		return time.Time{}, true
	}
	backoff := false
	for _, sd := range due {
		now := b.s.clock.Now()
		cp, _, err := st.Send(ctx, SendOp{MchID: sd.MchID, AppID: sd.AppID, OpenID: sd.OpenID, StockID: sd.StockID,
			OutRequestNo: sd.OutRequestNo, Now: now})
		r := sd
		code := platform.CodeOf(err)
		switch {
		case err == nil:
			r.State, r.CouponID, r.ExecutedAt = api.ScheduleSent, cp.ID, now
			b.sends.WithLabelValues(strings.ToLower(api.ScheduleSent)).Inc()
		case ctx.Err() != nil || code == platform.CodeSystemError:
			// The store failed or the server is stopping: try again later.
			r.State = api.ScheduleWaiting
			backoff = true
			if ctx.Err() == nil {
				b.s.logf("scheduled send %s: %v", sd.ID, err)
			}
		default:
			r.State, r.ErrCode, r.ErrMsg, r.ExecutedAt = api.ScheduleFailed, string(code), err.Error(), now
			b.sends.WithLabelValues(strings.ToLower(api.ScheduleFailed)).Inc()
		}
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		if err := st.FinishScheduledSend(fctx, r); err != nil {
			b.s.logf("scheduled send %s: record outcome: %v", sd.ID, err)
		}
		cancel()
	}
	if backoff {
		return time.Time{}, true
	}
	if len(due) == dueBatch {
		return b.s.clock.Now(), false
	}
	return next, false
}

// scheduledView is sd as the API answers it.
func scheduledView(sd ScheduledSend) api.ScheduledSend {
	return api.ScheduledSend{ScheduleID: sd.ID, StockCreatorMchID: sd.MchID, StockID: sd.StockID, OpenID: sd.OpenID,
		AppID: sd.AppID, OutRequestNo: sd.OutRequestNo, SendTime: timeText(sd.Slot), Status: sd.State,
		CreateTime: timeText(sd.CreatedAt), ExecuteTime: timeText(sd.ExecutedAt), CancelTime: timeText(sd.CancelledAt),
		CouponID: sd.CouponID, ErrorCode: sd.ErrCode, ErrorMessage: sd.ErrMsg}
}

// scheduleSend answers POST PathScheduledSends.
func (s *Server) scheduleSend(c *call) (any, error) {
	var req api.ScheduleSendRequest
	if err := decode(c, &req); err != nil {
		return nil, err
	}
	if err := check(field{"openid", req.OpenID}, field{"stock_id", req.StockID}, field{"out_request_no", req.OutRequestNo},
		field{"appid", req.AppID}, field{"stock_creator_mchid", req.StockCreatorMchID}, field{"send_time", req.SendTime}); err != nil {
		return nil, err
	}
	slot, err := time.Parse(time.RFC3339, req.SendTime)
	if err != nil {
		return nil, fmt.Errorf("%w: send_time: want an RFC 3339 time such as 2026-03-02T10:30:00+08:00, got %q", platform.ErrInvalid, req.SendTime)
	}
	mch, err := s.merchant(c, "stock_creator_mchid", req.StockCreatorMchID, req.AppID)
	if err != nil {
		return nil, err
	}
	sd, _, err := s.store.ScheduleSend(c.ctx, ScheduleOp{MchID: mch, AppID: req.AppID, OpenID: req.OpenID, StockID: req.StockID,
		OutRequestNo: req.OutRequestNo, Slot: slot, Now: c.now})
	if err != nil {
		return nil, err
	}
	return scheduledView(sd), nil
}

// listScheduled answers GET PathScheduledSends?stock_creator_mchid=…&status=…&offset=…&limit=….
func (s *Server) listScheduled(c *call) (any, error) {
	q := c.r.URL.Query()
	creator, status := q.Get("stock_creator_mchid"), q.Get("status")
	if c.mchID == "" {
		if err := check(field{"stock_creator_mchid", creator}); err != nil {
			return nil, err
		}
	}
	switch status {
	case "", api.ScheduleWaiting, api.ScheduleSent, api.ScheduleFailed, api.ScheduleCancelled:
	default:
		return nil, fmt.Errorf("%w: status %q (allowed: %s, %s, %s, %s)", platform.ErrInvalid, status,
			api.ScheduleWaiting, api.ScheduleSent, api.ScheduleFailed, api.ScheduleCancelled)
	}
	offset, limit, err := page(q, 20, api.MaxListLimit, 1<<30) // offset counts items, as the coupon list's does
	if err != nil {
		return nil, err
	}
	mch, err := s.merchant(c, "stock_creator_mchid", creator, "")
	if err != nil {
		return nil, err
	}
	sds, total, err := s.store.ScheduledSends(c.ctx, mch, status, offset, limit)
	if err != nil {
		return nil, err
	}
	out := api.ScheduledSendList{Data: make([]api.ScheduledSend, 0, len(sds)), TotalCount: total, Offset: offset, Limit: limit}
	for _, sd := range sds {
		out.Data = append(out.Data, scheduledView(sd))
	}
	return out, nil
}

// scheduledMerchant reads the schedule id and the acting merchant of a
// call on one scheduled send: the merchant from the body (if any) or the
// stock_creator_mchid query parameter.
func (s *Server) scheduledMerchant(c *call) (string, string, error) {
	id := c.r.PathValue("schedule_id")
	creator := c.r.URL.Query().Get("stock_creator_mchid")
	if len(c.body) > 0 {
		var req api.CancelScheduledSendRequest
		if err := decode(c, &req); err != nil {
			return "", "", err
		}
		if req.StockCreatorMchID != "" {
			creator = req.StockCreatorMchID
		}
	}
	fs := []field{{"schedule_id", id}}
	if c.mchID == "" {
		fs = append(fs, field{"stock_creator_mchid", creator})
	}
	if err := check(fs...); err != nil {
		return "", "", err
	}
	mch, err := s.merchant(c, "stock_creator_mchid", creator, "")
	return id, mch, err
}

// getScheduled answers GET PathScheduledSend.
func (s *Server) getScheduled(c *call) (any, error) {
	id, mch, err := s.scheduledMerchant(c)
	if err != nil {
		return nil, err
	}
	sd, err := s.store.ScheduledSendOf(c.ctx, mch, id)
	if err != nil {
		return nil, err
	}
	return scheduledView(sd), nil
}

// cancelScheduled answers DELETE PathScheduledSend and POST
// PathCancelScheduledSend.
func (s *Server) cancelScheduled(c *call) (any, error) {
	id, mch, err := s.scheduledMerchant(c)
	if err != nil {
		return nil, err
	}
	sd, err := s.store.CancelScheduledSend(c.ctx, mch, id, c.now)
	if err != nil {
		return nil, err
	}
	return scheduledView(sd), nil
}

// scheduleRoutes adds the scheduled-send routes (giftsim's own, R12).
func (s *Server) scheduleRoutes(add func(string, map[string]endpoint)) {
	add(api.PathScheduledSends, map[string]endpoint{
		http.MethodPost: {"scheduled_send_create", true, (*Server).scheduleSend},
		http.MethodGet:  {"scheduled_send_list", true, (*Server).listScheduled},
	})
	add(api.PathScheduledSend, map[string]endpoint{
		http.MethodGet:    {"scheduled_send", true, (*Server).getScheduled},
		http.MethodDelete: {"scheduled_send_cancel", true, (*Server).cancelScheduled},
	})
	add(api.PathCancelScheduledSend, map[string]endpoint{
		http.MethodPost: {"scheduled_send_cancel", true, (*Server).cancelScheduled},
	})
}
