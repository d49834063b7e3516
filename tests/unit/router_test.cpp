// lib/router: routing rules, the instance manager with a fake container driver and a fake clock, helpers.
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "core/clock.hpp"
#include "core/strings.hpp"
#include "router/dev_integration.hpp"
#include "router/driver.hpp"
#include "router/instances.hpp"
#include "router/route.hpp"
#include "router/server.hpp"

using namespace tenantctl;
using namespace tenantctl::router;

namespace {

Route route_ok(std::string_view target, std::string_view host = "localhost:8788", std::string_view uid = "",
               std::string_view tid = "") {
    RouteInput in;
    in.target = target;
    in.host = host;
    in.x_user_id = uid;
    in.x_tenant_id = tid;
    auto r = resolve_route(in);
    REQUIRE_MESSAGE(r.ok(), std::string(target));
    return r.value();
}

Error route_err(std::string_view target, std::string_view host = "localhost", std::string_view uid = "") {
    RouteInput in;
    in.target = target;
    in.host = host;
    in.x_user_id = uid;
    auto r = resolve_route(in);
    REQUIRE_MESSAGE(!r.ok(), std::string(target));
    return r.error();
}

// A container runtime in memory. start() takes `start_delay` of real time so that concurrent callers overlap.
class FakeDriver final : public ContainerDriver {
public:
    std::atomic<int> creates{0}, starts{0}, stops{0}, removes{0}, pulls{0};
    std::chrono::milliseconds start_delay{0};
    bool listen = true;          // port_open answer
    bool exit_at_start = false;  // the container is not running after start
    std::mutex m;
    std::map<std::string, bool> running;  // container id -> running
    std::vector<ContainerSpec> specs;

    Status pull(const std::string&, const std::optional<RegistryAuth>&) override {
        ++pulls;
        return ok_status();
    }
    Result<std::string> create(const ContainerSpec& spec) override {
        ++creates;
        std::lock_guard lk(m);
        specs.push_back(spec);
        std::string id = "c" + std::to_string(creates.load()) + random_hex(4);
        running[id] = false;
        return id;
    }
    Status start(const std::string& id) override {
        ++starts;
        std::this_thread::sleep_for(start_delay);
        std::lock_guard lk(m);
        running[id] = !exit_at_start;
        return ok_status();
    }
    Result<ContainerState> inspect(const std::string& id) override {
        std::lock_guard lk(m);
        auto it = running.find(id);
        if (it == running.end()) return Error(ErrorKind::NotFound, "no such container");
        ContainerState s;
        s.id = id;
        s.running = it->second;
        s.exit_code = it->second ? 0 : 3;
        return s;
    }
    Status stop(const std::string& id, int) override {
        ++stops;
        std::lock_guard lk(m);
        running[id] = false;
        return ok_status();
    }
    Status remove(const std::string& id) override {
        ++removes;
        std::lock_guard lk(m);
        running.erase(id);
        return ok_status();
    }
    Result<std::string> logs(const std::string&, int) override { return std::string("fake: last words\n"); }
    Result<std::vector<ContainerSummary>> list(const std::string&) override { return std::vector<ContainerSummary>{}; }
    bool port_open(const std::string&, int) override { return listen; }
    void crash(const std::string& id) {
        std::lock_guard lk(m);
        running[id] = false;
    }
};

AppSpec app(std::string id = "web", int max = 10, std::chrono::seconds sleep = std::chrono::minutes(10)) {
    AppSpec a;
    a.id = a.name = id;
    a.image = "127.0.0.1:5000/" + id + ":v1";
    a.max_instances = max;
    a.sleep_after = sleep;
    a.env["GREETING"] = "hi";
    return a;
}

}  // namespace

