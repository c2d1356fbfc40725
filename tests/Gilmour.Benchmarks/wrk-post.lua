-- The external mode's request: POST /request/{id} with {"topic", "message": "<N x's>", "timeout": 30}, the same
-- body the in-process proxy requester sends. The topic and N come from the environment (the benchmark sets them).
local topic = os.getenv("GILMOUR_BENCH_TOPIC")
local size = tonumber(os.getenv("GILMOUR_BENCH_SIZE"))

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"topic":"' .. topic .. '","message":"' .. string.rep("x", size) .. '","timeout":30}'
