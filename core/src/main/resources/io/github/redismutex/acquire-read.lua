-- acquire-read.lua: take a read hold of a read-write lock if no writer holds it and no writer waits for it (writer
-- preference: a waiting writer's fresh ticket holds new readers back, so a stream of readers cannot starve it);
-- else, for a waiter, mark the lock as awaited and say how long until it may be free.
-- Each read hold has a key of its own, "<write key>:r:<token>", with the value "<token> 0 <metadata>" and a lease
-- of its own, which the watchdog renews like any lock key (renew.lua); the readers set indexes the live ones, so
-- that a writer (acquire.lua) and the last reader's release (release-read.lua) can find them. A reader that dies
-- loses only its own key when its lease ends; its entry in the set is dropped by whoever finds the key gone.
-- A waiter calls it after its subscription is live: either it takes the hold, or it sets the waiters key before
-- the release that frees the lock runs, and that release publishes after the subscription was made.
-- The thread that holds the write lock may always take a read hold (a downgrade): ARGV[5] names its write token.
-- A reader key that already holds the caller's token is the caller's (an earlier attempt of the same acquisition got
-- through, its answer lost): it is kept whatever waits now, since a waiting writer waits for it anyway.
-- KEYS[1]  write key of the lock: the writer's value (as a mutex's, see acquire.lua), or a give-way marker
-- KEYS[2]  waiters key of the lock (write key .. ':waiters')
-- KEYS[3]  queue of waiting writers (write key .. ':queue', see acquire.lua)
-- KEYS[4]  tickets of the waiting writers (write key .. ':tickets', see acquire.lua)
-- KEYS[5]  readers of the lock (write key .. ':readers'): a set of reader tokens
-- KEYS[6]  the caller's reader key (write key .. ':r:' .. ARGV[1])
-- ARGV[1]  owner token of the read hold (a UUID: no spaces)
-- ARGV[2]  lease in milliseconds
-- ARGV[3]  holder metadata: "<acquired at, epoch ms> <pid> <host> <thread name>"
-- ARGV[4]  'mark' to mark the lock as awaited when it is not free for the caller; '' not to
-- ARGV[5]  write token of the calling thread when it holds the write lock; '' when it does not
-- A give-way marker ("yield <id>", release.lua) holds no reader back, not even its own RedisLocks' readers: it is
-- only left when no fresh writer ticket was queued, so the readers it would hold back wait for nobody.
-- Returns  {1, '0'} = acquired: the reader key holds the caller's value
--          {0, ms until it may be free: the writer's lease, or the waiting writer's ticket freshness;
--           -1 when the write key never expires, ''} = not free
--          {-1, 0} = the write key holds a value that is not a string, so it is not a lock; nothing was changed
--          {-2, i} = KEYS[i] holds a value of the wrong type (an operator's mistake); nothing was changed
local value = redis.pcall('GET', KEYS[1])
if type(value) == 'table' and value.err then
  return {-1, 0}
end
local expected = {nil, 'string', 'zset', 'hash', 'set', 'string'}
for i = 2, 6 do
  local found = redis.call('TYPE', KEYS[i])['ok']
  if found ~= 'none' and found ~= expected[i] then
    return {-2, i}
  end
end
local mine = ARGV[1] .. ' '
local held = redis.call('GET', KEYS[6])
local function hold()
  if held and string.sub(held, 1, #mine) == mine then
    redis.call('PEXPIRE', KEYS[6], ARGV[2])
  else
    redis.call('SET', KEYS[6], mine .. '0 ' .. ARGV[3], 'PX', ARGV[2])
  end
  redis.call('SADD', KEYS[5], ARGV[1])
  -- a few members at random whose keys are gone (readers that died or were closed) leave the set, so it does not
  -- grow with every reader that never released
  for _, reader in ipairs(redis.call('SRANDMEMBER', KEYS[5], 3)) do
    if redis.call('EXISTS', KEYS[1] .. ':r:' .. reader) == 0 then
      redis.call('SREM', KEYS[5], reader)
    end
  end
  return {1, '0'}
end
if held and string.sub(held, 1, #mine) == mine then
  return hold() -- an earlier attempt got through, but its answer was lost: ours, whatever waits now
end
local writer = ARGV[5] ~= '' and ARGV[5] .. ' '
local remaining = nil
if not (value and writer and string.sub(value, 1, #writer) == writer) then
  if value and not string.match(value, '^yield %S+$') then
    remaining = redis.call('PTTL', KEYS[1]) -- a writer holds it
  else
    local now = redis.call('TIME')
    local nowMillis = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
    for i = 1, 101 do -- the oldest fresh waiting writer; stale tickets are dropped on the way, 100 at most
      local oldest = redis.call('ZRANGE', KEYS[3], 0, 0)[1]
      if not oldest then
        break
      end
      if i == 101 then
        remaining = 1 -- more stale tickets than one step drops: a fresh one may be behind them; look again soon
        break
      end
      local ticket = redis.call('HGET', KEYS[4], oldest)
      local freshUntil = tonumber(string.match(ticket or '', '^%S+ (%d+) '))
      if freshUntil and freshUntil >= nowMillis then
        remaining = freshUntil - nowMillis
        break
      end
      redis.call('ZREM', KEYS[3], oldest)
      redis.call('HDEL', KEYS[4], oldest)
    end
  end
end
if remaining then
  if ARGV[4] == 'mark' then
    -- the waiter looks again at the latest when that time is up; the mark outlives it by a lease
    redis.call('SET', KEYS[2], '1', 'PX', math.max(remaining, 0) + tonumber(ARGV[2]))
  end
  return {0, remaining, ''}
end
return hold()
