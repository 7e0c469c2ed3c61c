-- wrk script: every request is a different combined filter (provider + status +
-- created_after + q; a random created_after between 2024-01-01 and 2026-06-01, so each request
-- misses the response and `total` caches): measures the indexes, `q` over the candidates, the
-- page and the serialization (issue 21).
math.randomseed(os.time() + 1)
request = function()
  local t = 1704067200 + math.random(0, 75686400)
  return wrk.format("GET", "/v1/shares?limit=50&sort=views&provider=cloudreve&status=active&q=report&created_after="
    .. os.date("!%Y-%m-%dT%H:%M:%SZ", t))
end
