// Regression tests for issue #17 (hardening) that reach the local platform's Api in-process: pagination
// arithmetic, names that are not UTF-8, module blobs, and secret values that must never come back.
#include <doctest/doctest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/limits.hpp"
#include "core/strings.hpp"
#include "platform/api.hpp"
#include "platform/server.hpp"
#include "platform/store.hpp"

using namespace tenantctl;
using namespace tenantctl::platform;
using nlohmann::json;

namespace {

struct HardFixture {
    std::unique_ptr<Store> store = std::move(Store::open(":memory:").value());
    Credentials creds{"0123456789abcdef0123456789abcdef", "test-token-123456", "dev@localhost"};
    Api api{*store, creds, ApiOptions{}};

    HttpResponse call(const std::string& method, const std::string& path, const std::string& body = {},
                      const std::string& ct = "application/json") {
        HttpRequest r;
        r.method = method;
        r.target = "/client/v4" + path;
        r.headers["authorization"] = "Bearer " + creds.api_token;
        if (!body.empty()) r.headers["content-type"] = ct;
        r.body = body;
        return api.handle(r);
    }
    std::string acct() const { return "/accounts/" + creds.account_id; }
    std::string kv_namespace() {
        auto r = call("POST", acct() + "/storage/kv/namespaces", R"({"title":"t"})");
        REQUIRE(r.status == 200);
        return json::parse(r.body)["result"]["id"].get<std::string>();
    }
};

std::string part(const std::string& boundary, const std::string& name, const std::string& ct, const std::string& body,
                 bool file = true) {
    std::string escaped;
    for (char ch : name) {
        if (ch == '"' || ch == '\\') escaped += '\\';
        escaped += ch;
    }
    return "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + escaped + "\"" +
           (file ? "; filename=\"" + escaped + "\"" : std::string()) + "\r\nContent-Type: " + ct + "\r\n\r\n" + body +
           "\r\n";
}

// Sends a raw request head (and `body`, if any) and returns the status line's code, or 0 when the server
// closed the connection without an answer.
int raw_status(uint16_t port, const std::string& head, const std::string& body = {}) {
    namespace asio = boost::asio;
    asio::io_context ioc;
    asio::ip::tcp::socket sock(ioc);
    sock.connect({asio::ip::make_address("127.0.0.1"), port});
    boost::system::error_code ec;
    asio::write(sock, asio::buffer(head), ec);
    if (!body.empty()) asio::write(sock, asio::buffer(body), ec);
    std::string got;
    char buf[4096];
    while (got.find("\r\n") == std::string::npos) {
        size_t n = sock.read_some(asio::buffer(buf), ec);
        if (ec || n == 0) break;
        got.append(buf, n);
    }
    if (got.size() < 12) return 0;
    return std::stoi(got.substr(9, 3));
}

std::string last_body;  // the body of the last raw_response

int raw_response(uint16_t port, const std::string& head, const std::string& body = {}) {
    namespace asio = boost::asio;
    asio::io_context ioc;
    asio::ip::tcp::socket sock(ioc);
    sock.connect({asio::ip::make_address("127.0.0.1"), port});
    boost::system::error_code ec;
    asio::write(sock, asio::buffer(head), ec);
    if (!body.empty()) asio::write(sock, asio::buffer(body), ec);
    std::string got;
    char buf[65536];
    while (true) {
        size_t n = sock.read_some(asio::buffer(buf), ec);
        if (ec || n == 0) break;
        got.append(buf, n);
    }
    auto sep = got.find("\r\n\r\n");
    last_body = sep == std::string::npos ? std::string() : got.substr(sep + 4);
    if (got.size() < 12) return 0;
    return std::stoi(got.substr(9, 3));
}

}  // namespace

