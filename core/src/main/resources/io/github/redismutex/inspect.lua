-- inspect.lua: who holds a lock, read in one atomic step.
-- KEYS[1]  lock key
-- Returns  {} when nobody holds it: the key does not exist, or holds a "yield <id>" marker (see release.lua)
--          {'', remaining lease in ms or -1 without expiry} when it holds a value that is not a string (not
--          redis-mutex's)
--          else {value, remaining lease in ms or -1 without expiry}
-- Errors (a command the caller may not run, say) are raised, never read as an answer.
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind == 'none' then
  return {}
end
if kind ~= 'string' then
  return {'', redis.call('PTTL', KEYS[1])} -- held by something that is not redis-mutex
end
local value = redis.call('GET', KEYS[1])
if string.match(value, '^yield %S+$') then
  return {}
end
return {value, redis.call('PTTL', KEYS[1])}
