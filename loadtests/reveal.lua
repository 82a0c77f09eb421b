-- Each key generated, then revealed exactly once. Every 201 body's key goes into this thread's FIFO, and the
-- thread's next request reveals it with the right phrase, so requests alternate generate -> reveal and no key is
-- revealed twice or before its 201 arrived. (wrk shares one Lua state among a thread's connections and request()
-- is not told which connection asks, so the reveal usually, not always, travels on the connection that generated
-- the key.) Expected: 201 and 200 only, and every 200 body holds the secret; anything else fails the run.
-- wrk's latency here is that of the pair mix (half generate, half reveal).
--   wrk -t1 -c32 -d10s --latency -s loadtests/reveal.lua http://127.0.0.1:8080
--
-- Reveal-only mode, to measure reveal latency on its own: `-- keys=FILE` reveals the keys generate.lua wrote to
-- FILE.<thread> (same -t), each once, and nothing else; expected 200 only. A thread that runs out of keys stops;
-- its requests/s are then computed over the time it ran (wrk divides by the whole -d).
local ots = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "lib/ots.lua")

local secret = "db password for staging: Xk3!pQ9z-4fT@orders"
local phrase = "correct horse battery staple"
local headers = { ["Content-Type"] = "application/json" }
local generate_request
local reveal_body = '{"phrase":"' .. phrase .. '"}'

local queue, head, tail = {}, 1, 0
local seeded = false

-- A monotonic clock through LuaJIT's FFI (wrk embeds LuaJIT), for the reveal-only mode's active time.
local clock_ok, ffi = pcall(require, "ffi")
if clock_ok then
   clock_ok = pcall(ffi.cdef, [[
      typedef struct { long tv_sec; long tv_nsec; } ots_timespec;
      int clock_gettime(int clock_id, ots_timespec *tp);
   ]])
end

local function now_us()
   if not clock_ok then return 0 end
   local ts = ffi.new("ots_timespec")
   ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
   return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1e3
end

local started_us

setup = ots.setup

function init(argv)
   local options = ots.args(argv)
   generate_request = wrk.format("POST", "/generate", headers,
      '{"secret":"' .. secret .. '","phrase":"' .. phrase .. '","ttl":{"hours":1}}')
   if options.keys then
      seeded = true
      for line in io.lines(options.keys .. "." .. thread_id) do
         if #line > 0 then
            tail = tail + 1
            queue[tail] = line
         end
      end
      counters.seeded_keys = tail
   end
   started_us = now_us()
end

function request()
   if head <= tail then
      local key = queue[head]
      queue[head] = nil
      head = head + 1
      ots.add("reveals_sent")
      return wrk.format("POST", "/secrets/" .. key, headers, reveal_body)
   end

   if seeded then
      -- Out of keys: stop this thread. Something must still be returned; it is never answered.
      if not active_us then
         active_us = now_us() - started_us
         wrk.thread:stop()
      end
      return wrk.format("GET", "/healthz")
   end

   ots.add("generates_sent")
   return generate_request
end

function response(status, headers, body)
   ots.count_status(status)
   if status == 201 then
      local key = ots.key_of(body)
      if key then
         tail = tail + 1
         queue[tail] = key
      else
         ots.add("bad_bodies")
      end
   elseif status == 200 then
      if not body:find(secret, 1, true) then ots.add("bad_bodies") end
   end
end

function done(summary, latency, requests)
   ots.done(summary, latency, {
      scenario = "reveal",
      expected = { [200] = true, [201] = true },
      check = function(statuses, totals)
         local verdict = { extra = totals.bad_bodies or 0 }
         if totals.seeded_keys then
            verdict.scenario = "reveal-only"
            verdict.expected = { [200] = true }
            -- Threads that ran out of keys stopped early: the run lasted as long as the longest-running thread.
            local active, n = ots.thread_values("active_us")
            local longest = 0
            for i = 1, n do
               longest = math.max(longest, active[i] or summary.duration)
            end
            if longest < summary.duration and longest > 0 then
               verdict.duration_s = longest / 1e6
               verdict.note = "keys ran out after " .. string.format("%.1f", longest / 1e6) .. " s"
            end
         end
         return verdict
      end,
   })
end
