-- Each request registers a distinct node (ip varies), as a boot storm would.
local n = 0
request = function()
  n = n + 1
  local ip = string.format("10.%d.%d.%d", math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256)
  return wrk.format("POST", "/api/localnodes?ip=" .. ip .. "&artifactId=bench.example&pingable=true")
end
