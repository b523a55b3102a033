#include "boards/common/fdt_writer.h"

#include <libfdt.h>

#include "base/endian.h"

namespace machina::boards {

FdtWriter::FdtWriter(size_t capacity) : m_buf(capacity) {
    check(fdt_create(m_buf.data(), int(m_buf.size())), "create", "tree");
    check(fdt_finish_reservemap(m_buf.data()), "finish reservemap", "tree");
}

void FdtWriter::check(int rc, std::string_view what, std::string_view name) {
    if (rc < 0 && m_error.empty())
        m_error = fmt::format("device tree: {} '{}': {}", what, name, fdt_strerror(rc));
}

void FdtWriter::begin_node(std::string_view name) {
    std::string n(name);
    check(fdt_begin_node(m_buf.data(), n.c_str()), "begin node", name);
    m_depth++;
}

void FdtWriter::end_node() {
    check(fdt_end_node(m_buf.data()), "end node", "");
    m_depth--;
}

void FdtWriter::prop_raw(std::string_view name, const void* data, size_t len) {
    std::string n(name);
    check(fdt_property(m_buf.data(), n.c_str(), data, int(len)), "property", name);
}

void FdtWriter::prop_u32(std::string_view name, std::initializer_list<uint32_t> cells) {
    prop_u32(name, std::vector<uint32_t>(cells));
}

void FdtWriter::prop_u32(std::string_view name, const std::vector<uint32_t>& cells) {
    std::vector<uint8_t> bytes(cells.size() * 4);
    for (size_t i = 0; i < cells.size(); i++)
        store_be<uint32_t>(bytes.data() + 4 * i, cells[i]);
    prop_raw(name, bytes.data(), bytes.size());
}

void FdtWriter::prop_u64(std::string_view name, uint64_t value) {
    prop_u32(name, {uint32_t(value >> 32), uint32_t(value)});
}

void FdtWriter::prop_reg64(std::string_view name,
                           std::initializer_list<std::pair<uint64_t, uint64_t>> regs) {
    std::vector<uint32_t> cells;
    for (auto [addr, size] : regs) {
        cells.push_back(uint32_t(addr >> 32));
        cells.push_back(uint32_t(addr));
        cells.push_back(uint32_t(size >> 32));
        cells.push_back(uint32_t(size));
    }
    prop_u32(name, cells);
}

void FdtWriter::prop_string(std::string_view name, std::string_view value) {
    std::string v(value);
    prop_raw(name, v.c_str(), v.size() + 1);
}

void FdtWriter::prop_strings(std::string_view name,
                             std::initializer_list<std::string_view> values) {
    std::string joined;
    for (auto v : values) {
        joined.append(v);
        joined.push_back('\0');
    }
    prop_raw(name, joined.data(), joined.size());
}

void FdtWriter::prop_empty(std::string_view name) {
    prop_raw(name, nullptr, 0);
}

Result<std::vector<uint8_t>> FdtWriter::finish() {
    if (m_depth != 0 && m_error.empty()) m_error = "device tree: unbalanced nodes";
    check(fdt_finish(m_buf.data()), "finish", "tree");
    if (!m_error.empty()) return Error{m_error, 0};
    m_buf.resize(fdt_totalsize(m_buf.data()));
    return std::move(m_buf);
}

} // namespace machina::boards