TEST_CASE("router: tenant ids are [A-Za-z0-9_-]{1,63}") {
    CHECK(valid_id("a"));
    CHECK(valid_id("Tenant_1-x"));
    CHECK(valid_id(std::string(63, 'a')));
    CHECK_FALSE(valid_id(std::string(64, 'a')));
    CHECK_FALSE(valid_id(""));
    CHECK_FALSE(valid_id("a.b"));
    CHECK_FALSE(valid_id("a/b"));
    CHECK_FALSE(valid_id("a b"));
    CHECK_FALSE(valid_id(".."));
    CHECK_FALSE(valid_id("t%41"));
}

TEST_CASE("router: /app/{id}/ strips the prefix and keeps the query") {
    auto r = route_ok("/app/my-app/api/data?x=1&y=2");
    CHECK(r.kind == RouteKind::Tenant);
    CHECK(r.tenant_id == "my-app");
    CHECK(r.source == IdSource::Path);
    CHECK(r.forward_target == "/api/data?x=1&y=2");
    CHECK(route_ok("/app/a").forward_target == "/");
    CHECK(route_ok("/app/a/").forward_target == "/");
    CHECK(route_ok("/app/a?q=1").forward_target == "/?q=1");
}

TEST_CASE("router: the order is path, query, header, host and sources never mix") {
    // path beats everything
    auto r = route_ok("/app/a/x?appId=b", "c.localhost", "d", "e");
    CHECK(r.tenant_id == "a");
    CHECK(r.source == IdSource::Path);
    // query beats headers and host
    r = route_ok("/x?appId=b", "c.localhost", "d");
    CHECK(r.tenant_id == "b");
    CHECK(r.source == IdSource::Query);
    CHECK(r.forward_target == "/x?appId=b");
    // X-User-ID beats X-Tenant-ID and host
    r = route_ok("/x", "c.localhost", "d", "e");
    CHECK(r.tenant_id == "d");
    CHECK(r.source == IdSource::Header);
    r = route_ok("/x", "c.localhost", "", "e");
    CHECK(r.tenant_id == "e");
    // host last, with port and case folded
    r = route_ok("/x", "C.LocalHost:8788");
    CHECK(r.tenant_id == "c");
    CHECK(r.source == IdSource::Host);
    CHECK(r.application.empty());
    r = route_ok("/x", "c.shop.localhost");
    CHECK(r.tenant_id == "c");
    CHECK(r.application == "shop");
    // the application label of the host applies whatever gave the tenant id
    CHECK(route_ok("/app/a/", "zz.shop.localhost").application == "shop");
    CHECK(route_ok("/app/a/", "zz.localhost").application.empty());
}

TEST_CASE("router: a present but invalid id is a 400 and does not fall through") {
    auto e = route_err("/app/a.b/x", "good.localhost");
    CHECK(e.http_status == 400);
    CHECK(e.message.find("a.b") != std::string::npos);
    CHECK(route_err("/x?appId=a/b", "good.localhost").http_status == 400);
    CHECK(route_err("/x", "good.localhost", "evil/../x").http_status == 400);
    CHECK(route_err("/x", "a.b.c.localhost").http_status == 400);
    auto missing = route_err("/x", "localhost");
    CHECK(missing.http_status == 400);
    CHECK(missing.hint.find("/app/my-tenant/") != std::string::npos);
    CHECK(route_err("/app//x").http_status == 400);
    CHECK(route_err("/app/").http_status == 400);
}

