#include "platform/ratelimit.hpp"

#include <algorithm>
#include <charconv>

#include "core/strings.hpp"

namespace tenantctl::platform {

Result<RateLimitOptions> parse_rate_limit_option(std::string_view text) {
    auto bad = [&] {
        return Error(ErrorKind::Usage, "invalid --rate-limit " + quoted(text),
                     "use N/SECONDS with positive integers, e.g. 1200/300 (Cloudflare's documented limit)");
    };
    auto parts = split(trim(text), '/');
    if (parts.size() != 2) return bad();
    long long nums[2] = {0, 0};
    for (size_t i = 0; i < 2; ++i) {
        auto p = trim(parts[i]);
        auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), nums[i]);
        if (p.empty() || ec != std::errc() || ptr != p.data() + p.size() || nums[i] <= 0) return bad();
    }
    if (nums[1] > 86400) return bad();
    return RateLimitOptions{true, nums[0], nums[1]};
}

RateGate::RateGate(Clock& clock, RateLimitOptions options) : m_clock(clock), m_options(options) {}

RateGate::Decision RateGate::admit() {
    std::lock_guard lock(m_mutex);
    auto now = m_clock.now();
    if (!m_open || now >= m_window_end) {
        m_open = true;
        m_window_end = now + std::chrono::seconds(m_options.window_s);
        m_used = 0;
    }
    ++m_used;
    Decision d;
    d.allowed = !m_options.enforce || m_used <= m_options.quota;
    long long remaining = std::max(0LL, m_options.quota - m_used);
    // Whole seconds, rounded up: a client that waits t seconds finds the window reset.
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(m_window_end - now).count();
    long long t = std::max<long long>(1, (left + 999) / 1000);
    d.headers.emplace_back("Ratelimit", "\"default\";r=" + std::to_string(remaining) + ";t=" + std::to_string(t));
    d.headers.emplace_back("Ratelimit-Policy", "\"burst\";q=" + std::to_string(m_options.quota) +
                                                   ";w=" + std::to_string(m_options.window_s));
    if (!d.allowed) d.headers.emplace_back("Retry-After", std::to_string(t));
    return d;
}

}  // namespace tenantctl::platform
