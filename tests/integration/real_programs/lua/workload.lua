-- CPU workload for benchmarks (and, scaled down, for tests): spectral norm (floating point),
-- naive recursive Fibonacci (calls), a string builder (allocation, GC) and a table sort.
--   lua workload.lua [scale]   scale 1 (default) takes ~1-2 s natively; tests use a small scale.
local scale = tonumber(arg and arg[1]) or 1

local function a(i, j)
  local ij = i + j - 1
  return 1.0 / (ij * (ij - 1) * 0.5 + i)
end
local function av(x, y, n)
  for i = 1, n do
    local s = 0.0
    for j = 1, n do s = s + a(i, j) * x[j] end
    y[i] = s
  end
end
local function atv(x, y, n)
  for i = 1, n do
    local s = 0.0
    for j = 1, n do s = s + a(j, i) * x[j] end
    y[i] = s
  end
end
local function spectral_norm(n)
  local u, v, t = {}, {}, {}
  for i = 1, n do u[i] = 1.0 end
  for _ = 1, 10 do
    av(u, t, n); atv(t, v, n)
    av(v, t, n); atv(t, u, n)
  end
  local vbv, vv = 0.0, 0.0
  for i = 1, n do
    vbv = vbv + u[i] * v[i]
    vv = vv + v[i] * v[i]
  end
  return math.sqrt(vbv / vv)
end

local function fib(k)
  if k < 2 then return k end
  return fib(k - 1) + fib(k - 2)
end

local function strings(n)
  local parts = {}
  for i = 1, n do parts[#parts + 1] = string.format("%d:%x;", i, i * 2654435761 % 4294967296) end
  local s = table.concat(parts)
  local count = 0
  for _ in s:gmatch("%d+:") do count = count + 1 end
  return #s, count
end

local function sorting(n)
  local t, x = {}, 12345
  for i = 1, n do
    x = (x * 1103515245 + 12345) % 2147483648
    t[i] = x
  end
  table.sort(t)
  return t[1], t[n // 2], t[n]
end

local n_spec = math.max(10, math.floor(500 * math.sqrt(scale)))
print(string.format("spectral_norm(%d) = %.9f", n_spec, spectral_norm(n_spec)))
local n_fib = scale >= 1 and 30 or 18
print(string.format("fib(%d) = %d", n_fib, fib(n_fib)))
print("strings", strings(math.floor(300000 * scale)))
print("sort", sorting(math.floor(300000 * scale)))
