#pragma once
// How far the interpreter runs cold code in one go: the engines interpret a block until it is
// hot enough to translate (system/dbt_heat.h, TranslatorOptions::hot_visits), one straight-line
// run per dispatcher visit.

#include <cstdint>
#include <cstring>

#include "accel/dbt/decoder/riscv64/decoder.h"
#include "accel/dbt/interp/decode_cache.h"

namespace machina::dbt::interp {

/// Instructions from `vpc` up to and including the first one that may change control flow or
/// needs the system loop, within its page (at least 1); `page_host` is the page's host copy.
inline uint32_t straight_line_length(const uint8_t* page_host, uint64_t vpc) {
    using decoder::Fmt;
    DecodeCache& cache = DecodeCache::for_this_thread();
    uint32_t n = 0;
    uint64_t off = vpc & 0xfff;
    while (n < 64 && off + 2 <= 0x1000) {
        uint32_t raw = 0;
        std::memcpy(&raw, page_host + off, off + 4 <= 0x1000 ? 4 : 2);
        if ((raw & 3) != 3) raw &= 0xffff;
        // Through the decode cache, which the interpreter then finds filled.
        const decoder::DecodedInsn& d = cache.lookup((vpc & ~uint64_t(0xfff)) + off, raw);
        if (off + d.length > 0x1000) break; // straddles the page end
        ++n;
        off += d.length;
        const Fmt f = decoder::op_info(d.op).fmt;
        if (d.op == decoder::Op::Illegal || f == Fmt::Br || f == Fmt::J || f == Fmt::Jalr ||
            f == Fmt::None || f == Fmt::Csr || f == Fmt::CsrI || f == Fmt::Rs12)
            break;
    }
    return n ? n : 1;
}

} // namespace machina::dbt::interp
