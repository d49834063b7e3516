// Pacing by the server's rate-limit headers (api/pacer.hpp) and the local platform's gate that sends them
// (platform/ratelimit.hpp), on a FakeClock: no test sleeps for a window.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "api/client.hpp"
#include "api/pacer.hpp"
#include "platform/ratelimit.hpp"
#include "support/test_http_server.hpp"

using namespace tenantctl;
using namespace tenantctl::api;
using namespace std::chrono_literals;
using tenantctl::testing::ScriptedResponse;
using tenantctl::testing::TestHttpServer;

namespace {

std::chrono::milliseconds elapsed_since_start(const FakeClock& clock) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now() -
                                                                 Clock::time_point(std::chrono::hours(1)));
}

std::chrono::milliseconds total_sleep(const FakeClock& clock) {
    Clock::duration d{0};
    for (auto s : clock.sleeps()) d += s;
    return std::chrono::duration_cast<std::chrono::milliseconds>(d);
}

std::optional<std::string> rl(long long r, long long t) {
    return "\"default\";r=" + std::to_string(r) + ";t=" + std::to_string(t);
}
std::optional<std::string> policy(long long q, long long w) {
    return "\"burst\";q=" + std::to_string(q) + ";w=" + std::to_string(w);
}

}  // namespace

TEST_CASE("pacer: Ratelimit and Ratelimit-Policy headers") {
    auto s = parse_ratelimit_header("\"default\";r=50;t=30");
    REQUIRE(s);
    CHECK(s->remaining == 50);
    CHECK(s->reset_s == 30);
    auto two = parse_ratelimit_header("\"a\";r=70;t=3, \"b\";r=5;t=60");  // the most constraining item
    REQUIRE(two);
    CHECK(two->remaining == 5);
    CHECK(two->reset_s == 60);
    auto p = parse_ratelimit_policy_header("\"burst\";q=100;w=60");
    REQUIRE(p);
    CHECK(p->quota == 100);
    CHECK(p->window_s == 60);
    CHECK_FALSE(parse_ratelimit_header("\"default\";t=30"));
    CHECK_FALSE(parse_ratelimit_header("\"default\";r=-1;t=30"));
    CHECK_FALSE(parse_ratelimit_header("garbage"));
    CHECK_FALSE(parse_ratelimit_policy_header("\"burst\";q=100;w=0"));
}

TEST_CASE("pacer: the documented token bucket only while the server has said nothing") {
    FakeClock clock;
    Pacer p(clock, {});  // 1200 / 300 s, burst 50
    for (int i = 0; i < 50; ++i) p.complete(p.acquire(), 200, std::nullopt, std::nullopt, std::nullopt);
    CHECK(clock.sleeps().empty());
    p.complete(p.acquire(), 200, std::nullopt, std::nullopt, std::nullopt);  // the 51st waits for a token
    REQUIRE(clock.sleeps().size() == 1);
    CHECK(total_sleep(clock) == 250ms);  // 1200 per 300 s = one per 250 ms

    // Once the server speaks, its headers rule: 1,000 more go at once.
    FakeClock clock2;
    Pacer q(clock2, {});
    q.complete(q.acquire(), 200, rl(100000, 300), policy(100000, 300), std::nullopt);
    for (int i = 0; i < 1000; ++i) q.complete(q.acquire(), 200, rl(100000 - i, 300), std::nullopt, std::nullopt);
    CHECK(clock2.sleeps().empty());
    CHECK(q.snapshot().informed);
}

TEST_CASE("pacer: a window known to be empty is not sent into; its reset is waited for") {
    FakeClock clock;
    std::vector<PaceEvent> events;
    Pacer p(clock, {});
    p.set_observer([&](const PaceEvent& e) { events.push_back(e); });
    p.complete(p.acquire(), 200, rl(2, 30), policy(3, 30), std::nullopt);
    p.complete(p.acquire(), 200, rl(1, 30), std::nullopt, std::nullopt);
    p.complete(p.acquire(), 200, rl(0, 30), std::nullopt, std::nullopt);
    CHECK(clock.sleeps().empty());
    auto t = p.acquire();  // waits for the reset, then the window holds the policy's quota again
    CHECK(total_sleep(clock) == 30s);
    REQUIRE(events.size() == 1);
    CHECK(events[0].reason == PaceReason::Window);
    CHECK(events[0].wait == 30000ms);
    CHECK(events[0].quota == 3);
    p.complete(t, 200, rl(2, 30), std::nullopt, std::nullopt);
    CHECK(p.snapshot().remaining == 2);
}