TEST_CASE("router: path traversal and encoded separators are rejected") {
    for (const char* t : {"/app/a/../b/", "/app/a/..", "/app/a/./x", "/app/a%2Fb/", "/app/a%2fb/", "/app/a/..%2Fb/",
                          "/app/a/%2e%2e/b/", "/app/a/%2E%2E/b", "/app/a/.%2e/b", "/app/a/%5c../b", "/app/a\\..\\b",
                          "/app/a/%00", "/app/a/%zz", "/app/a/%2", "/../app/b/", "/x?appId=a/../b"}) {
        RouteInput in;
        in.target = t;
        in.host = "localhost";
        auto r = resolve_route(in);
        if (std::string_view(t) == "/x?appId=a/../b") {
            CHECK_FALSE(r.ok());  // invalid id in the query
            continue;
        }
        CHECK_MESSAGE(!r.ok(), t);
        if (!r.ok()) CHECK(r.error().http_status == 400);
    }
    // a double-encoded dot is just data for the tenant's own container
    auto r = route_ok("/app/a/%252e%252e/b");
    CHECK(r.tenant_id == "a");
    CHECK(r.forward_target == "/%252e%252e/b");
    // dots inside names are fine
    CHECK(route_ok("/app/a/file.tar.gz").forward_target == "/file.tar.gz");
    CHECK(route_ok("/app/a/...").forward_target == "/...");
}

TEST_CASE("router: pools and management endpoints") {
    auto p = route_ok("/pool/web/api?x=1");
    CHECK(p.kind == RouteKind::Pool);
    CHECK(p.application == "web");
    CHECK(p.forward_target == "/api?x=1");
    CHECK(route_err("/pool/w.b/").http_status == 400);
    auto m = route_ok("/app/a/_status");
    CHECK(m.kind == RouteKind::Management);
    CHECK(m.management == "_status");
    CHECK(route_ok("/app/a/_restart").management == "_restart");
    CHECK(route_ok("/app/a/_metadata").management == "_metadata");
    CHECK(route_ok("/app/a/_status/more").kind == RouteKind::Tenant);
    CHECK(route_ok("/_status", "a.localhost").kind == RouteKind::Tenant);  // management only in the path form
}

TEST_CASE("router: strip_port, image references, docker log demux") {
    CHECK(strip_port("A.Localhost:8788") == "a.localhost");
    CHECK(strip_port("[::1]:80") == "[::1]");
    CHECK(strip_port("a.localhost.") == "a.localhost");
    CHECK(split_image_reference("127.0.0.1:5000/app:v1") ==
          std::pair<std::string, std::string>{"127.0.0.1:5000/app", "v1"});
    CHECK(split_image_reference("127.0.0.1:5000/app") ==
          std::pair<std::string, std::string>{"127.0.0.1:5000/app", "latest"});
    CHECK(split_image_reference("r/app@sha256:ab").second == "sha256:ab");
    std::string raw;
    raw += std::string("\x01\0\0\0\0\0\0\x06", 8) + "hello\n";
    raw += std::string("\x02\0\0\0\0\0\0\x04", 8) + "err\n";
    CHECK(demux_docker_stream(raw) == "hello\nerr\n");
    CHECK(demux_docker_stream("plain tty output\n") == "plain tty output\n");
}

TEST_CASE("instances: concurrent first requests are coalesced into one start") {
    FakeDriver d;
    d.start_delay = std::chrono::milliseconds(200);
    FakeClock clock;
    InstanceManager m(d, clock);
    auto a = app();
    std::vector<std::thread> threads;
    std::mutex mu;
    std::set<std::string> ids;
    std::atomic<int> ok{0};
    for (int i = 0; i < 16; ++i)
        threads.emplace_back([&] {
            auto l = m.acquire(a, "t1");
            if (!l) return;
            ++ok;
            std::lock_guard lk(mu);
            ids.insert(l->instance_id());
        });
    for (auto& t : threads) t.join();
    CHECK(ok == 16);
    CHECK(ids.size() == 1);
    CHECK(d.creates == 1);
    CHECK(d.starts == 1);
    CHECK(d.pulls == 1);
    auto info = m.find("web", "t1");
    REQUIRE(info);
    CHECK(info->state == InstanceState::Running);
    CHECK(info->start_count == 1);
    CHECK(info->active_requests == 0);  // every lease was released
    // the container got the app env plus the tenant's identity and labels
    REQUIRE(d.specs.size() == 1);
    CHECK(d.specs[0].env.at("GREETING") == "hi");
    CHECK(d.specs[0].env.at("TENANTCTL_TENANT_ID") == "t1");
    CHECK(d.specs[0].env.at("TENANTCTL_INSTANCE_ID") == info->id);
    CHECK(d.specs[0].env.count("PORT") == 1);
    CHECK(d.specs[0].labels.at("tenantctl.app") == "web");
    CHECK(d.specs[0].labels.at("tenantctl.tenant") == "t1");
    // another tenant: another container
    auto other = m.acquire(a, "t2");
    REQUIRE(other);
    CHECK(other->instance_id() != *ids.begin());
    CHECK(d.creates == 2);
    CHECK(d.pulls == 1);  // the image was pulled once
}

