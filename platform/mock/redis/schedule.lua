-- schedule.lua records a scheduled send (R12) once per merchant and
-- out_request_no; Go has checked the binding, the stock and the slot.
-- KEYS: 1 idempotency key, 2 the send idempotency key of the same
--       out_request_no, 3 merchant's waiting count, 4 id sequence,
--       5 merchant's list, 6 due zset (slot µs), 7 slots hash (id → µs)
-- ARGV: 1 record key prefix, 2 JSON before the id, 3 after it,
--       4 most waiting per merchant, 5 slot (µs)
local prev = redis.call('GET', KEYS[1])
if prev then
  return {'replay', redis.call('GET', ARGV[1] .. prev) or ''}
end
if redis.call('EXISTS', KEYS[2]) == 1 then
  return {'sendused'}
end
if tonumber(redis.call('GET', KEYS[3]) or '0') >= tonumber(ARGV[4]) then
  return {'full'}
end
local id = string.format('SCH-%012d', redis.call('INCR', KEYS[4]))
redis.call('SET', ARGV[1] .. id, ARGV[2] .. id .. ARGV[3])
redis.call('SET', KEYS[1], id)
redis.call('INCR', KEYS[3])
redis.call('RPUSH', KEYS[5], id)
redis.call('HSET', KEYS[7], id, ARGV[5])
redis.call('ZADD', KEYS[6], ARGV[5], id)
return {'ok', id}
