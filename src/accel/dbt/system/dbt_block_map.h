#pragma once
// DbtBlockMap: the code cache's map from (guest virtual pc, code key) to what it knows of that
// code. The dispatcher consults it on every jump-cache miss, cold code included, so it is an
// open-addressing table with the keys inline (one cache miss per lookup in the common case),
// linear probing, and backward-shift deletion (no tombstones).

#include <cstddef>
#include <cstdint>
#include <memory>

namespace machina::dbt::system {

/// Open-addressing map from (vpc, code key) to V (default-constructible, movable).
template <typename V>
class DbtBlockMap {
  public:
    DbtBlockMap() { reset(kInitialCapacity); }

    /// The value of (vpc, key), default-made when missing. Valid until the next insertion or
    /// erase.
    V& operator()(uint64_t vpc, uint64_t key) {
        if (2 * (m_size + 1) > m_capacity) grow();
        size_t i = home(vpc, key);
        while (m_slots[i].used) {
            if (m_slots[i].vpc == vpc && m_slots[i].key == key) return m_slots[i].value;
            i = (i + 1) & (m_capacity - 1);
        }
        Slot& s = m_slots[i];
        s.used = true;
        s.vpc = vpc;
        s.key = key;
        s.value = V{};
        ++m_size;
        return s.value;
    }

    /// The value of (vpc, key), or nullptr when missing (inserts nothing). Valid until the next
    /// insertion or erase.
    V* find(uint64_t vpc, uint64_t key) {
        for (size_t i = home(vpc, key); m_slots[i].used; i = (i + 1) & (m_capacity - 1))
            if (m_slots[i].vpc == vpc && m_slots[i].key == key) return &m_slots[i].value;
        return nullptr;
    }

    /// Starts loading the home slot of (vpc, key) into the cache (a lookup follows soon).
    void prefetch(uint64_t vpc, uint64_t key) const {
        __builtin_prefetch(&m_slots[home(vpc, key)]);
    }

    /// Removes (vpc, key) if present.
    void erase(uint64_t vpc, uint64_t key) {
        size_t i = home(vpc, key);
        while (m_slots[i].used && !(m_slots[i].vpc == vpc && m_slots[i].key == key))
            i = (i + 1) & (m_capacity - 1);
        if (!m_slots[i].used) return;
        // Backward shift: pull later members of the probe run into the hole.
        size_t hole = i;
        for (size_t j = (i + 1) & (m_capacity - 1); m_slots[j].used;
             j = (j + 1) & (m_capacity - 1)) {
            const size_t h = home(m_slots[j].vpc, m_slots[j].key);
            // j may move to the hole when its home is not in (hole, j] (cyclically).
            const bool stays = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
            if (stays) continue;
            m_slots[hole] = std::move(m_slots[j]);
            hole = j;
        }
        m_slots[hole] = Slot{};
        --m_size;
    }

    /// Removes everything.
    void clear() { reset(kInitialCapacity); }

    /// Number of entries.
    size_t size() const { return m_size; }

  private:
    static constexpr size_t kInitialCapacity = 1u << 14;

    struct Slot {
        uint64_t vpc = 0;
        uint64_t key = 0;
        bool used = false;
        V value{};
    };

    size_t home(uint64_t vpc, uint64_t key) const {
        uint64_t h = (vpc ^ (key * 0x9e3779b97f4a7c15ull)) * 0xff51afd7ed558ccdull;
        return size_t(h >> 32) & (m_capacity - 1);
    }

    void reset(size_t capacity) {
        m_slots.reset(new Slot[capacity]);
        m_capacity = capacity;
        m_size = 0;
    }

    void grow() {
        std::unique_ptr<Slot[]> old = std::move(m_slots);
        const size_t old_capacity = m_capacity;
        reset(old_capacity * 2);
        for (size_t i = 0; i < old_capacity; ++i) {
            if (!old[i].used) continue;
            (*this)(old[i].vpc, old[i].key) = std::move(old[i].value);
        }
    }

    std::unique_ptr<Slot[]> m_slots;
    size_t m_capacity = 0;
    size_t m_size = 0;
};

} // namespace machina::dbt::system
