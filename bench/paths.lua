-- wrk script: spread requests over many URLs and report one JSON line.
--
--   wrk ... -s bench/paths.lua http://127.0.0.1:PORT -- PATHS_FILE [COOKIE]
--
-- PATHS_FILE holds one path per line (/disclosures/123, /search?q=...); each request
-- takes one at random, so a page is measured over many ids or words, not one cached row.
-- COOKIE, when given, is sent with every request (a signed-in inspector's session).
-- done() prints a line starting with "BENCH_JSON " that bench/run.py reads.

local paths = {}
local cookie = nil

function init(args)
  local file = assert(io.open(args[1], "r"))
  for line in file:lines() do
    if #line > 0 then paths[#paths + 1] = line end
  end
  file:close()
  cookie = args[2]
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0) % 100000)
end

-- A phone's browser, as residents send it (the access log masks the digits in it), and a mark.
local agent = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36 portal-bench"

function request()
  local headers = { ["User-Agent"] = agent }
  if cookie and #cookie > 0 then headers["Cookie"] = cookie end
  return wrk.format("GET", paths[math.random(#paths)], headers)
end

-- Every answer other than 200 is counted by its status (404, 302, 500 …): a redirect to
-- the login page would otherwise pass for a very fast dashboard, and a 404 for a very
-- fast document. The counts must be globals of each thread's own Lua state, since
-- thread:get() in done() reads only globals (a `local` here always read back as nil).
statuses = {}
local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

function response(status, headers, body)
  if status ~= 200 then
    local key = tostring(status)
    statuses[key] = (statuses[key] or 0) + 1
  end
end

function done(summary, latency, requests)
  local merged, bad = {}, 0
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses") or {}) do
      merged[status] = (merged[status] or 0) + count
      bad = bad + count
    end
  end
  local parts = {}
  for status, count in pairs(merged) do
    parts[#parts + 1] = string.format('"%s": %d', status, count)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "non200": %d, "statuses": {%s}, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p95": %d, "p99": %d, "max": %d, "mean": %.1f}}\n',
    summary.requests, summary.duration, bad, table.concat(parts, ", "), e.connect, e.read,
    e.write, e.status, e.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency.max, latency.mean))
end
