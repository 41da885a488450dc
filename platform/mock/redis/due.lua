-- due.lua claims the scheduled sends whose slot has come, each with a
-- lease: a process that dies holding one lets it go back to the due set
-- when the lease ends, and no two processes hold one at once.
-- KEYS: 1 due zset (slot µs), 2 lease zset (lease end, Redis ms),
--       3 slots hash (id → slot µs)
-- ARGV: 1 now (platform µs), 2 most to claim, 3 lease (ms)
local t = redis.call('TIME')
local wall = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', wall)) do
  redis.call('ZREM', KEYS[2], id)
  local slot = redis.call('HGET', KEYS[3], id)
  if slot then
    redis.call('ZADD', KEYS[1], slot, id)
  end
end
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZADD', KEYS[2], wall + tonumber(ARGV[3]), id)
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {ids, first[2] or ''}
