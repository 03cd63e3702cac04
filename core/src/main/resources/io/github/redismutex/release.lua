-- release.lua: delete the lock key only if the caller still owns it, and announce the release if anyone waits.
-- Publishing only when the waiters key exists keeps the uncontended release at GET + DEL; every waiter sets that
-- key again on each attempt (acquire.lua), so clearing it here loses no later release.
-- KEYS[1]  lock key
-- KEYS[2]  waiters key of the lock
-- ARGV[1]  owner token of the caller (the key's value starts with it and a space)
-- ARGV[2]  channel to announce the release on
-- Returns  1 = released
--          0 = the key is gone: the caller's lease ran out and nobody took the lock since
--         -1 = another owner holds the key now: left untouched
local value = redis.call('GET', KEYS[1])
if value == false then
  return 0
end
local mine = ARGV[1] .. ' '
if string.sub(value, 1, #mine) ~= mine then
  return -1
end
if redis.call('DEL', KEYS[1], KEYS[2]) > 1 then
  redis.call('PUBLISH', ARGV[2], 'released')
end
return 1
