-- greygate: a sliding-window counter (store.WindowCounter), atomically.
-- KEYS[1] the row: "window width start0 count0 start1 count1 ..." (slots oldest first)
-- ARGV: now, window, amount, limit
-- Returns {sum, counted (0/1)}.
local SLOTS = 60
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local amount = tonumber(ARGV[3])
local limit = tonumber(ARGV[4])
local width = math.floor((window + SLOTS - 1) / SLOTS)
local slot = now - (now % width)
local function fmt(x) return string.format('%.0f', x) end

local live = {}
local stored = redis.call('GET', KEYS[1])
if stored then
  local n = {}
  for x in string.gmatch(stored, '%-?%d+') do n[#n + 1] = tonumber(x) end
  if #n >= 2 and #n % 2 == 0 then
    for i = 3, #n - 1, 2 do
      -- a slot of the stored width overlapping (now - window, now]; future slots are kept
      if n[i] + n[2] > now - window then
        live[#live + 1] = n[i]
        live[#live + 1] = n[i + 1]
      end
    end
  end
end
local sum = 0
for i = 2, #live, 2 do sum = sum + live[i] end

local function save()
  local parts = {fmt(window), fmt(width)}
  for i = 1, #live do parts[#parts + 1] = fmt(live[i]) end
  redis.call('SET', KEYS[1], table.concat(parts, ' '), 'EX', window + width + 1)
end

if amount < 0 then
  local left = -amount
  local i = #live - 1
  while i >= 1 and left > 0 do
    local take = math.min(left, live[i + 1])
    live[i + 1] = live[i + 1] - take
    left = left - take
    i = i - 2
  end
  save()
  return {fmt(sum - (-amount - left)), 1}
end
if amount == 0 or sum + amount > limit then
  return {fmt(sum), 0}
end
if #live >= 2 and live[#live - 1] == slot then
  live[#live] = live[#live] + amount
else
  live[#live + 1] = slot
  live[#live + 1] = amount
end
save()
return {fmt(sum + amount), 1}
