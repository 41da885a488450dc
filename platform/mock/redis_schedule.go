package mock

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"giftsim/platform"
	"giftsim/platform/api"
)

// Scheduled sends (R12) on the Redis store. Each is a JSON record; the
// waiting ones sit in one due ZSET scored by slot, and a process claims
// due ones with a lease (a second ZSET scored by the lease's end in
// Redis's own clock), so two processes never execute the same one at
// once and one that dies mid-send lets it go back when the lease ends.
// The send itself is Store.Send, idempotent by out_request_no, so a send
// retried after a lapsed lease issues no second coupon.

var (
	//go:embed redis/schedule.lua
	scheduleLua   string
	redisSchedule = redis.NewScript(scheduleLua)
	//go:embed redis/due.lua
	dueLua   string
	redisDue = redis.NewScript(dueLua)
	//go:embed redis/finish.lua
	finishLua   string
	redisFinish = redis.NewScript(finishLua)
	//go:embed redis/cancel.lua
	cancelLua   string
	redisCancel = redis.NewScript(cancelLua)
)

// Scheduled sends' keys.
const (
	rkSched      = rk + "sch:"      // + id: the record
	rkSchedSeq   = rk + "seq:sch"   // the last schedule number
	rkSchedDue   = rk + "sch-due"   // zset: waiting, unclaimed ids by slot (µs)
	rkSchedLease = rk + "sch-lease" // zset: claimed ids by lease end (Redis ms)
	rkSchedSlots = rk + "sch-slots" // hash: id → slot (µs) while not finished
	redisLease   = 30 * time.Second // redisLease bounds how long a claimed send may run before another process may take it.
)

func rkSchedList(mch string) string    { return rk + "sch-m:" + mch }
func rkSchedWaiting(mch string) string { return rk + "sch-w:" + mch }

func (s *RedisStore) ScheduleSend(ctx context.Context, op ScheduleOp) (ScheduledSend, bool, error) {
	fp := fingerprint(op.AppID, op.OpenID, op.StockID, op.Slot.UTC().Format(time.RFC3339Nano))
	idem := rkIdem("schedule", op.MchID, op.OutRequestNo)
	// A replay answers the first schedule before any check (as the memory store).
	if id, err := s.rdb.Get(ctx, idem).Result(); err == nil {
		return s.scheduleReplay(ctx, id, op.OutRequestNo, fp)
	} else if !errors.Is(err, redis.Nil) {
		return ScheduledSend{}, false, fmt.Errorf("redis store: %w", err)
	}
	if _, _, err := s.e.binding(op.MchID, op.AppID, op.OpenID); err != nil {
		return ScheduledSend{}, false, err
	}
	if _, err := s.stockRule(ctx, op.StockID, op.MchID); err != nil {
		return ScheduledSend{}, false, err
	}
	if err := platform.CheckSendSlot(op.Slot, op.Now); err != nil {
		return ScheduledSend{}, false, fmt.Errorf("send_time: %w", err)
	}
	sd := ScheduledSend{ID: idPlaceholder, MchID: op.MchID, AppID: op.AppID, OpenID: op.OpenID,
		StockID: op.StockID, OutRequestNo: op.OutRequestNo, Slot: op.Slot.In(platform.Beijing), State: api.ScheduleWaiting,
		CreatedAt: op.Now, Fingerprint: fp}
	before, after := splitJSON(&sd)
	res, err := redisSchedule.Run(ctx, s.rdb, []string{idem, rkIdem("send", op.MchID, op.OutRequestNo), rkSchedWaiting(op.MchID),
		rkSchedSeq, rkSchedList(op.MchID), rkSchedDue, rkSchedSlots}, rkSched, before, after, MaxWaitingSchedules, micros(sd.Slot)).StringSlice()
	if err != nil {
		return ScheduledSend{}, false, fmt.Errorf("redis store: schedule: %w", err)
	}
	switch res[0] {
	case "replay":
		return decodeReplay(res[1], op.OutRequestNo, fp)
	case "sendused":
		return ScheduledSend{}, false, fmt.Errorf("%w: out_request_no %q was already used by a send", platform.ErrAlreadyExists, op.OutRequestNo)
	case "full":
		return ScheduledSend{}, false, fmt.Errorf("%w: at most %d scheduled sends may wait per merchant", platform.ErrInvalid, MaxWaitingSchedules)
	}
	sd.ID = res[1]
	return sd, false, nil
}

