-- finish.lua records a claimed scheduled send's outcome, or hands it back
-- to the due set (release), if this process still holds its lease.
-- KEYS: 1 lease zset, 2 due zset, 3 slots hash, 4 the record, 5 the
--       merchant's waiting count
-- ARGV: 1 id, 2 release (0/1), 3 the record with its outcome
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then
  return 0
end
if ARGV[2] == '1' then
  redis.call('ZADD', KEYS[2], redis.call('HGET', KEYS[3], ARGV[1]), ARGV[1])
  return 1
end
redis.call('SET', KEYS[4], ARGV[3])
redis.call('DECR', KEYS[5])
redis.call('HDEL', KEYS[3], ARGV[1])
return 1
