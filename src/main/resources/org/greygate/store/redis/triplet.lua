-- greygate: one triplet decision (store.TripletRule), atomically where the rows are.
-- KEYS[1] triplet row, KEYS[2] the client's auto-whitelist row (absent: AWL not consulted)
-- ARGV: now, delay, maxAge, retryWindow, awlClients, awlInterval
-- Rows are "first last" (triplet) and "count last" (client), whole seconds.
-- Returns {kind, first, missing, firstPass (0/1), newlyWhitelisted (0/1)}.
local now = tonumber(ARGV[1])
local delay = tonumber(ARGV[2])
local maxAge = tonumber(ARGV[3])
local retryWindow = tonumber(ARGV[4])
local awlClients = tonumber(ARGV[5])
local awlInterval = tonumber(ARGV[6])
local useClient = awlClients > 0 and #KEYS > 1

local function pair(v)
  if not v then return nil end
  local a, b = string.match(v, '^(%-?%d+) (%-?%d+)$')
  if not a then return nil end
  return tonumber(a), tonumber(b)
end
local function fmt(x) return string.format('%.0f', x) end
local clientTtl = maxAge + 1

local ccount, clast
if useClient then
  ccount, clast = pair(redis.call('GET', KEYS[2]))
  if ccount and now - clast > maxAge then ccount = nil end
  if ccount and ccount >= awlClients then
    if now >= clast + awlInterval or clast > now then
      redis.call('SET', KEYS[2], fmt(ccount + 1) .. ' ' .. fmt(now), 'EX', clientTtl)
    end
    return {'AWL_PASS', fmt(now), '0', 0, 0}
  end
end

local f, l = pair(redis.call('GET', KEYS[1]))
if f and (now - l > maxAge or (l - f < delay and now - l > retryWindow)) then f = nil end
local first = now
local passedBefore = false
if f then
  first = f
  if l - first >= delay then
    passedBefore = true
  elseif now - first > retryWindow then
    first = now -- the first retry came too late: start over
  end
  if first > now then first = now end
end
if not f or f ~= first or l ~= now then
  local ttl
  if now - first >= delay then ttl = maxAge + 1 else ttl = math.min(maxAge, retryWindow) + 1 end
  redis.call('SET', KEYS[1], fmt(first) .. ' ' .. fmt(now), 'EX', ttl)
end

local missing = delay - (now - first)
local newly = 0
-- as the Java rules: decided even without a client row to write (then nothing is written)
if awlClients > 0 and missing <= 0 and not passedBefore then
  if not ccount or now >= clast + awlInterval then
    local count = (ccount or 0) + 1
    if useClient then
      redis.call('SET', KEYS[2], fmt(count) .. ' ' .. fmt(now), 'EX', clientTtl)
    end
    if count == awlClients then newly = 1 end
  end
end
local kind
if missing > 0 then
  if now ~= first then kind = 'EARLY_RETRY' else kind = 'NEW' end
else
  kind = 'PASS'
end
local firstPass = 0
if missing <= 0 and not passedBefore then firstPass = 1 end
return {kind, fmt(first), fmt(missing), firstPass, newly}
