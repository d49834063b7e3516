#include "core/blake3.hpp"

#include <algorithm>
#include <cstring>

#include "core/strings.hpp"

namespace tenantctl {

namespace {

using Words8 = std::array<uint32_t, 8>;

constexpr Words8 iv = {0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19};
constexpr uint8_t schedule_step[16] = {2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8};

constexpr uint32_t flag_chunk_start = 1;
constexpr uint32_t flag_chunk_end = 2;
constexpr uint32_t flag_parent = 4;
constexpr uint32_t flag_root = 8;

constexpr size_t block_size = 64;
constexpr size_t chunk_size = 1024;

inline uint32_t rotr(uint32_t x, int n) {
    return (x >> n) | (x << (32 - n));
}

inline void mix(uint32_t* s, int a, int b, int c, int d, uint32_t x, uint32_t y) {
    s[a] = s[a] + s[b] + x;
    s[d] = rotr(s[d] ^ s[a], 16);
    s[c] = s[c] + s[d];
    s[b] = rotr(s[b] ^ s[c], 12);
    s[a] = s[a] + s[b] + y;
    s[d] = rotr(s[d] ^ s[a], 8);
    s[c] = s[c] + s[d];
    s[b] = rotr(s[b] ^ s[c], 7);
}

// The compression function: the full 16-word output state.
std::array<uint32_t, 16> compress(const Words8& cv, const uint32_t* block_words, uint64_t counter, uint32_t block_len,
                                  uint32_t flags) {
    uint32_t s[16] = {cv[0],
                      cv[1],
                      cv[2],
                      cv[3],
                      cv[4],
                      cv[5],
                      cv[6],
                      cv[7],
                      iv[0],
                      iv[1],
                      iv[2],
                      iv[3],
                      uint32_t(counter),
                      uint32_t(counter >> 32),
                      block_len,
                      flags};
    uint32_t m[16];
    std::memcpy(m, block_words, sizeof m);
    for (int round = 0; round < 7; ++round) {
        mix(s, 0, 4, 8, 12, m[0], m[1]);
        mix(s, 1, 5, 9, 13, m[2], m[3]);
        mix(s, 2, 6, 10, 14, m[4], m[5]);
        mix(s, 3, 7, 11, 15, m[6], m[7]);
        mix(s, 0, 5, 10, 15, m[8], m[9]);
        mix(s, 1, 6, 11, 12, m[10], m[11]);
        mix(s, 2, 7, 8, 13, m[12], m[13]);
        mix(s, 3, 4, 9, 14, m[14], m[15]);
        if (round < 6) {
            uint32_t next[16];
            for (int i = 0; i < 16; ++i) next[i] = m[schedule_step[i]];
            std::memcpy(m, next, sizeof m);
        }
    }
    std::array<uint32_t, 16> out;
    for (int i = 0; i < 8; ++i) {
        out[i] = s[i] ^ s[i + 8];
        out[i + 8] = s[i + 8] ^ cv[i];
    }
    return out;
}

void load_words(const uint8_t* bytes, uint32_t* words) {
    for (int i = 0; i < 16; ++i) {
        words[i] = uint32_t(bytes[i * 4]) | (uint32_t(bytes[i * 4 + 1]) << 8) | (uint32_t(bytes[i * 4 + 2]) << 16) |
                   (uint32_t(bytes[i * 4 + 3]) << 24);
    }
}

Words8 first_eight(const std::array<uint32_t, 16>& state) {
    Words8 cv;
    std::copy_n(state.begin(), 8, cv.begin());
    return cv;
}

// What a chunk or parent node becomes before it is known whether it is the root.
struct Node {
    Words8 input_cv;
    uint32_t block_words[16];
    uint64_t counter;
    uint32_t block_len;
    uint32_t flags;

    Words8 chaining_value() const { return first_eight(compress(input_cv, block_words, counter, block_len, flags)); }
};

Node parent_node(const Words8& left, const Words8& right) {
    Node n{iv, {}, 0, uint32_t(block_size), flag_parent};
    std::copy(left.begin(), left.end(), n.block_words);
    std::copy(right.begin(), right.end(), n.block_words + 8);
    return n;
}

}  // namespace

Blake3::Blake3() {
    start_chunk(0);
}

void Blake3::start_chunk(uint64_t counter) {
    m_chunk = Chunk{};
    m_chunk.cv = iv;
    m_chunk.counter = counter;
}

void Blake3::push_chunk_cv(std::array<uint32_t, 8> cv, uint64_t total_chunks) {
    // Each trailing zero bit of the chunk count completes one subtree: merge it with its left sibling.
    while ((total_chunks & 1) == 0) {
        cv = parent_node(m_cv_stack.back(), cv).chaining_value();
        m_cv_stack.pop_back();
        total_chunks >>= 1;
    }
    m_cv_stack.push_back(cv);
}

Blake3& Blake3::update(std::string_view data) {
    const auto* p = reinterpret_cast<const uint8_t*>(data.data());
    size_t n = data.size();
    while (n > 0) {
        if (m_chunk.length() == chunk_size) {
            // The chunk is full and more input follows, so it is not the root: finish it.
            Node node{m_chunk.cv, {}, m_chunk.counter, m_chunk.block_len, flag_chunk_end};
            load_words(m_chunk.block.data(), node.block_words);
            uint64_t total = m_chunk.counter + 1;
            push_chunk_cv(node.chaining_value(), total);
            start_chunk(total);
        }
        if (m_chunk.block_len == block_size) {
            // The block is full and more input follows, so it is not the chunk's last block.
            uint32_t words[16];
            load_words(m_chunk.block.data(), words);
            uint32_t flags = m_chunk.blocks_compressed == 0 ? flag_chunk_start : 0;
            m_chunk.cv = first_eight(compress(m_chunk.cv, words, m_chunk.counter, uint32_t(block_size), flags));
            ++m_chunk.blocks_compressed;
            m_chunk.block.fill(0);
            m_chunk.block_len = 0;
        }
        size_t take = std::min(n, block_size - m_chunk.block_len);
        std::memcpy(m_chunk.block.data() + m_chunk.block_len, p, take);
        m_chunk.block_len = uint8_t(m_chunk.block_len + take);
        p += take;
        n -= take;
    }
    return *this;
}

std::array<uint8_t, 32> Blake3::finish() const {
    uint32_t flags = flag_chunk_end | (m_chunk.blocks_compressed == 0 ? flag_chunk_start : 0);
    Node node{m_chunk.cv, {}, m_chunk.counter, m_chunk.block_len, flags};
    load_words(m_chunk.block.data(), node.block_words);
    for (auto it = m_cv_stack.rbegin(); it != m_cv_stack.rend(); ++it) node = parent_node(*it, node.chaining_value());
    // The root: compressed once more with the ROOT flag and output block counter 0 (32 bytes need one block).
    auto state = compress(node.input_cv, node.block_words, 0, node.block_len, node.flags | flag_root);
    std::array<uint8_t, 32> out;
    for (int i = 0; i < 8; ++i) {
        for (int b = 0; b < 4; ++b) out[size_t(i * 4 + b)] = uint8_t(state[size_t(i)] >> (8 * b));
    }
    return out;
}

std::string Blake3::hex() const {
    auto digest = finish();
    return hex_encode(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

std::string blake3_hex(std::string_view data) {
    return Blake3().update(data).hex();
}

}  // namespace tenantctl
