-- send.lua issues one coupon atomically (R11, C3, R15, R16, stock limits).
-- The Go side (redis.go, redisSend) computes every threshold from package
-- platform; this script only compares the shared counters against them and
-- writes. A refusal returns the counters read, from which Go names the rule.
--
-- KEYS: 1 idempotency key, 2 stock hash, 3 quota counter of the day,
--       4 per-user counts of the stock (hash), 5 face value issued by the
--       stock today, 6 user's receive times (zset, µs), 7 user's refusal
--       blocks (hash kind → µs), 8 coupon id sequence, 9 user's coupon list,
--       10 stock's coupon list
-- ARGV: 1 coupon key prefix, 2 openid, 3 quota, 4 max_coupons,
--       5 once-per-user channel (0/1), 6 max_coupons_per_user,
--       7 max_amount_by_day, 8 face, 9 now (µs), 10 R16 cut (µs, exclusive),
--       11 R16 burst, 12 kind, 13 inside the stock's window (0/1),
--       14 coupon JSON before the id, 15 coupon JSON after the id,
--       16 count per user (0/1), 17 running status value
local prev = redis.call('GET', KEYS[1])
if prev then
  return {'replay', prev, redis.call('GET', ARGV[1] .. prev) or ''}
end
local st = redis.call('HMGET', KEYS[2], 'status', 'issued')
if not st[1] then
  return {'nostock'}
end
-- The counters are kept as Redis returned them for the refusal: Lua's
-- numbers are doubles, and tostring would print a µs time as 1.7e+15.
local raw = {st[1], st[2] or '0', redis.call('GET', KEYS[3]) or '0', redis.call('HGET', KEYS[4], ARGV[2]) or '0',
  redis.call('GET', KEYS[5]) or '0', redis.call('HGET', KEYS[7], ARGV[12]) or '0'}
local status, issued, used, from, today, blocked =
  tonumber(raw[1]), tonumber(raw[2]), tonumber(raw[3]), tonumber(raw[4]), tonumber(raw[5]), tonumber(raw[6])
local now = tonumber(ARGV[9])
redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', ARGV[10])
local recv = redis.call('ZCARD', KEYS[6])
local maxc, maxu, maxa, face = tonumber(ARGV[4]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local ok = status == tonumber(ARGV[17]) and ARGV[13] == '1'
  and (maxu == 0 or from < maxu)
  and (maxa == 0 or today + face <= maxa)
  and (maxc == 0 or issued < maxc)
  and used < tonumber(ARGV[3])
  and not (ARGV[5] == '1' and from > 0)
  and now >= blocked
  and recv < tonumber(ARGV[11])
if not ok then
  return {'refused', raw[1], raw[2], raw[3], raw[4], raw[5], raw[6], tostring(recv)}
end
local id = tostring(redis.call('INCR', KEYS[8]))
redis.call('SET', ARGV[1] .. id, ARGV[14] .. id .. ARGV[15])
redis.call('SET', KEYS[1], id)
redis.call('INCR', KEYS[3])
redis.call('HINCRBY', KEYS[2], 'issued', 1)
if ARGV[16] == '1' then
  redis.call('HINCRBY', KEYS[4], ARGV[2], 1)
end
if maxa > 0 then
  redis.call('INCRBY', KEYS[5], face)
end
redis.call('ZADD', KEYS[6], now, id)
redis.call('RPUSH', KEYS[9], id)
redis.call('RPUSH', KEYS[10], id)
return {'ok', id}
