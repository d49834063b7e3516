#include "api/pacer.hpp"

#include <algorithm>
#include <charconv>

#include "api/http.hpp"
#include "core/strings.hpp"

namespace tenantctl::api {

using std::chrono::milliseconds;

namespace {

// The integer parameter `key` of one list item (`"name";r=5;t=30`), nullopt when absent or not an integer.
std::optional<long long> item_param(std::string_view item, std::string_view key) {
    for (const auto& p : split(item, ';')) {
        auto part = trim(p);
        auto eq = part.find('=');
        if (eq == std::string_view::npos) continue;
        if (to_lower(trim(part.substr(0, eq))) != key) continue;
        auto v = trim(part.substr(eq + 1));
        long long out = 0;
        auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
        if (ec != std::errc() || ptr != v.data() + v.size() || out < 0) return std::nullopt;
        return out;
    }
    return std::nullopt;
}

}  // namespace

std::optional<RateLimitState> parse_ratelimit_header(std::string_view value) {
    std::optional<RateLimitState> best;
    for (const auto& item : split(value, ',')) {
        auto r = item_param(item, "r");
        if (!r) continue;
        RateLimitState s{*r, item_param(item, "t").value_or(0)};
        if (!best || s.remaining < best->remaining) best = s;
    }
    return best;
}

std::optional<RateLimitPolicy> parse_ratelimit_policy_header(std::string_view value) {
    std::optional<RateLimitPolicy> best;
    for (const auto& item : split(value, ',')) {
        auto q = item_param(item, "q");
        auto w = item_param(item, "w");
        if (!q || !w || *w <= 0) continue;
        RateLimitPolicy p{*q, *w};
        // The most constraining: the lowest sustained rate.
        if (!best || static_cast<double>(p.quota) / static_cast<double>(p.window_s) <
                         static_cast<double>(best->quota) / static_cast<double>(best->window_s))
            best = p;
    }
    return best;
}

const char* to_string(PaceReason r) {
    switch (r) {
        case PaceReason::Window:
            return "window";
        case PaceReason::RetryAfter:
            return "retry-after";
        case PaceReason::Fallback:
            return "fallback";
        case PaceReason::Ceiling:
            return "ceiling";
    }
    return "?";
}

Pacer::Pacer(Clock& clock, PacerOptions options) : m_clock(clock), m_options(std::move(options)) {
    if (m_options.enabled)
        m_bucket = std::make_unique<RateLimiter>(clock, m_options.fallback_tokens, m_options.fallback_per,
                                                 m_options.fallback_burst);
}

Pacer::~Pacer() = default;

void Pacer::notify(PaceReason reason, Clock::time_point until, std::unique_lock<std::mutex>& lock) {
    auto now = m_clock.now();
    // One event per wait: threads waiting for the same reset share it.
    if (!m_observer || until <= now) return;
    auto diff = until > m_notified_until ? until - m_notified_until : m_notified_until - until;
    if (diff < std::chrono::milliseconds(500)) return;
    m_notified_until = until;
    PaceEvent ev{reason, std::chrono::duration_cast<milliseconds>(until - now), m_quota, m_window_s};
    auto observer = m_observer;
    lock.unlock();
    observer(ev);
    lock.lock();
}

Pacer::Ticket Pacer::acquire() {
    Ticket t;
    if (!m_options.enabled) return t;
    auto started = m_clock.now();
    bool informed = false;
    {
        // Headers that stopped coming (a window long past with no news) count as none: the bucket paces again.
        std::lock_guard lock(m_mutex);
        auto stale_after = m_reset_at + std::chrono::seconds(std::max<long long>(m_window_s, 1));
        informed = m_informed && started < stale_after;
    }
    // The client's own bucket: while the server has said nothing, or as an explicit ceiling.
    if (!informed || m_options.fallback_is_ceiling) {
        auto w = m_bucket->acquire();
        if (w > Clock::duration::zero() && m_observer) {
            PaceEvent ev{informed ? PaceReason::Ceiling : PaceReason::Fallback,
                         std::chrono::duration_cast<milliseconds>(w), static_cast<long long>(m_options.fallback_tokens),
                         m_options.fallback_per.count() / 1000};
            m_observer(ev);
        }
    }
    std::unique_lock lock(m_mutex);
    for (;;) {
        auto now = m_clock.now();
        if (m_blocked_until > now) {
            auto until = m_blocked_until;
            notify(PaceReason::RetryAfter, until, lock);
            lock.unlock();
            m_clock.sleep_for(until - m_clock.now());
            lock.lock();
            continue;
        }
        if (!informed || !m_informed || !m_have_window) break;  // paced by the bucket above
        if (now >= m_reset_at) {
            // The window the server described has reset: assume its quota (one probe at a time without a policy)
            // until a response says where this window stands.
            long long fresh = m_quota > 0 ? m_quota : 1;
            if (fresh - m_in_flight > 0) break;
            m_cv.wait_for(lock, std::chrono::milliseconds(200));
            continue;
        }
        long long budget = m_min_remaining - m_in_flight;
        if (budget > 0) break;
        if (m_min_remaining > 0 && m_in_flight > 0) {
            // Requests in flight may or may not have been counted: their answers tell.
            m_cv.wait_for(lock, std::chrono::milliseconds(200));
            continue;
        }
        // Known to be empty: never send into it.
        auto until = m_reset_at;
        notify(PaceReason::Window, until, lock);
        lock.unlock();
        m_clock.sleep_for(until - m_clock.now());
        lock.lock();
    }
    ++m_in_flight;
    t.counted = true;
    t.waited = m_clock.now() - started;
    return t;
}

void Pacer::complete(const Ticket& t, int status, const std::optional<std::string>& ratelimit,
                     const std::optional<std::string>& policy, std::optional<milliseconds> retry_after) {
    if (!m_options.enabled) return;
    {
        std::lock_guard lock(m_mutex);
        if (t.counted && m_in_flight > 0) --m_in_flight;
        auto now = m_clock.now();
        if (policy) {
            if (auto p = parse_ratelimit_policy_header(*policy)) {
                m_quota = p->quota;
                m_window_s = p->window_s;
            }
        }
        if (ratelimit) {
            if (auto s = parse_ratelimit_header(*ratelimit)) {
                auto reset = now + std::chrono::seconds(s->reset_s);
                // A response about a later window than the one known starts it; so does any response once the
                // known window has passed. Estimates of one window's reset differ by t's rounding (1 s) and how
                // long answers took to arrive, a later window's by about a window: half of one (at least 1.5 s)
                // tells them apart. Otherwise the lowest r of the window is the freshest (answers arrive out of
                // order, and an early answer delivered late must not raise it).
                auto slack = std::max<Clock::duration>(std::chrono::milliseconds(1500),
                                                       std::chrono::milliseconds(m_window_s * 500));
                bool fresh_window = !m_have_window || now >= m_reset_at || reset > m_reset_at + slack;
                if (fresh_window) {
                    m_min_remaining = s->remaining;
                    m_reset_at = reset;
                } else {
                    m_min_remaining = std::min(m_min_remaining, s->remaining);
                    m_reset_at = std::max(m_reset_at, reset);
                }
                m_informed = true;
                m_have_window = true;
            }
        }
        if (status == 429) {
            auto wait = retry_after.value_or(std::chrono::seconds(1));
            m_blocked_until = std::max(m_blocked_until, now + wait);
            if (m_have_window && !ratelimit) m_min_remaining = 0;
        }
    }
    m_cv.notify_all();
}

milliseconds Pacer::estimate(long long requests) const {
    if (!m_options.enabled || requests <= 0) return milliseconds(0);
    std::lock_guard lock(m_mutex);
    auto now = m_clock.now();
    milliseconds blocked{0};
    if (m_blocked_until > now) blocked = std::chrono::duration_cast<milliseconds>(m_blocked_until - now);
    if (!m_informed || !m_have_window) {
        double rate = m_bucket->rate_per_second();
        double beyond = static_cast<double>(requests) - m_bucket->burst();
        if (beyond <= 0 || rate <= 0) return blocked;
        return blocked + milliseconds(static_cast<long long>(beyond / rate * 1000.0));
    }
    bool expired = now >= m_reset_at;
    long long budget = (expired ? (m_quota > 0 ? m_quota : 1) : m_min_remaining) - m_in_flight;
    if (requests <= budget) return blocked;
    if (m_quota <= 0 || m_window_s <= 0) {
        return blocked + (expired ? milliseconds(0) : std::chrono::duration_cast<milliseconds>(m_reset_at - now));
    }
    long long beyond = requests - std::max(0LL, budget);
    long long windows = (beyond - 1) / m_quota;  // full windows after the first reset
    milliseconds to_reset = expired ? milliseconds(std::chrono::seconds(m_window_s))
                                    : std::chrono::duration_cast<milliseconds>(m_reset_at - now);
    return std::max(blocked, to_reset + milliseconds(std::chrono::seconds(windows * m_window_s)));
}

Pacer::Snapshot Pacer::snapshot() const {
    std::lock_guard lock(m_mutex);
    return Snapshot{m_informed, m_quota, m_window_s, m_min_remaining, m_in_flight};
}

}  // namespace tenantctl::api