TEST_CASE("hardening #1: a huge page number is an empty page, not a crash (kv, d1, accounts, memberships, versions)") {
    HardFixture f;
    f.kv_namespace();
    for (std::string path : {f.acct() + "/storage/kv/namespaces", f.acct() + "/d1/database", std::string("/accounts"),
                             std::string("/memberships")}) {
        for (std::string page : {"999999999999999999", "184467440737095516", "2"}) {
            auto r = f.call("GET", path + "?page=" + page + "&per_page=50");
            INFO(path << " page " << page);
            REQUIRE(r.status == 200);
            auto j = json::parse(r.body);
            CHECK(j["result"].empty());
            CHECK(j["result_info"]["count"] == 0);
        }
    }
    // versions of an account script
    std::string b = "xb";
    std::string body = part(b, "metadata", "application/json", R"({"main_module":"a.js"})", false) +
                       part(b, "a.js", "application/javascript+module", "export default {}") + "--" + b + "--\r\n";
    REQUIRE(f.call("PUT", f.acct() + "/workers/scripts/w1", body, "multipart/form-data; boundary=" + b).status == 200);
    auto r = f.call("GET", f.acct() + "/workers/scripts/w1/versions?page=999999999999999999&per_page=100");
    REQUIRE(r.status == 200);
    CHECK(json::parse(r.body)["result"]["items"].empty());
    // the first page still has it
    r = f.call("GET", f.acct() + "/workers/scripts/w1/versions?page=1");
    CHECK(json::parse(r.body)["result"]["items"].size() == 1);
}

