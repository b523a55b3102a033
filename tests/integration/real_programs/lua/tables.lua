-- Tables: arrays, hashes (printed in sorted order: Lua's hash seed varies per run), sort, metatables.
local t = {}
for i = 1, 100 do t[i] = (i * 37) % 101 end
table.sort(t)
print(#t, t[1], t[50], t[100])
table.sort(t, function(a, b) return a > b end)
print(t[1], t[2], t[100])
table.insert(t, 1, -1)
table.insert(t, 1000)
print(#t, t[1], t[#t], table.remove(t), table.remove(t, 1), #t)
print(table.concat({1, 2, 3, "x", 4.5}, "; "), table.unpack({7, 8, 9}))
print(select("#", table.unpack({1, nil, 3}, 1, 3)), table.pack(1, nil, 3).n)
local moved = table.move({1, 2, 3, 4, 5}, 2, 4, 1, {})
print(#moved, moved[1], moved[3])

local h = {}
for i = 1, 1000 do h["key" .. i] = i * i end
h.key500 = nil
local keys = {}
for k in pairs(h) do keys[#keys + 1] = k end
table.sort(keys)
local sum = 0
for _, k in ipairs(keys) do sum = sum + h[k] end
print(#keys, keys[1], keys[#keys], sum)

-- Records, nested tables and a word count.
local text = [[the cat sat on the mat the dog sat on the log and the cat ran]]
local count = {}
for w in text:gmatch("%a+") do count[w] = (count[w] or 0) + 1 end
local ws = {}
for w, n in pairs(count) do ws[#ws + 1] = {w = w, n = n} end
table.sort(ws, function(a, b) if a.n ~= b.n then return a.n > b.n end return a.w < b.w end)
for i = 1, 5 do io.write(ws[i].w, "=", ws[i].n, " ") end
print()

-- Metatables: a vector type with arithmetic, comparison, __index, __newindex, __len, __call, __tostring.
local Vec = {}
Vec.__index = Vec
local function vec(x, y) return setmetatable({x = x, y = y}, Vec) end
Vec.__add = function(a, b) return vec(a.x + b.x, a.y + b.y) end
Vec.__mul = function(a, k) return vec(a.x * k, a.y * k) end
Vec.__eq = function(a, b) return a.x == b.x and a.y == b.y end
Vec.__lt = function(a, b) return a:len2() < b:len2() end
Vec.__le = function(a, b) return a:len2() <= b:len2() end
Vec.__tostring = function(a) return "(" .. a.x .. "," .. a.y .. ")" end
Vec.__len = function() return 2 end
Vec.__call = function(a, s) return a.x * s + a.y end
Vec.__concat = function(a, b) return tostring(a) .. tostring(b) end
function Vec:len2() return self.x * self.x + self.y * self.y end
local a, b = vec(1, 2), vec(3, 4)
print(tostring(a + b), tostring(a * 3), a == vec(1, 2), a < b, b <= a, #a, a(10), a .. b)

local log = {}
local proxy = setmetatable({}, {
  __index = function(_, k) log[#log + 1] = "get " .. k; return k .. "!" end,
  __newindex = function(t, k, v) log[#log + 1] = "set " .. k; rawset(t, k, v * 2) end,
})
proxy.a = 5
print(proxy.a, proxy.b, rawget(proxy, "b"), table.concat(log, ","))

-- Weak-free inheritance chain and rawequal/rawlen.
local Base = {hello = function(self) return "hello from " .. self.name end}
local Mid = setmetatable({}, {__index = Base})
local obj = setmetatable({name = "obj"}, {__index = Mid})
print(obj:hello(), rawequal(obj, obj), rawlen({1, 2, 3}), next({}))

-- Large array growth and shrink, integer/float keys normalise.
local big = {}
for i = 1, 200000 do big[i] = i % 7 end
local s = 0
for i = #big, 1, -3 do s = s + big[i] end
local nk = {}
nk[1.0] = "one"; nk[2] = "two"
print(#big, s, nk[1], nk[2.0], math.type(next(nk)))
