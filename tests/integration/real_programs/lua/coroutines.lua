-- Coroutines: generators, wrap, status, passing values both ways, yield across pcall.
local function range(n)
  return coroutine.wrap(function() for i = 1, n do coroutine.yield(i) end end)
end
local acc = {}
for v in range(6) do acc[#acc + 1] = v * v end
print(table.concat(acc, " "))

local co = coroutine.create(function(a, b)
  print("start", a, b)
  local c = coroutine.yield(a + b)
  print("got", c)
  local d, e = coroutine.yield(c * 2)
  print("got", d, e)
  return "done", d + e
end)
print(coroutine.status(co), coroutine.resume(co, 1, 2))
print(coroutine.status(co), coroutine.resume(co, 10))
print(coroutine.resume(co, 3, 4))
print(coroutine.status(co), coroutine.resume(co))

-- Producer/consumer pipeline with a filter in between.
local function producer()
  return coroutine.create(function()
    for i = 1, 20 do coroutine.yield(i) end
  end)
end
local function filter(src, pred)
  return coroutine.create(function()
    while true do
      local ok, v = coroutine.resume(src)
      if not v then return end
      if pred(v) then coroutine.yield(v) end
    end
  end)
end
local f = filter(producer(), function(v) return v % 3 == 0 end)
local got = {}
while true do
  local _, v = coroutine.resume(f)
  if not v then break end
  got[#got + 1] = v
end
print(table.concat(got, ","))

-- Errors inside coroutines, yield across pcall, isyieldable, running, close.
local bad = coroutine.create(function() error("boom") end)
local ok, msg = coroutine.resume(bad)
print(ok, (msg:gsub("^.-:%d+: ", "")), coroutine.status(bad))
local y = coroutine.wrap(function()
  local r = {pcall(function() coroutine.yield("inside pcall"); error("after yield") end)}
  coroutine.yield(tostring(r[1]) .. " " .. tostring(r[2]):gsub("^.-:%d+: ", ""))
  return coroutine.isyieldable()
end)
print(y()); print(y()); print(y())
print(coroutine.isyieldable(), select(2, coroutine.running()), type(coroutine.running()))
local closing = coroutine.create(function() coroutine.yield() end)
coroutine.resume(closing)
print(coroutine.close(closing), coroutine.status(closing))

-- Many coroutines alive at once (round-robin scheduler).
local tasks, trace = {}, {}
for id = 1, 50 do
  tasks[id] = coroutine.create(function()
    local s = 0
    for step = 1, id % 7 + 1 do s = s + id * step; coroutine.yield() end
    trace[#trace + 1] = id .. ":" .. s
  end)
end
local alive = #tasks
while alive > 0 do
  alive = 0
  for id = 1, #tasks do
    if coroutine.status(tasks[id]) ~= "dead" then coroutine.resume(tasks[id]); alive = alive + 1 end
  end
end
print(#trace, trace[1], trace[25], trace[50])