TEST_CASE("pacer: answers out of order: the lowest remaining of a window wins") {
    FakeClock clock;
    Pacer p(clock, {});
    auto a = p.acquire();
    auto b = p.acquire();
    p.complete(a, 200, rl(5, 30), policy(10, 30), std::nullopt);
    p.complete(b, 200, rl(9, 30), std::nullopt, std::nullopt);  // counted earlier, answered later
    CHECK(p.snapshot().remaining == 5);
    // An early answer delivered 2 s late (its reset estimate 2 s later) is still this window's: it does not raise r.
    clock.advance(2s);
    p.complete(p.acquire(), 200, rl(7, 30), std::nullopt, std::nullopt);
    CHECK(p.snapshot().remaining == 5);
    // A response about the next window (its reset is a window later) starts it.
    clock.advance(27s);
    p.complete(p.acquire(), 200, rl(8, 30), std::nullopt, std::nullopt);
    CHECK(p.snapshot().remaining == 8);
}

TEST_CASE("pacer: requests in flight count against the window until they answer") {
    FakeClock clock;
    Pacer p(clock, {});
    p.complete(p.acquire(), 200, rl(2, 60), policy(100, 60), std::nullopt);
    auto a = p.acquire();
    auto b = p.acquire();  // r=2 and two in flight: a third must wait for an answer
    std::atomic<bool> third{false};
    std::thread t([&] {
        auto c = p.acquire();
        third = true;
        p.complete(c, 200, rl(0, 60), std::nullopt, std::nullopt);
    });
    std::this_thread::sleep_for(300ms);
    CHECK_FALSE(third.load());
    p.complete(a, 200, rl(1, 60), std::nullopt, std::nullopt);  // a was counted: one left, b still in flight
    std::this_thread::sleep_for(300ms);
    CHECK_FALSE(third.load());
    p.complete(b, 200, rl(1, 60), std::nullopt, std::nullopt);  // b was not (answered before a): one left
    t.join();
    CHECK(third.load());
    CHECK(clock.sleeps().empty());  // never waited for the reset: the window had room
}

TEST_CASE("pacer: Retry-After on a 429 holds every caller") {
    FakeClock clock;
    Pacer p(clock, {});
    p.complete(p.acquire(), 429, rl(0, 5), policy(100, 60), std::chrono::milliseconds(5000));
    auto t = p.acquire();
    CHECK(total_sleep(clock) == 5s);
    p.complete(t, 200, rl(99, 60), std::nullopt, std::nullopt);
}

TEST_CASE("pacer: estimate for the rest") {
    FakeClock clock;
    Pacer p(clock, {});
    p.complete(p.acquire(), 200, rl(0, 30), policy(100, 60), std::nullopt);
    CHECK(p.estimate(1) == 30000ms);
    CHECK(p.estimate(100) == 30000ms);
    CHECK(p.estimate(250) == 150000ms);  // reset in 30 s, then 100 per 60 s
    Pacer off(clock, PacerOptions{false, 1, 1000ms, 1, false});
    CHECK(off.estimate(1000000) == 0ms);
}

TEST_CASE("pacer: headers that stopped coming: the bucket paces again") {
    FakeClock clock;
    PacerOptions o;
    o.fallback_tokens = 1;
    o.fallback_per = 1000ms;
    o.fallback_burst = 1;
    Pacer p(clock, o);
    p.complete(p.acquire(), 200, rl(100, 10), policy(100, 10), std::nullopt);
    CHECK(clock.sleeps().empty());  // the bucket's one token
    for (int i = 0; i < 5; ++i) p.complete(p.acquire(), 200, std::nullopt, std::nullopt, std::nullopt);
    CHECK(clock.sleeps().empty());  // the window allows them
    clock.advance(25s);             // the window passed long ago and nothing was heard since
    p.complete(p.acquire(), 200, std::nullopt, std::nullopt, std::nullopt);
    p.complete(p.acquire(), 200, std::nullopt, std::nullopt, std::nullopt);
    CHECK(total_sleep(clock) == 1000ms);  // one token per second again
}

TEST_CASE("pacer: an explicit ceiling applies over generous headers; off paces nothing") {
    FakeClock clock;
    PacerOptions o;
    o.fallback_tokens = 10;
    o.fallback_per = 1000ms;
    o.fallback_burst = 1;
    o.fallback_is_ceiling = true;
    Pacer p(clock, o);
    for (int i = 0; i < 5; ++i) p.complete(p.acquire(), 200, rl(1000000, 300), policy(1000000, 300), std::nullopt);
    CHECK(total_sleep(clock) == 400ms);
    FakeClock clock2;
    Pacer off(clock2, PacerOptions{false, 1, 1000ms, 1, false});
    for (int i = 0; i < 100; ++i) off.complete(off.acquire(), 429, rl(0, 300), std::nullopt, 300000ms);
    CHECK(clock2.sleeps().empty());
}

