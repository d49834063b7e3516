#pragma once
// Pacing by the server's own rate-limit headers, shared by every request of the process.
//
// The control plane says where a client stands on each response:
//   Ratelimit:        "default";r=REMAINING;t=SECONDS_UNTIL_THE_WINDOW_RESETS
//   Ratelimit-Policy: "burst";q=QUOTA;w=WINDOW_SECONDS
//   Retry-After:      SECONDS (on 429)
// The Pacer turns that into one budget for all threads:
//   * In a known window, a request may start while  min(r seen in this window) - requests in flight > 0.
//     Every request in flight may still be counted against r, so the client admits fewer and fewer requests
//     as the quota nears zero (it slows down before the quota is spent, not after a 429) and, once all of them
//     have answered, knows the window's remaining quota exactly.
//   * A window known to be empty is never sent into: callers wait until its reset (now + t of the freshest
//     response), then the window is assumed to hold the policy's quota again (one probe at a time when no
//     policy was announced) until responses say otherwise.
//   * Retry-After on a 429 blocks every caller until it has passed.
//   * Only while the server has never sent these headers, a token bucket (the documented 1,200 requests per
//     5 minutes, or TENANTCTL_RATE_LIMIT) paces instead.
//   * An explicit TENANTCTL_RATE_LIMIT=N/SECONDS is a ceiling on top of the headers too; "off" turns pacing off.
// Time goes through the injected Clock; nothing is printed: waits are reported to an observer.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"

namespace tenantctl::api {

class RateLimiter;

// `Ratelimit` / `Ratelimit-Policy` (a structured-field list; the most constraining item wins). nullopt when
// the value holds no usable item.
struct RateLimitState {
    long long remaining = 0;  // r
    long long reset_s = 0;    // t
};
struct RateLimitPolicy {
    long long quota = 0;     // q
    long long window_s = 0;  // w
};
std::optional<RateLimitState> parse_ratelimit_header(std::string_view value);
std::optional<RateLimitPolicy> parse_ratelimit_policy_header(std::string_view value);

// Why a caller waits.
enum class PaceReason {
    Window,      // the server's window is spent (or all of it is in flight): until its reset
    RetryAfter,  // a 429 said Retry-After
    Fallback,    // the server never sent rate-limit headers: the client's own token bucket
    Ceiling,     // TENANTCTL_RATE_LIMIT set explicitly
};
const char* to_string(PaceReason r);

// One wait that starts (reported once per distinct wait, not once per waiting thread).
struct PaceEvent {
    PaceReason reason = PaceReason::Window;
    std::chrono::milliseconds wait{0};
    long long quota = 0;     // the policy's q (0 = unknown)
    long long window_s = 0;  // the policy's w
};
using PaceObserver = std::function<void(const PaceEvent&)>;

struct PacerOptions {
    bool enabled = true;  // false = TENANTCTL_RATE_LIMIT=off: no pacing at all (429s are still retried)
    // The token bucket used while the server has said nothing (tokens per `per`, `burst` stored).
    double fallback_tokens = 1200;
    std::chrono::milliseconds fallback_per{300000};
    double fallback_burst = 50;
    // The bucket also applies when the server does send headers (an explicit TENANTCTL_RATE_LIMIT).
    bool fallback_is_ceiling = false;
};

class Pacer {
public:
    Pacer(Clock& clock, PacerOptions options);
    ~Pacer();
    Pacer(const Pacer&) = delete;
    Pacer& operator=(const Pacer&) = delete;

    // A request about to be sent. Blocks (on the clock) until the budget allows it; `waited` is the time spent.
    struct Ticket {
        bool counted = false;
        Clock::duration waited{0};
    };
    Ticket acquire();
    // Its response (or its failure: headers empty, status 0). Reads Ratelimit, Ratelimit-Policy and, on a 429,
    // Retry-After (already parsed by the caller, `retry_after`).
    void complete(const Ticket& t, int status, const std::optional<std::string>& ratelimit,
                  const std::optional<std::string>& policy, std::optional<std::chrono::milliseconds> retry_after);

    // How long `requests` more requests would have to wait at least, from what is known now (0 when they fit
    // in the current window or nothing is known). For "about N s for the rest" on a terminal.
    std::chrono::milliseconds estimate(long long requests) const;

    // Set before requests are sent (not synchronized with acquire).
    void set_observer(PaceObserver observer) { m_observer = std::move(observer); }

    // What the server said (for tests and messages).
    struct Snapshot {
        bool informed = false;  // the server sent Ratelimit at least once
        long long quota = 0, window_s = 0;
        long long remaining = 0;  // min r seen in the current window
        int in_flight = 0;
    };
    Snapshot snapshot() const;
    bool enabled() const { return m_options.enabled; }
    const PacerOptions& options() const { return m_options; }

private:
    void notify(PaceReason reason, Clock::time_point until, std::unique_lock<std::mutex>& lock);

    Clock& m_clock;
    PacerOptions m_options;
    std::unique_ptr<RateLimiter> m_bucket;
    PaceObserver m_observer;
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;  // completions wake callers waiting for requests in flight to answer
    bool m_informed = false;
    bool m_have_window = false;
    long long m_quota = 0, m_window_s = 0;
    long long m_min_remaining = 0;
    Clock::time_point m_reset_at{};
    Clock::time_point m_blocked_until{};
    int m_in_flight = 0;
    Clock::time_point m_notified_until{};
};

}  // namespace tenantctl::api
