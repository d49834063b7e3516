// Staged apply (tenants/rollout.hpp): selectors, canary sizes, durations and rates, selection errors, the
// built-in plans, the failure budget of apply_plan against a scripted server, and the canary verdict.
#include <doctest/doctest.h>

#include "support/test_http_server.hpp"
#include "tenants/rollout.hpp"

using namespace tenantctl;
using namespace tenantctl::tenants;
using namespace std::chrono_literals;
using tenantctl::testing::ScriptedResponse;
using tenantctl::testing::TestHttpServer;

TEST_CASE("rollout: --selector") {
    auto s = parse_selector("tag=beta, plan=free,tag=eu,id=t-1,id=t-2");
    REQUIRE(s.ok());
    CHECK(s->tags == std::vector<std::string>{"beta", "eu"});
    CHECK(s->plan == "free");
    CHECK(s->ids.size() == 2);
    TenantSpec t;
    t.id = "t-1";
    t.plan = "free";
    t.tags = {"eu", "beta", "x"};
    CHECK(selector_matches(*s, t));
    t.tags = {"beta"};
    CHECK_FALSE(selector_matches(*s, t));  // every tag must be there
    t.tags = {"eu", "beta"};
    t.plan = "pro";
    CHECK_FALSE(selector_matches(*s, t));
    t.plan = "free";
    t.id = "t-3";
    CHECK_FALSE(selector_matches(*s, t));  // ids: any of them
    CHECK(selector_matches(*parse_selector("plan=free"), "x", {"tenantctl", "plan-free", "eu"}));
    CHECK_FALSE(selector_matches(*parse_selector("plan=pro"), "x", {"tenantctl", "plan-free"}));
    for (const char* bad : {"", "tag", "colour=red", "tag=", "plan=a,plan=b"}) {
        auto r = parse_selector(bad);
        CHECK_FALSE(r.ok());
        if (!r.ok()) CHECK(r.error().kind == ErrorKind::Usage);
    }
}

TEST_CASE("rollout: --canary, durations and rates") {
    auto n = parse_canary("10");
    REQUIRE(n.ok());
    CHECK(canary_size(*n, 100) == 10);
    auto p = parse_canary("5%");
    REQUIRE(p.ok());
    CHECK(canary_size(*p, 100) == 5);
    CHECK(canary_size(*p, 10) == 1);  // rounded up, at least one
    CHECK(canary_size(*p, 41) == 3);
    for (const char* bad : {"0", "-1", "x", "0%", "101%", "5 %", ""}) CHECK_FALSE(parse_canary(bad).ok());
    CHECK(*parse_duration("30s", "--continue-after") == 30000ms);
    CHECK(*parse_duration("5m", "--continue-after") == 300000ms);
    CHECK(*parse_duration("1h", "--continue-after") == 3600000ms);
    CHECK(*parse_duration("0", "--continue-after") == 0ms);
    CHECK(*parse_duration("1500ms", "--continue-after") == 1500ms);
    CHECK_FALSE(parse_duration("5 parsecs", "--continue-after").ok());
    CHECK_FALSE(parse_duration("30d", "--continue-after").ok());
    CHECK(*parse_rate("5%", "--max-error-rate") == doctest::Approx(0.05));
    CHECK(*parse_rate("0.05", "--max-error-rate") == doctest::Approx(0.05));
    CHECK(*parse_rate("50", "--max-error-rate") == doctest::Approx(0.5));
    CHECK_FALSE(parse_rate("150%", "--max-error-rate").ok());
    CHECK_FALSE(parse_rate("-1", "--max-error-rate").ok());
}

TEST_CASE("rollout: a selection that matches nothing is an error before anything is sent") {
    TenantsFile f;
    f.tenants.resize(2);
    f.tenants[0].id = "a";
    f.tenants[0].tags = {"ga"};
    f.tenants[1].id = "b";
    f.tenants[1].tags = {"beta"};
    std::vector<PlanItem> plan(2);
    plan[0].id = "a";
    plan[0].spec = &f.tenants[0];
    plan[1].id = "b";
    plan[1].spec = &f.tenants[1];
    PlanItem pruned;
    pruned.id = "old";
    pruned.action = Action::Delete;
    plan.push_back(pruned);
    Observed obs;
    obs.tenants["old"] = ObservedTenant{"old", {"beta", "tenantctl"}, ""};
    auto beta = select_plan(plan, obs, *parse_selector("tag=beta"));
    REQUIRE(beta.ok());
    REQUIRE(beta->size() == 2);
    CHECK((*beta)[0].id == "b");
    CHECK((*beta)[1].id == "old");  // a pruned tenant by its current tags
    auto none = select_plan(plan, obs, *parse_selector("tag=nope"));
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().kind == ErrorKind::Usage);
    CHECK(none.error().message.find("matches none of the 3 tenant(s)") != std::string::npos);
    CHECK(select_plan(plan, obs, Selector{})->size() == 3);
}

