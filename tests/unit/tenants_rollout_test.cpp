// Staged apply (tenants/rollout.hpp): selectors, canary sizes, durations and rates, selection errors, the
// built-in plans, and the failure budget of apply_plan against a scripted server.
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

TEST_CASE("apply: --max-failures never lets more than N tenants fail, and starts nothing after") {
    TestHttpServer s;
    // Every upload fails (400, not retried).
    s.on_prefix(
        "PUT", "/accounts/acc/workers/dispatch/namespaces/ns/scripts/",
        [](const tenantctl::testing::RecordedRequest&) { return ScriptedResponse::api_error(400, 10021, "broken"); });
    api::ClientOptions o;
    o.api_url = s.url();
    o.credentials.kind = api::Credentials::Kind::Token;
    o.credentials.token = "test-token-0123456789";
    api::ApiClient client(o);
    TenantsFile f;
    f.ns = "ns";
    for (int i = 0; i < 20; ++i) {
        TenantSpec t;
        t.id = "t-" + std::to_string(i);
        f.tenants.push_back(t);
    }
    Source src;
    src.bundle.metadata = {{"main_module", "index.mjs"}};
    src.bundle.modules = {{"index.mjs", "application/javascript+module", "export default {}"}};
    Observed obs;
    auto plan = make_plan(f, src, obs, {});
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
