-- wrk script for bench/server_load.sh: POSTs the JSON bodies of BODIES_FILE
-- (one per line) to PATH_ in turn, and prints one JSON line at the end with
-- requests/s and latency percentiles (ms).
local bodies = {}
local index = 0

function init(args)
  for line in io.lines(os.getenv("BODIES_FILE")) do bodies[#bodies + 1] = line end
  -- Each wrk thread starts at a different place so threads do not send the same texts at once.
  index = math.random(#bodies)
end

function request()
  index = index % #bodies + 1
  return wrk.format("POST", os.getenv("ROUTE") or "/embed", {["Content-Type"] = "application/json"}, bodies[index])
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"requests_per_s":%.2f,"p50_ms":%.3f,"p99_ms":%.3f,"errors":%d,"non_2xx":%d}\n',
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
