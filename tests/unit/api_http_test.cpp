// The control-plane transport against a real HTTP server on 127.0.0.1: retries, Retry-After, resets,
// timeouts, the token bucket. The clock is a FakeClock, so no test sleeps for backoff.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "api/client.hpp"
#include "api/http.hpp"
#include "support/test_http_server.hpp"

using namespace tenantctl;
using namespace tenantctl::api;
using tenantctl::testing::ScriptedResponse;
using tenantctl::testing::TestHttpServer;
using namespace std::chrono_literals;

namespace {

ClientOptions test_options(const TestHttpServer& s, FakeClock& clock) {
    ClientOptions o;
    o.api_url = s.url();
    o.credentials.kind = Credentials::Kind::Token;
    o.credentials.token = "test-token-0123456789";
    o.http.clock = &clock;
    o.http.random01 = [] { return 0.5; };
    o.http.request_timeout = 5000ms;
    o.http.connect_timeout = 2000ms;
    return o;
}

}  // namespace

TEST_CASE("api retry classifier") {
    auto resp = [](int s) { return Attempt{TransportOutcome::Response, s}; };
    for (int s : {408, 429, 502, 503, 504}) {
        CHECK(should_retry(Method::Get, resp(s)));
        CHECK(should_retry(Method::Post, resp(s)));
    }
    CHECK(should_retry(Method::Get, resp(500)));
    CHECK(should_retry(Method::Put, resp(500)));
    CHECK(should_retry(Method::Delete, resp(500)));
    CHECK_FALSE(should_retry(Method::Post, resp(500)));
    CHECK_FALSE(should_retry(Method::Patch, resp(500)));
    for (int s : {200, 400, 401, 403, 404, 409, 422, 501}) CHECK_FALSE(should_retry(Method::Get, resp(s)));
    CHECK(should_retry(Method::Post, Attempt{TransportOutcome::NotSent, 0}));
    CHECK_FALSE(should_retry(Method::Post, Attempt{TransportOutcome::MaybeReceived, 0}));
    CHECK_FALSE(should_retry(Method::Patch, Attempt{TransportOutcome::MaybeReceived, 0}));
    CHECK(should_retry(Method::Get, Attempt{TransportOutcome::MaybeReceived, 0}));
    CHECK_FALSE(should_retry(Method::Get, Attempt{TransportOutcome::Fatal, 0}));
}

TEST_CASE("api Retry-After parsing and backoff") {
    auto now = std::chrono::system_clock::from_time_t(1700000000);  // Tue, 14 Nov 2023 22:13:20 GMT
    CHECK(parse_retry_after("1", now) == std::chrono::milliseconds(1000));
    CHECK(parse_retry_after(" 120 ", now) == std::chrono::milliseconds(120000));
    CHECK(parse_retry_after("Tue, 14 Nov 2023 22:13:25 GMT", now) == std::chrono::milliseconds(5000));
    CHECK(parse_retry_after("Tue, 14 Nov 2023 22:13:00 GMT", now) == std::chrono::milliseconds(0));
    CHECK_FALSE(parse_retry_after("soon", now).has_value());
    CHECK_FALSE(parse_retry_after("-3", now).has_value());

    RetryPolicy p;  // 500 ms base, 8 s cap
    CHECK(backoff_delay(p, 0, 0.999999) <= 500ms);
    CHECK(backoff_delay(p, 2, 0.5) == 1000ms);   // 0.5 * 2000
    CHECK(backoff_delay(p, 10, 0.5) == 4000ms);  // capped at 8 s, half of it
    CHECK(backoff_delay(p, 3, 0.0) == 0ms);
}

TEST_CASE("api: 503 then 200 is exactly two requests, with a jittered backoff on the fake clock") {
    TestHttpServer s;
    s.on("GET", "/user/tokens/verify",
         {ScriptedResponse::api_error(503, 1000, "busy"),
          ScriptedResponse::envelope(R"({"id":"t1","status":"active"})")});
    FakeClock clock;
    ApiClient c(test_options(s, clock));
    auto r = c.verify_token();
    REQUIRE(r.ok());
    CHECK(r->status == "active");
    CHECK(s.requests().size() == 2);
    CHECK(s.unexpected().empty());
    REQUIRE(clock.sleeps().size() == 1);
    CHECK(clock.sleeps()[0] == std::chrono::milliseconds(250));  // full jitter 0.5 * 500 ms
}

TEST_CASE("api: 429 with Retry-After: 1 waits one second on the fake clock") {
    TestHttpServer s;
    auto limited = ScriptedResponse::api_error(429, 971, "rate limited");
    limited.headers.emplace_back("Retry-After", "1");
    s.on("GET", "/user/tokens/verify", {limited, ScriptedResponse::envelope(R"({"id":"t1","status":"active"})")});
    FakeClock clock;
    ApiClient c(test_options(s, clock));
    REQUIRE(c.verify_token().ok());
    CHECK(s.requests().size() == 2);
    REQUIRE(clock.sleeps().size() == 1);
    CHECK(clock.sleeps()[0] == std::chrono::seconds(1));
}

