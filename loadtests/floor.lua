-- GET /healthz: no store, no crypto, no JSON parsing: the ceiling of the HTTP front itself (and, on a 2-core box,
-- of wrk beside it). A static request and no response() callback, so wrk spends no Lua per request.
-- Expected: 200 only (judged by wrk's count of statuses > 399).
--   wrk -t1 -c32 -d10s --latency -s loadtests/floor.lua http://127.0.0.1:8080
local ots = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "lib/ots.lua")

wrk.method = "GET"
wrk.path = "/healthz"

setup = ots.setup

function done(summary, latency, requests)
   ots.done(summary, latency, { scenario = "floor" })
end
