-- release.lua: delete the lock key only if the caller still owns it.
-- KEYS[1]  lock key
-- ARGV[1]  owner token of the caller
-- ARGV[2]  channel to publish the release on, or '' where keyspace notifications announce the DEL
-- Returns  1 = released
--          0 = the key is gone: the caller's lease ran out and nobody took the lock since
--         -1 = another owner holds the key now: left untouched
local value = redis.call('GET', KEYS[1])
if value == ARGV[1] then
  redis.call('DEL', KEYS[1])
  if ARGV[2] ~= '' then
    redis.call('PUBLISH', ARGV[2], 'released')
  end
  return 1
end
if value == false then
  return 0
end
return -1
