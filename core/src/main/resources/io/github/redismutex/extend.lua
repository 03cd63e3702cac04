-- extend.lua: add time to the caller's lease (the @upstash/lock extend), only if the caller still owns the key.
-- KEYS[1]  lock key
-- ARGV[1]  owner token of the caller (the key's value starts with it and a space)
-- ARGV[2]  milliseconds to add to the remaining lease
-- Returns  >= 0 = the new remaining lease in milliseconds
--          -1 = not owned any more (key gone or another owner): nothing was changed
local value = redis.call('GET', KEYS[1])
local mine = ARGV[1] .. ' '
if not value or string.sub(value, 1, #mine) ~= mine then
  return -1
end
local remaining = redis.call('PTTL', KEYS[1])
if remaining < 0 then
  remaining = 0
end
local extended = remaining + tonumber(ARGV[2])
redis.call('PEXPIRE', KEYS[1], extended)
return extended
