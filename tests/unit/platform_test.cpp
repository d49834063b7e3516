// Unit tests for lib/platform: the multipart parser, query/tag helpers, and the Api in-process on an
// in-memory store (no sockets), plus the Server on an ephemeral port.
#include <doctest/doctest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <future>
#include <nlohmann/json.hpp>

#include "platform/api.hpp"
#include "platform/multipart.hpp"
#include "platform/server.hpp"
#include "platform/store.hpp"

using namespace tenantctl;
using namespace tenantctl::platform;
using nlohmann::json;

namespace {

struct Fixture {
    std::unique_ptr<Store> store = std::move(Store::open(":memory:").value());
    Credentials creds{"0123456789abcdef0123456789abcdef", "test-token-123456", "dev@localhost"};
    Api api{*store, creds, ApiOptions{}};

    HttpResponse call(const std::string& method, const std::string& path, const std::string& body = {},
                      const std::string& ct = "application/json", bool auth = true) {
        HttpRequest r;
        r.method = method;
        r.target = "/client/v4" + path;
        if (auth) r.headers["authorization"] = "Bearer " + creds.api_token;
        if (!body.empty()) r.headers["content-type"] = ct;
        r.body = body;
        return api.handle(r);
    }
    std::string acct() const { return "/accounts/" + creds.account_id; }
};

std::string upload_body(const std::string& tags) {
    return "--b\r\nContent-Disposition: form-data; name=\"metadata\"\r\nContent-Type: application/json\r\n\r\n"
           "{\"main_module\":\"a.js\",\"tags\":" +
           tags +
           "}\r\n--b\r\nContent-Disposition: form-data; name=\"a.js\"; filename=\"a.js\"\r\n"
           "Content-Type: application/javascript+module\r\n\r\nexport default {}\r\n--b--\r\n";
}

// A container runtime that notes each call made while the store was locked: another thread asks for a read
// transaction and waits up to 2 s for it.
struct LockProbeRuntime final : ContainerRuntime {
    Store* store = nullptr;
    std::vector<std::string> calls, calls_in_transaction;
    std::vector<std::future<void>> probes;  // a probe still waiting for the lock gets it after the request

    void probe(const std::string& call) {
        calls.push_back(call);
        auto f = std::async(std::launch::async, [this] { store->transaction(false, [] { return false; }); });
        if (f.wait_for(std::chrono::seconds(2)) != std::future_status::ready) calls_in_transaction.push_back(call);
        probes.push_back(std::move(f));
    }
    std::vector<json> list_instances(const json&) override {
        probe("list_instances");
        return {{{"id", "i-1"}, {"name", "i-1"}, {"status", {{"state", "running"}}}}};
    }
    Status stop_instance(const json&, const std::string&) override {
        probe("stop_instance");
        return ok_status();
    }
    Result<json> instance_logs(const json&, const std::string& id, const InstanceLogsQuery&) override {
        probe("instance_logs");
        return json{{"instance_id", id}, {"logs", json::array()}, {"truncated", false}};
    }
    void rollout_created(const json&, const json&) override { probe("rollout_created"); }
    void application_deleted(const std::string&) override { probe("application_deleted"); }
};

}  // namespace

TEST_CASE("platform: multipart parses parts with names, filenames and types") {
    std::string body =
        "preamble\r\n--xyz\r\nContent-Disposition: form-data; name=\"metadata\"\r\nContent-Type: "
        "application/json\r\n\r\n"
        "{\"a\":1}\r\n--xyz\r\ncontent-disposition: form-data; name=\"m.js\"; filename=\"m.js\"\r\n\r\n"
        "line1\r\nline2\r\n--xyz--\r\n";
    auto r = parse_multipart("multipart/form-data; boundary=\"xyz\"", body);
    REQUIRE(r.ok());
    REQUIRE(r->size() == 2);
    CHECK((*r)[0].name == "metadata");
    CHECK((*r)[0].content_type == "application/json");
    CHECK((*r)[0].body == "{\"a\":1}");
    CHECK((*r)[1].filename == "m.js");
    CHECK((*r)[1].body == "line1\r\nline2");
}

