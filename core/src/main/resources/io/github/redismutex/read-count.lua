-- read-count.lua: how many read holds of a read-write lock are live: one per holding thread of each process
-- (re-entries are counted by their JVM, not here). Changes nothing.
-- KEYS[1]  readers of the lock (write key .. ':readers')
-- ARGV[1]  write key of the lock (reader keys are it .. ':r:' .. token, same hash slot, so not declared)
-- Returns  the number of readers whose keys exist; 0 when KEYS[1] is not a set
if redis.call('TYPE', KEYS[1])['ok'] ~= 'set' then
  return 0
end
local live = 0
for _, reader in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  live = live + redis.call('EXISTS', ARGV[1] .. ':r:' .. reader)
end
return live
