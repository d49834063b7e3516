// Unit tests for lib/runtime: the workerd configuration generator (pure), the storage service's KV / R2 / D1
// protocols on an in-memory store, and the store's change listener the supervisor relies on. Running the
// generated configuration in workerd is the runtime_dispatcher integration test's job.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "platform/d1.hpp"
#include "platform/kinds.hpp"
#include "platform/store.hpp"
#include "runtime/model.hpp"
#include "runtime/storage.hpp"
#include "runtime/workerd_config.hpp"
#include "runtime/workerd_process.hpp"
#include "support/test_fs.hpp"

using namespace tenantctl;
using namespace tenantctl::runtime;
using nlohmann::json;

namespace {

Script script(const std::string& key, const std::string& name, const std::string& ns, json bindings) {
    Script s;
    s.key = key;
    s.name = name;
    s.ns = ns;
    s.etag = "e-" + name;
    s.main = "index.js";
    s.modules = {{"index.js", "esModule", "export default {}"}};
    s.compatibility_date = "2030-01-01";
    s.bindings = std::move(bindings);
    return s;
}

platform::HttpRequest req(const std::string& method, const std::string& target, const std::string& binding,
                          const std::string& body = {}) {
    platform::HttpRequest r;
    r.method = method;
    r.target = target;
    r.headers["x-tenantctl-binding"] = binding;
    r.headers["x-tenantctl-token"] = "tok";
    r.body = body;
    return r;
}

}  // namespace

TEST_CASE("capnp_string escapes quotes, backslashes and control bytes") {
    CHECK(capnp_string("a\"b\\c\nd\x01") == "\"a\\\"b\\\\c\\nd\\x01\"");
    CHECK(capnp_string("ünïcode") == "\"ünïcode\"");
}

TEST_CASE("route patterns match as Cloudflare's do: leading * on the host, trailing * on the path") {
    CHECK(route_matches("shop.example.com/*", "shop.example.com", "/a/b"));
    CHECK_FALSE(route_matches("shop.example.com/*", "api.example.com", "/"));
    CHECK(route_matches("*.example.com/api/*", "x.example.com", "/api/v1"));
    CHECK_FALSE(route_matches("*.example.com/api/*", "x.example.com", "/web"));
    CHECK(route_matches("Example.com/exact", "example.com", "/exact"));
    CHECK_FALSE(route_matches("example.com/exact", "example.com", "/exact/more"));
}

TEST_CASE("a refused start is blamed on the scripts workerd names, else the changed ones, else all") {
    Script a = script("ns/a", "a", "ns", json::array()), b = script("ns/b", "b", "ns", json::array());
    const std::vector<const Script*> both{&a, &b};
    const std::map<std::string, std::string> b_ran{{"ns/b", "e-b"}}, both_ran{{"ns/a", "e-a"}, {"ns/b", "e-b"}};
    const std::map<std::string, std::string> named{{"ns/b", "Uncaught x"}};
    for (auto blame : {StartBlame::Named, StartBlame::NamedElseChanged, StartBlame::NamedElseChangedElseAll})
        CHECK(start_failures(named, both, b_ran, "whole", blame) == named);
    CHECK(start_failures({}, both, b_ran, "whole", StartBlame::Named).empty());
    using Blamed = std::map<std::string, std::string>;
    CHECK(start_failures({}, both, b_ran, "whole", StartBlame::NamedElseChanged) == Blamed{{"ns/a", "whole"}});
    CHECK(start_failures({}, both, both_ran, "whole", StartBlame::NamedElseChanged).empty());
    CHECK(start_failures({}, both, both_ran, "whole", StartBlame::NamedElseChangedElseAll) ==
          Blamed{{"ns/a", "whole"}, {"ns/b", "whole"}});
    b.etag = "e-b2";  // changed since it ran
    CHECK(start_failures({}, both, both_ran, "whole", StartBlame::NamedElseChangedElseAll) ==
          Blamed{{"ns/b", "whole"}});
}

