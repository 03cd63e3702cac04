-- extend.lua: add time to the caller's lease (the @upstash/lock extend), only if the caller still owns the key.
-- KEYS[1]  lock key
-- ARGV[1]  owner token of the caller
-- ARGV[2]  milliseconds to add to the remaining lease
-- Returns  >= 0 = the new remaining lease in milliseconds
--          -1 = not owned any more (key gone or another owner): nothing was changed
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return -1
end
local remaining = redis.call('PTTL', KEYS[1])
if remaining < 0 then
  remaining = 0
end
local extended = remaining + tonumber(ARGV[2])
redis.call('PEXPIRE', KEYS[1], extended)
return extended
