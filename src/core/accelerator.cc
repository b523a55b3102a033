#include "core/accelerator.h"

namespace machina::core {

const char* to_string(VcpuExit::Kind kind) {
    switch (kind) {
    case VcpuExit::Kind::Mmio: return "mmio";
    case VcpuExit::Kind::Pio: return "pio";
    case VcpuExit::Kind::Halt: return "halt";
    case VcpuExit::Kind::Shutdown: return "shutdown";
    case VcpuExit::Kind::Reset: return "reset";
    case VcpuExit::Kind::Debug: return "debug";
    case VcpuExit::Kind::Interrupted: return "interrupted";
    case VcpuExit::Kind::Error: return "error";
    }
    return "?";
}

} // namespace machina::core