TEST_CASE("instances: a failed start is reported once to every waiter, with the container's logs") {
    FakeDriver d;
    d.start_delay = std::chrono::milliseconds(100);
    d.exit_at_start = true;
    d.listen = false;
    FakeClock clock;
    std::vector<ManagerEvent> events;
    std::mutex emu;
    InstanceManager m(d, clock, {}, [&](const ManagerEvent& e) {
        std::lock_guard lk(emu);
        events.push_back(e);
    });
    std::vector<std::thread> threads;
    std::atomic<int> n503{0};
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&] {
            auto l = m.acquire(app(), "t");
            if (!l && l.error().http_status == 503) ++n503;
        });
    for (auto& t : threads) t.join();
    CHECK(n503 == 8);
    CHECK(d.creates == 1);
    auto info = m.find("web", "t");
    REQUIRE(info);
    CHECK(info->state == InstanceState::Failed);
    CHECK(info->last_error.find("exited with code 3") != std::string::npos);
    bool logged = false;
    for (const auto& e : events)
        if (e.level == ManagerEvent::Level::Error && e.message.find("fake: last words") != std::string::npos)
            logged = true;
    CHECK(logged);
    CHECK(d.removes == 1);
}

TEST_CASE("instances: an app that never listens gives 504 after start_timeout (fake clock)") {
    FakeDriver d;
    d.listen = false;
    FakeClock clock;
    ManagerOptions o;
    o.start_timeout = std::chrono::seconds(3);
    InstanceManager m(d, clock, o);
    auto before = clock.now();
    auto l = m.acquire(app(), "t");
    REQUIRE_FALSE(l);
    CHECK(l.error().http_status == 504);
    CHECK(l.error().message.find("did not listen") != std::string::npos);
    CHECK(clock.now() - before >= std::chrono::seconds(3));
    CHECK(d.stops == 1);
}

TEST_CASE("instances: the reaper stops idle instances after sleep_after, never while a request is in flight") {
    FakeDriver d;
    FakeClock clock;
    InstanceManager m(d, clock);
    auto a = app("web", 10, std::chrono::minutes(10));
    {
        auto l = m.acquire(a, "idle");
        REQUIRE(l);
    }
    auto busy = m.acquire(a, "busy");
    REQUIRE(busy);
    clock.advance(std::chrono::minutes(9));
    CHECK(m.reap_once() == 0);
    CHECK(m.find("web", "idle")->state == InstanceState::Running);
    clock.advance(std::chrono::minutes(2));
    CHECK(m.reap_once() == 1);
    CHECK(m.find("web", "idle")->state == InstanceState::Stopped);
    CHECK(m.find("web", "busy")->state == InstanceState::Running);  // lease held
    CHECK(d.stops == 1);
    CHECK(d.removes == 1);
    busy.value().release();
    CHECK(m.reap_once() == 0);  // just released: idle time starts now
    clock.advance(std::chrono::minutes(10));
    CHECK(m.reap_once() == 1);
    // a request after sleeping starts a new instance
    auto again = m.acquire(a, "idle");
    REQUIRE(again);
    auto info = m.find("web", "idle");
    CHECK(info->state == InstanceState::Running);
    CHECK(info->start_count == 2);
}

