-- condition-signal.lua: Condition.signal() / signalAll(): wake the oldest live waiter, or every live waiter.
-- Waiters whose state key is gone (they stopped heartbeating: a crashed process) are dropped, so a dead waiter
-- never absorbs a signal. A signal with nobody waiting is not remembered.
-- KEYS[1]  lock key
-- KEYS[2]  the condition's queue
-- ARGV[1]  owner token of the caller (the lock key's value starts with it and a space)
-- ARGV[2]  '1' to wake every waiter (signalAll), '0' to wake one (signal)
-- ARGV[3]  the lock key, from which the state keys (.. ':waiter:' .. id) and channels (.. ':signal') are named.
--          Those keys are not declared in KEYS (their ids are only known here); they share the lock key's hash
--          tag, so they live in its slot, which is what Redis Cluster needs in practice.
-- Returns  the number of waiters woken (each one's state set to 'signalled' and announced on its channel)
--          -1 = the caller does not own the lock: nothing was changed
local value = redis.call('GET', KEYS[1])
local mine = ARGV[1] .. ' '
if not value or string.sub(value, 1, #mine) ~= mine then
  return -1
end
local woken = 0
while true do
  local id = redis.call('LPOP', KEYS[2])
  if not id then
    break
  end
  local state = ARGV[3] .. ':waiter:' .. id
  if redis.call('GET', state) == 'waiting' then
    redis.call('SET', state, 'signalled', 'KEEPTTL')
    redis.call('PUBLISH', state .. ':signal', 'signalled')
    woken = woken + 1
    if ARGV[2] ~= '1' then
      break
    end
  end
end
return woken
