-- wrk script: GET /api/v2/generate/text/status/{id} over the ids in $AIPG_IDS (one per line),
-- each connection walking them from its own offset.
local ids = {}
for line in io.lines(os.getenv("AIPG_IDS")) do ids[#ids + 1] = line end
local i = 0
function setup(thread)
  thread:set("offset", math.random(#ids))
end
function request()
  i = i + 1
  local id = ids[((offset or 0) + i) % #ids + 1]
  return wrk.format("GET", "/api/v2/generate/text/status/" .. id)
end
