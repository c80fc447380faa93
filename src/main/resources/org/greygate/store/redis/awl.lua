-- greygate: a client's auto-whitelist row on its own, for a triplet whose row lives in another
-- cluster slot (store.TripletRule split in two scripts: this 'check', triplet.lua on the triplet
-- alone, then this 'count' when the triplet passed for the first time). Each is atomic; the three
-- together are not (see docs/multi-mx.md).
-- KEYS[1] the client row ("count last")
-- ARGV: mode ('check' or 'count'), now, awlClients, awlInterval, clientTtl
-- check: returns 1 when the client is auto-whitelisted (its row updated as triplet.lua does), else 0
-- count: counts a first pass as triplet.lua does; returns 1 when the client became whitelisted
local mode = ARGV[1]
local now = tonumber(ARGV[2])
local awlClients = tonumber(ARGV[3])
local awlInterval = tonumber(ARGV[4])
local clientTtl = tonumber(ARGV[5])

local function fmt(x) return string.format('%.0f', x) end
local ccount, clast
local v = redis.call('GET', KEYS[1])
if v then
  local a, b = string.match(v, '^(%-?%d+) (%-?%d+)$')
  if a then
    ccount, clast = tonumber(a), tonumber(b)
    if now - clast >= clientTtl then ccount = nil end
  end
end

if mode == 'check' then
  if ccount and ccount >= awlClients then
    if now >= clast + awlInterval or clast > now then
      redis.call('SET', KEYS[1], fmt(ccount + 1) .. ' ' .. fmt(now), 'EX', clientTtl)
    end
    return 1
  end
  return 0
end

if not ccount or now >= clast + awlInterval then
  local count = (ccount or 0) + 1
  redis.call('SET', KEYS[1], fmt(count) .. ' ' .. fmt(now), 'EX', clientTtl)
  if count == awlClients then return 1 end
end
return 0
