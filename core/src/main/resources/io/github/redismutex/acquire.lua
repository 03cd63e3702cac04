-- acquire.lua: take the lock if it is free (or already ours), handing out the next fencing token in the same
-- step; else (when asked) mark the lock as awaited and say how long the holder's lease still runs.
-- A waiter calls it after its subscription is live, so a release between this call and the wait is never missed:
-- either this call sees the key gone, or it sets the waiters key before the release runs, and the release then
-- publishes after the subscription was made.
-- The key's value is "<token> <fencing token> <metadata>", so that any client can see who holds the lock.
-- KEYS[1]  lock key
-- KEYS[2]  waiters key of the lock (lock key .. ':waiters'): present while somebody may be waiting
-- KEYS[3]  fencing counter of the lock (lock key .. ':fence'): never expires, so tokens outlive the lock key
-- ARGV[1]  owner token of the caller (a UUID: no spaces)
-- ARGV[2]  lease in milliseconds
-- ARGV[3]  holder metadata: "<acquired at, epoch ms> <pid> <host> <thread name>"
-- ARGV[4]  '1' to mark the lock as awaited when it is held, '0' not to
-- Returns  {1, fencing token as a decimal string} = acquired: the key holds ARGV[1]'s value, lease ARGV[2] ms
--          {0, remaining lease in ms, or -1 when the key never expires} = held by another owner
--          {-1, 0} = the key holds a value that is not a string, so it is not a lock; nothing was changed
local value = redis.pcall('GET', KEYS[1])
if type(value) == 'table' and value.err then
  return {-1, 0} -- WRONGTYPE: not a string
end
if value == false then
  redis.call('INCR', KEYS[3])
  -- Read back as a string: Lua numbers are doubles, exact only up to 2^53
  local fence = redis.call('GET', KEYS[3])
  redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. fence .. ' ' .. ARGV[3], 'PX', ARGV[2])
  return {1, fence}
end
local mine = ARGV[1] .. ' '
if string.sub(value, 1, #mine) == mine then
  -- an earlier attempt of this same acquisition got through, but its answer was lost (timeout)
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, string.match(value, '^%S+ (%d+)')}
end
local remaining = redis.call('PTTL', KEYS[1])
if ARGV[4] == '1' then
  -- The waiter attempts again at the latest when the holder's lease runs out; the mark outlives that by a lease.
  redis.call('SET', KEYS[2], '1', 'PX', math.max(remaining, 0) + tonumber(ARGV[2]))
end
return {0, remaining}
