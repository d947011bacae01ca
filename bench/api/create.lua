-- POST /v1/async/executions with a new SQL text on every request: each one creates an execution
-- (201), the costly path (insert, NOTIFY), not a collapse onto an earlier one.
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + thread_id)
  prefix = tostring(math.random(1, 1000000000)) .. "-" .. thread_id
end

function request()
  counter = counter + 1
  local body = "SELECT '" .. prefix .. "-" .. counter .. "'"
  return wrk.format("POST", "/v1/async/executions",
    {["Content-Type"] = "text/plain", ["X-AGP-User"] = "bench"}, body)
end