// scheduleReplay answers a retry with the first schedule.
func (s *RedisStore) scheduleReplay(ctx context.Context, id, no string, fp uint64) (ScheduledSend, bool, error) {
	b, err := s.rdb.Get(ctx, rkSched+id).Result()
	if err != nil {
		return ScheduledSend{}, false, fmt.Errorf("redis store: scheduled send %s: %w", id, err)
	}
	return decodeReplay(b, no, fp)
}

func decodeReplay(rec, no string, fp uint64) (ScheduledSend, bool, error) {
	var sd ScheduledSend
	if err := json.Unmarshal([]byte(rec), &sd); err != nil {
		return ScheduledSend{}, false, fmt.Errorf("redis store: scheduled send: %w", err)
	}
	if sd.Fingerprint != fp {
		return ScheduledSend{}, false, fmt.Errorf("%w: out_request_no %q was used for another scheduled send", platform.ErrAlreadyExists, no)
	}
	return sd, true, nil
}

// schedules reads scheduled sends by id, skipping missing ones.
func (s *RedisStore) schedules(ctx context.Context, ids []string) ([]ScheduledSend, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = rkSched + id
	}
	vs, err := s.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, fmt.Errorf("redis store: %w", err)
	}
	out := make([]ScheduledSend, 0, len(vs))
	for i, v := range vs {
		str, ok := v.(string)
		if !ok {
			continue
		}
		var sd ScheduledSend
		if err := json.Unmarshal([]byte(str), &sd); err != nil {
			return nil, fmt.Errorf("redis store: %s: %w", keys[i], err)
		}
		out = append(out, sd)
	}
	return out, nil
}

func (s *RedisStore) ScheduledSends(ctx context.Context, mchID, state string, offset, limit int) ([]ScheduledSend, int, error) {
	if _, err := s.merchantOf(mchID); err != nil {
		return nil, 0, err
	}
	ids, err := s.rdb.LRange(ctx, rkSchedList(mchID), 0, -1).Result()
	if err != nil {
		return nil, 0, fmt.Errorf("redis store: %w", err)
	}
	all, err := s.schedules(ctx, ids)
	if err != nil {
		return nil, 0, err
	}
	var out []ScheduledSend
	total := 0
	for _, sd := range all {
		if state != "" && sd.State != state {
			continue
		}
		if total >= offset && len(out) < limit {
			out = append(out, sd)
		}
		total++
	}
	return out, total, nil
}

func (s *RedisStore) ScheduledSendOf(ctx context.Context, mchID, id string) (ScheduledSend, error) {
	sds, err := s.schedules(ctx, []string{id})
	if err != nil {
		return ScheduledSend{}, err
	}
	if len(sds) == 0 || sds[0].MchID != mchID {
		return ScheduledSend{}, fmt.Errorf("%w: scheduled send %q of merchant %q", platform.ErrNotFound, id, mchID)
	}
	return sds[0], nil
}

