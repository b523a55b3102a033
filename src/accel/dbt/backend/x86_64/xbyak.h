#pragma once
// The one way machina includes xbyak: without exceptions (errors are read with
// Xbyak::GetError()), so every translation unit sees the same configuration.

#define XBYAK_NO_EXCEPTION 1
#include <xbyak/xbyak.h>
#include <xbyak/xbyak_util.h>