TEST_CASE("instances: max_instances refuses with 503 and a Retry-After hint") {
    FakeDriver d;
    FakeClock clock;
    InstanceManager m(d, clock);
    auto a = app("web", 2, std::chrono::seconds(60));
    // both instances busy (a request in flight each): nothing can make room
    auto l1 = m.acquire(a, "t1");
    REQUIRE(l1);
    clock.advance(std::chrono::seconds(20));
    auto l2 = m.acquire(a, "t2");
    REQUIRE(l2);
    auto third = m.acquire(a, "t3");
    REQUIRE_FALSE(third);
    CHECK(third.error().http_status == 503);
    CHECK(third.error().message.find("max_instances (2)") != std::string::npos);
    REQUIRE(third.error().api_errors.size() == 1);
    CHECK(third.error().api_errors[0].message == "retry_after");
    CHECK(third.error().api_errors[0].code == 40);  // t1 sleeps in 40 s
    // another application is not affected
    CHECK(m.acquire(app("other", 1), "t3").ok());
    // once t1 sleeps, t3 fits
    l1->release();
    l2->release();
    clock.advance(std::chrono::seconds(41));
    m.reap_once();
    CHECK(m.acquire(a, "t3").ok());
}

TEST_CASE("hardening #6: made-up tenant ids cannot hold every max_instances slot") {
    FakeDriver d;
    FakeClock clock;
    InstanceManager m(d, clock);
    auto a = app("web", 5, std::chrono::seconds(600));
    for (int i = 1; i <= 5; ++i) REQUIRE(m.acquire(a, "junk" + std::to_string(i)).ok());  // leases released at once
    // just used: still refused (no thrashing between tenants that are actually in use)
    auto early = m.acquire(a, "real");
    REQUIRE_FALSE(early);
    CHECK(early.error().http_status == 503);
    // idle past k_router_min_idle_before_eviction: the least recently used one makes room
    clock.advance(std::chrono::seconds(6));
    auto real = m.acquire(a, "real");
    REQUIRE(real);
    CHECK(m.find(a.id, "junk1")->state == InstanceState::Stopped);
    CHECK(m.find(a.id, "junk2")->state == InstanceState::Running);
}

TEST_CASE("instances: crash, restart, stop by id") {
    FakeDriver d;
    FakeClock clock;
    InstanceManager m(d, clock);
    auto a = app();
    std::string first;
    {
        auto l = m.acquire(a, "t");
        REQUIRE(l);
        first = l->instance_id();
    }
    auto info = m.find("web", "t");
    d.crash(info->container_id);
    CHECK(m.report_unreachable(first));
    CHECK(m.find("web", "t")->state == InstanceState::Failed);
    std::string second;
    {
        auto l = m.acquire(a, "t");
        REQUIRE(l);
        second = l->instance_id();
    }
    CHECK(second != first);
    // a running container is not declared dead
    CHECK_FALSE(m.report_unreachable(second));
    // restart: a new instance right away
    auto r = m.restart(a, "t");
    REQUIRE(r);
    CHECK(r->state == InstanceState::Running);
    CHECK(r->id != second);
    CHECK(r->start_count == 3);
    // stop by id
    CHECK(m.stop_instance(r->id).ok());
    CHECK(m.find("web", "t")->state == InstanceState::Stopped);
    CHECK(m.stop_instance("nope").error().kind == ErrorKind::NotFound);
    // the list shows real states
    auto all = m.list("web");
    REQUIRE(all.size() == 1);
    CHECK(std::string(to_string(all[0].state)) == "stopped");
    CHECK(m.stop_all().ok());
}

TEST_CASE("instances: static_apps resolves by id or name, and the only application by default") {
    auto one = static_apps({app("web")});
    CHECK(one("")->id == "web");
    CHECK(one("web"));
    CHECK_FALSE(one("nope"));
    auto two = static_apps({app("web"), app("api")});
    CHECK_FALSE(two(""));
    CHECK(two("api")->id == "api");
    auto def = static_apps({app("web"), app("api")}, "api");
    CHECK(def("")->id == "api");
}

