-- POST /generate with a realistic small secret (a connection string, 1 h TTL), one static request: wrk builds it
-- once, so Lua costs only the status count per response. Expected: 201 only.
--   wrk -t1 -c32 -d10s --latency -s loadtests/generate.lua http://127.0.0.1:8080 [-- keys=FILE]
-- keys=FILE writes every key created to FILE.<thread> (one per line) for reveal.lua's reveal-only mode.
local ots = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "lib/ots.lua")

wrk.method = "POST"
wrk.path = "/generate"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"secret":"db password for staging: Xk3!pQ9z-4fT@orders","phrase":"correct horse battery staple","ttl":{"hours":1}}'

setup = ots.setup

local keys_out

function init(argv)
   local options = ots.args(argv)
   if options.keys then
      -- Fully buffered; the C library flushes it when wrk exits.
      keys_out = assert(io.open(options.keys .. "." .. thread_id, "w"))
   end
end

function response(status, headers, body)
   ots.count_status(status)
   if keys_out and status == 201 then
      local key = ots.key_of(body)
      if key then keys_out:write(key, "\n") end
   end
end

function done(summary, latency, requests)
   ots.done(summary, latency, { scenario = "generate", expected = { [201] = true } })
end