TEST_CASE("the front binds a dispatch namespace to exactly its scripts' ports; a tenant runs alone with its storage") {
    Model m;
    m.scripts.push_back(script("w:disp", "disp", "",
                               json::array({{{"type", "dispatch_namespace"}, {"name", "NS"}, {"namespace", "c"}},
                                            {{"type", "secret_text"}, {"name", "KEY"}, {"text", "s3cr\"t"}},
                                            {{"type", "service"}, {"name", "GONE"}, {"service", "nope"}},
                                            {{"type", "queue"}, {"name", "Q"}, {"queue_name", "q"}}})));
    m.scripts.push_back(script("n:c:t1", "t1", "c",
                               json::array({{{"type", "kv_namespace"}, {"name", "KV"}, {"namespace_id", "k1"}},
                                            {{"type", "r2_bucket"}, {"name", "B"}, {"bucket_name", "b1"}},
                                            {{"type", "d1"}, {"name", "DB"}, {"id", "d-1"}},
                                            {{"type", "service"}, {"name", "D"}, {"service", "disp"}}})));
    m.scripts.push_back(script("n:other:t2", "t2", "other", json::array()));
    m.namespaces["c"] = {"n:c:t1"};
    m.namespaces["other"] = {"n:other:t2"};
    GenOptions o;
    o.storage_address = "127.0.0.1:1";
    o.storage_token = "tok";
    o.max_compat_date = "2026-11-17";
    o.do_storage_dir = "/tmp/do";
    o.tenant_ports = {{"n:c:t1", 4001}, {"n:other:t2", 4002}};
    o.front_port = 4000;
    Generated f = generate_front(m, o);
    CHECK(f.config.find("(name = \"s:t1\", service = \"n:c:t1\")") != std::string::npos);
    CHECK(f.config.find("\"s:t2\"") == std::string::npos);  // another namespace's script is not reachable
    CHECK(f.config.find("address = \"127.0.0.1:4001\", http = (capnpConnectHost = \"tenant\")") != std::string::npos);
    CHECK(f.config.find("kvNamespace") == std::string::npos);  // tenants' storage is not in the front
    CHECK(f.config.find("text = \"s3cr\\\"t\"") != std::string::npos);
    CHECK(f.config.find("compatibilityDate = \"2026-11-17\"") != std::string::npos);  // clamped
    CHECK(f.config.find("missing:w:nope") != std::string::npos);
    REQUIRE(f.warnings.size() == 2);
    CHECK(f.warnings[1].find("queue binding Q is not supported locally") != std::string::npos);
    CHECK(f.loaded == std::vector<std::string>{"w:disp"});

    Generated t = generate_tenants(m, {&m.scripts[1]}, o);
    CHECK(t.config.find("kvNamespace = \"kv:k1\"") != std::string::npos);
    CHECK(t.config.find("r2Bucket = \"r2:b1\"") != std::string::npos);
    CHECK(t.config.find("cloudflare-internal:d1-api") != std::string::npos);
    CHECK(t.config.find("(name = \"host\", value = \"disp.localhost\")") != std::string::npos);
    CHECK(t.config.find("__tenantctl_entry.js") != std::string::npos);  // the limits shim comes first
    CHECK(t.config.find("\"nodejs_als\"") != std::string::npos);
    CHECK(t.config.find("\"t2\"") == std::string::npos);
    REQUIRE(t.files.count("scripts/e-t1/entry.js") == 1);
    CHECK(t.files["scripts/e-t1/entry.js"].find("from \"./index.js\"") != std::string::npos);
    CHECK(t.config.find("tenantctl:hold") == std::string::npos);  // no hold unless asked

    // The socket "hold" (a draining process waits for its request), in both kinds of process when asked.
    o.hold = true;
    for (const Generated& h : {generate_front(m, o), generate_tenants(m, {&m.scripts[1]}, o)}) {
        CHECK(h.config.find(", (name = \"hold\", http = (), service = \"tenantctl:hold\")],") != std::string::npos);
        CHECK(h.config.find("(name = \"tenantctl:hold\", worker = (modules = [(name = \"hold.js\"") !=
              std::string::npos);
        REQUIRE(h.files.count("internal/hold.js") == 1);
        CHECK(h.files.at("internal/hold.js").find("request.arrayBuffer()") != std::string::npos);
    }
    o.hold = false;

    o.broken = {"w:disp"};
    o.broken_reason["w:disp"] = "Uncaught SyntaxError";
    Generated b = generate_front(m, o);
    CHECK(b.loaded.empty());
    CHECK(b.config.find("failed to start: Uncaught SyntaxError") != std::string::npos);
}

