-- release.lua: delete the lock key only if the caller still owns it, and announce the release if anyone waits.
-- Publishing only when the waiters key exists keeps the uncontended release at GET + DEL; every waiter sets that
-- key again on each attempt (acquire.lua), so clearing it here loses no later release.
-- When somebody waits and a fresh ticket is queued (acquire.lua), the lock goes straight to the oldest such waiter:
-- the key gets its value, with the next fencing token, for a short lease (ARGV[5]), and the announcement
-- "granted <token> <nonce> <lease ms> <fencing token> <server time, µs>" tells it, so it holds the lock without
-- another round trip (it renews the lease at once); if it died meanwhile, the short lease frees the lock soon.
-- The waiter trusts the announcement only if it echoes the nonce of its latest attempt; the lease, counted on the
-- server's clock from that attempt to this step, tells it how much of the hand-over is left. Tickets that are no
-- longer fresh (their waiters gave up or died unheard) are dropped on the way, at most 100 a release.
-- When somebody waits but no fresh ticket is queued (Redlock queues none), the key is set to "yield <id>" for a
-- short while: the releasing RedisLocks (<id>) then cannot take the lock straight back (acquire.lua refuses it,
-- and its SET NX fails), so a waiter of another process, woken by the announcement, gets its turn. If no waiter
-- takes it, it is free when that ends.
-- KEYS[1]  lock key
-- KEYS[2]  waiters key of the lock
-- KEYS[3]  queue of the lock (see acquire.lua)
-- KEYS[4]  tickets of the lock (see acquire.lua)
-- KEYS[5]  fencing counter of the lock: a hand-over draws the new holder's fencing token from it
-- KEYS[6]  only for the write lock of a read-write lock: its readers (see acquire.lua). While one of them lives (the
--          releasing writer took the read lock before it let go of the write lock), nobody is handed the lock and
--          nobody is given way to: the release is only announced. A waiting writer that gives up announces it too
--          when others wait, so that the readers it held back look again.
-- ARGV[1]  owner token of the caller (the key's value starts with it and a space)
-- ARGV[2]  channel to announce the release on
-- ARGV[3]  id of the caller's RedisLocks
-- ARGV[4]  how long the caller's RedisLocks gives way to waiters, in milliseconds; '0' not to
-- ARGV[5]  the lease of a direct hand-over, in milliseconds
-- ARGV[6]  '1' if the caller is a waiter that gives up: it leaves the queue first; '0' if not
-- Returns  {1, 0} = released
--          {2, 0} = released, waiters were told (and the oldest fresh queued one holds it now)
--          {0, 0} = the key is gone: the caller's lease ran out and nobody took the lock since
--          {-1, 0} = another owner holds the key now (or a value that is not a lock): left untouched
--          {3, i} = released and waiters were told, but nobody was handed the lock because KEYS[i] holds a value
--                   of the wrong type (an operator's mistake), which was left untouched
local function wrongType(i, expected)
  local found = redis.call('TYPE', KEYS[i])['ok']
  return found ~= 'none' and found ~= expected
end
local function queueKeysFine()
  return not wrongType(3, 'zset') and not wrongType(4, 'hash')
end
if ARGV[6] == '1' and queueKeysFine() then
  redis.call('ZREM', KEYS[3], ARGV[1])
  redis.call('HDEL', KEYS[4], ARGV[1])
end
local function announceLeaving()
  if KEYS[6] and ARGV[6] == '1' and redis.call('EXISTS', KEYS[2]) == 1 then
    redis.call('PUBLISH', ARGV[2], 'released')
  end
end
local function readerLives()
  if redis.call('TYPE', KEYS[6])['ok'] ~= 'set' then
    return false
  end
  for _, reader in ipairs(redis.call('SMEMBERS', KEYS[6])) do
    if redis.call('EXISTS', KEYS[1] .. ':r:' .. reader) == 1 then
      return true
    end
  end
  return false
end
local value = redis.pcall('GET', KEYS[1])
if value == false then
  announceLeaving()
  return {0, 0}
end
local mine = ARGV[1] .. ' '
if type(value) ~= 'string' or string.sub(value, 1, #mine) ~= mine then
  announceLeaving()
  return {-1, 0}
end
if redis.call('DEL', KEYS[1], KEYS[2]) == 1 then
  return {1, 0} -- nobody waits
end
if KEYS[6] and readerLives() then
  redis.call('PUBLISH', ARGV[2], 'released')
  return {2, 0}
end
local status = {2, 0}
local counter = redis.pcall('GET', KEYS[5])
if type(counter) == 'table' or (counter and not string.match(counter, '^%d+$')) then
  status = {3, 5}
elseif not queueKeysFine() then
  status = {3, wrongType(3, 'zset') and 3 or 4}
else
  local now = redis.call('TIME')
  local nowMillis = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
  for _ = 1, 100 do
    local oldest = redis.call('ZPOPMIN', KEYS[3])
    if not oldest[1] then
      break
    end
    local token = oldest[1]
    local ticket = redis.call('HGET', KEYS[4], token)
    redis.call('HDEL', KEYS[4], token)
    local nonce, freshUntil, holder = string.match(ticket or '', '^(%S+) (%d+) (.*)$')
    if nonce and tonumber(freshUntil) >= nowMillis then
      redis.call('INCR', KEYS[5])
      local fence = redis.call('GET', KEYS[5]) -- as a string: exact past 2^53
      redis.call('SET', KEYS[1], token .. ' ' .. fence .. ' ' .. string.format('%d', nowMillis) .. ' ' .. holder,
        'PX', ARGV[5])
      redis.call('PUBLISH', ARGV[2], 'granted ' .. token .. ' ' .. nonce .. ' ' .. ARGV[5] .. ' ' .. fence .. ' '
        .. now[1] .. string.format('%06d', tonumber(now[2])))
      return status
    end
  end
end
if ARGV[4] ~= '0' then
  redis.call('SET', KEYS[1], 'yield ' .. ARGV[3], 'PX', ARGV[4])
end
redis.call('PUBLISH', ARGV[2], 'released')
return status
