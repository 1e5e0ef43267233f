-- wrk script for bench/api_load.py: cycles through the request paths in $PATHS (one a line),
-- each thread from its own offset, with the bearer token and purpose from the environment;
-- counts every status, and prints the figures as one JSON line when done.
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
  i = id * 7919
  statuses = {}
  headers = {["Authorization"] = "Bearer " .. os.getenv("TOKEN"),
             ["X-Purpose"] = os.getenv("PURPOSE")}
end

function request()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1], headers)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(counts) do parts[#parts + 1] = string.format('"%d": %d', status, n) end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, ' ..
    '"socket_errors": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout, table.concat(parts, ", ")))
end
