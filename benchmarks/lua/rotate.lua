-- wrk script for benchmarks/soak.py: rotate over the paths listed in the PATHS file
-- (one per line), send a validator on every other request, close the connection after
-- every 16th, and count statuses that are neither 200 nor 304 per thread.
local paths = {}
local threads = {}
local counter = 0

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    local path, etag = line:match("^(%S+)%s*(.*)$")
    table.insert(paths, {path = path, etag = etag})
  end
  bad = 0
  statuses = {}
end

function request()
  counter = counter + 1
  local entry = paths[(counter % #paths) + 1]
  local headers = {}
  if counter % 2 == 0 and entry.etag ~= "" then
    headers["If-None-Match"] = entry.etag
  end
  if counter % 3 == 0 then
    headers["Accept-Encoding"] = "gzip"
  end
  -- A fresh connection now and then: keep-alive connections all accepted by one worker
  -- would leave the others untested (gunicorn's workers share one listening socket).
  if counter % 16 == 0 then
    headers["Connection"] = "close"
  end
  return wrk.format("GET", entry.path, headers)
end

function response(status, headers, body)
  if status ~= 200 and status ~= 304 then
    bad = bad + 1
  end
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total_bad = 0
  local merged = {}
  for _, thread in ipairs(threads) do
    total_bad = total_bad + thread:get("bad")
    for status, count in pairs(thread:get("statuses")) do
      merged[status] = (merged[status] or 0) + count
    end
  end
  io.write(string.format("SOAK requests=%d bad=%d socket_errors=%d\n", summary.requests,
    total_bad, summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout))
  for status, count in pairs(merged) do
    io.write(string.format("SOAK status %d %d\n", status, count))
  end
end