TEST_CASE("platform: multipart refuses malformed bodies with a message") {
    CHECK_FALSE(parse_multipart("application/json", "x").ok());
    CHECK_FALSE(parse_multipart("multipart/form-data", "x").ok());
    CHECK_FALSE(
        parse_multipart("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx")
            .ok());
    CHECK_FALSE(parse_multipart("multipart/form-data; boundary=b", "--b\r\nX: y\r\n\r\nx\r\n--b--").ok());
    CHECK_FALSE(
        parse_multipart("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--")
            .ok());
    auto e = parse_multipart("multipart/form-data; boundary=b", "nothing here");
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().message.find("malformed multipart") == 0);
}

TEST_CASE("platform: query and tag filter helpers") {
    auto q = parse_query("tags=a%3Ayes%2Cb%3Ano&limit=5&x");
    CHECK(q["tags"] == "a:yes,b:no");
    CHECK(q["limit"] == "5");
    CHECK(q.count("x") == 1);
    auto f = parse_tag_filter("a:yes,b:no");
    REQUIRE(f.ok());
    CHECK(f->size() == 2);
    CHECK((*f)[1] == std::make_pair(std::string("b"), false));
    CHECK_FALSE(parse_tag_filter("a:maybe").ok());
    CHECK(valid_account_script_name("my-worker_1"));
    CHECK_FALSE(valid_account_script_name("My-Worker"));
    CHECK_FALSE(valid_account_script_name("-x"));
}

TEST_CASE("platform: api envelopes, auth and routing errors") {
    Fixture f;
    auto r = f.call("GET", "/user/tokens/verify", "", "", false);
    CHECK(r.status == 401);
    CHECK(json::parse(r.body)["errors"][0]["code"] == 10000);
    r = f.call("GET", "/no/such/route");
    CHECK(r.status == 404);
    CHECK(json::parse(r.body)["errors"][0]["code"] == 7003);
    r = f.call("DELETE", "/user/tokens/verify");
    CHECK(r.status == 405);
    r = f.call("POST", f.acct() + "/workers/dispatch/namespaces", "{bad json");
    CHECK(r.status == 400);
    CHECK(json::parse(r.body)["success"] == false);
}

TEST_CASE("platform: scripts with tags, tag limit, filter and bulk delete") {
    Fixture f;
    REQUIRE(f.call("POST", f.acct() + "/workers/dispatch/namespaces", R"({"name":"ns"})").status == 200);
    const std::string mp = "multipart/form-data; boundary=b";
    CHECK(f.call("PUT", f.acct() + "/workers/dispatch/namespaces/ns/scripts/s1", upload_body(R"(["t1","x"])"), mp)
              .status == 200);
    CHECK(f.call("PUT", f.acct() + "/workers/dispatch/namespaces/ns/scripts/s2", upload_body(R"(["t1"])"), mp).status ==
          200);
    auto r = f.call("PUT", f.acct() + "/workers/dispatch/namespaces/ns/scripts/s3",
                    upload_body(R"(["1","2","3","4","5","6","7","8","9"])"), mp);
    CHECK(r.status == 400);
    r = f.call("GET", f.acct() + "/workers/dispatch/namespaces/ns/scripts?tags=t1:yes,x:no");
    auto j = json::parse(r.body);
    REQUIRE(j["result"].size() == 1);
    CHECK(j["result"][0]["script"]["id"] == "s2");
    r = f.call("DELETE", f.acct() + "/workers/dispatch/namespaces/ns/scripts?tags=t1:yes&limit=1");
    j = json::parse(r.body);
    CHECK(j["result"]["deleted_count"] == 1);
    CHECK(j["result"]["has_more"] == true);
    r = f.call("GET", f.acct() + "/workers/dispatch/namespaces/ns/scripts/zzz");
    CHECK(r.status == 404);
    CHECK(json::parse(r.body)["errors"][0]["code"] == 10092);
}

