-- greygate: delete a row the sweep found dead, unless it changed since it was read.
-- KEYS[1] the row, ARGV[1] its value as read. Returns 1 when deleted.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
