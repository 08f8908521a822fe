-- wrk script: a closed loop of `adaptiveCard/action` invokes on a fixed
-- number of connections (-c). Each answer's card carries the request's next
-- step token, which the next click on that request must use, as a person
-- clicking in Teams would; a request is clicked by one connection at a time.
-- Threads (-t) split the lanes between them; one thread is plenty for a few
-- thousand requests a second and leaves the most CPU to the server.
--
-- Script arguments: the lanes file and the number of threads. The file holds:
--   line 1:  serviceUrl tenantId verb clicksPerRequest inputsJson
--   line 2+: aadObjectId [requestId stepToken]...   (no requests: a fresh id each click)

local thread_count = 0
local threads = {}

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_no", thread_count)
  table.insert(threads, thread)
end

local service_url, tenant_id, verb, clicks, inputs
local owners = {}   -- lanes of this thread without seeded requests (fresh ids)
local free = {}     -- seeded requests not in flight, oldest first
local head, tail = 1, 0
local inflight = {}
bad = 0

local function words(line)
  local out = {}
  for w in line:gmatch("%S+") do table.insert(out, w) end
  return out
end

function init(args)
  local thread_total = tonumber(args[2]) or 1
  local f = assert(io.open(args[1], "r"))
  local header = f:read("*l")
  service_url, tenant_id, verb, clicks, inputs = header:match("^(%S+) (%S+) (%S+) (%d+) (.*)$")
  clicks = tonumber(clicks)
  local n = 0
  for line in f:lines() do
    n = n + 1
    if (n - 1) % thread_total == thread_no - 1 then
      local w = words(line)
      if #w == 1 then table.insert(owners, w[1]) end
      for i = 2, #w, 2 do
        tail = tail + 1
        free[tail] = { aad = w[1], id = w[i], token = w[i + 1], used = 0 }
      end
    end
  end
  f:close()
  math.randomseed(os.time() + thread_no)
end

local function uuid()
  return (string.gsub("xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx", "x", function() return string.format("%x", math.random(0, 15)) end))
end

local function take()
  while true do
    assert(head <= tail, "ran out of seeded requests")
    local r = free[head]
    free[head] = nil
    head = head + 1
    if r.used < clicks then return r end
  end
end

function request()
  local aad, id, token
  if #owners > 0 then
    aad, id, token = owners[math.random(#owners)], uuid(), string.rep("x", 43)
  else
    local r = take()
    inflight[r.id] = r
    aad, id, token = r.aad, r.id, r.token
  end
  local body = string.format(
    '{"type":"invoke","name":"adaptiveCard/action","id":"%s","timestamp":"%s","serviceUrl":"%s","channelId":"msteams",'
      .. '"from":{"id":"29:%s","aadObjectId":"%s","name":"Bench User"},"recipient":{"id":"28:bot","name":"ResetDesk"},'
      .. '"conversation":{"id":"a:%s","conversationType":"personal","tenantId":"%s"},"channelData":{"tenant":{"id":"%s"}},'
      .. '"replyToId":"card-1","value":{"action":{"type":"Action.Execute","verb":"%s","data":{"requestId":"%s","stepToken":"%s",%s}},"trigger":"manual"}}',
    uuid(), os.date("!%Y-%m-%dT%H:%M:%SZ"), service_url, aad, aad, aad, tenant_id, tenant_id, verb, id, token, inputs)
  return wrk.format("POST", "/api/messages", { ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  if #owners > 0 then
    if status ~= 200 then bad = bad + 1 end
    return
  end
  -- The answer names its request; one without a next token is an error, and that request is not clicked again.
  local id = body:match('"requestId":"([0-9a-f-]+)"')
  local token = body:match('"stepToken":"([^"]+)"')
  local r = id and inflight[id]
  if status == 200 and r and token then
    inflight[id] = nil
    r.token, r.used = token, r.used + 1
    tail = tail + 1
    free[tail] = r
  else
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout + summary.errors.status
  for _, t in ipairs(threads) do errors = errors + t:get("bad") end
  io.write(string.format('RESULT {"requests":%d,"durationUs":%d,"errors":%d,"p50Us":%d,"p90Us":%d,"p99Us":%d}\n',
    summary.requests, summary.duration, errors, latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
