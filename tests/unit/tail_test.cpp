// Unit tests for live tails: the hub (filters, limits, fan-out, deletion ending sockets, statistics), the
// client's filter message (wrangler's flags to the Tail API's filters), WebSocket URL parsing, and the
// runtime's workerd configuration for records and tail consumers. Records from a running worker over a real
// WebSocket are the tail_runtime integration test's job.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "observe/analytics.hpp"
#include "observe/tail.hpp"
#include "observe/websocket.hpp"
#include "platform/tail.hpp"
#include "runtime/workerd_config.hpp"

using namespace tenantctl;
using nlohmann::json;

namespace {

json event(const std::string& script, const std::string& ns, const std::string& outcome, const std::string& log,
           const std::string& method = "GET") {
    json e = {{"scriptName", script},
              {"outcome", outcome},
              {"eventTimestamp", 1'800'000'000'000LL},
              {"logs", json::array({{{"message", json::array({log, 1})}, {"level", "log"}}})},
              {"exceptions", json::array()},
              {"event",
               {{"request",
                 {{"url", "http://x/"},
                  {"method", method},
                  {"headers", {{"x-probe", "yes"}}},
                  {"cf", {{"clientIp", "127.0.0.1:5555"}}}}}}}};
    if (!ns.empty()) e["dispatchNamespace"] = ns;
    return e;
}

}  // namespace

TEST_CASE("tail filters: parsed from the client's message and matched as every one must") {
    using platform::parse_tail_filter;
    using platform::tail_filter_matches;
    auto f = parse_tail_filter(R"({"filters":[{"outcome":["exception"]},{"method":["get"]}],"debug":false})");
    REQUIRE(f.ok());
    CHECK(tail_filter_matches(*f, event("a", "", "exception", "x")));
    CHECK_FALSE(tail_filter_matches(*f, event("a", "", "ok", "x")));
    CHECK_FALSE(tail_filter_matches(*f, event("a", "", "exception", "x", "POST")));

    auto q = parse_tail_filter(R"({"filters":[{"query":"needle"}]})");
    REQUIRE(q.ok());
    CHECK(tail_filter_matches(*q, event("a", "", "ok", "a needle here")));
    CHECK_FALSE(tail_filter_matches(*q, event("a", "", "ok", "hay")));

    auto h =
        parse_tail_filter(R"({"filters":[{"header":{"key":"X-Probe","query":"ye"}},{"client_ip":["127.0.0.1"]}]})");
    REQUIRE(h.ok());
    CHECK(tail_filter_matches(*h, event("a", "", "ok", "x")));
    auto h2 = parse_tail_filter(R"({"filters":[{"header":{"key":"x-other"}}]})");
    CHECK_FALSE(tail_filter_matches(*h2, event("a", "", "ok", "x")));

    CHECK(parse_tail_filter("{}").ok());
    CHECK_FALSE(parse_tail_filter("[").ok());
    CHECK_FALSE(parse_tail_filter(R"({"filters":[{"sampling_rate":2}]})").ok());
    CHECK_FALSE(parse_tail_filter(R"({"filters":[{"bogus":1}]})").ok());
    CHECK_FALSE(parse_tail_filter(R"({"filters":[{"outcome":"ok"}]})").ok());
    auto big = parse_tail_filter(std::string(platform::k_max_tail_filter_bytes + 1, ' '));
    REQUIRE_FALSE(big.ok());
    CHECK(big.error().message.find("k_max_tail_filter_bytes") != std::string::npos);
}

