-- acquire.lua: take the lock if it is free (or already ours); else, for a waiter, mark the lock as awaited, queue the
-- attempt's ticket for a direct hand-over, and say how long until the lock may be free. The uncontended first attempt
-- does not come here: it is a plain SET key value NX PX lease GET (LettuceLockStore).
-- A waiter calls it after its subscription is live, so a release between this call and the wait is never missed:
-- either this call sees the key free, or it sets the waiters key before the release runs, and the release then
-- publishes after the subscription was made.
-- The key's value is "<token> <fencing token> <metadata>", so that any client can see who holds the lock; the
-- fencing token is 0 until the holder draws one (fence.lua).
-- A value "yield <id>" is not a holder: release.lua leaves it for a short while when waiters were announced, so
-- that the RedisLocks <id> that just released lets one of them in first instead of taking the lock straight back.
-- A queued waiter's ticket is "<nonce> <fresh until, server epoch ms> <pid> <host> <thread>": the nonce is the
-- attempt's own (random, known only to the waiter and to whoever can read these keys), so a hand-over that echoes it
-- answers exactly this attempt; "fresh until" is when the waiter will have attempted again at the latest (it then
-- renews its ticket), plus a grace of 1 s and 2% of that wait (clocks may differ in rate): a release skips a ticket
-- that is no longer fresh (its waiter gave up or died without saying so).
-- KEYS[1]  lock key
-- KEYS[2]  waiters key of the lock (lock key .. ':waiters'): present while somebody may be waiting
-- KEYS[3]  queue of the lock (lock key .. ':queue'): a sorted set of waiting owner tokens by arrival, oldest first
-- KEYS[4]  tickets of the lock (lock key .. ':tickets'): a hash from each queued token to its ticket
-- KEYS[5]  only for the write lock of a read-write lock: its readers (a set of reader tokens, see acquire-read.lua);
--          the lock is then not free while any of their reader keys (lock key .. ':r:' .. token, same hash slot,
--          so not declared) lives, and the writer waits as long as the longest of their leases
-- ARGV[1]  owner token of the caller (a UUID: no spaces)
-- ARGV[2]  lease in milliseconds
-- ARGV[3]  holder metadata: "<acquired at, epoch ms> <pid> <host> <thread name>"
-- ARGV[4]  'mark' to mark the lock as awaited when it is not free for the caller; 'queue' to mark it and queue the
--          caller's ticket too; '' to do neither
-- ARGV[5]  id of the caller's RedisLocks
-- ARGV[6]  the attempt's nonce (with 'queue'; no spaces)
-- ARGV[7]  how long the caller waits at most from now, in milliseconds; -1 without a limit (with 'queue')
-- Returns  {1, fencing token as a decimal string, '0' if none drawn} = acquired: the key holds the caller's value
--          {0, ms until it may be free: remaining lease or yield (or longest reader's), -1 when the key never expires,
--           with 'queue' the server's time of this step in microseconds as a decimal string, else ''} = not free
--          {-1, 0} = the key holds a value that is not a string, so it is not a lock; nothing was changed
--          {-2, i} = KEYS[i] holds a value of the wrong type (an operator's mistake); nothing was changed
local GRACE_MILLIS = 1000
local value = redis.pcall('GET', KEYS[1])
if type(value) == 'table' and value.err then
  return {-1, 0} -- WRONGTYPE: not a string
end
local marking = ARGV[4] ~= ''
local queueing = ARGV[4] == 'queue'
local expected = {nil, 'string', 'zset', 'hash', 'set'}
local function wrongType(i)
  local found = redis.call('TYPE', KEYS[i])['ok']
  return found ~= 'none' and found ~= expected[i]
end
for i = 2, queueing and 4 or (marking and 2 or 1) do
  if wrongType(i) then
    return {-2, i}
  end
end
if KEYS[5] and wrongType(5) then
  return {-2, 5}
end
-- The longest remaining lease of a live reader (a key without expiry counts as a lease), dropping the readers whose
-- keys are gone; nil when none lives.
local function longestReader()
  local longest = nil
  for _, reader in ipairs(redis.call('SMEMBERS', KEYS[5])) do
    local left = redis.call('PTTL', KEYS[1] .. ':r:' .. reader)
    if left == -2 then
      redis.call('SREM', KEYS[5], reader)
    else
      longest = math.max(longest or 0, left == -1 and tonumber(ARGV[2]) or left)
    end
  end
  return longest
end
local yielder = value and string.match(value, '^yield (%S+)$')
local mine = ARGV[1] .. ' '
local free = value == false or (yielder and yielder ~= ARGV[5])
local remaining = nil
if free and KEYS[5] then
  remaining = longestReader()
  free = remaining == nil
end
if free then
  redis.call('SET', KEYS[1], ARGV[1] .. ' 0 ' .. ARGV[3], 'PX', ARGV[2])
  value = nil
elseif value and string.sub(value, 1, #mine) == mine then
  -- an earlier attempt of this same acquisition got through, or a release handed the lock to us, but we did not
  -- hear of it (a lost answer, a lost message)
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
else
  remaining = remaining or redis.call('PTTL', KEYS[1])
  if not marking then
    return {0, remaining, ''}
  end
  -- The waiter attempts again at the latest when the lease (or yield) runs out; the mark outlives that by a lease.
  local keep = math.max(remaining, 0) + tonumber(ARGV[2])
  redis.call('SET', KEYS[2], '1', 'PX', keep)
  if not queueing then
    return {0, remaining, ''}
  end
  local now = redis.call('TIME')
  local nowMillis = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
  local horizon = remaining >= 0 and remaining or tonumber(ARGV[2]) -- a key without expiry: look again in a lease
  local budget = tonumber(ARGV[7])
  if budget >= 0 and budget < horizon then
    horizon = budget
  end
  redis.call('ZADD', KEYS[3], 'NX', tonumber(now[1]) * 1000000 + tonumber(now[2]), ARGV[1]) -- NX: keeps its place
  local grace = GRACE_MILLIS + math.floor(horizon / 50)
  redis.call('HSET', KEYS[4], ARGV[1], ARGV[6] .. ' ' .. string.format('%d', nowMillis + horizon + grace)
    .. ' ' .. string.match(ARGV[3], '^%S+ (.*)$'))
  redis.call('PEXPIRE', KEYS[3], keep)
  redis.call('PEXPIRE', KEYS[4], keep)
  return {0, remaining, now[1] .. string.format('%06d', tonumber(now[2]))}
end
if queueing then -- a later release must not hand the lock to us again
  redis.call('ZREM', KEYS[3], ARGV[1])
  redis.call('HDEL', KEYS[4], ARGV[1])
end
return {1, value and string.match(value, '^%S+ (%d+)') or '0'}
