-- Shared by the scenario scripts (loaded with dofile): status counting across wrk threads, and one
-- machine-readable result line per run, which loadtests/run.sh parses:
--   OTS_RESULT {"scenario":"reveal","requests":...,"rps":...,"latency_us":{"p50":...},"statuses":{"200":...},...}
-- wrk runs one Lua state per thread (shared by that thread's connections) plus one for setup()/done(); counters
-- live in each thread's globals and are summed in done() through thread:get().
local ots = {}

local threads = {}

-- setup() runs in the main state once per thread, before its init(): number the threads and keep them for done().
function ots.setup(thread)
   table.insert(threads, thread)
   thread:set("thread_id", #threads)
end

-- Per-thread counters (globals, so thread:get can read them).
statuses = {}
counters = {}

function ots.count_status(status)
   statuses[status] = (statuses[status] or 0) + 1
end

function ots.add(name, n)
   counters[name] = (counters[name] or 0) + (n or 1)
end

-- "key=value" script arguments (after wrk's "--"), e.g. keys=/tmp/x.
function ots.args(argv)
   local options = {}
   for _, arg in ipairs(argv or {}) do
      local k, v = arg:match("^([%w_]+)=(.*)$")
      if k then options[k] = v end
   end
   return options
end

-- A printable random string of n characters from the base64url alphabet (no JSON escaping needed).
local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
function ots.random_text(n)
   local parts = {}
   for i = 1, n do
      local j = math.random(1, #alphabet)
      parts[i] = alphabet:sub(j, j)
   end
   return table.concat(parts)
end

-- The key of a 201 body {"secret_key":"..."} (43 base64url characters), or nil.
function ots.key_of(body)
   return body:match('"secret_key"%s*:%s*"([%w_%-]+)"')
end

local function sum_threads(name)
   local total = {}
   for _, thread in ipairs(threads) do
      for k, v in pairs(thread:get(name) or {}) do
         total[k] = (total[k] or 0) + v
      end
   end
   return total
end

local function json_object(t)
   local keys = {}
   for k in pairs(t) do keys[#keys + 1] = k end
   table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
   local parts = {}
   for _, k in ipairs(keys) do
      local v = t[k]
      local text = type(v) == "table" and json_object(v)
         or type(v) == "string" and string.format("%q", v)
         or type(v) == "boolean" and tostring(v)
         or string.format("%.17g", v)
      parts[#parts + 1] = string.format('"%s":%s', tostring(k), text)
   end
   return "{" .. table.concat(parts, ",") .. "}"
end

-- The value of a global of each thread (nil where unset), in thread order.
function ots.thread_values(name)
   local values = {}
   for i, thread in ipairs(threads) do values[i] = thread:get(name) end
   return values, #threads
end

-- Prints a human summary and the OTS_RESULT line. spec:
--   scenario  its name
--   expected  the set of statuses it expects ({[201] = true}); nil: judge by wrk's own count of statuses > 399
--             only (for scripts without a response() callback)
--   check     optional function(statuses, counters) run first, returning a table that may set: extra (more
--             unexpected responses), note, scenario, expected (replacing the spec's), duration_s (the time the
--             threads actually ran, when it was shorter than -d)
function ots.done(summary, latency, spec)
   local statuses_total = sum_threads("statuses")
   local counters_total = sum_threads("counters")
   local verdict = spec.check and spec.check(statuses_total, counters_total) or {}
   local scenario = verdict.scenario or spec.scenario
   local expected = verdict.expected or spec.expected

   local unexpected = verdict.extra or 0
   if expected then
      for status, n in pairs(statuses_total) do
         if not expected[status] then unexpected = unexpected + n end
      end
   else
      unexpected = unexpected + summary.errors.status
   end

   local seconds = verdict.duration_s or summary.duration / 1e6
   local status_text = {}
   for status, n in pairs(statuses_total) do status_text[tostring(status)] = n end
   local result = {
      scenario = scenario,
      requests = summary.requests,
      duration_s = seconds,
      rps = summary.requests / seconds,
      latency_us = {
         p50 = latency:percentile(50), p90 = latency:percentile(90), p99 = latency:percentile(99),
         p999 = latency:percentile(99.9), max = latency.max, mean = latency.mean, stdev = latency.stdev,
      },
      errors = {
         connect = summary.errors.connect, read = summary.errors.read, write = summary.errors.write,
         timeout = summary.errors.timeout, status = summary.errors.status,
      },
      statuses = status_text,
      counters = counters_total,
      unexpected = unexpected,
      note = verdict.note or "",
   }

   io.write(string.format("%s: %d requests, %.0f req/s, p50 %.2f ms, p99 %.2f ms, unexpected %d %s\n",
      scenario, summary.requests, result.rps, result.latency_us.p50 / 1000, result.latency_us.p99 / 1000,
      unexpected, result.note))
   io.write("OTS_RESULT " .. json_object(result) .. "\n")
end

return ots
