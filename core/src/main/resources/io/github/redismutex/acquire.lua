-- acquire.lua: take the lock if it is free (or already ours); else note that someone waits, and say how long the
-- holder's lease still runs. Used after a waiter's subscription is live, so a release between this call and the
-- wait is never missed: either this call sees the key gone, or it sets the waiters key before the release runs,
-- and the release then publishes after the subscription was made.
-- KEYS[1]  lock key
-- KEYS[2]  waiters key of the lock (lock key .. ':waiters'): present while somebody may be waiting
-- ARGV[1]  owner token of the caller
-- ARGV[2]  lease in milliseconds
-- Returns  -3 = acquired: the key holds ARGV[1] with a lease of ARGV[2] ms
--          -4 = the key holds a value that is not a string, so it is not a lock; nothing was changed
--          -1 = held by another owner, and the key has no expiry (not set by this library)
--          >= 0 = held by another owner; remaining lease in milliseconds
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind == 'none' then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return -3
end
if kind ~= 'string' then
  return -4
end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  -- an earlier attempt of this same acquisition got through, but its answer was lost (timeout)
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return -3
end
local remaining = redis.call('PTTL', KEYS[1])
-- The waiter attempts again at the latest when the holder's lease runs out; the mark outlives that by a lease.
redis.call('SET', KEYS[2], '1', 'PX', math.max(remaining, 0) + tonumber(ARGV[2]))
return remaining
