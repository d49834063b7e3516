#include <doctest/doctest.h>

#include "deploy/containers.hpp"

using namespace tenantctl::deploy;
using nlohmann::json;
using tenantctl::config::container_spec;

TEST_CASE("create request: defaults, named and custom instance types, unsafe merged last") {
    json c = json::parse(R"({"name":"app-web","class_name":"Web","max_instances":5,"instance_type":"standard-1"})");
    json req = create_application_request(container_spec(c), "127.0.0.1:5000/acct/app-web@sha256:ab");
    CHECK(req == json::parse(R"({"name":"app-web","scheduling_policy":"default",
      "configuration":{"image":"127.0.0.1:5000/acct/app-web@sha256:ab","instance_type":"standard-1"},
      "instances":0,"max_instances":5,"constraints":{"tiers":[1,2]},"rollout_active_grace_period":0,
      "observability":{"logs":{"enabled":false}}})"));
    json custom = json::parse(R"({"name":"x","instance_type":{"vcpu":1,"memory_mib":512,"disk_mb":4000},
      "observability":{"logs":{"enabled":true}},"unsafe":{"configuration":{"labels":[{"name":"a","value":"b"}]}}})");
    json r2 = create_application_request(container_spec(custom), "img");
    CHECK(r2["configuration"] == json::parse(R"({"image":"img","vcpu":1,"memory_mib":512,"disk":{"size_mb":4000},
      "labels":[{"name":"a","value":"b"}]})"));
    CHECK(r2["max_instances"] == 20);
    CHECK(r2["observability"]["logs"]["enabled"] == true);
}

TEST_CASE("diff covers only owned fields and reports paths") {
    json c = json::parse(R"({"name":"a","max_instances":3})");
    json desired = create_application_request(container_spec(c), "img@sha256:2");
    json existing = desired;
    existing["id"] = "uuid";
    existing["created_at"] = "then";
    CHECK(application_diff(existing, desired).empty());
    existing["configuration"]["image"] = "img@sha256:1";
    existing["max_instances"] = 2;
    auto d = application_diff(existing, desired);
    REQUIRE(d.size() == 2);
    CHECK(d[0].path == "configuration.image");
    CHECK(d[0].before == "img@sha256:1");
    CHECK(d[1].path == "max_instances");
}

TEST_CASE("rollout steps: default, explicit array, single number, immediate") {
    json target = {{"image", "i"}};
    json r = rollout_request(container_spec(json::parse(R"({"max_instances":5})")), target, false);
    CHECK(r["steps"].size() == 2);
    CHECK(r["steps"][0]["description"] == "Step 1 of 2 - rollout at 10% of instances");
    CHECK(r["kind"] == "full_auto");
    CHECK(rollout_request(container_spec(json::parse(R"({"max_instances":1})")), target, false)["steps"].size() == 1);
    CHECK(rollout_request(container_spec(json::parse(R"({"rollout_step_percentage":25,"rollout_kind":"full_manual"})")),
                          target, false) ==
          json::parse(R"({"description":"Progressive update","strategy":"rolling","target_configuration":{"image":"i"},
            "kind":"full_manual","step_percentage":25})"));
    CHECK(rollout_request(container_spec(json::parse(R"({"rollout_step_percentage":[20,100]})")), target,
                          true)["step_percentage"] == 100);
}

TEST_CASE("numbers go out as the config wrote them: integral as integers, fractions kept") {
    json c = json::parse(R"({"name":"a","max_instances":2.0,"instance_type":{"vcpu":0.5,"memory_mib":256},
      "rollout_step_percentage":[12.5,100]})");
    json req = create_application_request(container_spec(c), "img");
    CHECK(req["max_instances"].dump() == "2");
    CHECK(req["configuration"]["vcpu"].dump() == "0.5");
    CHECK(req["configuration"]["memory_mib"].dump() == "256");
    CHECK_FALSE(req["configuration"].contains("disk"));
    json r = rollout_request(container_spec(c), req["configuration"], false);
    CHECK(r["steps"][0]["description"] == "Step 1 of 2 - rollout at 12.5% of instances");
    CHECK(r["steps"][1]["step_size"]["percentage"].dump() == "100");
}
