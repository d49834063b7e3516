#include "api/http.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <random>

#include "core/cancel.hpp"
#include "core/redact.hpp"
#include "core/strings.hpp"

namespace tenantctl::api {

using std::chrono::milliseconds;

const char* to_string(Method m) {
    switch (m) {
        case Method::Get:
            return "GET";
        case Method::Head:
            return "HEAD";
        case Method::Post:
            return "POST";
        case Method::Put:
            return "PUT";
        case Method::Patch:
            return "PATCH";
        case Method::Delete:
            return "DELETE";
    }
    return "GET";
}

bool is_idempotent(Method m) {
    return m == Method::Get || m == Method::Head || m == Method::Put || m == Method::Delete;
}

std::optional<std::string> HttpResponse::header(std::string_view name) const {
    std::string lower = to_lower(name);
    for (const auto& [k, v] : headers) {
        if (k == lower) return v;
    }
    return std::nullopt;
}

bool should_retry(Method method, const Attempt& a) {
    switch (a.outcome) {
        case TransportOutcome::NotSent:
            return true;
        case TransportOutcome::MaybeReceived:
            return is_idempotent(method);
        case TransportOutcome::Fatal:
            return false;
        case TransportOutcome::Response:
            break;
    }
    switch (a.status) {
        case 408:
        case 429:
        case 502:
        case 503:
        case 504:
            return true;
        case 500:
            return is_idempotent(method);
        default:
            return false;
    }
}

std::optional<milliseconds> parse_retry_after(std::string_view value, std::chrono::system_clock::time_point wall_now) {
    auto v = trim(value);
    if (v.empty()) return std::nullopt;
    if (std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::isdigit(c); })) {
        long long secs = 0;
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), secs);
        if (ec != std::errc() || p != v.data() + v.size()) return std::nullopt;
        return milliseconds(secs * 1000);
    }
    std::string s(v);
    time_t t = curl_getdate(s.c_str(), nullptr);
    if (t < 0) return std::nullopt;
    auto when = std::chrono::system_clock::from_time_t(t);
    auto delta = std::chrono::duration_cast<milliseconds>(when - wall_now);
    return std::max(delta, milliseconds(0));
}

milliseconds backoff_delay(const RetryPolicy& p, int retry, double random01) {
    double cap = static_cast<double>(p.max_delay.count());
    double exp = static_cast<double>(p.base_delay.count()) * std::pow(2.0, std::min(retry, 30));
    double ceiling = std::min(cap, exp);
    double r = std::clamp(random01, 0.0, 1.0);
    return milliseconds(static_cast<long long>(ceiling * r));
}

// ---------------------------------------------------------------------------------------------------
RateLimiter::RateLimiter(Clock& clock, double tokens, milliseconds per, double burst)
    : m_clock(clock),
      m_rate(tokens / std::max(0.001, static_cast<double>(per.count()) / 1000.0)),
      m_burst(std::max(1.0, burst)),
      m_tokens(std::max(1.0, burst)),
      m_last(clock.now()) {}

Clock::duration RateLimiter::acquire() {
    Clock::duration wait{0};
    {
        std::lock_guard lock(m_mutex);
        auto now = m_clock.now();
        if (now > m_last) {
            double elapsed = std::chrono::duration<double>(now - m_last).count();
            m_tokens = std::min(m_burst, m_tokens + elapsed * m_rate);
            m_last = now;
        }
        m_tokens -= 1.0;
        if (m_tokens < 0) {
            wait = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(-m_tokens / m_rate));
        }
    }
    if (wait > Clock::duration::zero()) m_clock.sleep_for(wait);
    return wait;
}

Result<RateLimitSpec> parse_rate_limit(std::string_view text) {
    RateLimitSpec spec;
    auto t = trim(text);
    if (t == "off" || t == "0") {
        spec.enabled = false;
        return spec;
    }
    auto parts = split(t, '/');
    auto bad = [&] {
        return Error(ErrorKind::Input, "invalid rate limit " + tenantctl::quoted(t) + " in TENANTCTL_RATE_LIMIT",
                     "use N/SECONDS (e.g. 1200/300), N/SECONDS/BURST, or off");
    };
    if (parts.size() < 2 || parts.size() > 3) return bad();
    std::vector<double> nums;
    for (const auto& p : parts) {
        double d = 0;
        try {
            size_t used = 0;
            d = std::stod(p, &used);
            if (used != p.size()) return bad();
        } catch (...) {
            return bad();
        }
        if (!(d > 0)) return bad();
        nums.push_back(d);
    }
    spec.tokens = nums[0];
    spec.per = milliseconds(static_cast<long long>(nums[1] * 1000));
    spec.burst = parts.size() == 3 ? nums[2] : std::min(nums[0], 50.0);
    return spec;
}

