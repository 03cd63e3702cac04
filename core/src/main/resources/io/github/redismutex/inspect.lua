-- inspect.lua: who holds a lock, read in one atomic step.
-- KEYS[1]  lock key
-- Returns  {} when nobody holds it: the key does not exist, or holds a "yield <id>" marker (see release.lua)
--          else {value, remaining lease in ms or -1 without expiry}
local value = redis.pcall('GET', KEYS[1])
if value == false or (type(value) == 'string' and string.match(value, '^yield %S+$')) then
  return {}
end
if type(value) == 'table' then
  return {'', redis.call('PTTL', KEYS[1])} -- not a string: held by something that is not redis-mutex
end
return {value, redis.call('PTTL', KEYS[1])}
