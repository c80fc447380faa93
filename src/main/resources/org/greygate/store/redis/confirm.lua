-- greygate: the write a WAIT counts on (store.redis.RedisDurability). Redis's WAIT covers the
-- writes of the connection it is sent on; the decision wrote its row on another, shared one. This
-- rewrites the row as it is now (same value, same TTL), so that this connection has written after
-- the decision and its WAIT holds for the decision's row too: replication keeps the order.
-- KEYS[1] the row; ARGV[1] its value as the decision wrote it, ARGV[2] its TTL in seconds.
-- A row gone meanwhile (lost by a failover between the two) is written again, as the decision did.
-- Returns 1 when the row was there, 0 when it was written again.
local v = redis.call('GET', KEYS[1])
if v then
  redis.call('SET', KEYS[1], v, 'KEEPTTL')
  return 1
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 0
