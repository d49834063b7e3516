#pragma once
// BLAKE3 (https://github.com/BLAKE3-team/BLAKE3-specs), hash mode with the default 32-byte output; portable
// (no SIMD), streaming, any input length: chunks of 1024 bytes chained into the binary tree of the spec.
// Used for Workers static assets, whose content hashes are BLAKE3 (see workers/assets.hpp).
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tenantctl {

class Blake3 {
public:
    Blake3();
    Blake3& update(std::string_view data);
    // The 32-byte digest of everything given to update(); the hasher is not changed, so more input may follow.
    std::array<uint8_t, 32> finish() const;
    std::string hex() const;  // finish() as lowercase hex

private:
    struct Chunk {
        std::array<uint32_t, 8> cv;
        uint64_t counter = 0;
        std::array<uint8_t, 64> block{};
        uint8_t block_len = 0;
        uint8_t blocks_compressed = 0;
        size_t length() const { return size_t(blocks_compressed) * 64 + block_len; }
    };
    void start_chunk(uint64_t counter);
    void push_chunk_cv(std::array<uint32_t, 8> cv, uint64_t total_chunks);

    Chunk m_chunk;
    std::vector<std::array<uint32_t, 8>> m_cv_stack;  // chaining values of completed subtrees, at most 54
};

std::string blake3_hex(std::string_view data);

}  // namespace tenantctl
