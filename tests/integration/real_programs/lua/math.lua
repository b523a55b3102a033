-- Numbers: integer/float semantics, overflow, division, conversions and float formatting.
-- Basic IEEE operations (+ - * / sqrt) are exact-rounded everywhere, so they print at full precision;
-- libm functions (sin, exp, ...) may differ in the last ulp between libms, so they print at 12 digits.
print(7 // 2, -7 // 2, 7 % 3, -7 % 3, 7 % -3, 7.5 // 2, -7.5 % 2, 7 / 2, 6 / 2)
print(math.maxinteger + 1 == math.mininteger, math.mininteger // -1, math.maxinteger * 2)
print(1 << 62, 1 << 63, 1 << 64, -1 >> 1, 0xff ~ 0x0f, ~0, 5 & 3, 5 | 3)
print(3 | 0, math.type(1), math.type(1.0), math.type("1"), math.tointeger(3.0), math.tointeger(3.5))
print(1e15, 1e16, 123456789012345678, 0.1 + 0.2, 1 / 3, -1 / 3, 100 / 3)
print(string.format("%.17g %.17g %.17g", 0.1 + 0.2, 1 / 3, 2 / 3))
print(string.format("%a %a %a", 1.0, 0.1, -1e-300))
print(string.format("%.3f %.0f %.0f %.0f %e %.10e %g %g", 2.0005, 0.5, 1.5, 2.5, 12345.678, 1 / 7, 1e-5, 123456789))
print(1 / 0, -1 / 0, 0 / 0 ~= 0 / 0, math.huge, -math.huge, math.pi)
print(math.floor(-3.5), math.ceil(-3.5), math.floor(3), math.abs(-2 ^ 63), math.fmod(7, -3), math.fmod(-7, 3))
print(math.max(3, 9.5, -1), math.min(3, 9.5, -1), math.ult(1, -1), math.sqrt(2), math.sqrt(1e300))
print(2 ^ 0.5, 10 ^ -2, (-8) ^ (1 / 3) ~= (-8) ^ (1 / 3), 3 == 3.0, math.floor(2 ^ 53 + 1.0))
print(string.format("%.12g %.12g %.12g %.12g", math.sin(1), math.cos(1), math.tan(0.5), math.atan(1, 2)))
print(string.format("%.12g %.12g %.12g %.12g", math.exp(1), math.log(10), math.log(8, 2), math.log(100, 10)))
print(string.format("%.12g %.12g", math.asin(0.5), math.acos(-0.25)))
print(8 // 0.0, -8 // 0.0, pcall(function() return 1 // 0 end))
print(pcall(function() return 1 % 0 end))
print(tostring(1e100), tostring(-1.5e-10), tostring(2 ^ 63), math.tointeger(2 ^ 53))
print(string.format("%d", 3.0), pcall(string.format, "%d", 3.1))
print(tonumber("0x7fffffffffffffff"), tonumber("0xffffffffffffffff"), tonumber("9223372036854775808"))
print(("%5.2f|%-8.3e|%+d|% d"):format(math.pi, -math.pi, 5, 5))

-- Deterministic PRNG (math.random's seed is time-based unless fixed) and a statistics pass.
math.randomseed(42, 7)
local xs, sum, sq = {}, 0, 0
for i = 1, 1000 do
  local v = math.random(1, 1000)
  xs[i] = v
  sum = sum + v
  sq = sq + v * v
end
local mean = sum / #xs
print(math.random(0) ~= nil, xs[1], xs[1000], sum, string.format("%.6f %.6f", mean, math.sqrt(sq / #xs - mean * mean)))
local r = math.random()
print(r >= 0 and r < 1, math.random(5) <= 5)

-- Kahan summation vs naive summation: exercises exact rounding of + and -.
local naive, kahan, c = 0.0, 0.0, 0.0
for i = 1, 100000 do
  local x = 1 / i
  naive = naive + x
  local y = x - c
  local t = kahan + y
  c = (t - kahan) - y
  kahan = t
end
print(string.format("%.17g %.17g", naive, kahan))

-- Integer hashing loop (wrapping multiplication).
local hsh = 1469598103934665603
for i = 1, 10000 do hsh = (hsh ~ i) * 1099511628211 end
print(hsh, string.format("%x", hsh))
