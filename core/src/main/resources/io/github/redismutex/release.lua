-- release.lua: delete the lock key only if the caller still owns it, and announce the release if anyone waits.
-- Publishing only when the waiters key exists keeps the uncontended release at GET + DEL; every waiter sets that
-- key again on each attempt (acquire.lua), so clearing it here loses no later release.
-- When somebody waits, the key is not deleted but set to "yield <id>" for a short while: the releasing RedisLocks
-- (<id>) then cannot take the lock straight back (acquire.lua refuses it, and its SET NX fails), so a waiter of
-- another process, woken by the announcement, gets its turn. If no waiter takes it, it is free when that ends.
-- KEYS[1]  lock key
-- KEYS[2]  waiters key of the lock
-- ARGV[1]  owner token of the caller (the key's value starts with it and a space)
-- ARGV[2]  channel to announce the release on
-- ARGV[3]  id of the caller's RedisLocks
-- ARGV[4]  how long the caller's RedisLocks gives way to waiters, in milliseconds; '0' not to
-- Returns  1 = released
--          2 = released, waiters were told
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
if redis.call('DEL', KEYS[1], KEYS[2]) == 1 then
  return 1 -- nobody waits
end
if ARGV[4] ~= '0' then
  redis.call('SET', KEYS[1], 'yield ' .. ARGV[3], 'PX', ARGV[4])
end
redis.call('PUBLISH', ARGV[2], 'released')
return 2
