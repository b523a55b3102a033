-- I/O through the emulator's syscalls: stdin from a pipe, files (create, seek, append, rename,
-- remove), stderr, and a non-zero exit status. Run with stdin = the text of this very file.
local lines, words, bytes = 0, 0, 0
for line in io.lines() do
  lines = lines + 1
  bytes = bytes + #line + 1
  for _ in line:gmatch("%S+") do words = words + 1 end
end
print("stdin", lines, words, bytes)

local name = os.tmpname()
local f = assert(io.open(name, "w"))
for i = 1, 1000 do f:write(string.format("%04d %s\n", i, ("x"):rep(i % 50))) end
f:close()
f = assert(io.open(name, "a+"))
f:write("appended\n")
f:seek("set", 0)
local first = f:read("l")
local size = f:seek("end")
f:seek("set", size - 9)
local last = f:read("a")
f:close()
print("file", first, size, (last:gsub("\n", "|")))
local renamed = name .. ".renamed"
print("rename", os.rename(name, renamed), io.open(name) == nil)
local g = assert(io.open(renamed, "rb"))
local count = 0
for l in g:lines() do count = count + 1 end
g:close()
print("lines", count, os.remove(renamed), io.open(renamed) == nil)
print("missing", select(2, io.open("/nonexistent/machina/file")))
io.stderr:write("to stderr\n")
io.stdout:setvbuf("no")
io.write("unbuffered ", 42, "\n")
os.exit(3)
