// deploy::plan_triggers and friends: what deploy sets besides the upload, from the typed config.
#include <doctest/doctest.h>

#include "config/worker.hpp"
#include "deploy/triggers.hpp"

using namespace tenantctl;
using namespace tenantctl::deploy;
using nlohmann::json;

namespace {
config::Triggers triggers(const char* normalized) {
    return config::worker_config(json::parse(normalized)).triggers;
}
}  // namespace

TEST_CASE("plan_triggers: routes turn workers.dev off unless it is set; crons present even when empty") {
    auto p = plan_triggers(triggers(R"({"routes":["a.example.com/*",{"pattern":"b.example.com/*","zone_id":"z"}],
      "triggers":{"crons":[]}})"));
    REQUIRE(p.ok());
    REQUIRE(p->routes.size() == 2);
    CHECK(p->routes[1].zone_id == std::optional<std::string>("z"));
    CHECK_FALSE(p->workers_dev);
    CHECK_FALSE(p->preview_urls);
    REQUIRE(p->crons.has_value());
    CHECK(p->crons->empty());
    CHECK(describe_triggers(*p, "w") == std::vector<std::string>{"a.example.com/*", "b.example.com/*"});

    auto bare = plan_triggers(triggers("{}"));
    REQUIRE(bare.ok());
    CHECK(bare->workers_dev);
    CHECK_FALSE(bare->crons.has_value());
    CHECK(describe_triggers(*bare, "w") == std::vector<std::string>{"w.<subdomain>.workers.dev"});

    auto one = plan_triggers(triggers(R"({"route":"c.example.com/*","workers_dev":true,"preview_urls":true})"));
    REQUIRE(one.ok());
    CHECK(one->routes.size() == 1);
    CHECK(one->workers_dev);
    CHECK(one->preview_urls);
}

TEST_CASE("plan_triggers refuses what deploy cannot do, naming the field; a namespace skips the triggers") {
    auto custom = plan_triggers(triggers(R"({"routes":["a.example.com/*",
      {"pattern":"shop.example.com","custom_domain":true}]})"));
    REQUIRE_FALSE(custom.ok());
    CHECK(custom.error().message ==
          "routes[1] \"shop.example.com\": custom domains (\"custom_domain\": true) are not implemented in tenantctl "
          "deploy");
    auto events = plan_triggers(triggers(R"({"triggers":{"events":["x"]}})"));
    REQUIRE_FALSE(events.ok());
    CHECK(events.error().message == "\"triggers.events\" is not supported by tenantctl deploy yet");

    CHECK(triggers_skipped_for_namespace(triggers(R"({"routes":["a/*"],"route":"b/*","triggers":{"crons":["* * * * *"]},
      "workers_dev":true})")) == std::vector<std::string>{"routes", "route", "triggers.crons", "workers_dev"});
    CHECK(triggers_skipped_for_namespace(triggers(R"({"routes":[],"triggers":{"crons":[]},"workers_dev":false})"))
              .empty());
}

TEST_CASE("route_host: the host wrangler infers from a pattern") {
    CHECK(route_host("*.Example.com/api/*") == std::optional<std::string>("example.com"));
    CHECK(route_host("https://shop.example.com:8443/x") == std::optional<std::string>("shop.example.com"));
    CHECK_FALSE(route_host("*/api").has_value());
}
