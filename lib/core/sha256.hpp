#pragma once
// SHA-256 (FIPS 180-4), streaming. Used for content-addressed image names and digests.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tenantctl {

class Sha256 {
public:
    Sha256();
    Sha256& update(std::string_view data);
    std::array<uint8_t, 32> finish();
    std::string hex();  // finish() as lowercase hex

private:
    void block(const uint8_t* p);
    std::array<uint32_t, 8> m_h;
    std::array<uint8_t, 64> m_buf{};
    size_t m_buf_len = 0;
    uint64_t m_total = 0;
};

std::string sha256_hex(std::string_view data);

// HMAC-SHA256 (RFC 2104): the 32 raw bytes.
std::string hmac_sha256(std::string_view key, std::string_view message);

}  // namespace tenantctl
