-- The realistic flow: one generate for every reveal, secrets of mixed sizes and TTLs, keys revealed in random
-- order some time after they were made, a few wrong phrases (typos) and a few links opened again after the reveal.
--   generate (every other request): secret of 20-60 B (70 %), 200-500 B (25 %) or 2-4 KiB (5 %); TTL none,
--     30 min, 1 h or 1 day
--   reveal   (the other requests, once keys are pending): 90 % the right phrase for a random pending key (200);
--     5 % a wrong phrase for one (403; the key is revealed later); 5 % a key revealed a while ago (404)
-- Expected: 201, 200, 403, 404, and no more 403/404 than wrong phrases and re-opens were sent (a correct reveal
-- answered 404 would show as a surplus); any other status fails the run.
--   wrk -t1 -c32 -d10s --latency -s loadtests/mixed.lua http://127.0.0.1:8080
local ots = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "lib/ots.lua")

local headers = { ["Content-Type"] = "application/json" }
local phrase = "correct horse battery staple"
local right_body = '{"phrase":"' .. phrase .. '"}'
local wrong_body = '{"phrase":"correct horse battery stapel"}'

-- A key goes back into play only this many requests (of this thread) later, so the 403 of a wrong phrase, or
-- the 200 of a reveal, has long arrived before the same key is asked for again: with 32 connections at most 32
-- requests are in flight.
local cooldown = 4096

local generates = {}
local pending = {}                 -- keys created and not yet revealed
local retry, retry_head, retry_tail = {}, 1, 0     -- {key, ready_at} after a wrong phrase: back to pending later
local opened, opened_head, opened_tail = {}, 1, 0  -- {key, ready_at} revealed: re-opened later (expect 404)
local sent = 0

setup = ots.setup

function init(argv)
   math.randomseed(12345 + thread_id)
   local ttls = { "", ',"ttl":{"minutes":30}', ',"ttl":{"hours":1}', ',"ttl":{"days":1}' }
   local function size()
      local r = math.random()
      if r < 0.70 then return math.random(20, 60) end
      if r < 0.95 then return math.random(200, 500) end
      return math.random(2048, 4096)
   end
   for i = 1, 64 do
      local body = '{"secret":"' .. ots.random_text(size()) .. '","phrase":"' .. phrase .. '"' .. ttls[(i % #ttls) + 1] .. '}'
      generates[i] = wrk.format("POST", "/generate", headers, body)
   end
end

local function take_random_pending()
   local n = #pending
   local i = math.random(1, n)
   local key = pending[i]
   pending[i] = pending[n]
   pending[n] = nil
   return key
end

function request()
   sent = sent + 1
   while retry[retry_head] and retry[retry_head][2] <= sent do
      pending[#pending + 1] = retry[retry_head][1]
      retry[retry_head] = nil
      retry_head = retry_head + 1
   end

   if sent % 2 == 0 and #pending > 0 then
      local r = math.random()
      if r < 0.05 and opened[opened_head] and opened[opened_head][2] <= sent then
         local key = opened[opened_head][1]
         opened[opened_head] = nil
         opened_head = opened_head + 1
         ots.add("reopens_sent")
         return wrk.format("POST", "/secrets/" .. key, headers, right_body)
      end

      local key = take_random_pending()
      if r > 0.95 then
         retry_tail = retry_tail + 1
         retry[retry_tail] = { key, sent + cooldown }
         ots.add("wrong_phrases_sent")
         return wrk.format("POST", "/secrets/" .. key, headers, wrong_body)
      end

      opened_tail = opened_tail + 1
      opened[opened_tail] = { key, sent + cooldown }
      if opened_tail - opened_head >= 8192 then
         opened[opened_head] = nil -- bounded memory: the oldest is never re-opened
         opened_head = opened_head + 1
      end
      ots.add("reveals_sent")
      return wrk.format("POST", "/secrets/" .. key, headers, right_body)
   end

   ots.add("generates_sent")
   return generates[math.random(1, #generates)]
end

function response(status, headers, body)
   ots.count_status(status)
   if status == 201 then
      local key = ots.key_of(body)
      if key then
         pending[#pending + 1] = key
      else
         ots.add("bad_bodies")
      end
   elseif status == 200 and not body:find('"secret"', 1, true) then
      ots.add("bad_bodies")
   end
end

function done(summary, latency, requests)
   ots.done(summary, latency, {
      scenario = "mixed",
      expected = { [200] = true, [201] = true, [403] = true, [404] = true },
      check = function(statuses, totals)
         local refusals = (statuses[403] or 0) + (statuses[404] or 0)
         local allowed = (totals.wrong_phrases_sent or 0) + (totals.reopens_sent or 0)
         local surplus = math.max(0, refusals - allowed)
         local note = ""
         if surplus > 0 then
            note = string.format("%d more 403/404 than wrong phrases and re-opens sent", surplus)
         end
         return { extra = (totals.bad_bodies or 0) + surplus, note = note }
      end,
   })
end