TEST_CASE("tail hub: records reach the tails of their script only; deletion ends the sockets; limits") {
    int64_t now = 1'800'000'000;
    platform::TailHub hub([&] { return now; });
    hub.set_url_base("ws://127.0.0.1:9/");
    auto t1 = hub.create("ns/t1");
    REQUIRE(t1.ok());
    CHECK(t1->url == "ws://127.0.0.1:9/" + t1->id);
    CHECK(t1->expires == now + platform::k_tail_ttl_seconds);
    auto acct = hub.create("t1");  // an account worker of the same name is another script
    REQUIRE(acct.ok());

    std::vector<std::string> got, got_acct;
    std::string ended;
    uint64_t sub = hub.attach(
        t1->id, [&](const std::string& s) { got.push_back(s); }, [&](const std::string& why) { ended = why; });
    REQUIRE(sub != 0);
    hub.attach(acct->id, [&](const std::string& s) { got_acct.push_back(s); }, {});
    CHECK(hub.attach("nope", [](const std::string&) {}, {}) == 0);

    hub.publish(json::array({event("t1", "ns", "ok", "one"), event("t2", "ns", "ok", "other tenant"),
                             event("t1", "", "ok", "account")})
                    .dump());
    REQUIRE(got.size() == 1);
    CHECK(json::parse(got[0])["logs"][0]["message"][0] == "one");
    REQUIRE(got_acct.size() == 1);
    CHECK(json::parse(got_acct[0])["logs"][0]["message"][0] == "account");

    // A filter set on the socket applies to what follows.
    hub.set_filter(sub, *platform::parse_tail_filter(R"({"filters":[{"outcome":["exception"]}]})"));
    hub.publish(event("t1", "ns", "ok", "filtered out"));
    hub.publish(event("t1", "ns", "exception", "kept"));
    REQUIRE(got.size() == 2);
    CHECK(json::parse(got[1])["outcome"] == "exception");

    // Sampling: a rate of 0.5 passes every second matching record.
    hub.set_filter(sub, *platform::parse_tail_filter(R"({"filters":[{"sampling_rate":0.5}]})"));
    for (int i = 0; i < 10; ++i) hub.publish(event("t1", "ns", "ok", "s"));
    CHECK(got.size() == 2 + 5);

    CHECK(hub.list("ns/t1").size() == 1);
    CHECK(hub.list("ns/t1")[0].connected == 1);
    CHECK_FALSE(hub.remove("ns/other", t1->id));  // the id must belong to the script named
    CHECK(hub.remove("ns/t1", t1->id));
    CHECK(ended == "the tail was deleted");
    CHECK(hub.list("ns/t1").empty());
    hub.publish(event("t1", "ns", "ok", "after"));
    CHECK(got.size() == 7);

    // Per-script limit, and expiry.
    for (size_t i = 0; i < platform::k_max_tails_per_script; ++i) REQUIRE(hub.create("ns/busy").ok());
    auto over = hub.create("ns/busy");
    REQUIRE_FALSE(over.ok());
    CHECK(over.error().message.find("k_max_tails_per_script") != std::string::npos);
    now += platform::k_tail_ttl_seconds + 1;
    CHECK(hub.list("ns/busy").empty());
    CHECK(hub.create("ns/busy").ok());

    // Deleting a script ends its tails.
    auto t3 = hub.create("ns/t3");
    std::string why3;
    hub.attach(
        t3->id, [](const std::string&) {}, [&](const std::string& w) { why3 = w; });
    hub.remove_script("ns/t3");
    CHECK(why3 == "the worker was deleted");
}

TEST_CASE("tail hub: statistics per script and minute") {
    int64_t now = 1'800'000'100;
    platform::TailHub hub([&] { return now; });
    json e = event("t1", "ns", "exception", "x");
    e["exceptions"] = json::array({{{"name", "Error"}, {"message", "boom"}}});
    e["wallTime"] = 3;
    hub.publish(e);
    hub.publish(event("t1", "ns", "ok", "y"));
    hub.publish(event("t2", "ns", "ok", "z"));
    hub.publish(json{{"no", "script"}});  // ignored
    auto st = hub.stats(now - 3600, now + 60);
    REQUIRE(st.count("ns/t1") == 1);
    CHECK(st["ns/t1"].requests == 2);
    CHECK(st["ns/t1"].errors == 1);
    CHECK(st["ns/t1"].exceptions == 1);
    CHECK(st["ns/t1"].logs == 2);
    CHECK(st["ns/t1"].wall_ms == doctest::Approx(3));
    CHECK(st["ns/t2"].requests == 1);
    CHECK(hub.stats(now + 3600, now + 7200).empty());
    CHECK(hub.published() == 3);
}