TEST_CASE("plans: free, pro and enterprise are built in; a file's plan of the same name replaces one") {
    TenantsFile empty;
    REQUIRE(empty.plans.count("free"));
    CHECK(empty.plans.at("free").limits() == nlohmann::json({{"cpu_ms", 10}, {"subrequests", 5}}));
    CHECK(empty.plans.at("pro").limits() == nlohmann::json({{"cpu_ms", 20}, {"subrequests", 20}}));
    CHECK(empty.plans.at("enterprise").limits() == nlohmann::json({{"cpu_ms", 50}, {"subrequests", 50}}));
    auto f = parse_tenants_file(
        "namespace: p\nscript: ./t.mjs\nplans:\n  free: { cpu_ms: 7 }\n  gold: { cpu_ms: 99 }\n"
        "tenants:\n  - { id: a, plan: enterprise }\n  - { id: b, plan: free }\n",
        "tenants.yaml", "/srv");
    REQUIRE(f.ok());
    CHECK(f->plans.size() == 4);
    CHECK(f->plans.at("free").limits() == nlohmann::json({{"cpu_ms", 7}}));
    CHECK(f->tenants[0].plan == "enterprise");
}

namespace {
api::ClientOptions client_options(const TestHttpServer& s) {
    api::ClientOptions o;
    o.api_url = s.url();
    o.credentials.kind = api::Credentials::Kind::Token;
    o.credentials.token = "test-token-0123456789";
    return o;
}
// Tenants t-0 … t-(n-1) of namespace "ns", all to be created with one module.
struct Fleet {
    TenantsFile f;
    Source src;
    Observed obs;
    std::vector<PlanItem> plan;
    explicit Fleet(int n) {
        f.ns = "ns";
        for (int i = 0; i < n; ++i) {
            TenantSpec t;
            t.id = "t-" + std::to_string(i);
            f.tenants.push_back(t);
        }
        src.bundle.metadata = {{"main_module", "index.mjs"}};
        src.bundle.modules = {{"index.mjs", "application/javascript+module", "export default {}"}};
        plan = make_plan(f, src, obs, {});
    }
};
}  // namespace

TEST_CASE("apply: --max-failures never lets more than N tenants fail, and starts nothing after") {
    TestHttpServer s;
    // Every upload fails (400, not retried).
    s.on_prefix(
        "PUT", "/accounts/acc/workers/dispatch/namespaces/ns/scripts/",
        [](const tenantctl::testing::RecordedRequest&) { return ScriptedResponse::api_error(400, 10021, "broken"); });
    api::ApiClient client(client_options(s));
    Fleet fl(20);
    auto& [f, src, obs, plan] = fl;
    ApplyOptions ao;
    ao.concurrency = 8;
    ao.max_failures = 3;
    auto results = apply_plan(client, "acc", f, src, obs, plan, {}, ao);
    int failed = 0, skipped = 0;
    for (const auto& r : results) {
        if (r.status == ItemResult::Status::Failed) ++failed;
        if (r.status == ItemResult::Status::Skipped) ++skipped;
    }
    CHECK(failed == 3);
    CHECK(skipped == 17);
    CHECK(s.requests().size() == 3);
}

