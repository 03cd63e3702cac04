-- release-read.lua: delete a read hold's key only if the caller still owns it, and, when that deleted it, leaves no
-- live reader and somebody waits (a writer), announce the release. Also the clean-up of a read acquisition that gives up: it
-- deletes whatever an attempt whose answer was lost may have set (readers queue no tickets).
-- Reader keys are "<write key>:r:<token>" (acquire-read.lua); the liveness check reads the other readers' keys,
-- which share the write key's hash slot and are therefore not declared.
-- KEYS[1]  the caller's reader key
-- KEYS[2]  readers of the lock (write key .. ':readers')
-- KEYS[3]  waiters key of the lock (write key .. ':waiters')
-- ARGV[1]  owner token of the read hold
-- ARGV[2]  channel to announce the release on
-- ARGV[3]  write key of the lock
-- Returns  1 = released; 0 = the key was gone (the lease had run out); -1 = another value holds the key: left
--          untouched
local value = redis.pcall('GET', KEYS[1])
local mine = ARGV[1] .. ' '
local code = 1
if value == false then
  code = 0
elseif type(value) ~= 'string' or string.sub(value, 1, #mine) ~= mine then
  return -1
else
  redis.call('DEL', KEYS[1])
end
if redis.call('TYPE', KEYS[2])['ok'] ~= 'set' then
  return code
end
redis.call('SREM', KEYS[2], ARGV[1])
if code ~= 1 or redis.call('EXISTS', KEYS[3]) == 0 then
  return code -- nothing was released (an abandoned attempt that got nothing, or a lease that ran out), or nobody waits
end
for _, reader in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('EXISTS', ARGV[3] .. ':r:' .. reader) == 1 then
    return code -- another reader still holds it: a waiting writer still cannot enter
  end
  redis.call('SREM', KEYS[2], reader)
end
redis.call('DEL', KEYS[3])
redis.call('PUBLISH', ARGV[2], 'released')
return code