TEST_CASE("tail client: wrangler's flags become the Tail API's filter message") {
    observe::TailFilters f;
    f.status = {"error"};
    f.methods = {"post"};
    f.header = "X-Probe: yes";
    f.search = "needle";
    f.ips = {"self"};
    f.sampling_rate = 0.25;
    auto m = observe::tail_filter_message(f);
    REQUIRE(m.ok());
    json j = json::parse(*m);
    CHECK(j["debug"] == false);
    CHECK(j["filters"][0] == json{{"sampling_rate", 0.25}});
    CHECK(j["filters"][1]["outcome"] == json::array({"exception", "exceededCpu", "exceededMemory", "unknown"}));
    CHECK(j["filters"][2]["method"] == json::array({"POST"}));
    CHECK(j["filters"][3]["header"] == json{{"key", "X-Probe"}, {"query", "yes"}});
    CHECK(j["filters"][4]["client_ip"] == json::array({"self"}));
    CHECK(j["filters"][5]["query"] == "needle");
    // The server's parser reads what the client writes.
    CHECK(platform::parse_tail_filter(*m).ok());
    CHECK(json::parse(*observe::tail_filter_message({}))["filters"].empty());

    observe::TailFilters bad;
    bad.status = {"weird"};
    CHECK(observe::tail_filter_message(bad).error().kind == ErrorKind::Usage);
    bad = {};
    bad.sampling_rate = 1.5;
    CHECK_FALSE(observe::tail_filter_message(bad).ok());
    bad = {};
    bad.header = ":v";
    CHECK_FALSE(observe::tail_filter_message(bad).ok());
}

TEST_CASE("WebSocket URLs") {
    auto u = observe::parse_ws_url("wss://tail.example.com/abc?x=1");
    REQUIRE(u.ok());
    CHECK(u->tls);
    CHECK(u->host == "tail.example.com");
    CHECK(u->port == "443");
    CHECK(u->target == "/abc?x=1");
    auto l = observe::parse_ws_url("ws://127.0.0.1:8123/id");
    REQUIRE(l.ok());
    CHECK_FALSE(l->tls);
    CHECK(l->port == "8123");
    auto v6 = observe::parse_ws_url("ws://[::1]:9/x");
    REQUIRE(v6.ok());
    CHECK(v6->host == "::1");
    CHECK_FALSE(observe::parse_ws_url("http://x/").ok());
    CHECK_FALSE(observe::parse_ws_url("ws://user:pw@x/").ok());
    CHECK_FALSE(observe::parse_ws_url("ws://x:99999999/").ok());
}

