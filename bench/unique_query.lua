-- wrk script: every request is a different list query (a random created_before far in the
-- future, which matches every share), so neither the response cache nor the `total` cache
-- can answer: this measures the full query + count + serialization path.
math.randomseed(os.time())
request = function()
  local t = 1900000000 + math.random(0, 999999999)
  return wrk.format("GET", "/v1/shares?limit=50&sort=views&created_before=" .. os.date("!%Y-%m-%dT%H:%M:%SZ", t))
end
