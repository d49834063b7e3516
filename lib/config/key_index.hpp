#pragma once
// The member-key index the JSONC reader uses for objects too large for a linear scan: open addressing over
// member indices, the keys themselves stay in the members. Each slot keeps its key's hash, so growing
// never hashes a key again and most probes compare no string.
#include <cstdint>
#include <string_view>
#include <vector>

namespace tenantctl::config {

class KeyIndex {
public:
    // FNV-1a: keys are short, so a cheap inline hash beats std::hash here.
    static std::uint32_t hash(std::string_view k) {
        std::uint64_t h = 0xcbf29ce484222325ull;
        for (char c : k) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
        return static_cast<std::uint32_t>(h ^ (h >> 32));
    }

    bool empty() const { return m_count == 0; }

    // The member index of `key` (whose hash is h), or -1. key_at(i) is member i's key.
    template <typename KeyAt>
    long find(std::string_view key, std::uint32_t h, const KeyAt& key_at) const {
        if (m_slots.empty()) return -1;
        const size_t mask = m_slots.size() - 1;
        for (size_t p = h & mask;; p = (p + 1) & mask) {
            const std::uint64_t s = m_slots[p];
            if (!s) return -1;
            const auto member = static_cast<std::uint32_t>(s & 0xFFFFFFFFu) - 1;
            if (static_cast<std::uint32_t>(s >> 32) == h && key_at(member) == key) return static_cast<long>(member);
        }
    }

    // Records that member `member` has a key with hash h (the caller checked that the key is new).
    void add(std::uint32_t h, std::uint32_t member) {
        if ((m_count + 1) * 2 > m_slots.size()) {
            std::vector<std::uint64_t> old(m_slots.empty() ? 64 : m_slots.size() * 2, 0);
            old.swap(m_slots);
            for (std::uint64_t s : old)
                if (s) place(s);
        }
        place((static_cast<std::uint64_t>(h) << 32) | (static_cast<std::uint64_t>(member) + 1));
        ++m_count;
    }

private:
    // Slots: the key's hash in the upper 32 bits, member index + 1 in the lower ones (0 = empty).
    std::vector<std::uint64_t> m_slots;
    size_t m_count = 0;

    void place(std::uint64_t slot) {
        const size_t mask = m_slots.size() - 1;
        size_t p = static_cast<std::uint32_t>(slot >> 32) & mask;
        while (m_slots[p]) p = (p + 1) & mask;
        m_slots[p] = slot;
    }
};

}  // namespace tenantctl::config