TEST_CASE("runtime config: every worker is tailed by the runtime's tail worker; tail consumers run") {
    using namespace tenantctl::runtime;
    Model m;
    Script col;
    col.key = "w:collector";
    col.name = "collector";
    col.etag = "e-col";
    col.main = "index.js";
    col.modules = {{"index.js", "esModule", "export default { tail() {} }"}};
    Script t;
    t.key = "n:c:t1";
    t.name = "t1";
    t.ns = "c";
    t.etag = "e-t1";
    t.main = "index.js";
    t.modules = {{"index.js", "esModule", "export default {}"}};
    t.tail_consumers = {"collector", "missing"};
    m.scripts = {col, t};
    m.namespaces["c"] = {"n:c:t1"};
    GenOptions o;
    o.storage_address = "127.0.0.1:1";
    o.storage_token = "tok";
    o.tenant_ports = {{"n:c:t1", 4001}};
    o.front_port = 4000;
    Generated tg = generate_tenants(m, {&m.scripts[1]}, o);
    const std::string props = "props = (json = \"{\\\"ns\\\":\\\"c\\\",\\\"script\\\":\\\"t1\\\"}\")";
    CHECK(tg.config.find("tails = [(name = \"tenantctl:tail\", " + props + "), (name = \"w:collector\", " + props +
                         ")]") != std::string::npos);
    // The consumer's entry fills in the producer's name (workerd leaves it empty) from those props.
    REQUIRE(tg.files.count("scripts/e-col/consumer.js") == 1);
    CHECK(tg.files["scripts/e-col/consumer.js"].find("scriptName: p.script") != std::string::npos);
    CHECK(tg.files["scripts/e-t1/entry.js"].find("Too many subrequests") != std::string::npos);
    // The consumer runs in the tenant's process, itself tailed by the runtime only.
    CHECK(tg.config.find("(name = \"w:collector\", worker = ") != std::string::npos);
    CHECK(tg.loaded == std::vector<std::string>{"n:c:t1", "w:collector"});
    CHECK(tg.config.find("(name = \"tenantctl:tail-sink\", external") != std::string::npos);
    CHECK(tg.files.count("internal/tail.js") == 1);
    REQUIRE(tg.warnings.size() == 1);
    CHECK(tg.warnings[0] == "n:c:t1: tail consumer missing names a worker that does not exist");

    Generated fg = generate_front(m, o);
    CHECK(fg.config.find(
              "tails = [(name = \"tenantctl:tail\", props = (json = \"{\\\"script\\\":\\\"collector\\\"}\"))]") !=
          std::string::npos);
}

TEST_CASE("tenant usage: the GraphQL query, its answer, ranking, --since") {
    std::string q = observe::usage_query("acct", "prod", 1'800'000'000, 1'800'003'600);
    json j = json::parse(q);
    CHECK(j["query"].get<std::string>().find("workersInvocationsAdaptive") != std::string::npos);
    CHECK(j["query"].get<std::string>().find("dispatchNamespaceName: $namespace") != std::string::npos);
    CHECK(j["variables"]["since"] == "2027-01-15T08:00:00Z");
    CHECK(j["variables"]["until"] == "2027-01-15T09:00:00Z");
    CHECK(j["variables"]["namespace"] == "prod");

    auto rows = observe::parse_usage(R"({"data":{"viewer":{"accounts":[{"workersInvocationsAdaptive":[
      {"sum":{"requests":5,"errors":1,"subrequests":9},"quantiles":{"cpuTimeP50":1500,"cpuTimeP99":null},"dimensions":{"scriptName":"a"}},
      {"sum":{"requests":7,"errors":0},"quantiles":{},"dimensions":{"scriptName":"b"}},
      {"sum":{"requests":5,"errors":3},"quantiles":{},"dimensions":{"scriptName":"c"}},
      {"sum":{"requests":1},"dimensions":{}}]}]}},"errors":null})");
    REQUIRE(rows.ok());
    REQUIRE(rows->size() == 3);  // a row without a scriptName is left out
    CHECK((*rows)[0].subrequests == 9u);
    CHECK((*rows)[0].cpu_p50_ms == doctest::Approx(1.5));
    CHECK_FALSE((*rows)[0].cpu_p99_ms.has_value());
    observe::rank_usage(*rows);
    CHECK((*rows)[0].tenant == "b");
    CHECK((*rows)[1].tenant == "c");  // same requests as a, more errors
    CHECK((*rows)[2].tenant == "a");

    auto refused = observe::parse_usage(R"({"data":null,"errors":[{"message":"not authorized for this account"}]})");
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message.find("not authorized for this account") != std::string::npos);
    CHECK_FALSE(observe::parse_usage("<html>").ok());
    CHECK(observe::parse_usage(R"({"data":{"viewer":{"accounts":[]}}})")->empty());

    CHECK(*observe::parse_since("90s") == 90);
    CHECK(*observe::parse_since("15m") == 900);
    CHECK(*observe::parse_since("1h") == 3600);
    CHECK(*observe::parse_since("7d") == 604800);
    for (const char* bad : {"", "h", "0h", "5x", "-1h", "1.5h", "9999999h"})
        CHECK(observe::parse_since(bad).error().kind == ErrorKind::Usage);
}
