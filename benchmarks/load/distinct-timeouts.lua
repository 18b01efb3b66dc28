-- wrk script for wrk-compare.sh: gives every aggregate request its own X-Request-Timeout
-- (1000-4999 ms on wrk thread 0, 5000-8999 ms on thread 1, ...), so that concurrent requests
-- have different SingleFlight keys and each one runs its own fan-out. (Up to 2 wrk threads stay
-- under the default http.aggregate.max-timeout of 10 s; more would be clamped and collide.)
local threads = 0

function setup(thread)
    thread:set("id", threads)
    threads = threads + 1
end

function init(args)
    n = 0
end

function request()
    n = n + 1
    return wrk.format(nil, nil, { ["X-Request-Timeout"] = tostring(1000 + id * 4000 + n % 4000) .. "ms" })
end
