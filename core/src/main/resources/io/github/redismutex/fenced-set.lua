-- fenced-set.lua: write a value only for a fencing token not lower than any seen before for that key, so a
-- holder whose lease ran out (paused, partitioned) cannot overwrite what a later holder wrote.
-- KEYS[1]  the resource key to write
-- KEYS[2]  its fence key (resource key .. ':fence'), holding the highest token that wrote it
-- ARGV[1]  the writer's fencing token
-- ARGV[2]  the value
-- Returns  1 = written (the fence key now holds ARGV[1])
--          0 = rejected: a higher token wrote before; nothing was changed
local last = tonumber(redis.call('GET', KEYS[2]) or '-1')
local token = tonumber(ARGV[1])
if token < last then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[1])
return 1
