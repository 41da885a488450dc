-- seed_stock.lua writes a fixture stock unless the store has it already.
-- KEYS: 1 stock hash, 2 merchant's stock set
-- ARGV: 1 stock JSON, 2 status, 3 stock id
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'doc', ARGV[1], 'status', ARGV[2], 'issued', 0)
redis.call('SADD', KEYS[2], ARGV[3])
return 1
