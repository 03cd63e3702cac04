-- release.lua: delete the lock key only if the caller still owns it, and announce the release if anyone waits.
-- Publishing only when the waiters key exists keeps the uncontended release at GET + DEL; every waiter sets that
-- key again on each attempt (acquire.lua), so clearing it here loses no later release.
-- When somebody waits and is queued (acquire.lua), the lock goes straight to the oldest queued waiter: the key
-- gets its value, with the next fencing token, for a short lease (ARGV[5]), and the announcement
-- "granted <token> <lease> <fencing token>" tells it, so it holds the lock without another round trip (it renews the
-- lease at once); if it died meanwhile, the short lease frees the lock soon. The waiter trusts the announcement
-- only if the token is above the counter its latest attempt saw (acquire.lua): else the hand-over was over before. When somebody waits but nobody is queued (Redlock), the key is set to "yield <id>" for a short
-- while: the releasing RedisLocks (<id>) then cannot take the lock straight back (acquire.lua refuses it, and its
-- SET NX fails), so a waiter of another process, woken by the announcement, gets its turn. If no waiter takes it,
-- it is free when that ends.
-- KEYS[1]  lock key
-- KEYS[2]  waiters key of the lock
-- KEYS[3]  queue of the lock (see acquire.lua)
-- KEYS[4]  fencing counter of the lock: a hand-over draws the new holder's fencing token from it
-- ARGV[1]  owner token of the caller (the key's value starts with it and a space)
-- ARGV[2]  channel to announce the release on
-- ARGV[3]  id of the caller's RedisLocks
-- ARGV[4]  how long the caller's RedisLocks gives way to waiters, in milliseconds; '0' not to
-- ARGV[5]  the lease of a direct hand-over, in milliseconds
-- ARGV[6]  the caller's own queue member, to leave the queue first (a waiter that gives up); '' when not queued
-- Returns  1 = released
--          2 = released, waiters were told (and the oldest queued one holds it now)
--          0 = the key is gone: the caller's lease ran out and nobody took the lock since
--         -1 = another owner holds the key now: left untouched
if ARGV[6] ~= '' then
  redis.call('ZREM', KEYS[3], ARGV[6])
end
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
local oldest = redis.call('ZPOPMIN', KEYS[3])
if oldest[1] then
  local token, holder = string.match(oldest[1], '^(%S+) (.*)$')
  local now = redis.call('TIME')
  local nowMillis = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
  redis.call('INCR', KEYS[4])
  local fence = redis.call('GET', KEYS[4]) -- as a string: exact past 2^53
  redis.call('SET', KEYS[1], token .. ' ' .. fence .. ' ' .. string.format('%d', nowMillis) .. ' ' .. holder,
    'PX', ARGV[5])
  redis.call('PUBLISH', ARGV[2], 'granted ' .. token .. ' ' .. ARGV[5] .. ' ' .. fence)
  return 2
end
if ARGV[4] ~= '0' then
  redis.call('SET', KEYS[1], 'yield ' .. ARGV[3], 'PX', ARGV[4])
end
redis.call('PUBLISH', ARGV[2], 'released')
return 2
