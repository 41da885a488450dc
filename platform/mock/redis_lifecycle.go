package mock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"giftsim/platform"
)

// The coupon lifecycle on the Redis store (gift, claim, refuse, redeem,
// recover). Each step needs the coupon's state and runs the rules of
// package platform in Go (Next, CheckGift, CheckClaim, CheckIPClaim,
// CheckReceive, CheckRecover), so each is one optimistic transaction:
// WATCH the coupon and the user and IP keys the rules read, read them, run
// the rules, and write with MULTI/EXEC; a concurrent change of any watched
// key (a send's script included) makes it run again. Contention is per
// coupon and per user, so retries are rare, unlike the quota a send
// shares with every other send of its merchant.

// More Redis keys (redis.go has the rest).
func rkChat(openid string) string      { return rk + "chat:" + openid } // hash: day, count (C1)
func rkIP(ip netip.Addr) string        { return rk + "ip:" + ip.String() }
func rkSensitive(openid string) string { return rk + "sensitive:" + openid }

// txRetries bounds the optimistic retries of one operation.
const txRetries = 64

// watch runs fn under WATCH keys until its transaction commits: fn reads
// through tx and returns the writes to make (nil: none) or an error.
func (s *RedisStore) watch(ctx context.Context, keys []string, fn func(tx *redis.Tx) (func(p redis.Pipeliner), error)) error {
	for range txRetries {
		err := s.rdb.Watch(ctx, func(tx *redis.Tx) error {
			write, err := fn(tx)
			if err != nil || write == nil {
				return err
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error { write(p); return nil })
			return err
		}, keys...)
		if errors.Is(err, redis.TxFailedErr) {
			continue
		}
		if err != nil && platform.CodeOf(err) == platform.CodeSystemError && !errors.Is(err, ErrStoreFailed) {
			err = fmt.Errorf("redis store: %w", err)
		}
		return err
	}
	return fmt.Errorf("redis store: %d conflicting changes in a row on %v", txRetries, keys)
}

// readCoupon reads one coupon through tx (nil, nil: none).
func readCoupon(ctx context.Context, tx *redis.Tx, id string) (*Coupon, error) {
	b, err := tx.Get(ctx, rkCoupon+id).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	c := &Coupon{}
	if err := json.Unmarshal(b, c); err != nil {
		return nil, fmt.Errorf("coupon %s: %w", id, err)
	}
	return c, nil
}

