-- fence.lua: draw the next fencing token for the caller's hold, if the caller still owns the lock.
-- Tokens are drawn while the lock is held, checked in the same atomic step, so they grow in the order of the
-- holds that drew them; the counter never expires, so they keep growing after lock keys expire.
-- Redlock draws in two rounds over its servers: first each server's next token (ARGV[3] '0'), then the highest of
-- a majority's answers is raised to on every server (ARGV[3] = that token), so that any later majority sees it.
-- KEYS[1]  lock key
-- KEYS[2]  fencing counter of the lock (lock key .. ':fence')
-- ARGV[1]  owner token of the caller (the key's value starts with it and a space)
-- ARGV[2]  holder metadata of the drawing thread, written into the value with the token (see acquire.lua)
-- ARGV[3]  '0' to draw the next token; else a token (decimal string) to raise the counter to and hand out
-- Returns  the token as a decimal string ('1' or more; kept as a string: Lua numbers are exact only to 2^53)
--          '0' = not owned any more (key gone or another owner): nothing was changed
--          '-2' = the counter holds something that is not a decimal number (an operator's mistake): nothing was
--                 changed
local value = redis.call('GET', KEYS[1])
local mine = ARGV[1] .. ' '
if not value or string.sub(value, 1, #mine) ~= mine then
  return '0'
end
local fence = ARGV[3]
if fence == '0' then
  local drawn = redis.pcall('INCR', KEYS[2]) -- fails, changing nothing, on a counter that is not a number
  if type(drawn) == 'table' then
    return '-2'
  end
  fence = redis.call('GET', KEYS[2])
else
  local current = redis.pcall('GET', KEYS[2])
  if type(current) == 'table' or (current and not string.match(current, '^%d+$')) then
    return '-2'
  end
  current = current or '0'
  -- decimal strings without leading zeros: the longer is the larger, else they compare as text
  if #current < #fence or (#current == #fence and current < fence) then
    redis.call('SET', KEYS[2], fence)
  end
end
redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. fence .. ' ' .. ARGV[2], 'KEEPTTL')
return fence