TEST_CASE("storage service: KV protocol on the platform's rows, isolated by binding") {
    auto store = std::move(platform::Store::open(":memory:").value());
    StorageService s(*store, "acct", "/nonexistent", "tok");
    std::vector<std::string> created;
    s.on_created = [&](const std::string& w) { created.push_back(w); };

    auto bad = req("GET", "/k?urlencoded=true", "kv:ns1");
    bad.headers["x-tenantctl-token"] = "wrong";
    CHECK(s.check_head(bad).response->status == 401);
    CHECK(s.handle(bad).status == 401);

    auto put = req("PUT", "/a%2Fb?urlencoded=true&expiration_ttl=120", "kv:ns1", "v1");
    put.headers["cf-kv-metadata"] = R"({"m":1})";
    CHECK(s.handle(put).status == 200);
    REQUIRE(created.size() == 1);
    CHECK(created[0] == "kv namespace ns1");
    auto got = s.handle(req("GET", "/a%2Fb?urlencoded=true", "kv:ns1"));
    CHECK(got.status == 200);
    CHECK(got.body == "v1");
    bool meta = false;
    for (auto& [k, v] : got.headers) meta = meta || (k == "CF-KV-Metadata" && v == R"({"m":1})");
    CHECK(meta);
    CHECK(s.handle(req("GET", "/a%2Fb?urlencoded=true", "kv:ns2")).status == 404);  // another namespace
    CHECK(s.handle(req("PUT", "/x?urlencoded=true&expiration_ttl=5", "kv:ns1", "v")).status == 400);

    auto list = json::parse(s.handle(req("GET", "/?key_count_limit=10&prefix=a", "kv:ns1")).body);
    REQUIRE(list["keys"].size() == 1);
    CHECK(list["keys"][0]["name"] == "a/b");
    CHECK(list["keys"][0]["metadata"] == R"({"m":1})");
    CHECK(list["list_complete"] == true);

    auto bulk = json::parse(s.handle(req("POST", "/bulk/get", "kv:ns1", R"({"keys":["a/b","zz"]})")).body);
    CHECK(bulk["a/b"] == "v1");
    CHECK(bulk["zz"].is_null());
    CHECK(s.handle(req("DELETE", "/a%2Fb?urlencoded=true", "kv:ns1")).status == 200);
    CHECK(s.handle(req("GET", "/a%2Fb?urlencoded=true", "kv:ns1")).status == 404);
}

