-- inspect.lua: who holds a lock, read in one atomic step.
-- KEYS[1]  lock key
-- Returns  {} when the key does not exist, else {value, remaining lease in ms or -1 without expiry}
local value = redis.pcall('GET', KEYS[1])
if value == false then
  return {}
end
if type(value) == 'table' then
  return {'', redis.call('PTTL', KEYS[1])} -- not a string: held by something that is not redis-mutex
end
return {value, redis.call('PTTL', KEYS[1])}
