-- condition-await.lua: join a condition's queue, as Condition.await() does while its caller still holds the lock.
-- KEYS[1]  lock key
-- KEYS[2]  the condition's queue (lock key .. ':cond:' .. condition name .. ':queue'): waiter ids, oldest first
-- KEYS[3]  the waiter's state key (lock key .. ':waiter:' .. waiter id), which lives while the waiter heartbeats
-- ARGV[1]  owner token of the caller (the lock key's value starts with it and a space)
-- ARGV[2]  waiter id
-- ARGV[3]  heartbeat lease in milliseconds: a waiter that stops heartbeating (a crashed process) is skipped
-- Returns  1 = queued, state 'waiting'
--          0 = the caller does not own the lock (its lease was lost): nothing was changed
local value = redis.call('GET', KEYS[1])
local mine = ARGV[1] .. ' '
if not value or string.sub(value, 1, #mine) ~= mine then
  return 0
end
redis.call('SET', KEYS[3], 'waiting', 'PX', ARGV[3])
redis.call('RPUSH', KEYS[2], ARGV[2])
return 1