TEST_CASE("hardening #8: names that are not UTF-8 are refused with 400 and never break a listing") {
    HardFixture f;
    auto ns = f.kv_namespace();
    auto r = f.call("PUT", f.acct() + "/storage/kv/namespaces/" + ns + "/values/bad%ffkey", "v", "text/plain");
    CHECK(r.status == 400);
    CHECK(r.body.find("not valid UTF-8") != std::string::npos);
    REQUIRE(f.call("PUT", f.acct() + "/storage/kv/namespaces/" + ns + "/values/good%C3%A9", "v", "text/plain").status ==
            200);
    r = f.call("GET", f.acct() + "/storage/kv/namespaces/" + ns + "/keys");
    CHECK(r.status == 200);
    CHECK(f.call("GET", f.acct() + "/workers/scripts/bad%ff/settings").status == 400);
    CHECK(f.call("GET", f.acct() + "/storage/kv/namespaces/" + ns + "/keys?prefix=%ff").status == 400);
    // overlong and surrogate forms
    CHECK_FALSE(valid_utf8("\xC0\xAF"));
    CHECK_FALSE(valid_utf8("\xED\xA0\x80"));
    CHECK_FALSE(valid_utf8("\xF4\x90\x80\x80"));
    CHECK_FALSE(valid_utf8("\xE2\x82"));
    CHECK(valid_utf8("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));
}

TEST_CASE("hardening #9: a module containing the old fixed boundary, and names with quotes, read back intact") {
    HardFixture f;
    std::string b = "outer-b";
    std::string evil = "before\r\n--tenantctl-dev-module-boundary-4f1c--\r\nafter";
    std::string body = part(b, "metadata", "application/json", R"({"main_module":"a\"b.js"})", false) +
                       part(b, "a\"b.js", "application/javascript+module", evil) +
                       part(b, "c\\d.js", "application/javascript+module", "export const c = 1") + "--" + b + "--\r\n";
    REQUIRE(f.call("PUT", f.acct() + "/workers/scripts/w2", body, "multipart/form-data; boundary=" + b).status == 200);
    auto r = f.call("GET", f.acct() + "/workers/scripts/w2/content");
    REQUIRE(r.status == 200);
    CHECK(r.body.find(evil) != std::string::npos);
    CHECK(r.body.find("export const c = 1") != std::string::npos);
    // the read-back body parses with its own boundary into the same two modules
    std::string ct = r.content_type;
    REQUIRE(ct.find("boundary=") != std::string::npos);
    std::string rb = ct.substr(ct.find("boundary=") + 9);
    CHECK(r.body.find("name=\"a\\\"b.js\"") != std::string::npos);
    CHECK(r.body.find("name=\"c\\\\d.js\"") != std::string::npos);
    // a single module comes back as its own body
    body = part(b, "metadata", "application/json", R"({"main_module":"m.js"})", false) +
           part(b, "m.js", "application/javascript+module", evil) + "--" + b + "--\r\n";
    REQUIRE(f.call("PUT", f.acct() + "/workers/scripts/w3", body, "multipart/form-data; boundary=" + b).status == 200);
    r = f.call("GET", f.acct() + "/workers/scripts/w3/content");
    CHECK(r.body == evil);
}

TEST_CASE("hardening #10: secret values never come back from versions, settings or bindings") {
    HardFixture f;
    std::string b = "vb";
    std::string up = part(b, "metadata", "application/json", R"({"main_module":"a.js"})", false) +
                     part(b, "a.js", "application/javascript+module", "export default {}") + "--" + b + "--\r\n";
    REQUIRE(f.call("PUT", f.acct() + "/workers/scripts/w4", up, "multipart/form-data; boundary=" + b).status == 200);
    std::string meta =
        R"({"main_module":"a.js","bindings":[{"type":"secret_text","name":"S","text":"TOPSECRET-1"},)"
        R"({"type":"secret_key","name":"K","format":"raw","algorithm":{"name":"HMAC"},"usages":["sign"],"key_base64":"VE9QU0VDUkVULTI="},)"
        R"({"type":"plain_text","name":"P","text":"visible"}]})";
    std::string vbody = part(b, "metadata", "application/json", meta, false) +
                        part(b, "a.js", "application/javascript+module", "export default {}") + "--" + b + "--\r\n";
    auto r = f.call("POST", f.acct() + "/workers/scripts/w4/versions", vbody, "multipart/form-data; boundary=" + b);
    REQUIRE(r.status == 200);
    CHECK(r.body.find("TOPSECRET") == std::string::npos);
    CHECK(r.body.find("VE9QU0VDUkVULTI=") == std::string::npos);
    auto id = json::parse(r.body)["result"]["id"].get<std::string>();
    r = f.call("GET", f.acct() + "/workers/scripts/w4/versions/" + id);
    REQUIRE(r.status == 200);
    CHECK(r.body.find("TOPSECRET") == std::string::npos);
    CHECK(r.body.find("VE9QU0VDUkVULTI=") == std::string::npos);
    CHECK(r.body.find("visible") != std::string::npos);  // plain text is not a secret

    std::string patch =
        R"({"bindings":[{"type":"secret_key","name":"K2","format":"raw","algorithm":{"name":"HMAC"},"usages":["sign"],"key_base64":"S0VZTUFURVJJQUw="},)"
        R"({"type":"secret_text","name":"S2","text":"TOPSECRET-3"}]})";
    r = f.call("PATCH", f.acct() + "/workers/scripts/w4/settings", patch);
    REQUIRE(r.status == 200);
    CHECK(r.body.find("S0VZTUFURVJJQUw=") == std::string::npos);
    for (std::string tail : {"/settings", "/bindings"}) {
        r = f.call("GET", f.acct() + "/workers/scripts/w4" + tail);
        REQUIRE(r.status == 200);
        INFO(tail << ": " << r.body);
        CHECK(r.body.find("S0VZTUFURVJJQUw=") == std::string::npos);
        CHECK(r.body.find("TOPSECRET") == std::string::npos);
    }
    r = f.call("GET", f.acct() + "/workers/scripts/w4/bindings");
    CHECK(r.body.find("\"K2\"") != std::string::npos);  // the binding is still there, by name
}

TEST_CASE("hardening #4: the API routes and authenticates on the head; per-route body limits; connection limit") {
    HardFixture f;
    ServerOptions o;
    o.port = 0;
    o.threads = 2;
    o.max_connections = 3;
    Server srv(f.api, o);
    REQUIRE(srv.start().ok());
    const std::string auth = "Authorization: Bearer " + f.creds.api_token + "\r\n";
    // A 99 MB body announced to an unknown path or without a token is answered at once, nothing read.
    CHECK(raw_status(srv.port(), "POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 99000000\r\n\r\n") == 404);
    CHECK(raw_status(srv.port(), "PUT /client/v4" + f.acct() +
                                     "/workers/scripts/w HTTP/1.1\r\nHost: x\r\nContent-Length: 99000000\r\n\r\n") ==
          401);
    // Route limits: announced or streamed (chunked), at the limit and one byte past it.
    auto ns = f.kv_namespace();
    std::string kv = "PUT /client/v4" + f.acct() + "/storage/kv/namespaces/" + ns +
                     "/values/k HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Type: text/plain\r\nConnection: close\r\n";
    CHECK(raw_response(srv.port(), kv + "Content-Length: " + std::to_string(limits::k_max_api_kv_body_bytes + 1) +
                                       "\r\n\r\n") == 413);
    CHECK(last_body.find("k_max_api_kv_body_bytes") != std::string::npos);
    std::string json_path = "POST /client/v4" + f.acct() + "/storage/kv/namespaces HTTP/1.1\r\nHost: x\r\n" + auth +
                            "Content-Type: application/json\r\nConnection: close\r\n";
    std::string at_limit(limits::k_max_api_json_body_bytes, ' ');
    at_limit.replace(0, 13, R"({"title":"x"})");
    CHECK(raw_response(srv.port(), json_path + "Content-Length: " + std::to_string(at_limit.size()) + "\r\n\r\n",
                       at_limit) == 200);
    std::string past = at_limit + " ";
    CHECK(raw_response(srv.port(), json_path + "Content-Length: " + std::to_string(past.size()) + "\r\n\r\n") == 413);
    CHECK(last_body.find("k_max_api_json_body_bytes") != std::string::npos);
    // chunked: the limit applies to the decoded body as it streams
    char hex[32];
    std::snprintf(hex, sizeof hex, "%zx", past.size());
    CHECK(raw_response(srv.port(), json_path + "Transfer-Encoding: chunked\r\n\r\n",
                       std::string(hex) + "\r\n" + past + "\r\n0\r\n\r\n") == 413);
    // Connections past max_connections are closed without an answer; the others still work.
    namespace asio = boost::asio;
    asio::io_context ioc;
    std::vector<std::unique_ptr<asio::ip::tcp::socket>> held;
    for (int i = 0; i < 3; ++i) {
        held.push_back(std::make_unique<asio::ip::tcp::socket>(ioc));
        held.back()->connect({asio::ip::make_address("127.0.0.1"), srv.port()});
    }
    // Waits (bounded) until the server has accepted or closed what the client did: no race with its threads.
    auto until_open = [&](size_t n) {
        for (int i = 0; i < 1000 && srv.open_connections() != n; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        return srv.open_connections();
    };
    REQUIRE(until_open(3) == 3);
    CHECK(raw_status(srv.port(), "GET /client/v4/user/tokens/verify HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n") == 0);
    held.pop_back();
    REQUIRE(until_open(2) == 2);
    CHECK(raw_status(srv.port(), "GET /client/v4/user/tokens/verify HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n") == 200);
    held.clear();
    srv.stop();
}

namespace {

// A connection on which a test sends a request piece by piece and then reads whatever the server answers.
struct RawConn {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket sock{ioc};
    explicit RawConn(uint16_t port) { sock.connect({boost::asio::ip::make_address("127.0.0.1"), port}); }
    bool send(const std::string& bytes) {
        boost::system::error_code ec;
        boost::asio::write(sock, boost::asio::buffer(bytes), ec);
        return !ec;
    }
    // Sends `bytes` one at a time, `gap` apart, until the server answers or closes (or all are sent).
    void trickle(const std::string& bytes, std::chrono::milliseconds gap) {
        for (char ch : bytes) {
            if (!send(std::string(1, ch))) return;
            std::this_thread::sleep_for(gap);
            int avail = static_cast<int>(sock.available());
            if (avail > 0) return;
        }
    }
    std::string read_all() {
        std::string got;
        char buf[4096];
        for (;;) {
            boost::system::error_code ec;
            size_t n = sock.read_some(boost::asio::buffer(buf), ec);
            got.append(buf, n);
            if (ec) return got;
        }
    }
};

int status_of(const std::string& response) {
    return response.size() >= 12 && response.compare(0, 5, "HTTP/") == 0 ? std::stoi(response.substr(9, 3)) : 0;
}

}  // namespace

TEST_CASE("hardening #5: the API's request head and body have deadlines (k_api_header_timeout, k_api_body_timeout)") {
    HardFixture f;
    ServerOptions o;
    o.port = 0;
    o.threads = 2;
    o.header_timeout = std::chrono::milliseconds(1500);
    o.body_timeout = std::chrono::milliseconds(1500);
    o.idle_timeout = std::chrono::milliseconds(5000);
    Server srv(f.api, o);
    REQUIRE(srv.start().ok());
    const std::string auth = "Authorization: Bearer " + f.creds.api_token + "\r\n";
    const std::string get =
        "GET /client/v4/user/tokens/verify HTTP/1.1\r\nHost: x\r\n" + auth + "Connection: close\r\n\r\n";
    const std::string body = R"({"title":"slow"})";
    const std::string post =
        "POST /client/v4" + f.acct() + "/storage/kv/namespaces HTTP/1.1\r\nHost: x\r\n" + auth +
        "Content-Type: application/json\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\n\r\n";
    std::string got;
    SUBCASE("a head and a body that arrive in pieces within their limits are served") {
        RawConn c(srv.port());
        for (size_t i = 0; i < post.size(); i += post.size() / 3 + 1) {
            c.send(post.substr(i, post.size() / 3 + 1));
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        c.send(body.substr(0, 5));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        c.send(body.substr(5));
        got = c.read_all();
        CHECK(status_of(got) == 200);
    }
    SUBCASE("a kept-alive connection may idle between requests; the next head's deadline starts with its byte") {
        RawConn c(srv.port());
        std::string keep = "GET /client/v4/user/tokens/verify HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n";
        c.send(keep);
        std::this_thread::sleep_for(std::chrono::milliseconds(1700));  // idle longer than header_timeout
        c.send(get);
        got = c.read_all();
        CHECK(got.find("HTTP/1.1 200") == 0);
        CHECK(got.find("HTTP/1.1 200", 10) != std::string::npos);  // both answered
    }
    SUBCASE("a head trickling past the limit gets a 408 naming k_api_header_timeout") {
        RawConn c(srv.port());
        c.trickle(get, std::chrono::milliseconds(100));
        got = c.read_all();
        CHECK(status_of(got) == 408);
        CHECK(got.find("k_api_header_timeout") != std::string::npos);
    }
    SUBCASE("a body trickling past the limit gets a 408 naming k_api_body_timeout") {
        RawConn c(srv.port());
        c.send(post);
        c.trickle(body, std::chrono::milliseconds(150));
        got = c.read_all();
        CHECK(status_of(got) == 408);
        CHECK(got.find("k_api_body_timeout") != std::string::npos);
    }
    SUBCASE("a connection that sends nothing is closed without an answer") {
        RawConn c(srv.port());
        CHECK(c.read_all().empty());
    }
    INFO(got);
    // the server still answers afterwards
    CHECK(raw_status(srv.port(), get) == 200);
    srv.stop();
}

TEST_CASE("hardening #4: a large upload is parsed and hashed outside the store lock; other requests go on") {
    // The hook runs after the upload's body was parsed, serialized and hashed and before the store is locked:
    // it holds the upload there until a GET through the same server has been answered.
    std::promise<void> upload_waiting;
    std::promise<void> get_answered;
    auto answered = get_answered.get_future().share();
    std::atomic<bool> get_done_during_upload{false};
    std::atomic<bool> held{false};
    auto store = std::move(Store::open(":memory:").value());
    Credentials creds{"0123456789abcdef0123456789abcdef", "test-token-123456", "dev@localhost"};
    ApiOptions opts;
    opts.before_store_lock = [&](const std::string& method, const std::string& path) {
        if (method != "PUT" || path.find("/workers/scripts/big") == std::string::npos || held.exchange(true)) return;
        upload_waiting.set_value();
        get_done_during_upload = answered.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
    };
    Api api(*store, creds, opts);
    ServerOptions o;
    o.port = 0;
    o.threads = 2;
    Server srv(api, o);
    REQUIRE(srv.start().ok());
    const std::string auth = "Authorization: Bearer " + creds.api_token + "\r\n";
    const std::string acct = "/client/v4/accounts/" + creds.account_id;
    const std::string b = "big-boundary";
    std::string module = "export default {}\n// " + std::string(8 * 1024 * 1024, 'x') + "\n";
    std::string body = part(b, "metadata", "application/json", R"({"main_module":"a.js"})", false) +
                       part(b, "a.js", "application/javascript+module", module) + "--" + b + "--\r\n";
    std::string head = "PUT " + acct + "/workers/scripts/big HTTP/1.1\r\nHost: x\r\n" + auth +
                       "Content-Type: multipart/form-data; boundary=" + b +
                       "\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    const std::string list =
        "GET " + acct + "/workers/scripts HTTP/1.1\r\nHost: x\r\n" + auth + "Connection: close\r\n\r\n";

    RawConn up(srv.port());
    // While the upload's body is still being sent, other requests are answered.
    REQUIRE(up.send(head + body.substr(0, body.size() / 2)));
    CHECK(raw_response(srv.port(), list) == 200);
    // The rest of the body: the upload is parsed, then held by the hook before the store lock.
    std::string upload_answer;
    std::thread sender([&] {
        up.send(body.substr(body.size() / 2));
        upload_answer = up.read_all();
    });
    upload_waiting.get_future().wait();
    int list_status = raw_response(srv.port(), list);
    std::string list_body = last_body;
    get_answered.set_value();
    sender.join();
    CHECK(list_status == 200);
    CHECK(get_done_during_upload);
    CHECK(json::parse(list_body)["result"].empty());  // answered before the upload's write
    CHECK(status_of(upload_answer) == 200);
    // the upload was stored whole from the body parsed before the lock
    auto r = api.handle(HttpRequest{
        "GET", acct + "/workers/scripts/big/content", {{"authorization", "Bearer " + creds.api_token}}, {}});
    CHECK(r.status == 200);
    CHECK(r.body == module);
    srv.stop();
}

TEST_CASE("hardening #7: the fault endpoint needs the token; a catastrophic path_regex cannot pin a request") {
    // shared: the request that runs the pattern must not outlive them even if it never finished
    std::shared_ptr<Store> store = std::move(Store::open(":memory:").value());
    Credentials creds{"0123456789abcdef0123456789abcdef", "test-token-123456", "dev@localhost"};
    ApiOptions opts;
    opts.test_hooks = true;
    auto shared_api = std::make_shared<Api>(*store, creds, opts);
    Api& api = *shared_api;
    auto call = [&](const std::string& method, const std::string& target, const std::string& body, bool token = true) {
        HttpRequest r;
        r.method = method;
        r.target = target;
        if (token) r.headers["authorization"] = "Bearer " + creds.api_token;
        r.headers["content-type"] = "application/json";
        r.body = body;
        return api.handle(r);
    };
    // no token: refused on the head and by the handler
    HttpRequest head{"POST", "/__dev/faults", {}, {}};
    auto check = api.check_head(head);
    REQUIRE(check.response);
    CHECK(check.response->status == 401);
    CHECK(call("POST", "/__dev/faults", R"({"status":503})", false).status == 401);
    CHECK(call("GET", "/__dev/faults", "", false).status == 401);
    // a back-reference cannot be matched without backtracking: refused
    auto r = call("POST", "/__dev/faults", R"({"path_regex":"(a)\\1","status":503})");
    CHECK(r.status == 400);
    // (a+)+$ against 40 a's and a '!' backtracks 2^40 times in a backtracking matcher; here it finishes.
    REQUIRE(call("POST", "/__dev/faults", R"({"path_regex":"(a+)+$","status":503,"count":2})").status == 200);
    auto done = std::make_shared<std::atomic<int>>(0);
    std::thread([store, shared_api, token = creds.api_token, done] {
        HttpRequest q{"GET", "/client/v4/" + std::string(40, 'a') + "!", {{"authorization", "Bearer " + token}}, {}};
        *done = shared_api->handle(q).status;
    }).detach();
    for (int i = 0; i < 6000 && *done == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    REQUIRE(*done == 404);  // no such route, and the fault did not match
    // a path the pattern matches gets the fault
    CHECK(call("GET", "/client/v4/" + std::string(40, 'a'), "").status == 503);
    // other requests were never held by the fault lock
    CHECK(call("GET", "/client/v4/user/tokens/verify", "").status == 200);
}
