-- renew.lua: the watchdog's batch renewal; resets each lease the caller still owns to the full lease.
-- A lease is never shortened: one that extend() pushed past the full lease is left as it is.
-- KEYS[1..n]  lock keys
-- ARGV[1..n]  owner token for the key of the same index (the key's value starts with it and a space)
-- ARGV[n+1]   lease in milliseconds
-- Returns     a list of n integers: for a lease still owned, the milliseconds that were left of it when this ran
--             (the full lease for a key without expiry), so the caller can tell a lease that Redis would have ended
--             sooner than it reckoned; -1 = lost (gone or another owner)
local lease = tonumber(ARGV[#KEYS + 1])
local result = {}
for i, key in ipairs(KEYS) do
  local value = redis.call('GET', key)
  local mine = ARGV[i] .. ' '
  if value and string.sub(value, 1, #mine) == mine then
    local left = redis.call('PTTL', key)
    -- always a write, also when the lease is left as it is: a renewal is what a WAIT after it counts replicas
    -- acknowledging (AcknowledgedLockStore), and a script that writes nothing is not replicated
    redis.call('PEXPIRE', key, math.max(left, lease))
    result[i] = left >= 0 and left or lease
  else
    result[i] = -1
  end
end
return result
