-- Closures, upvalues, varargs, recursion, tail calls, error handling.
local function counter(start)
  local n = start
  return function(step) n = n + (step or 1); return n end, function() return n end
end
local inc, get = counter(10)
inc(); inc(5)
print(get(), inc(-3))

local fns = {}
for i = 1, 5 do fns[i] = function() return i * i end end
local out = {}
for i = 1, 5 do out[i] = fns[i]() end
print(table.concat(out, " "))

local function compose(...)
  local fs = {...}
  return function(x)
    for i = #fs, 1, -1 do x = fs[i](x) end
    return x
  end
end
print(compose(function(x) return x + 1 end, function(x) return x * 2 end)(20))

local function varargs(...)
  local n = select("#", ...)
  return n, select(2, ...), {...}
end
local n, second = varargs(1, "two", nil, 4)
print(n, second)

local function sum_tail(k, acc)
  if k == 0 then return acc end
  return sum_tail(k - 1, acc + k)  -- proper tail call: no stack growth
end
print(sum_tail(1000000, 0))

local function ackermann(m, k)
  if m == 0 then return k + 1 end
  if k == 0 then return ackermann(m - 1, 1) end
  return ackermann(m - 1, ackermann(m, k - 1))
end
print(ackermann(2, 3), ackermann(3, 3))

local memo = {}
local function fib(k)
  if k < 2 then return k end
  local v = memo[k]
  if v then return v end
  v = fib(k - 1) + fib(k - 2)
  memo[k] = v
  return v
end
print(fib(80), fib(90))

print(pcall(error, "plain"))
local eok, eobj = pcall(error, {code = 7})
print(eok, type(eobj), eobj.code)
print(select(2, pcall(function() local x = nil; return x.field end)) ~= nil)
print(pcall(function() error("with level", 0) end))
print(xpcall(function() return 1 + {} end, function(m) return "handled: " .. tostring(m):gsub("^.-:%d+: ", "") end))
local ok, e = pcall(function() error(setmetatable({}, {__tostring = function() return "custom error" end})) end)
print(ok, tostring(e))
print(select(2, pcall(string.rep)), (select(2, pcall(string.format, "%d", 1.5))))

-- Upvalues shared between closures and the goto statement.
local function make_pair()
  local shared = 0
  return function() shared = shared + 1 end, function() return shared end
end
local bump, read = make_pair()
for _ = 1, 7 do bump() end
print(read())
local i = 1
::top::
if i < 4 then io.write("goto", i, " "); i = i + 1; goto top end
print()

-- to-be-closed variables and string.dump-free load().
do
  local closed = {}
  do
    local res <close> = setmetatable({}, {__close = function() closed[#closed + 1] = "closed" end})
    local k <const> = 42
    closed[#closed + 1] = "body" .. k
  end
  print(table.concat(closed, ","))
end
local chunk = load("local a, b = ... return a * b + 1")
print(chunk(6, 7), load("return 1 +")) 
local env = {x = 5}
print(load("return x * 2", "chunk", "t", env)())