TEST_CASE("platform: secrets are stored but never returned") {
    Fixture f;
    REQUIRE(f.call("POST", f.acct() + "/workers/dispatch/namespaces", R"({"name":"ns"})").status == 200);
    REQUIRE(f.call("PUT", f.acct() + "/workers/dispatch/namespaces/ns/scripts/s", upload_body("[]"),
                   "multipart/form-data; boundary=b")
                .status == 200);
    auto r = f.call("PUT", f.acct() + "/workers/dispatch/namespaces/ns/scripts/s/secrets",
                    R"({"name":"K","text":"very-secret-value","type":"secret_text"})");
    CHECK(r.status == 200);
    CHECK(r.body.find("very-secret-value") == std::string::npos);
    r = f.call("GET", f.acct() + "/workers/dispatch/namespaces/ns/scripts/s/secrets");
    CHECK(r.body.find("very-secret-value") == std::string::npos);
    CHECK(json::parse(r.body)["result"][0]["name"] == "K");
}

TEST_CASE("platform: server answers on an ephemeral port and stops") {
    Fixture f;
    ServerOptions o;
    o.port = 0;
    o.threads = 2;
    Server s(f.api, o);
    REQUIRE(s.start().ok());
    REQUIRE(s.port() != 0);
    namespace http = boost::beast::http;
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket sock(ioc);
    sock.connect({boost::asio::ip::make_address("127.0.0.1"), s.port()});
    http::request<http::string_body> req(http::verb::get, "/client/v4/user/tokens/verify", 11);
    req.set(http::field::host, "127.0.0.1");
    req.set(http::field::authorization, "Bearer " + f.creds.api_token);
    http::write(sock, req);
    boost::beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(sock, buf, res);
    CHECK(res.result_int() == 200);
    CHECK(json::parse(res.body())["result"]["status"] == "active");
    s.stop();
}

TEST_CASE("platform: parse_listen") {
    CHECK(parse_listen("127.0.0.1:0").ok());
    CHECK(parse_listen("127.0.0.1:8787")->second == 8787);
    CHECK_FALSE(parse_listen("localhost").ok());
    CHECK_FALSE(parse_listen("127.0.0.1:99999").ok());
}

TEST_CASE(
    "platform: container instances are read, and rollouts and deletes notify the runtime, after the store "
    "transaction") {
    auto store = std::move(Store::open(":memory:").value());
    auto runtime = std::make_shared<LockProbeRuntime>();
    runtime->store = store.get();
    Credentials creds{"0123456789abcdef0123456789abcdef", "test-token-123456", "dev@localhost"};
    Api api{*store, creds, ApiOptions{}, runtime};
    auto call = [&](const std::string& method, const std::string& path, const std::string& body = {}) {
        HttpRequest r;
        r.method = method;
        r.target = "/client/v4/accounts/" + creds.account_id + "/containers" + path;
        r.headers["authorization"] = "Bearer " + creds.api_token;
        if (!body.empty()) r.headers["content-type"] = "application/json";
        r.body = body;
        return api.handle(r);
    };
    auto created = call("POST", "/applications", R"({"name":"web","instances":1,"configuration":{"image":"web:1"}})");
    REQUIRE(created.status == 201);
    std::string app = "/applications/" + json::parse(created.body)["result"]["id"].get<std::string>();

    auto listed = call("GET", app + "/instances-v2?state=active");
    CHECK(listed.status == 200);
    CHECK(json::parse(listed.body)["result"].size() == 1);
    auto dash = call("GET", "/dash/applications");
    CHECK(dash.status == 200);
    CHECK(json::parse(dash.body)["result"][0]["health"]["instances"]["active"] == 1);
    CHECK(call("GET", "/dash" + app + "/instances").status == 200);
    CHECK(call("GET", app + "/instances/i-1").status == 200);
    CHECK(call("GET", app + "/instances/i-2").status == 404);
    CHECK(call("GET", app + "/instances/i-1/logs?tail=10").status == 200);
    CHECK(call("DELETE", app + "/instances/i-1").status == 200);
    CHECK(call("GET", "/applications/nope/instances/i-1/logs").status == 404);
    auto rollout = call("POST", app + "/rollouts",
                        R"({"description":"restart","strategy":"new_instances","target_configuration":{}})");
    CHECK(rollout.status == 201);
    CHECK(json::parse(rollout.body)["result"]["strategy"] == "new_instances");
    CHECK(call("GET", app + "/rollouts").status == 200);
    CHECK(call("DELETE", app).status == 200);
    CHECK(call("GET", app).status == 404);

    CHECK(runtime->calls.size() == 9);
    CHECK(runtime->calls_in_transaction.empty());
}
