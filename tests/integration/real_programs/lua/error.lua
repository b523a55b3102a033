-- An uncaught error: the interpreter prints the message and a traceback to stderr and exits 1.
local function inner(t) return t.missing.field end
local function outer() return inner({}) + 1 end
print("before the error")
outer()
print("never printed")
