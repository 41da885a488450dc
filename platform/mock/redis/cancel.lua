-- cancel.lua cancels a waiting scheduled send if its record is still the
-- one Go read (compare and set) and no process holds it.
-- KEYS: 1 the record, 2 lease zset, 3 due zset, 4 slots hash, 5 the
--       merchant's waiting count
-- ARGV: 1 the record as read, 2 the cancelled record, 3 id
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 'changed'
end
if redis.call('ZSCORE', KEYS[2], ARGV[3]) then
  return 'running'
end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[3])
redis.call('HDEL', KEYS[4], ARGV[3])
redis.call('DECR', KEYS[5])
return 'ok'