TEST_CASE("router: FileMetadataStore round-trips JSON per tenant") {
    auto dir = std::filesystem::temp_directory_path() / ("tenantctl-meta-" + random_hex(4));
    FileMetadataStore s(dir.string());
    CHECK(s.get("web", "a").value() == nlohmann::json::object());
    REQUIRE(s.put("web", "a", {{"plan", "pro"}}).ok());
    CHECK(s.get("web", "a").value()["plan"] == "pro");
    CHECK(s.get("web", "b").value() == nlohmann::json::object());
    std::filesystem::remove_all(dir);
}

TEST_CASE("router: _status JSON") {
    auto a = app();
    auto j = RouterServer::status_json(a, "t", std::nullopt);
    CHECK(j["running"] == false);
    CHECK(j["state"] == "stopped");
    CHECK(j["start_count"] == 0);
    InstanceInfo info;
    info.id = "abc";
    info.state = InstanceState::Running;
    info.start_count = 2;
    info.started_at = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
    j = RouterServer::status_json(a, "t", info);
    CHECK(j["running"] == true);
    CHECK(j["instance_id"] == "abc");
    CHECK(j["started_at"] == "2023-11-14T22:13:20Z");
    CHECK(j["image"] == a.image);
}

TEST_CASE("dev integration: application documents become AppSpecs, instances become Instance JSON") {
    auto doc = nlohmann::json::parse(R"({"id":"a1b2","name":"shop","max_instances":5,
        "configuration":{"image":"127.0.0.1:5000/shop:v2","sleep_after":"2m","port":9000,
                         "environment_variables":[{"name":"MODE","value":"dev"},{"name":"bad"}]}})");
    auto a = app_spec_from_json(doc);
    REQUIRE(a);
    CHECK(a->id == "a1b2");
    CHECK(a->name == "shop");
    CHECK(a->image == "127.0.0.1:5000/shop:v2");
    CHECK(a->max_instances == 5);
    CHECK(a->sleep_after == std::chrono::seconds(120));
    CHECK(a->port == 9000);
    CHECK(a->env.size() == 1);
    CHECK(a->env.at("MODE") == "dev");
    CHECK_FALSE(app_spec_from_json(nlohmann::json::parse(R"({"id":"x","configuration":{}})")));
    CHECK_FALSE(app_spec_from_json(nlohmann::json::parse(R"({"configuration":{"image":"i"}})")));
    auto d = app_spec_from_json(nlohmann::json::parse(R"({"id":"x","configuration":{"image":"i"}})"));
    REQUIRE(d);
    CHECK(d->sleep_after == std::chrono::minutes(10));  // the default
    CHECK(parse_duration("30s") == std::chrono::seconds(30));
    CHECK(parse_duration("2h") == std::chrono::seconds(7200));
    CHECK(parse_duration(45) == std::chrono::seconds(45));
    CHECK_FALSE(parse_duration("ten minutes"));
    CHECK_FALSE(parse_duration(-1));
    CHECK_FALSE(parse_duration("m"));

    InstanceInfo info;
    info.id = "abc";
    info.app_id = "a1b2";
    info.tenant_id = "t1";
    info.state = InstanceState::Running;
    info.port = 1234;
    info.started_at = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
    auto j = instance_json(info, "shop");
    CHECK(j["id"] == "abc");
    CHECK(j["application_id"] == "a1b2");
    CHECK(j["name"] == "shop-t1");
    CHECK(j["status"]["state"] == "running");
    CHECK(j["status"]["updated_at"] == "2023-11-14T22:13:20Z");
    info.state = InstanceState::Failed;
    info.last_error = "exited with code 1";
    j = instance_json(info, "shop");
    CHECK(j["status"]["state"] == "failed");
    CHECK(j["status"]["last_error"] == "exited with code 1");
    CHECK_FALSE(j.contains("port"));
}