// couponOf reads a coupon of mch (and stockID if set) and settles it at now.
func couponOf(ctx context.Context, tx *redis.Tx, mch, id, stockID string, now time.Time) (*Coupon, error) {
	c, err := readCoupon(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if c == nil || c.MchID != mch || (stockID != "" && stockID != c.StockID) {
		return nil, fmt.Errorf("%w: coupon %q of merchant %q", platform.ErrNotFound, id, mch)
	}
	c.settle(now)
	return c, nil
}

// blockedUntil reads openid's refusal block for kind (R15).
func blockedUntil(ctx context.Context, tx *redis.Tx, openid string, kind platform.Kind, now time.Time) (time.Time, error) {
	v, err := tx.HGet(ctx, rkBlock(openid), strconv.Itoa(int(kind))).Int64()
	if errors.Is(err, redis.Nil) || (err == nil && v == 0) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	return time.UnixMicro(v).In(now.Location()), nil
}

// receivedIn counts openid's receives after now−window (R16), as
// userState.receivedIn.
func (s *RedisStore) receivedIn(ctx context.Context, tx *redis.Tx, openid string, now time.Time) (int, error) {
	n, err := tx.ZCount(ctx, rkRecv(openid), "("+strconv.FormatInt(micros(now.Add(-s.e.risk.ReceiveWindow)), 10), "+inf").Result()
	return int(n), err
}

// putCoupon queues the coupon's record.
func putCoupon(ctx context.Context, p redis.Pipeliner, c *Coupon) {
	b, _ := json.Marshal(c)
	p.Set(ctx, rkCoupon+c.ID, b, 0)
}

func (s *RedisStore) Gift(ctx context.Context, op GiftOp) (Coupon, error) {
	_, from, err := s.e.binding(op.MchID, op.AppID, op.OpenID)
	if err != nil {
		return Coupon{}, err
	}
	_, to, err := s.e.binding(op.MchID, op.AppID, op.ToOpenID)
	if err != nil {
		return Coupon{}, err
	}
	var out Coupon
	err = s.watch(ctx, []string{rkCoupon + op.CouponID, rkChat(op.OpenID), rkBlock(op.ToOpenID)}, func(tx *redis.Tx) (func(redis.Pipeliner), error) {
		c, err := couponOf(ctx, tx, op.MchID, op.CouponID, "", op.Now)
		var next platform.State
		if err == nil {
			next, err = giftStep(c, op)
		}
		if err != nil {
			return nil, err
		}
		st, err := s.stockRule(ctx, c.StockID, c.MchID)
		if err != nil {
			return nil, err
		}
		day := dayOf(op.Now)
		chat, err := tx.HMGet(ctx, rkChat(op.OpenID), "day", "count").Result()
		if err != nil {
			return nil, err
		}
		chatToday := 0
		if d, _ := chat[0].(string); d == strconv.Itoa(int(day)) {
			n, _ := chat[1].(string)
			chatToday, _ = strconv.Atoi(n)
		}
		blocked, err := blockedUntil(ctx, tx, op.ToOpenID, c.Kind, op.Now)
		if err != nil {
			return nil, err
		}
		if err := platform.CheckGift(platform.GiftCheck{
			Stock: st.Rule, Transfers: c.Transfers, SenderBankCard: from.bankCard, SenderChatToday: chatToday,
			RecipientRealName: to.realName, RecipientBlockedUntil: blocked, Now: op.Now,
		}); err != nil {
			return nil, err
		}
		c.State, c.Recipient, c.OfferedAt = next, op.ToOpenID, op.Now
		out = *c
		return func(p redis.Pipeliner) {
			putCoupon(ctx, p, c)
			p.HSet(ctx, rkChat(op.OpenID), "day", int(day), "count", chatToday+1)
		}, nil
	})
	return out, err
}

// offer finds a coupon offered to op.OpenID, refusing a closed claim
// window (R9) before the return is applied (the memory engine's offer).
func offer(ctx context.Context, tx *redis.Tx, op CouponOp) (*Coupon, error) {
	c, err := readCoupon(ctx, tx, op.CouponID)
	if err != nil {
		return nil, err
	}
	if c == nil || c.MchID != op.MchID {
		return nil, fmt.Errorf("%w: coupon %q of merchant %q", platform.ErrNotFound, op.CouponID, op.MchID)
	}
	if c.State == platform.StateOffered && c.Recipient == op.OpenID {
		if err := platform.CheckClaim(c.OfferedAt, op.Now); err != nil {
			return nil, err
		}
	}
	c.settle(op.Now)
	if c.State != platform.StateOffered || c.Recipient != op.OpenID {
		return nil, fmt.Errorf("%w: coupon %q is not offered to openid %q", platform.ErrNotFound, op.CouponID, op.OpenID)
	}
	return c, nil
}

func (s *RedisStore) Claim(ctx context.Context, op ClaimOp) (Coupon, error) {
	if _, _, err := s.e.binding(op.MchID, op.AppID, op.OpenID); err != nil {
		return Coupon{}, err
	}
	ip := op.IP.Unmap()
	abnormal := s.e.isAbnormal(ip)
	keys := []string{rkCoupon + op.CouponID, rkRecv(op.OpenID)}
	if abnormal {
		keys = append(keys, rkIP(ip))
	}
	var out Coupon
	err := s.watch(ctx, keys, func(tx *redis.Tx) (func(redis.Pipeliner), error) {
		c, err := offer(ctx, tx, CouponOp{MchID: op.MchID, AppID: op.AppID, OpenID: op.OpenID, CouponID: op.CouponID, Now: op.Now})
		if err != nil {
			return nil, err
		}
		cut := micros(op.Now.Add(-s.e.risk.IPWindow))
		claims := 0
		if abnormal {
			n, err := tx.ZCount(ctx, rkIP(ip), "("+strconv.FormatInt(cut, 10), "+inf").Result()
			if err != nil {
				return nil, err
			}
			claims = int(n)
		}
		if err := s.e.risk.CheckIPClaim(abnormal, claims); err != nil {
			return nil, err
		}
		recv, err := s.receivedIn(ctx, tx, op.OpenID, op.Now)
		if err != nil {
			return nil, err
		}
		if err := s.e.risk.CheckReceive(recv); err != nil {
			return nil, err
		}
		next, err := platform.Next(c.State, platform.EventClaim)
		if err != nil {
			return nil, err
		}
		c.State, c.Holder, c.Recipient, c.ClaimedAt = next, op.OpenID, "", op.Now
		c.Transfers++
		out = *c
		return func(p redis.Pipeliner) {
			putCoupon(ctx, p, c)
			p.ZAdd(ctx, rkRecv(op.OpenID), redis.Z{Score: float64(micros(op.Now)), Member: "claim:" + c.ID + ":" + strconv.FormatInt(micros(op.Now), 10)})
			p.RPush(ctx, rkUserCoupons(op.OpenID), c.ID)
			if abnormal { // R17: claims from an abnormal IP, kept for the window
				p.ZRemRangeByScore(ctx, rkIP(ip), "-inf", strconv.FormatInt(cut, 10))
				p.ZAdd(ctx, rkIP(ip), redis.Z{Score: float64(micros(op.Now)), Member: c.ID + ":" + strconv.FormatInt(micros(op.Now), 10)})
				p.Expire(ctx, rkIP(ip), s.wallOf(s.e.risk.IPWindow)+time.Second)
			}
		}, nil
	})
	return out, err
}

// wallOf converts a platform duration to wall time at the anchor's day
// length (a 10 s day makes R17's day 10 s of wall time).
func (s *RedisStore) wallOf(d time.Duration) time.Duration {
	if a := s.anchor.Load(); a != nil && a.Day > 0 {
		return time.Duration(float64(d) * float64(a.Day) / float64(platform.Day))
	}
	return d
}

func (s *RedisStore) Refuse(ctx context.Context, op CouponOp) (Coupon, error) {
	if _, _, err := s.e.binding(op.MchID, op.AppID, op.OpenID); err != nil {
		return Coupon{}, err
	}
	var out Coupon
	err := s.watch(ctx, []string{rkCoupon + op.CouponID}, func(tx *redis.Tx) (func(redis.Pipeliner), error) {
		c, err := offer(ctx, tx, op)
		if err != nil {
			return nil, err
		}
		next, err := platform.Next(c.State, platform.EventRefuse)
		if err != nil {
			return nil, err
		}
		c.State, c.Recipient = next, ""
		out = *c
		return func(p redis.Pipeliner) {
			putCoupon(ctx, p, c)
			// R15: no coupon of this kind for 24 hours; the send script reads it.
			p.HSet(ctx, rkBlock(op.OpenID), strconv.Itoa(int(c.Kind)), micros(op.Now.Add(platform.RefusalBlock)))
			p.Set(ctx, rkSensitive(op.OpenID), 1, 0)
		}, nil
	})
	return out, err
}

func (s *RedisStore) Redeem(ctx context.Context, op CouponOp) (Coupon, error) {
	_, u, err := s.e.binding(op.MchID, op.AppID, op.OpenID)
	if err != nil {
		return Coupon{}, err
	}
	var out Coupon
	err = s.watch(ctx, []string{rkCoupon + op.CouponID}, func(tx *redis.Tx) (func(redis.Pipeliner), error) {
		c, err := couponOf(ctx, tx, op.MchID, op.CouponID, op.StockID, op.Now)
		if err == nil {
			err = redeem(c, op.OpenID, u.member, op.Now)
		}
		if err != nil {
			return nil, err
		}
		out = *c
		return func(p redis.Pipeliner) { putCoupon(ctx, p, c) }, nil
	})
	return out, err
}

func (s *RedisStore) Recover(ctx context.Context, op CouponOp) (Coupon, error) {
	var out Coupon
	err := s.watch(ctx, []string{rkCoupon + op.CouponID}, func(tx *redis.Tx) (func(redis.Pipeliner), error) {
		c, err := couponOf(ctx, tx, op.MchID, op.CouponID, op.StockID, op.Now)
		if err == nil && c.State == platform.StatePurged {
			err = platform.CheckRecover(c.RecycledAt, op.Now)
		}
		var next platform.State
		if err == nil {
			next, err = platform.Next(c.State, platform.EventRecover)
		}
		if err != nil {
			return nil, err
		}
		st, err := s.stockRule(ctx, c.StockID, c.MchID)
		if err != nil {
			return nil, err
		}
		c.State, c.RecoveredAt, c.Fee = next, op.Now, c.Fee+platform.RecoveryFee(c.Face)
		c.ExpiresAt = op.Now.Add(st.Rule.Validity)
		out = *c
		return func(p redis.Pipeliner) { putCoupon(ctx, p, c) }, nil
	})
	return out, err
}
