-- greygate: one triplet decision (store.TripletRule), atomically where the rows are.
-- KEYS[1] triplet row, KEYS[2] the client's auto-whitelist row (absent: AWL not consulted)
-- ARGV: now, delay, retryWindow, awlClients, awlInterval, and the TTLs store.Expiry computes:
--   a passed triplet's, a pending triplet's, a client's (seconds a row lives after it was last seen)
-- Rows are "first last attempts" (triplet; "first last", from before attempts were counted, reads
-- as attempts 0: not known) and "count last" (client), whole seconds.
-- Returns {kind, first, missing, firstPass (0/1), newlyWhitelisted (0/1)}.
local now = tonumber(ARGV[1])
local delay = tonumber(ARGV[2])
local retryWindow = tonumber(ARGV[3])
local awlClients = tonumber(ARGV[4])
local awlInterval = tonumber(ARGV[5])
local passedTtl = tonumber(ARGV[6])
local pendingTtl = tonumber(ARGV[7])
local clientTtl = tonumber(ARGV[8])
local useClient = awlClients > 0 and #KEYS > 1

local function pair(v)
  if not v then return nil end
  local a, b = string.match(v, '^(%-?%d+) (%-?%d+)$')
  if not a then return nil end
  return tonumber(a), tonumber(b)
end
local function fmt(x) return string.format('%.0f', x) end
local maxAttempts = 2147483647 -- store.TripletEntry.MAX_ATTEMPTS
local function triplet(v)
  if not v then return nil end
  local a, b, n = string.match(v, '^(%-?%d+) (%-?%d+) (%d+)$')
  if a then return tonumber(a), tonumber(b), tonumber(n) end
  a, b = pair(v)
  if a then return a, b, 0 end
  return nil
end

-- store.Expiry, its one copy in Lua (TripletRuleRedisDifferentialIT holds it to the Java): a row
-- lives its TTL after it was last seen, a triplet the longer one once its sightings lie a delay
-- apart; the same TTL is set when the row is written.
local function tripletTtl(first, last)
  if last - first >= delay then return passedTtl end
  return pendingTtl
end
local function dead(last, ttl) return now - last >= ttl end

local ccount, clast
if useClient then
  ccount, clast = pair(redis.call('GET', KEYS[2]))
  if ccount and dead(clast, clientTtl) then ccount = nil end
  if ccount and ccount >= awlClients then
    if now >= clast + awlInterval or clast > now then
      redis.call('SET', KEYS[2], fmt(ccount + 1) .. ' ' .. fmt(now), 'EX', clientTtl)
    end
    return {'AWL_PASS', fmt(now), '0', 0, 0}
  end
end

local f, l, n = triplet(redis.call('GET', KEYS[1]))
if f and dead(l, tripletTtl(f, l)) then f = nil end
local first = now
local attempts = 1
local passedBefore = false
if f then
  first = f
  -- one more attempt, saturating; not known (0) stays so
  if n <= 0 then attempts = 0 else attempts = math.min(n + 1, maxAttempts) end
  if l - first >= delay then
    passedBefore = true
  elseif now - first > retryWindow then
    first = now -- the first retry came too late: start over
    attempts = 1
  end
  if first > now then first = now end
end
if not f or f ~= first or l ~= now then
  redis.call('SET', KEYS[1], fmt(first) .. ' ' .. fmt(now) .. ' ' .. fmt(attempts), 'EX',
    tripletTtl(first, now))
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
