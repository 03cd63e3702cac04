-- renew.lua: the watchdog's batch renewal; resets each lease the caller still owns to the full lease.
-- A lease is never shortened: one that extend() pushed past the full lease is left as it is.
-- KEYS[1..n]  lock keys
-- ARGV[1..n]  owner token for the key of the same index (the key's value starts with it and a space)
-- ARGV[n+1]   lease in milliseconds
-- Returns     a list of n integers: 1 = still owned (renewed or already longer), 0 = lost (gone or another owner)
local lease = tonumber(ARGV[#KEYS + 1])
local result = {}
for i, key in ipairs(KEYS) do
  local value = redis.call('GET', key)
  local mine = ARGV[i] .. ' '
  if value and string.sub(value, 1, #mine) == mine then
    if redis.call('PTTL', key) < lease then
      redis.call('PEXPIRE', key, lease)
    end
    result[i] = 1
  else
    result[i] = 0
  end
end
return result
