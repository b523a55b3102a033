-- String library: patterns, formatting, packing, utf8. Output must be identical on every architecture.
local s = "The quick brown fox jumps over the lazy dog"
print(#s, s:upper(), s:lower())
print(s:sub(5, 9), s:sub(-3), s:sub(-100, 3), s:byte(1, 3))
print(s:find("fox"), s:find("o", 15, true), s:find("(%a+) (%a+)$"))
print(s:match("(%a+) fox"), s:match("%s(%a%a%a)%s"))
local words = {}
for w in s:gmatch("%a+") do words[#words + 1] = w end
print(#words, table.concat(words, ","))
print(s:gsub("o", "0"))
print(s:gsub("(%a+)", function(w) return #w > 4 and w:reverse() or nil end))
print(("x"):rep(5, "-"), ("ab"):rep(0), ("abc"):reverse())
print(string.format("%5d|%-5d|%05d|%x|%X|%o", 42, 42, 42, 255, 255, 8))
print(string.format("%q", 'a "quoted"\n\0string'))
print(string.format("%10.3s|%-10s|%s", "abcdef", "left", nil))
print(string.format("%c%c%c", 76, 117, 97))
print(("%d items at %.2f each = %8.3f"):format(3, 1.25, 3 * 1.25))
print(tostring(12), tostring(12.0), tostring(-0.0), 2^53, 2^63, math.maxinteger, math.mininteger)
print("10" + 5, "3.5" * 2, 10 .. 20, "0x10" + 0, tonumber("  0x1p4  "), tonumber("z", 36), tonumber("777", 8))
print(tonumber("1e2"), tonumber("abc"), tonumber(""), tonumber("10", 2))
local packed = string.pack("<i4>i4<d z s1", 1, 258, 1.5, "zero", "len")
print(#packed, (packed:gsub(".", function(c) return string.format("%02x", c:byte()) end)))
print(string.unpack("<i4>i4<d z s1", packed))
print(utf8.char(72, 228, 8364, 128512), utf8.len("häll€"), utf8.codepoint("€", 1))
for p, c in utf8.codes("aé€") do io.write(p, ":", c, " ") end
print()
local parts = {}
for k, v in string.gmatch("a=1, b=22, ccc=333", "(%w+)=(%w+)") do parts[#parts + 1] = k .. "->" .. v end
print(table.concat(parts, " "))
print(("  trim me  "):match("^%s*(.-)%s*$") .. "|")
print(("CamelCaseString"):gsub("(%u)", " %1"))
print(("%bxy"):len(), ("f(a(b)c)d"):match("%b()"), ("THE (quick) fox"):find("%f[%a]%a+%f[%A]"))
local buf = {}
for i = 1, 200 do buf[i] = string.char(65 + i % 26) end
local big = table.concat(buf)
print(#big, big:sub(1, 30), select("#", big:byte(1, -1)))
print(string.format("%-8s|%8s|", "ab", "cd"), ("x"):rep(3, ", "))