TEST_CASE("storage service: R2 put, get with a range, list with a delimiter, delete") {
    auto store = std::move(platform::Store::open(":memory:").value());
    StorageService s(*store, "acct", "/nonexistent", "tok");
    auto put = [&](const std::string& key, const std::string& value) {
        std::string meta =
            json{{"version", 1}, {"method", "put"}, {"object", key}, {"httpFields", {{"contentType", "text/plain"}}}}
                .dump();
        auto r = req("PUT", "/", "r2:b", meta + value);
        r.headers["cf-r2-metadata-size"] = std::to_string(meta.size());
        return s.handle(r);
    };
    auto read = [&](const json& rq) {
        auto r = req("GET", "/", "r2:b");
        r.headers["cf-r2-request"] = rq.dump();
        return s.handle(r);
    };
    CHECK(put("dir/a.txt", "hello world").status == 200);
    CHECK(put("top.txt", "x").status == 200);
    auto g = read({{"version", 1}, {"method", "get"}, {"object", "dir/a.txt"}, {"range", {{"offset", 6}}}});
    REQUIRE(g.status == 200);
    std::string msize;
    for (auto& [k, v] : g.headers)
        if (k == "cf-r2-metadata-size") msize = v;
    size_t n = std::stoul(msize);
    auto meta = json::parse(g.body.substr(0, n));
    CHECK(meta["size"] == 11);
    CHECK(meta["httpFields"]["contentType"] == "text/plain");
    CHECK(g.body.substr(n) == "world");
    auto miss = read({{"version", 1}, {"method", "head"}, {"object", "nope"}});
    CHECK(miss.status == 404);
    auto l = json::parse(read({{"version", 1}, {"method", "list"}, {"delimiter", "/"}}).body);
    CHECK(l["objects"].size() == 1);
    CHECK(l["delimitedPrefixes"] == json::array({"dir/"}));
    std::string del = json{{"version", 1}, {"method", "delete"}, {"object", "top.txt"}}.dump();
    auto d = req("PUT", "/", "r2:b", del);
    d.headers["cf-r2-metadata-size"] = std::to_string(del.size());
    CHECK(s.handle(d).status == 200);
    CHECK(read({{"version", 1}, {"method", "head"}, {"object", "top.txt"}}).status == 404);
    // The rows are the platform's: another bucket does not see them.
    auto other = req("GET", "/", "r2:c");
    other.headers["cf-r2-request"] = json{{"version", 1}, {"method", "head"}, {"object", "dir/a.txt"}}.dump();
    CHECK(s.handle(other).status == 404);
}

TEST_CASE("storage service: D1 statements, parameters and an atomic batch in the database's own file") {
    testing::TempDir dir;
    auto store = std::move(platform::Store::open(":memory:").value());
    StorageService s(*store, "acct", dir.str(), "tok");
    auto q = [&](const json& body, const std::string& fmt = "ROWS_AND_COLUMNS") {
        return json::parse(s.handle(req("POST", "/query?resultsFormat=" + fmt, "d1:db1", body.dump())).body);
    };
    CHECK(q({{"sql", "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)"}}, "NONE")["success"] == true);
    auto ins = q({{"sql", "INSERT INTO t (name) VALUES (?1)"}, {"params", {"ann"}}});
    CHECK(ins["meta"]["changes"] == 1);
    auto sel = q({{"sql", "SELECT id, name FROM t WHERE name = ?"}, {"params", {"ann"}}});
    CHECK(sel["results"]["columns"] == json::array({"id", "name"}));
    CHECK(sel["results"]["rows"] == json::array({json::array({1, "ann"})}));
    auto batch =
        q(json::array({{{"sql", "INSERT INTO t (name) VALUES ('bob')"}}, {{"sql", "INSERT INTO nope VALUES (1)"}}}));
    CHECK(batch[0]["success"] == false);
    CHECK(q({{"sql", "SELECT count(*) AS n FROM t"}})["results"]["rows"][0][0] == 1);  // rolled back
    CHECK(std::filesystem::exists(platform::d1_database_path(dir.str(), "db1")));
}

TEST_CASE("the store tells its listener which kinds a committed transaction wrote, and nothing on rollback") {
    auto store = std::move(platform::Store::open(":memory:").value());
    std::vector<std::set<std::string>> seen;
    store->set_listener([&](const std::set<std::string>& k) { seen.push_back(k); });
    store->transaction(true, [&] {
        store->put("ws", "a", "x", json::object());
        store->put("kv", "n", "k", json::object());
        return true;
    });
    store->transaction(true, [&] {
        store->put("nss", "a", "x", json::object());
        return false;
    });
    store->transaction(false, [&] { return true; });
    REQUIRE(seen.size() == 1);
    CHECK(seen[0] == std::set<std::string>{"kv", "ws"});
}

