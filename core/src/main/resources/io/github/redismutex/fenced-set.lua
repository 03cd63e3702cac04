-- fenced-set.lua: write a value only for a fencing token not lower than any seen before for that key, so a
-- holder whose lease ran out (paused, partitioned) cannot overwrite what a later holder wrote.
-- KEYS[1]  the resource key to write
-- KEYS[2]  its fence key (resource key .. ':fence'), holding the highest token that wrote it
-- ARGV[1]  the writer's fencing token: a positive decimal integer without leading zeros
-- ARGV[2]  the value
-- Returns  1 = written (the fence key now holds ARGV[1])
--          0 = rejected: a higher token wrote before; nothing was changed
-- Tokens are compared as decimal strings (shorter is lower), not as Lua numbers: those are doubles, exact only
-- up to 2^53.
local last = redis.call('GET', KEYS[2])
local token = ARGV[1]
if last and (#token < #last or (#token == #last and token < last)) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[1])
return 1
