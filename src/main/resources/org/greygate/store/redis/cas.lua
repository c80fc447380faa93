-- greygate: write rows only if they are still as they were read (a step the store cannot run
-- here: read, decided in Java, then this). KEYS: the rows (1 or 2).
-- ARGV per key i (4 each): expected ("" with flag 0 = absent), expectedPresent (0/1),
--   new value ("" = leave as is), ttl seconds
-- Returns 1 when written, 0 when a row changed meanwhile (the step is tried again).
for i = 1, #KEYS do
  local base = (i - 1) * 4
  local now = redis.call('GET', KEYS[i])
  if ARGV[base + 2] == '1' then
    if now ~= ARGV[base + 1] then return 0 end
  elseif now then
    return 0
  end
end
for i = 1, #KEYS do
  local base = (i - 1) * 4
  if ARGV[base + 3] ~= '' then
    redis.call('SET', KEYS[i], ARGV[base + 3], 'EX', tonumber(ARGV[base + 4]))
  end
end
return 1
