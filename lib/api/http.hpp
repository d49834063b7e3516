#pragma once
// HTTP transport for the control-plane client: libcurl easy handles pooled for reuse across threads,
// one retry classifier, exponential backoff with full jitter, Retry-After, one Pacer shared by all requests
// (the server's rate-limit headers, pacer.hpp), per-request and total timeouts (pacing waits excluded). Time goes
// through an injected core::Clock; nothing is printed.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/pacer.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"

namespace tenantctl::api {

enum class Method { Get, Head, Post, Put, Patch, Delete };
const char* to_string(Method m);
// GET, HEAD, PUT and DELETE may be repeated without changing the outcome.
bool is_idempotent(Method m);

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
    Method method = Method::Get;
    std::string url;  // absolute
    Headers headers;  // e.g. {"Content-Type", "application/json"}
    std::optional<std::string> body;
};

struct HttpResponse {
    int status = 0;
    Headers headers;  // names lower-cased
    std::string body;
    // The first header with this (case-insensitive) name.
    std::optional<std::string> header(std::string_view name) const;
};

// How one attempt ended, as far as the retry classifier is concerned.
enum class TransportOutcome {
    Response,       // an HTTP response arrived (look at the status)
    NotSent,        // failed before any byte of the request left (connect refused, DNS, connect timeout)
    MaybeReceived,  // failed after the request may have reached the server (reset, timeout while waiting)
    Fatal,          // not worth retrying (TLS verification, bad URL, cancelled)
};

struct Attempt {
    TransportOutcome outcome = TransportOutcome::Response;
    int status = 0;
};

// THE retry classifier. Connection failures before sending and 408/429/502/503/504 are retried for every
// method; 500 and failures after the request may have been received only for idempotent methods.
bool should_retry(Method method, const Attempt& attempt);

// `Retry-After`: delta-seconds or an HTTP date (relative to `wall_now`). Negative/garbage -> nullopt.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point wall_now);

struct RetryPolicy {
    int max_attempts = 4;  // total tries, including the first
    std::chrono::milliseconds base_delay{500};
    std::chrono::milliseconds max_delay{8000};          // cap of the exponential backoff
    std::chrono::milliseconds max_retry_after{300000};  // a longer Retry-After gives up instead of waiting
};

// Full-jitter backoff: a uniform value in [0, min(max_delay, base_delay * 2^retry)]. `random01` in [0, 1).
std::chrono::milliseconds backoff_delay(const RetryPolicy& p, int retry, double random01);

// Token bucket: `rate` tokens per `per`, at most `burst` stored. Thread-safe; callers that must wait
// reserve their token first and then sleep on the clock, so concurrent callers queue fairly.
class RateLimiter {
public:
    RateLimiter(Clock& clock, double tokens, std::chrono::milliseconds per, double burst);
    // Takes one token, sleeping on the clock when none is available. Returns the time waited.
    Clock::duration acquire();
    double rate_per_second() const { return m_rate; }
    double burst() const { return m_burst; }

private:
    Clock& m_clock;
    double m_rate;  // tokens per second
    double m_burst;
    std::mutex m_mutex;
    double m_tokens;
    Clock::time_point m_last;
};

struct RateLimitSpec {
    double tokens = 1200;
    std::chrono::milliseconds per{300000};
    double burst = 50;
    bool enabled = true;
};
// "N/SECONDS" or "N/SECONDS/BURST" or "off". Default burst: min(N, 50).
Result<RateLimitSpec> parse_rate_limit(std::string_view text);

// What the debug observer sees: never headers or bodies.
struct RequestEvent {
    Method method = Method::Get;
    std::string url;  // redacted
    int status = 0;   // 0 when no response
    std::chrono::milliseconds duration{0};
    int attempt = 1;
    std::string error;                        // transport error text, empty on a response
    std::chrono::milliseconds next_delay{0};  // > 0 when a retry follows after this wait
};
using RequestObserver = std::function<void(const RequestEvent&)>;

struct HttpOptions {
    std::string user_agent;
    std::string ca_bundle;  // empty = system default; verification is always on
    std::chrono::milliseconds connect_timeout{10000};
    std::chrono::milliseconds request_timeout{60000};  // one attempt
    std::chrono::milliseconds total_timeout{300000};   // all attempts and waits (on the injected clock)
    RetryPolicy retry;
    Clock* clock = nullptr;            // default: SystemClock
    std::shared_ptr<Pacer> pacer;      // shared by all requests of this client (pacer.hpp); may be null
    std::function<double()> random01;  // jitter source; default: a seeded per-thread mt19937
    RequestObserver observer;
    bool honour_cancel = true;  // abort transfers when CancelToken::global() is set
};

class HttpClient {
public:
    explicit HttpClient(HttpOptions options);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // Sends with retries. Returns the final response (any status) or a Network/Timeout/Interrupted error.
    Result<HttpResponse> send(const HttpRequest& request);

    const HttpOptions& options() const { return m_options; }
    Clock& clock() const { return *m_clock; }

private:
    struct Handle;
    struct Single {
        Attempt attempt;
        HttpResponse response;
        std::string error_text;
        bool timed_out = false;
        bool cancelled = false;
    };
    Single perform_once(const HttpRequest& request, std::chrono::milliseconds timeout);
    void* take_handle();
    void give_handle(void* h);

    HttpOptions m_options;
    Clock* m_clock;
    std::mutex m_pool_mutex;
    std::vector<void*> m_pool;  // idle CURL* handles (their connection caches survive between requests)
};

}  // namespace tenantctl::api
