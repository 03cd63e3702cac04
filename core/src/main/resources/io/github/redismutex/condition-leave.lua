-- condition-leave.lua: a waiter's heartbeat while it waits, or its exit from the queue when it stops waiting.
-- KEYS[1]  the condition's queue
-- KEYS[2]  the waiter's state key
-- ARGV[1]  waiter id
-- ARGV[2]  heartbeat lease in milliseconds, or '0' to leave (timeout, interrupt, done)
-- Returns  1 = signalled (on leaving: the waiter was signalled before it left, and counts as woken by it)
--          0 = still waiting (heartbeat renewed), or left without a signal
--         -1 = the state key is gone: the heartbeat lapsed, so a signal may have been lost with it; signals skip
--              this waiter now (on a heartbeat: it must leave; on leaving: it counts as woken, spuriously at worst)
local state = redis.call('GET', KEYS[2])
if ARGV[2] ~= '0' then
  if not state then
    return -1
  end
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
  return state == 'signalled' and 1 or 0
end
redis.call('LREM', KEYS[1], 0, ARGV[1])
redis.call('DEL', KEYS[2])
if not state then
  return -1
end
return state == 'signalled' and 1 or 0