TEST_CASE("api: a 429 that persists ends in a rate-limit error with a hint") {
    TestHttpServer s;
    auto limited = ScriptedResponse::api_error(429, 971, "rate limited");
    limited.headers.emplace_back("Retry-After", "2");
    s.on("GET", "/user/tokens/verify", {limited});
    FakeClock clock;
    ApiClient c(test_options(s, clock));
    auto r = c.verify_token();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().http_status == 429);
    CHECK(r.error().hint.find("rate limited") != std::string::npos);
    CHECK(s.requests().size() == 4);  // max_attempts
    CHECK(clock.sleeps().size() == 3);
}

TEST_CASE("api: a reset connection is retried") {
    TestHttpServer s;
    ScriptedResponse reset;
    reset.reset = true;
    s.on("GET", "/user/tokens/verify", {reset, ScriptedResponse::envelope(R"({"id":"t1","status":"active"})")});
    FakeClock clock;
    ApiClient c(test_options(s, clock));
    auto r = c.verify_token();
    REQUIRE(r.ok());
    CHECK(s.requests().size() == 2);
}

TEST_CASE("api: a POST that got a 500 is not retried") {
    TestHttpServer s;
    s.on(
        "POST", "/accounts/acc1/workers/dispatch/namespaces",
        {ScriptedResponse::api_error(500, 10001, "internal"), ScriptedResponse::envelope(R"({"namespace_name":"x"})")});
    FakeClock clock;
    ApiClient c(test_options(s, clock));
    auto r = c.create_dispatch_namespace("acc1", "x");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().http_status == 500);
    CHECK(r.error().kind == ErrorKind::Api);
    CHECK(s.requests().size() == 1);
    CHECK(clock.sleeps().empty());
}

TEST_CASE("api: a POST whose connection was reset after sending is not retried") {
    TestHttpServer s;
    ScriptedResponse reset;
    reset.reset = true;
    s.on("POST", "/accounts/acc1/workers/dispatch/namespaces", {reset, ScriptedResponse::envelope("{}")});
    FakeClock clock;
    ApiClient c(test_options(s, clock));
    auto r = c.create_dispatch_namespace("acc1", "x");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::Network);
    CHECK(s.requests().size() == 1);
}

TEST_CASE("api: a POST to a refused port is retried (nothing was sent) and then fails as a network error") {
    int port;
    {
        TestHttpServer s;
        port = s.port();
    }  // closed: connections are refused now
    FakeClock clock;
    ClientOptions o;
    o.api_url = "http://127.0.0.1:" + std::to_string(port);
    o.credentials.kind = Credentials::Kind::Token;
    o.credentials.token = "tok-refused-1234";
    o.http.clock = &clock;
    o.http.random01 = [] { return 0.5; };
    ApiClient c(o);
    auto r = c.create_dispatch_namespace("acc1", "x");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::Network);
    CHECK(r.error().message.find("4 attempts") != std::string::npos);
    CHECK(clock.sleeps().size() == 3);
    CHECK_FALSE(r.error().hint.empty());
}

TEST_CASE("api: a slow response hits the per-request timeout") {
    TestHttpServer s;
    auto slow = ScriptedResponse::envelope(R"({"id":"t1","status":"active"})");
    slow.delay = 3000ms;
    s.on("GET", "/user/tokens/verify", {slow});
    FakeClock clock;
    auto o = test_options(s, clock);
    o.http.request_timeout = 200ms;
    o.http.retry.max_attempts = 2;
    ApiClient c(o);
    auto r = c.verify_token();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::Timeout);
    CHECK(s.requests().size() == 2);  // a GET that timed out is retried once (max_attempts 2)
}

TEST_CASE("api: the total timeout stops retrying") {
    TestHttpServer s;
    auto busy = ScriptedResponse::api_error(503, 1000, "busy");
    busy.headers.emplace_back("Retry-After", "20");
    s.on("GET", "/user/tokens/verify", {busy});
    FakeClock clock;
    auto o = test_options(s, clock);
    o.http.total_timeout = 30000ms;
    o.http.retry.max_attempts = 10;
    ApiClient c(o);
    auto r = c.verify_token();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().http_status == 503);
    CHECK(s.requests().size() == 2);  // 0 s, 20 s; a third at 40 s would pass the 30 s budget
}

TEST_CASE("api: every request carries the auth header and the user agent") {
    TestHttpServer s;
    s.on("GET", "/user/tokens/verify", {ScriptedResponse::envelope(R"({"id":"t1","status":"active"})")});
    s.on("GET", "/accounts",
         {ScriptedResponse::envelope(R"([{"id":"a1","name":"One"}])",
                                     R"({"page":1,"per_page":50,"count":1,"total_count":1})")});
    FakeClock clock;
    ApiClient c(test_options(s, clock));
    REQUIRE(c.verify_token().ok());
    REQUIRE(c.list_accounts().ok());
    for (const auto& r : s.requests()) {
        CHECK(r.header("authorization") == "Bearer test-token-0123456789");
        CHECK(r.header("user-agent").rfind("tenantctl/", 0) == 0);
    }
    CHECK(s.unexpected().empty());

    auto o = test_options(s, clock);
    o.credentials = {};
    o.credentials.kind = Credentials::Kind::GlobalKey;
    o.credentials.key = "global-key-abcdef";
    o.credentials.email = "me@example.com";
    ApiClient k(o);
    REQUIRE(k.verify_token().ok());
    auto last = s.requests().back();
    CHECK(last.header("x-auth-key") == "global-key-abcdef");
    CHECK(last.header("x-auth-email") == "me@example.com");
    CHECK(last.header("authorization").empty());
}

