-- acquire.lua: take the lock if it is free (or already ours); else (when asked) mark the lock as awaited and say
-- how long until it may be free. The uncontended first attempt does not come here: it is a plain
-- SET key value NX PX lease GET (LettuceLockStore); this script serves waiters and retries.
-- A waiter calls it after its subscription is live, so a release between this call and the wait is never missed:
-- either this call sees the key free, or it sets the waiters key before the release runs, and the release then
-- publishes after the subscription was made.
-- The key's value is "<token> <fencing token> <metadata>", so that any client can see who holds the lock; the
-- fencing token is 0 until the holder draws one (fence.lua).
-- A value "yield <id>" is not a holder: release.lua leaves it for a short while when waiters were announced, so
-- that the RedisLocks <id> that just released lets one of them in first instead of taking the lock straight back.
-- KEYS[1]  lock key
-- KEYS[2]  waiters key of the lock (lock key .. ':waiters'): present while somebody may be waiting
-- KEYS[3]  queue of the lock (lock key .. ':queue'): a sorted set of waiting holders, oldest first, which
--          release.lua hands the lock to directly (see there); member "<token> <pid> <host> <thread name>"
-- KEYS[4]  fencing counter of the lock (lock key .. ':fence'), read only: a hand-over increments it, so a waiter
--          can tell a hand-over that came after this attempt from one that was over before it
-- ARGV[1]  owner token of the caller (a UUID: no spaces)
-- ARGV[2]  lease in milliseconds
-- ARGV[3]  holder metadata: "<acquired at, epoch ms> <pid> <host> <thread name>"
-- ARGV[4]  '1' to mark the lock as awaited when it is not free for the caller, '0' not to
-- ARGV[5]  id of the caller's RedisLocks
-- ARGV[6]  '1' to queue the caller (with ARGV[4] '1') for a direct hand-over, '0' not to (Redlock: its servers
--          would each hand the lock to a different waiter)
-- Returns  {1, fencing token as a decimal string, '0' if none drawn} = acquired: the key holds the caller's value
--          {0, ms until it may be free: remaining lease or yield, or -1 when the key never expires,
--           the fencing counter as a decimal string} = not free
--          {-1, 0} = the key holds a value that is not a string, so it is not a lock; nothing was changed
local value = redis.pcall('GET', KEYS[1])
if type(value) == 'table' and value.err then
  return {-1, 0} -- WRONGTYPE: not a string
end
local member = ARGV[1] .. ' ' .. string.match(ARGV[3], '^%S+ (.*)$') -- the caller's queue entry
local yielder = value and string.match(value, '^yield (%S+)$')
if value == false or (yielder and yielder ~= ARGV[5]) then
  redis.call('SET', KEYS[1], ARGV[1] .. ' 0 ' .. ARGV[3], 'PX', ARGV[2])
  if ARGV[6] == '1' then
    redis.call('ZREM', KEYS[3], member) -- queued earlier: a later release must not hand the lock to us again
  end
  return {1, '0'}
end
local mine = ARGV[1] .. ' '
if string.sub(value, 1, #mine) == mine then
  -- an earlier attempt of this same acquisition got through, or a release handed the lock to us, but we did not
  -- hear of it (a lost answer, a lost message)
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  if ARGV[6] == '1' then
    redis.call('ZREM', KEYS[3], member)
  end
  return {1, string.match(value, '^%S+ (%d+)')}
end
local remaining = redis.call('PTTL', KEYS[1])
if ARGV[4] == '1' then
  -- The waiter attempts again at the latest when the lease (or yield) runs out; the mark outlives that by a lease.
  local keep = math.max(remaining, 0) + tonumber(ARGV[2])
  redis.call('SET', KEYS[2], '1', 'PX', keep)
  if ARGV[6] == '1' then
    -- NX: a waiter that attempts again keeps its place; the score is its arrival time in microseconds
    local now = redis.call('TIME')
    redis.call('ZADD', KEYS[3], 'NX', tonumber(now[1]) * 1000000 + tonumber(now[2]),
      member)
    redis.call('PEXPIRE', KEYS[3], keep)
  end
end
return {0, remaining, redis.call('GET', KEYS[4]) or '0'}