TEST_CASE("dev rate limit: --rate-limit parsing") {
    auto r = platform::parse_rate_limit_option("1200/300");
    REQUIRE(r.ok());
    CHECK(r->enforce);
    CHECK(r->quota == 1200);
    CHECK(r->window_s == 300);
    CHECK_FALSE(platform::parse_rate_limit_option("1200").ok());
    CHECK_FALSE(platform::parse_rate_limit_option("0/10").ok());
    CHECK_FALSE(platform::parse_rate_limit_option("10/1.5").ok());
    CHECK_FALSE(platform::parse_rate_limit_option("a/b").ok());
    CHECK(platform::parse_rate_limit_option("10/0").error().kind == ErrorKind::Usage);
}

TEST_CASE("dev rate limit: a window of N, 429 with Retry-After beyond it, a new window after it") {
    FakeClock clock;
    platform::RateGate g(clock, {true, 3, 10});
    auto header = [](const platform::RateGate::Decision& d, const std::string& name) {
        for (auto& [k, v] : d.headers)
            if (k == name) return v;
        return std::string();
    };
    auto d1 = g.admit();
    CHECK(d1.allowed);
    CHECK(header(d1, "Ratelimit") == "\"default\";r=2;t=10");
    CHECK(header(d1, "Ratelimit-Policy") == "\"burst\";q=3;w=10");
    CHECK(header(d1, "Retry-After").empty());
    CHECK(g.admit().allowed);
    clock.advance(2500ms);
    auto d3 = g.admit();
    CHECK(d3.allowed);
    CHECK(header(d3, "Ratelimit") == "\"default\";r=0;t=8");  // 7.5 s left, rounded up
    auto d4 = g.admit();
    CHECK_FALSE(d4.allowed);
    CHECK(header(d4, "Retry-After") == "8");
    clock.advance(7500ms);
    auto d5 = g.admit();
    CHECK(d5.allowed);
    CHECK(header(d5, "Ratelimit") == "\"default\";r=2;t=10");
}

TEST_CASE("dev rate limit: unlimited by default, with a large quota advertised") {
    FakeClock clock;
    platform::RateGate g(clock, {});
    for (int i = 0; i < 10000; ++i) REQUIRE(g.admit().allowed);
    auto d = g.admit();
    CHECK(d.headers.size() == 2);
    CHECK(d.headers[1].second == "\"burst\";q=1000000000;w=300");
}

TEST_CASE("pacer against the dev gate: 16 threads, 1,000 requests, 100 per 60 s, no 429") {
    FakeClock clock;
    platform::RateGate gate(clock, {true, 100, 60});
    Pacer pacer(clock, {});
    std::atomic<int> refused{0}, sent{0};
    std::vector<std::thread> threads;
    for (int k = 0; k < 16; ++k) {
        threads.emplace_back([&] {
            for (;;) {
                if (sent.fetch_add(1) >= 1000) return;
                auto t = pacer.acquire();
                auto d = gate.admit();
                std::optional<std::string> r, pol;
                for (auto& [name, v] : d.headers) {
                    if (name == "Ratelimit") r = v;
                    if (name == "Ratelimit-Policy") pol = v;
                }
                if (!d.allowed) ++refused;
                pacer.complete(t, d.allowed ? 200 : 429, r, pol, std::nullopt);
            }
        });
    }
    for (auto& t : threads) t.join();
    CHECK(refused.load() == 0);
    // 1,000 requests at 100 per window need ten windows: at least nine resets were waited for.
    CHECK(elapsed_since_start(clock) >= 540s);
}

TEST_CASE("pacer in the client: headers from the server are read and pacing waits are not the total timeout") {
    TestHttpServer s;
    auto first = ScriptedResponse::envelope(R"({"id":"t1","status":"active"})");
    first.headers.emplace_back("Ratelimit", "\"default\";r=0;t=400");
    first.headers.emplace_back("Ratelimit-Policy", "\"burst\";q=5;w=400");
    s.on("GET", "/user/tokens/verify", {first, ScriptedResponse::envelope(R"({"id":"t1","status":"active"})")});
    FakeClock clock;
    ClientOptions o;
    o.api_url = s.url();
    o.credentials.kind = Credentials::Kind::Token;
    o.credentials.token = "test-token-0123456789";
    o.http.clock = &clock;
    o.http.total_timeout = 300000ms;  // shorter than the window's reset
    o.http.pacer = std::make_shared<Pacer>(clock, PacerOptions{});
    ApiClient c(o);
    REQUIRE(c.verify_token().ok());
    REQUIRE(c.pacer());
    CHECK(c.pacer()->snapshot().informed);
    CHECK(c.pacer()->snapshot().quota == 5);
    REQUIRE(c.verify_token().ok());  // waits 400 s for the reset, then is sent
    CHECK(total_sleep(clock) == 400s);
    CHECK(s.requests().size() == 2);
}
