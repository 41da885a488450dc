-- create_stock.lua creates a stock once per merchant and out_request_no.
-- KEYS: 1 idempotency key, 2 stock id sequence, 3 merchant's stock set
-- ARGV: 1 stock key prefix, 2 stock JSON before the id, 3 after the id,
--       4 status, 5 first stock id
local prev = redis.call('GET', KEYS[1])
if prev then
  return {'replay', prev, redis.call('HGET', ARGV[1] .. prev, 'doc') or ''}
end
redis.call('SET', KEYS[2], tonumber(ARGV[5]) - 1, 'NX')
local id
repeat
  id = tostring(redis.call('INCR', KEYS[2]))
until redis.call('EXISTS', ARGV[1] .. id) == 0
redis.call('HSET', ARGV[1] .. id, 'doc', ARGV[2] .. id .. ARGV[3], 'status', ARGV[4], 'issued', 0)
redis.call('SET', KEYS[1], id)
redis.call('SADD', KEYS[3], id)
return {'ok', id}