// ---------------------------------------------------------------------------------------------------
namespace {

std::once_flag g_curl_once;

double default_random01() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

size_t write_cb(char* ptr, size_t size, size_t n, void* user) {
    static_cast<std::string*>(user)->append(ptr, size * n);
    return size * n;
}

size_t header_cb(char* ptr, size_t size, size_t n, void* user) {
    auto* resp = static_cast<HttpResponse*>(user);
    std::string_view line(ptr, size * n);
    if (starts_with(line, "HTTP/")) {
        resp->headers.clear();  // a new response (e.g. after 100 Continue or a redirect)
        return size * n;
    }
    auto colon = line.find(':');
    if (colon != std::string_view::npos) {
        resp->headers.emplace_back(to_lower(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
    }
    return size * n;
}

int progress_cb(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    bool honour = *static_cast<bool*>(user);
    return (honour && CancelToken::global().cancelled()) ? 1 : 0;
}

}  // namespace

HttpClient::HttpClient(HttpOptions options) : m_options(std::move(options)) {
    std::call_once(g_curl_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    m_clock = m_options.clock ? m_options.clock : &SystemClock::instance();
    if (!m_options.random01) m_options.random01 = default_random01;
}

HttpClient::~HttpClient() {
    for (void* h : m_pool) curl_easy_cleanup(static_cast<CURL*>(h));
}

void* HttpClient::take_handle() {
    {
        std::lock_guard lock(m_pool_mutex);
        if (!m_pool.empty()) {
            void* h = m_pool.back();
            m_pool.pop_back();
            return h;
        }
    }
    return curl_easy_init();
}

void HttpClient::give_handle(void* h) {
    std::lock_guard lock(m_pool_mutex);
    m_pool.push_back(h);
}

HttpClient::Single HttpClient::perform_once(const HttpRequest& req, milliseconds timeout) {
    Single out;
    CURL* h = static_cast<CURL*>(take_handle());
    if (!h) {
        out.attempt.outcome = TransportOutcome::Fatal;
        out.error_text = "could not create a libcurl handle";
        return out;
    }
    curl_easy_reset(h);  // keeps the connection cache
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!m_options.ca_bundle.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, m_options.ca_bundle.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(std::min(m_options.connect_timeout, timeout).count()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<long long>(1, timeout.count())));
    if (!m_options.user_agent.empty()) curl_easy_setopt(h, CURLOPT_USERAGENT, m_options.user_agent.c_str());
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &out.response.body);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &out.response);
    bool honour = m_options.honour_cancel;
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress_cb);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &honour);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);

    switch (req.method) {
        case Method::Get:
            curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
            break;
        case Method::Head:
            curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
            break;
        default:
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, to_string(req.method));
            break;
    }
    const bool has_body =
        req.body.has_value() || req.method == Method::Post || req.method == Method::Put || req.method == Method::Patch;
    static const std::string empty;
    const std::string& body = req.body ? *req.body : empty;
    if (has_body && req.method != Method::Get && req.method != Method::Head) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
    }
    curl_slist* list = nullptr;
    bool have_ct = false;
    for (const auto& [k, v] : req.headers) {
        if (to_lower(k) == "content-type") have_ct = true;
        list = curl_slist_append(list, (k + ": " + v).c_str());
    }
    if (has_body && !have_ct) list = curl_slist_append(list, "Content-Type:");  // no form-urlencoded default
    list = curl_slist_append(list, "Expect:");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);

    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    long request_size = 0;
    curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &request_size);
    curl_slist_free_all(list);
    // Drop references to stack data before the handle goes back to the pool.
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
    give_handle(h);

    if (rc == CURLE_OK) {
        out.attempt.outcome = TransportOutcome::Response;
        out.attempt.status = static_cast<int>(status);
        out.response.status = static_cast<int>(status);
        return out;
    }
    out.error_text = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    bool sent = request_size > 0;
    switch (rc) {
        case CURLE_COULDNT_CONNECT:
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
            out.attempt.outcome = TransportOutcome::NotSent;
            break;
        case CURLE_OPERATION_TIMEDOUT:
            out.timed_out = true;
            out.attempt.outcome = sent ? TransportOutcome::MaybeReceived : TransportOutcome::NotSent;
            break;
        case CURLE_ABORTED_BY_CALLBACK:
            out.cancelled = true;
            out.attempt.outcome = TransportOutcome::Fatal;
            break;
        case CURLE_URL_MALFORMAT:
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CONNECT_ERROR:
            out.attempt.outcome = TransportOutcome::Fatal;
            break;
        default:
            out.attempt.outcome = sent ? TransportOutcome::MaybeReceived : TransportOutcome::NotSent;
            break;
    }
    return out;
}