TEST_CASE(
    "outbound workers: the dispatch binding signs a context; a tenant of that namespace goes out through "
    "its egress worker, which alone reaches the outbound worker's copy") {
    Model m;
    json with_out = {{"type", "dispatch_namespace"},
                     {"name", "NS"},
                     {"namespace", "c"},
                     {"outbound", {{"worker", {{"service", "egress"}}}, {"params", {{{"name", "customer"}}}}}}};
    m.scripts.push_back(script("w:disp", "disp", "",
                               json::array({with_out,
                                            {{"type", "dispatch_namespace"}, {"name", "RAW"}, {"namespace", "c"}},
                                            {{"type", "dispatch_namespace"}, {"name", "P"}, {"namespace", "plain"}}})));
    m.scripts.push_back(
        script("w:egress", "egress", "", json::array({{{"type", "secret_text"}, {"name", "TOKEN"}, {"text", "t0k"}}})));
    m.scripts.push_back(script("n:c:t1", "t1", "c", json::array()));
    m.scripts.push_back(script("n:plain:t2", "t2", "plain", json::array()));
    m.namespaces["c"] = {"n:c:t1"};
    m.namespaces["plain"] = {"n:plain:t2"};
    CHECK(m.outbounds("c") == std::set<std::string>{"egress"});
    CHECK(m.outbounds("plain").empty());
    Outbound o = binding_outbound(with_out);
    CHECK(o.service == "egress");
    CHECK(o.params == std::vector<std::string>{"customer"});
    CHECK(binding_outbound(json{{"type", "dispatch_namespace"}}).service.empty());

    GenOptions opt;
    opt.storage_address = "127.0.0.1:1";
    opt.outbound_secret = "s3cret";
    opt.tenant_ports = {{"n:c:t1", 4001}, {"n:plain:t2", 4002}};
    Generated f = generate_front(m, opt);
    // Both bindings to "c" sign (the one without an outbound worker names none); the one to "plain" does not.
    auto count = [](const std::string& hay, const std::string& needle) {
        size_t n = 0;
        for (size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
        return n;
    };
    CHECK(count(f.config, "(name = \"__key\", text = \"s3cret\")") == 2);
    CHECK(count(f.config, "(name = \"__outbound\", json = ") == 1);
    CHECK(f.config.find("\\\"params\\\":[\\\"customer\\\"]") != std::string::npos);
    CHECK(f.config.find("\\\"service\\\":\\\"egress\\\"") != std::string::npos);
    CHECK(f.warnings.empty());

    Generated t = generate_tenants(m, {&m.scripts[2]}, opt);
    CHECK(t.config.find("globalOutbound = \"tenantctl:egress:n:c:t1\"") != std::string::npos);
    CHECK(t.config.find("(name = \"TENANT\", text = \"n:c:t1\"), (name = \"KEY\", text = \"s3cret\"), "
                        "(name = \"o:egress\", service = \"o:egress\")") != std::string::npos);
    CHECK(t.config.find("(name = \"o:egress\", worker = (modules = [(name = \"__tenantctl_entry.js\", esModule = "
                        "embed \"scripts/e-egress/outbound.js\")") != std::string::npos);
    CHECK(t.config.find("globalOutbound = \"tenantctl:outbound-net\"") != std::string::npos);
    CHECK(t.config.find("network = (allow = [\"public\", \"127.0.0.0/8\"])") != std::string::npos);
    CHECK(t.config.find("text = \"t0k\"") != std::string::npos);  // the outbound worker's own bindings, in its copy
    // Only the egress worker binds the copy: the tenant's own worker block names neither the copy nor the key.
    std::string tenant_block = t.config.substr(0, t.config.find("(name = \"o:egress\", worker"));
    CHECK(tenant_block.find("o:egress") == std::string::npos);
    CHECK(tenant_block.find("s3cret") == std::string::npos);
    REQUIRE(t.files.count("scripts/e-t1/entry-egress.js") == 1);
    CHECK(t.files["scripts/e-t1/entry-egress.js"].find("const egress = true;") != std::string::npos);
    REQUIRE(t.files.count("scripts/e-egress/outbound.js") == 1);
    CHECK(t.files["scripts/e-egress/outbound.js"].find("x-tenantctl-params") != std::string::npos);
    CHECK(t.files.count("internal/egress.js") == 1);

    // A namespace no binding names an outbound worker for: as before, no egress at all.
    Generated p = generate_tenants(m, {&m.scripts[3]}, opt);
    CHECK(p.config.find("globalOutbound") == std::string::npos);

    // Several tenants in one process: a socket each; each egress worker knows its own tenant alone; the
    // outbound worker's copy is there once; a tenant without outbound workers keeps the network; a tenant that
    // failed to start is a stub with its reason.
    Script t3 = m.scripts[2];
    t3.key = "n:c:t3";
    t3.name = "t3";
    t3.etag = "e-t3";
    Script broken = m.scripts[3];
    broken.key = "n:plain:bad";
    broken.name = "bad";
    opt.broken = {"n:plain:bad"};
    opt.broken_reason["n:plain:bad"] = "Uncaught Error: boom";
    Generated k = generate_tenants(m, {&m.scripts[2], &m.scripts[3], &t3, &broken}, opt);
    CHECK(k.config.find("sockets = [(name = \"t0\", http = (capnpConnectHost = \"tenant\"), service = \"n:c:t1\"), "
                        "(name = \"t1\", http = (capnpConnectHost = \"tenant\"), service = \"n:plain:t2\"), "
                        "(name = \"t2\", http = (capnpConnectHost = \"tenant\"), service = \"n:c:t3\"), "
                        "(name = \"t3\", http = (capnpConnectHost = \"tenant\"), service = \"stub:n:plain:bad\")]") !=
          std::string::npos);
    CHECK(count(k.config, "(name = \"o:egress\", worker = ") == 1);
    CHECK(k.config.find("(name = \"tenantctl:egress:n:c:t1\", worker = (modules = [(name = \"egress.js\", esModule = "
                        "embed \"internal/egress.js\")], compatibilityDate = \"2024-09-01\", bindings = [(name = "
                        "\"TENANT\", text = \"n:c:t1\")") != std::string::npos);
    CHECK(k.config.find("(name = \"tenantctl:egress:n:c:t3\", worker = (modules = [(name = \"egress.js\", esModule = "
                        "embed \"internal/egress.js\")], compatibilityDate = \"2024-09-01\", bindings = [(name = "
                        "\"TENANT\", text = \"n:c:t3\")") != std::string::npos);
    CHECK(count(k.config, "globalOutbound = \"tenantctl:egress:") == 2);
    CHECK(count(k.config, "(name = \"tenantctl:outbound-net\", network") == 1);
    const size_t t2_at = k.config.find("(name = \"n:plain:t2\", worker = ");
    REQUIRE(t2_at != std::string::npos);
    const std::string t2_block = k.config.substr(t2_at, k.config.find("\n", t2_at) - t2_at);
    CHECK(t2_block.find("globalOutbound") == std::string::npos);
    CHECK(k.config.find("(name = \"n:plain:bad\", worker") == std::string::npos);
    CHECK(k.config.find("worker \\\"bad\\\" failed to start: Uncaught Error: boom") != std::string::npos);
    std::set<std::string> packed(k.loaded.begin(), k.loaded.end());
    CHECK(packed.count("n:c:t1") == 1);
    CHECK(packed.count("n:plain:bad") == 0);
    // The same upload (one etag) as a tenant with an egress worker and as one without, in one process: each
    // gets its own entry shim.
    Script same = m.scripts[2];
    same.key = "n:plain:t1";
    same.ns = "plain";
    Generated twice = generate_tenants(m, {&m.scripts[2], &same}, opt);
    REQUIRE(twice.files.count("scripts/e-t1/entry-egress.js") == 1);
    REQUIRE(twice.files.count("scripts/e-t1/entry.js") == 1);
    CHECK(twice.files["scripts/e-t1/entry-egress.js"].find("const egress = true;") != std::string::npos);
    CHECK(twice.files["scripts/e-t1/entry.js"].find("const egress = false;") != std::string::npos);
    CHECK(p.config.find("tenantctl:egress") == std::string::npos);
    CHECK(p.files["scripts/e-t2/entry.js"].find("const egress = false;") != std::string::npos);

    // An outbound worker that is not deployed: the front warns, and the tenant's egress has no copy to call.
    m.scripts.erase(m.scripts.begin() + 1);
    Generated f2 = generate_front(m, opt);
    REQUIRE(f2.warnings.size() == 1);
    CHECK(f2.warnings[0] ==
          "w:disp: dispatch namespace binding NS names the outbound worker egress, which does not exist or cannot "
          "run as one (its tenants' fetch() fails)");
    Generated t2 = generate_tenants(m, {&m.scripts[1]}, opt);
    CHECK(t2.config.find("globalOutbound = \"tenantctl:egress:n:c:t1\"") != std::string::npos);
    CHECK(t2.config.find("o:egress") == std::string::npos);
}

TEST_CASE("a tenant's service binding to an account worker: a copy in its process (RPC), else the front (fetch)") {
    Model m;
    m.scripts.push_back(script("w:auth", "auth", "",
                               json::array({{{"type", "kv_namespace"}, {"name", "USERS"}, {"namespace_id", "k-users"}},
                                            {{"type", "service"}, {"name", "AUDIT"}, {"service", "audit"}}})));
    m.scripts.push_back(script("w:audit", "audit", "", json::array()));
    m.scripts.push_back(
        script("w:rooms", "rooms", "",
               json::array({{{"type", "durable_object_namespace"}, {"name", "ROOM"}, {"class_name", "Room"}}})));
    m.scripts.push_back(
        script("n:c:t1", "t1", "c",
               json::array({{{"type", "service"}, {"name", "AUTH"}, {"service", "auth"}, {"entrypoint", "Api"}},
                            {{"type", "service"}, {"name", "ROOMS"}, {"service", "rooms"}}})));
    m.namespaces["c"] = {"n:c:t1"};
    GenOptions o;
    o.storage_address = "127.0.0.1:1";
    o.storage_token = "tok";
    o.do_storage_dir = "/tmp/do";
    o.tenant_ports = {{"n:c:t1", 4001}};
    o.front_port = 4000;
    Generated t = generate_tenants(m, {&m.scripts[3]}, o);
    CHECK(t.config.find("(name = \"AUTH\", service = (name = \"w:auth\", entrypoint = \"Api\"))") != std::string::npos);
    CHECK(t.config.find("(name = \"w:auth\", worker = ") != std::string::npos);
    CHECK(t.config.find("(name = \"w:audit\", worker = ") != std::string::npos);  // the copy's own target, too
    CHECK(t.config.find("kvNamespace = \"kv:k-users\"") != std::string::npos);    // the copy's storage
    CHECK(t.config.find("(name = \"host\", value = \"rooms.localhost\")") != std::string::npos);
    CHECK(t.config.find("(name = \"w:rooms\", worker = ") == std::string::npos);
    std::set<std::string> loaded(t.loaded.begin(), t.loaded.end());
    CHECK(loaded == std::set<std::string>{"n:c:t1", "w:auth", "w:audit"});
    REQUIRE(t.warnings.size() == 1);
    CHECK(t.warnings[0] ==
          "n:c:t1: service binding ROOMS reaches rooms over HTTP (fetch only, no JS RPC): that worker binds Durable "
          "Objects or a dispatch namespace");
}

TEST_CASE("inbound_connections counts the connections a process accepted on the given ports, from /proc") {
    auto l = listen_socket("127.0.0.1", 0);
    REQUIRE(l.ok());
    auto [lfd, port] = *l;
    CHECK(inbound_connections(::getpid(), {port}) == 0);
    int c = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    int accepted = -1;
    for (int i = 0; i < 100 && accepted < 0; ++i) {
        accepted = ::accept(lfd, nullptr, nullptr);
        if (accepted < 0) ::usleep(10000);
    }
    REQUIRE(accepted >= 0);
    // The accepted end has the listening port as its own; the connecting end (an ephemeral port) does not count.
    CHECK(inbound_connections(::getpid(), {port}) == 1);
    CHECK(inbound_connections(::getpid(), {static_cast<uint16_t>(port + 1)}) == 0);
    ::close(accepted);
    CHECK(inbound_connections(::getpid(), {port}) == 0);
    ::close(c);
    ::close(lfd);
    CHECK(inbound_connections(999999999, {port}) == -1);  // no such process: unknown
}
