#pragma once
// The local platform's API rate limit, with the headers Cloudflare's API sends on every response:
//   Ratelimit: "default";r=REMAINING;t=SECONDS_TO_RESET     Ratelimit-Policy: "burst";q=QUOTA;w=WINDOW
// and 429 + Retry-After once a window's quota is spent. A window opens with the first request after the previous
// one ended (so a client that starts after a pause gets a whole window). By default nothing is enforced and a
// quota of k_unlimited_quota per window is advertised: a client pacing by these headers runs at full speed
// against `tenantctl dev` with nothing configured. `tenantctl dev --rate-limit N/SECONDS` enforces N per SECONDS.
#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace tenantctl::platform {

inline constexpr long long k_unlimited_quota = 1000000000;

struct RateLimitOptions {
    bool enforce = false;
    long long quota = k_unlimited_quota;
    long long window_s = 300;
};
// "N/SECONDS" (both positive integers; SECONDS at most a day).
Result<RateLimitOptions> parse_rate_limit_option(std::string_view text);

class RateGate {
public:
    RateGate(Clock& clock, RateLimitOptions options);
    struct Decision {
        bool allowed = true;
        std::vector<std::pair<std::string, std::string>> headers;  // Ratelimit, Ratelimit-Policy[, Retry-After]
    };
    // Counts one request (refused ones too) and says whether it may be served, with the headers to send.
    Decision admit();
    const RateLimitOptions& options() const { return m_options; }

private:
    Clock& m_clock;
    RateLimitOptions m_options;
    std::mutex m_mutex;
    bool m_open = false;
    Clock::time_point m_window_end{};
    long long m_used = 0;
};

}  // namespace tenantctl::platform