Result<HttpResponse> HttpClient::send(const HttpRequest& req) {
    Clock& clock = *m_clock;
    auto deadline = clock.now() + m_options.total_timeout;
    const int max_attempts = std::max(1, m_options.retry.max_attempts);
    const std::string shown_url = redact_url(req.url);
    const std::string what = std::string(to_string(req.method)) + " " + shown_url;
    for (int attempt = 1;; ++attempt) {
        if (m_options.honour_cancel && CancelToken::global().cancelled()) {
            return Error(ErrorKind::Interrupted, "interrupted before " + what);
        }
        Pacer::Ticket ticket;
        if (m_options.pacer) {
            ticket = m_options.pacer->acquire();
            deadline += ticket.waited;  // waiting for the server's rate limit is not the request being slow
        }
        auto remaining = std::chrono::duration_cast<milliseconds>(deadline - clock.now());
        if (remaining <= milliseconds(0)) {
            if (m_options.pacer) m_options.pacer->complete(ticket, 0, std::nullopt, std::nullopt, std::nullopt);
            return Error(ErrorKind::Timeout,
                         what + " did not complete within the total timeout of " +
                             std::to_string(m_options.total_timeout.count() / 1000) + "s",
                         "the control plane is slow or unreachable; try again later");
        }
        auto started = std::chrono::steady_clock::now();
        Single one = perform_once(req, std::min(m_options.request_timeout, remaining));
        auto took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);

        if (m_options.pacer) {
            std::optional<milliseconds> ra429;
            if (one.response.status == 429)
                if (auto h = one.response.header("retry-after")) ra429 = parse_retry_after(*h, clock.wall_now());
            m_options.pacer->complete(ticket, one.response.status, one.response.header("ratelimit"),
                                      one.response.header("ratelimit-policy"), ra429);
        }
        if (one.cancelled) return Error(ErrorKind::Interrupted, "interrupted during " + what);
        bool retry = attempt < max_attempts && should_retry(req.method, one.attempt);
        milliseconds delay{0};
        bool retry_after_too_long = false;
        if (retry) {
            std::optional<milliseconds> ra;
            if (one.attempt.outcome == TransportOutcome::Response) {
                if (auto h = one.response.header("retry-after")) ra = parse_retry_after(*h, clock.wall_now());
            }
            if (ra) {
                if (*ra > m_options.retry.max_retry_after) {
                    retry = false;
                    retry_after_too_long = true;
                } else {
                    delay = *ra;
                }
            } else {
                delay = backoff_delay(m_options.retry, attempt - 1, m_options.random01());
            }
            if (retry && clock.now() + delay >= deadline) retry = false;
        }
        if (m_options.observer) {
            RequestEvent ev;
            ev.method = req.method;
            ev.url = shown_url;
            ev.status = one.response.status;
            ev.duration = took;
            ev.attempt = attempt;
            ev.error = Redactor::global().redact(one.error_text);
            ev.next_delay = retry ? delay : milliseconds(0);
            m_options.observer(ev);
        }
        if (!retry) {
            if (one.attempt.outcome == TransportOutcome::Response) {
                (void)retry_after_too_long;
                return std::move(one.response);
            }
            std::string tries = attempt > 1 ? " (after " + std::to_string(attempt) + " attempts)" : "";
            std::string err = Redactor::global().redact(one.error_text);
            if (one.timed_out) {
                return Error(ErrorKind::Timeout, what + " timed out" + tries + ": " + err,
                             "the control plane did not answer in time; check the API URL and try again");
            }
            return Error(ErrorKind::Network, "could not reach " + what + tries + ": " + err,
                         "check the API URL (--api-url, CLOUDFLARE_API_BASE_URL or the profile) and the network");
        }
        clock.sleep_for(delay);
    }
}

}  // namespace tenantctl::api