TEST_CASE("canary verdict: upload failures, request errors, both, no traffic, a failed read") {
    Result<CanaryTraffic> none = CanaryTraffic{0, 0};
    Result<CanaryTraffic> healthy = CanaryTraffic{200, 2};  // 1%
    Result<CanaryTraffic> erroring = CanaryTraffic{100, 100};
    Result<CanaryTraffic> failed_read =
        Error(ErrorKind::Network, "POST /graphql: connection refused", "is the API reachable?");

    SUBCASE("uploads only (no reader): 1 of 10 failed is above 5%, within 10%") {
        auto v = judge_canary(10, 1, nullptr, 0.05);
        CHECK_FALSE(v.pass);
        CHECK(v.upload_rate == doctest::Approx(0.1));
        CHECK_FALSE(v.traffic_read);
        CHECK(v.reason.find("upload failure rate is above") != std::string::npos);
        CHECK(judge_canary(10, 1, nullptr, 0.10).pass);
    }
    SUBCASE("requests only: every upload went through, the requests fail") {
        auto v = judge_canary(10, 0, &erroring, 0.05);
        CHECK_FALSE(v.pass);
        CHECK(v.traffic_read);
        CHECK(v.traffic.requests == 100);
        CHECK(v.traffic.errors == 100);
        CHECK(v.request_rate == doctest::Approx(1.0));
        CHECK(v.reason.find("100 of 100 request(s) failed") != std::string::npos);
        CHECK(v.reason.find("request error rate is above") != std::string::npos);
        auto ok = judge_canary(10, 0, &healthy, 0.05);
        CHECK(ok.pass);
        CHECK(ok.request_rate == doctest::Approx(0.01));
        CHECK_FALSE(judge_canary(10, 0, &healthy, 0).pass);  // the default 0%: one failed request stops it
    }
    SUBCASE("both above") {
        auto v = judge_canary(4, 2, &erroring, 0.25);
        CHECK_FALSE(v.pass);
        CHECK(v.reason.find("upload and request error rates are above") != std::string::npos);
    }
    SUBCASE("uploads fail, requests fine: still stops") {
        CHECK_FALSE(judge_canary(4, 2, &healthy, 0.25).pass);
    }
    SUBCASE("no traffic: uploads alone decide, and the reason says so") {
        auto v = judge_canary(10, 0, &none, 0);
        CHECK(v.pass);
        CHECK(v.traffic_read);
        CHECK(v.request_rate == 0);
        CHECK(v.reason.find("no traffic") != std::string::npos);
        CHECK_FALSE(judge_canary(10, 3, &none, 0.1).pass);
    }
    SUBCASE("a failed read is a failed canary, saying why") {
        auto v = judge_canary(10, 0, &failed_read, 1.0);
        CHECK_FALSE(v.pass);
        CHECK_FALSE(v.traffic_read);
        CHECK(v.read_error == "POST /graphql: connection refused (is the API reachable?)");
        CHECK(v.reason.find("could not be read") != std::string::npos);
    }
}

TEST_CASE("rollout: after --continue-after the canary's traffic is read for its tenants, and decides") {
    TestHttpServer s;
    s.on_prefix("PUT", "/accounts/acc/workers/dispatch/namespaces/ns/scripts/",
                [](const tenantctl::testing::RecordedRequest&) { return ScriptedResponse::envelope("{}"); });
    api::ApiClient client(client_options(s));
    Fleet fl(6);
    auto& [f, src, obs, plan] = fl;
    FakeClock clock;
    std::vector<std::string> asked;
    int64_t since = 0, until = 0;
    RolloutOptions ro;
    ro.apply.concurrency = 1;
    ro.canary = 2;
    ro.continue_after = 3s;
    ro.clock = &clock;
    Result<CanaryTraffic> answer = CanaryTraffic{10, 0};
    ro.read_traffic = [&](const std::vector<std::string>& ids, int64_t a, int64_t b) {
        asked = ids;
        since = a;
        until = b;
        return answer;
    };
    SUBCASE("failing requests stop it: nothing after the canary starts") {
        answer = CanaryTraffic{10, 10};
        auto r = rollout(client, "acc", f, src, obs, plan, {}, ro);
        CHECK(r.stop == RolloutStop::CanaryFailed);
        REQUIRE(r.verdict);
        CHECK(r.verdict->traffic.errors == 10);
        CHECK(s.requests().size() == 2);
    }
    SUBCASE("a failed read stops it") {
        answer = Error(ErrorKind::Network, "analytics down");
        auto r = rollout(client, "acc", f, src, obs, plan, {}, ro);
        CHECK(r.stop == RolloutStop::CanaryFailed);
        CHECK(s.requests().size() == 2);
    }
    SUBCASE("healthy requests go on") {
        auto r = rollout(client, "acc", f, src, obs, plan, {}, ro);
        CHECK(r.stop == RolloutStop::Done);
        CHECK(s.requests().size() == 6);
    }
    CHECK(asked == std::vector<std::string>{"t-0", "t-1"});
    CHECK(since > 1700000000);  // unix seconds of the wall clock
    CHECK(since <= until);
    CHECK(until - since < 60);
}
