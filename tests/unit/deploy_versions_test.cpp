// versions deploy's VERSION_ID[@PCT] arguments, the version rollback goes to by default, and what the runtime
// generates for a deployment split between two versions.
#include <doctest/doctest.h>

#include "deploy/versions.hpp"
#include "platform/kinds.hpp"
#include "runtime/workerd_config.hpp"

using namespace tenantctl;
using nlohmann::json;

namespace {

api::Deployment dep(std::vector<api::DeploymentShare> v) {
    api::Deployment d;
    d.versions = std::move(v);
    return d;
}

}  // namespace

TEST_CASE("versions: parse_version_spec takes ID, ID@PCT and ID@PCT%") {
    auto a = deploy::parse_version_spec("abc");
    REQUIRE(a.ok());
    CHECK(a->version_id == "abc");
    CHECK_FALSE(a->percentage.has_value());
    auto b = deploy::parse_version_spec("abc@50%");
    REQUIRE(b.ok());
    CHECK(b->version_id == "abc");
    CHECK(*b->percentage == doctest::Approx(50));
    auto c = deploy::parse_version_spec("abc@12.5");
    REQUIRE(c.ok());
    CHECK(*c->percentage == doctest::Approx(12.5));
    for (const char* bad : {"abc@", "abc@x", "abc@50%%", "@50", "abc@0", "abc@101", "abc@nan", "abc@-5"}) {
        auto r = deploy::parse_version_spec(bad);
        INFO(bad);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().kind == ErrorKind::Usage);
        CHECK(r.error().message.find(bad) != std::string::npos);  // the message names the value
    }
}

TEST_CASE("versions: deployment_shares wants one version at 100% or two adding up to 100") {
    auto one = deploy::deployment_shares({"a"});
    REQUIRE(one.ok());
    REQUIRE(one->size() == 1);
    CHECK((*one)[0].percentage == doctest::Approx(100));
    CHECK(deploy::deployment_shares({"a@100%"}).ok());

    auto two = deploy::deployment_shares({"a@30", "b@70%"});
    REQUIRE(two.ok());
    REQUIRE(two->size() == 2);
    CHECK((*two)[0].version_id == "a");
    CHECK((*two)[0].percentage == doctest::Approx(30));
    CHECK((*two)[1].percentage == doctest::Approx(70));

    auto rest = deploy::deployment_shares({"a@25", "b"});  // the other gets the rest
    REQUIRE(rest.ok());
    CHECK((*rest)[1].percentage == doctest::Approx(75));

    auto sum = deploy::deployment_shares({"a@60", "b@60"});
    REQUIRE_FALSE(sum.ok());
    CHECK(sum.error().kind == ErrorKind::Usage);
    CHECK(sum.error().message.find("add up to 100") != std::string::npos);
    CHECK(sum.error().message.find("120%") != std::string::npos);

    auto half = deploy::deployment_shares({"a@50"});
    REQUIRE_FALSE(half.ok());
    CHECK(half.error().message.find("a@50") != std::string::npos);

    auto three = deploy::deployment_shares({"a@30", "b@30", "c@40"});
    REQUIRE_FALSE(three.ok());
    CHECK(three.error().kind == ErrorKind::Usage);
    CHECK(three.error().message.find("at most 2") != std::string::npos);

    CHECK_FALSE(deploy::deployment_shares({"a@50", "a@50"}).ok());  // the same version twice
    CHECK_FALSE(deploy::deployment_shares({"a", "b"}).ok());        // two without percentages
    CHECK_FALSE(deploy::deployment_shares({}).ok());
    CHECK_FALSE(deploy::deployment_shares({"a@100", "b"}).ok());  // nothing left for b
}

TEST_CASE("versions: rollback_target is the previous single-version deployment") {
    // newest first, as the API lists them
    std::vector<api::Deployment> d = {dep({{"b", 50}, {"a", 50}}), dep({{"b", 100}}), dep({{"a", 100}})};
    auto t = deploy::rollback_target(d);
    REQUIRE(t.ok());
    CHECK(*t == "b");

    // the current deployment serves b alone: rolling back to b changes nothing, so a is next
    d = {dep({{"b", 100}}), dep({{"a", 30}, {"b", 70}}), dep({{"b", 100}}), dep({{"a", 100}})};
    t = deploy::rollback_target(d);
    REQUIRE(t.ok());
    CHECK(*t == "a");

    // nothing earlier
    auto none = deploy::rollback_target({dep({{"a", 100}})});
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().kind == ErrorKind::NotFound);
    CHECK_FALSE(deploy::rollback_target({}).ok());
    CHECK_FALSE(deploy::rollback_target({dep({{"b", 100}}), dep({{"a", 50}, {"b", 50}})}).ok());
}

TEST_CASE("versions: the script runs the larger share; the runtime's entry worker splits the rest") {
    CHECK(platform::deployment_primary(json::parse(R"([{"version_id":"a","percentage":30},
        {"version_id":"b","percentage":70}])")) == 1);
    CHECK(platform::deployment_primary(json::parse(R"([{"version_id":"a","percentage":50},
        {"version_id":"b","percentage":50}])")) == 0);

    runtime::Model m;
    runtime::Script s;
    s.key = "w:app";
    s.name = "app";
    s.etag = "e1";
    s.main = "index.js";
    s.modules = {{"index.js", "esModule", "export default {fetch(){return new Response('one')}}"}};
    runtime::Script v = s;
    v.key = "w:app@v2";
    v.variant_of = "w:app";
    v.etag = "e2";
    v.modules[0].body = "export default {fetch(){return new Response('two')}}";
    s.shares = {{"w:app", 50}, {"w:app@v2", 50}};
    m.scripts = {s, v};
    runtime::GenOptions opt;
    opt.storage_address = "127.0.0.1:1";
    auto g = runtime::generate_front(m, opt);
    CHECK(g.config.find("(name = \"w:app@v2\", worker = ") != std::string::npos);
    CHECK(g.config.find("(name = \"w:app@v2\", service = \"w:app@v2\")") != std::string::npos);
    CHECK(g.config.find(R"(\"app\":[[\"w:app\",50.0],[\"w:app@v2\",50.0]])") != std::string::npos);
    // the version beside the script is no worker of its own name: only app answers by Host
    CHECK(g.config.find("\"w:app@v2\", service = \"w:w:app@v2\"") == std::string::npos);
    CHECK(g.files["internal/entry.js"].find("env.SPLITS[name]") != std::string::npos);
}