TEST_CASE("api: no credentials means nothing is sent") {
    TestHttpServer s;
    FakeClock clock;
    auto o = test_options(s, clock);
    o.credentials = {};
    ApiClient c(o);
    auto r = c.verify_token();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::Auth);
    CHECK(r.error().hint.find("CLOUDFLARE_API_TOKEN") != std::string::npos);
    CHECK(s.requests().empty());
}

TEST_CASE("api token bucket on a fake clock") {
    FakeClock clock;
    RateLimiter rl(clock, 10, std::chrono::seconds(1), 3);  // 10/s, burst 3
    for (int i = 0; i < 3; ++i) CHECK(rl.acquire() == Clock::duration::zero());
    CHECK(clock.sleeps().empty());
    auto w = rl.acquire();  // the 4th waits one token interval
    CHECK(std::chrono::duration_cast<std::chrono::milliseconds>(w) == 100ms);
    auto w2 = rl.acquire();
    CHECK(std::chrono::duration_cast<std::chrono::milliseconds>(w2) == 100ms);
    CHECK(clock.sleeps().size() == 2);
    clock.advance(std::chrono::seconds(10));  // refills to the burst, not beyond
    for (int i = 0; i < 3; ++i) CHECK(rl.acquire() == Clock::duration::zero());
    CHECK(rl.acquire() > Clock::duration::zero());
}

TEST_CASE("api token bucket is shared by concurrent requests") {
    FakeClock clock;
    auto rl = std::make_shared<RateLimiter>(clock, 5, std::chrono::seconds(1), 5);
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 5; ++i) rl->acquire();
        });
    }
    for (auto& t : threads) t.join();
    // 40 tokens at 5/s with a burst of 5: only the first 5 are free, and no more than burst + rate x elapsed
    // were granted, so the clock moved by at least 7 s. (The fake clock is shared: one thread's sleep moves
    // time for all, so how many of the other 35 found a refilled token depends on scheduling.)
    CHECK(clock.sleeps().size() >= 1);
    CHECK(clock.sleeps().size() <= 35);
    auto moved =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock.now() - Clock::time_point(std::chrono::hours(1)));
    CHECK(moved.count() >= 6900);
}

TEST_CASE("api rate limit spec parsing") {
    auto d = parse_rate_limit("1200/300");
    REQUIRE(d.ok());
    CHECK(d->tokens == 1200);
    CHECK(d->per == std::chrono::milliseconds(300000));
    CHECK(d->burst == 50);
    auto b = parse_rate_limit("10/1/4");
    REQUIRE(b.ok());
    CHECK(b->burst == 4);
    CHECK_FALSE(parse_rate_limit("ten/1").ok());
    CHECK_FALSE(parse_rate_limit("10").ok());
    CHECK_FALSE(parse_rate_limit("10/0").ok());
    auto off = parse_rate_limit("off");
    REQUIRE(off.ok());
    CHECK_FALSE(off->enabled);
}

TEST_CASE("api: the client is usable from 16 threads at once") {
    TestHttpServer s;
    s.on("GET", "/user/tokens/verify", {ScriptedResponse::envelope(R"({"id":"t1","status":"active"})")});
    FakeClock clock;
    ApiClient c(test_options(s, clock));
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 16; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 4; ++i) {
                if (c.verify_token().ok()) ++ok;
            }
        });
    }
    for (auto& t : threads) t.join();
    CHECK(ok == 64);
    CHECK(s.requests().size() == 64);
}

TEST_CASE("api: the debug observer sees method, redacted URL, status and duration only") {
    TestHttpServer s;
    s.on("GET", "/user/tokens/verify", {ScriptedResponse::api_error(503, 1, "x"), ScriptedResponse::envelope("{}")});
    FakeClock clock;
    auto o = test_options(s, clock);
    std::vector<RequestEvent> events;
    o.http.observer = [&](const RequestEvent& e) { events.push_back(e); };
    ApiClient c(o);
    REQUIRE(c.call(Method::Get, "/user/tokens/verify", {{"token", "query-secret-value"}}).ok());
    REQUIRE(events.size() == 2);
    CHECK(events[0].status == 503);
    CHECK(events[0].next_delay > 0ms);
    CHECK(events[1].status == 200);
    for (const auto& e : events) {
        CHECK(e.url.find("query-secret-value") == std::string::npos);
        CHECK(e.url.find("test-token") == std::string::npos);
    }
}