// CancelScheduledSend cancels a waiting send no process holds: Go reads
// the record and decides, and a compare-and-set script writes the
// cancellation only if the record is unchanged (else it reads again).
func (s *RedisStore) CancelScheduledSend(ctx context.Context, mchID, id string, now time.Time) (ScheduledSend, error) {
	for range txRetries {
		raw, err := s.rdb.Get(ctx, rkSched+id).Result()
		if errors.Is(err, redis.Nil) {
			return ScheduledSend{}, fmt.Errorf("%w: scheduled send %q of merchant %q", platform.ErrNotFound, id, mchID)
		}
		if err != nil {
			return ScheduledSend{}, fmt.Errorf("redis store: %w", err)
		}
		var sd ScheduledSend
		if err := json.Unmarshal([]byte(raw), &sd); err != nil {
			return ScheduledSend{}, fmt.Errorf("redis store: scheduled send %s: %w", id, err)
		}
		if sd.MchID != mchID {
			return ScheduledSend{}, fmt.Errorf("%w: scheduled send %q of merchant %q", platform.ErrNotFound, id, mchID)
		}
		illegal := &platform.RuleError{Rule: "R12", Err: platform.ErrIllegalState,
			Msg: fmt.Sprintf("scheduled send %s is %s: only a send waiting for its slot can be cancelled", id, strings.ToLower(sd.State))}
		switch sd.State {
		case api.ScheduleCancelled:
			return sd, nil
		case api.ScheduleWaiting:
		default:
			return ScheduledSend{}, illegal
		}
		next := sd
		next.State, next.CancelledAt = api.ScheduleCancelled, now
		b, _ := json.Marshal(&next)
		res, err := redisCancel.Run(ctx, s.rdb, []string{rkSched + id, rkSchedLease, rkSchedDue, rkSchedSlots, rkSchedWaiting(mchID)}, raw, b, id).Text()
		if err != nil {
			return ScheduledSend{}, fmt.Errorf("redis store: cancel: %w", err)
		}
		switch res {
		case "ok":
			return next, nil
		case "running":
			illegal.Msg = fmt.Sprintf("scheduled send %s is executing: only a send waiting for its slot can be cancelled", id)
			return ScheduledSend{}, illegal
		}
	}
	return ScheduledSend{}, fmt.Errorf("redis store: scheduled send %s changed %d times while cancelling it", id, txRetries)
}

// DueSends claims up to max sends whose slot has come, each under a lease,
// and returns when the next waiting one is due (none: the next slot).
func (s *RedisStore) DueSends(ctx context.Context, now time.Time, max int) ([]ScheduledSend, time.Time, error) {
	v, err := redisDue.Run(ctx, s.rdb, []string{rkSchedDue, rkSchedLease, rkSchedSlots}, micros(now), max, redisLease.Milliseconds()).Slice()
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("redis store: due sends: %w", err)
	}
	// With none waiting, ask again at the next slot (the executor polls at
	// least every CallbackConfig.Poll): another process may schedule one.
	next := now.Add(platform.SlotLength)
	if str, _ := v[1].(string); str != "" {
		f, err := strconv.ParseFloat(str, 64)
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("redis store: due sends: next slot %q: %w", str, err)
		}
		next = time.UnixMicro(int64(f)).In(platform.Beijing)
	}
	raw, _ := v[0].([]any)
	ids := make([]string, 0, len(raw))
	for _, id := range raw {
		if str, ok := id.(string); ok {
			ids = append(ids, str)
		}
	}
	out, err := s.schedules(ctx, ids)
	return out, next, err
}

// FinishScheduledSend records a claimed send's outcome, or hands it back
// when r is still waiting, if this process still holds its lease (one
// that lapsed may have been taken again: the other process records it).
func (s *RedisStore) FinishScheduledSend(ctx context.Context, r ScheduledSend) error {
	b, _ := json.Marshal(&r)
	err := redisFinish.Run(ctx, s.rdb, []string{rkSchedLease, rkSchedDue, rkSchedSlots, rkSched + r.ID, rkSchedWaiting(r.MchID)},
		r.ID, b01(r.State == api.ScheduleWaiting), b).Err()
	if err != nil {
		return fmt.Errorf("redis store: finish scheduled send: %w", err)
	}
	return nil
}
