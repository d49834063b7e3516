// RouterServer over real sockets on 127.0.0.1 without docker: a fake driver whose "container" is an in-process
// HTTP backend, so header rewriting, streaming bodies, management endpoints and errors are checked here too.
#include <doctest/doctest.h>

#include <sys/socket.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <filesystem>
#include <set>
#include <thread>

#include "core/clock.hpp"
#include "core/strings.hpp"
#include "router/instances.hpp"
#include "router/server.hpp"

using namespace tenantctl;
using namespace tenantctl::router;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// Answers every request with JSON describing what it saw.
class Backend {
public:
    Backend() : m_acceptor(m_ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
        m_thread = std::thread([this] {
            for (;;) {
                auto s = std::make_unique<tcp::socket>(m_ioc);
                beast::error_code ec;
                m_acceptor.accept(*s, ec);
                if (ec || m_stop) return;
                {
                    std::lock_guard lk(m_mutex);
                    ++m_live;
                    m_fds.insert(s->native_handle());
                }
                std::thread([this, s = std::move(s)]() mutable {
                    serve(*s);
                    int fd = s->native_handle();
                    std::lock_guard lk(m_mutex);
                    m_fds.erase(fd);
                    s.reset();  // before the count drops: the socket must not outlive the io_context
                    --m_live;
                    m_cv.notify_all();
                }).detach();
            }
        });
    }
    ~Backend() {
        m_stop = true;
        ::shutdown(m_acceptor.native_handle(), SHUT_RDWR);
        m_thread.join();
        std::unique_lock lk(m_mutex);
        for (int fd : m_fds) ::shutdown(fd, SHUT_RDWR);  // ends reads on kept-alive connections
        m_cv.wait(lk, [this] { return m_live == 0; });
    }
    int port() const { return m_acceptor.local_endpoint().port(); }

private:
    static void serve(tcp::socket& s) {
        beast::flat_buffer b;
        for (;;) {
            http::request_parser<http::string_body> parser;
            parser.body_limit(64 * 1024 * 1024);  // the default is 1 MiB
            beast::error_code ec;
            http::read(s, b, parser, ec);
            if (ec) return;
            auto& req = parser.get();
            nlohmann::json j = {
                {"method", std::string(req.method_string())},
                {"target", std::string(req.target())},
                {"x_app_id", std::string(req["X-App-Id"])},
                {"x_app_id_count", req.count("X-App-Id")},
                {"x_user_id", req.count("X-User-ID") ? std::string(req["X-User-ID"]) : std::string("<none>")},
                {"x_original_url", std::string(req["X-Original-URL"])},
                {"body_size", req.body().size()},
                {"body_sum", [&] {
                     unsigned long sum = 0;
                     for (unsigned char c : req.body()) sum += c;
                     return sum;
                 }()}};
            http::response<http::string_body> res{http::status::ok, req.version()};
            res.set(http::field::content_type, "application/json");
            res.body() = j.dump();
            res.keep_alive(req.keep_alive());
            res.prepare_payload();
            http::write(s, res, ec);
            if (ec || !req.keep_alive()) return;
        }
    }
    asio::io_context m_ioc;
    tcp::acceptor m_acceptor;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    std::mutex m_mutex;
    std::condition_variable m_cv;
    int m_live = 0;
    std::set<int> m_fds;  // connections being served
};

// Every "container" of this driver is the backend.
class BackendDriver final : public ContainerDriver {
public:
    explicit BackendDriver(int port) : m_port(port) {}
    std::atomic<int> creates{0};
    Status pull(const std::string&, const std::optional<RegistryAuth>&) override { return ok_status(); }
    Result<std::string> create(const ContainerSpec&) override { return "c" + std::to_string(++creates); }
    Status start(const std::string&) override { return ok_status(); }
    Result<ContainerState> inspect(const std::string& id) override {
        ContainerState s;
        s.id = id;
        s.running = true;
        s.host_port = m_port;
        return s;
    }
    Status stop(const std::string&, int) override { return ok_status(); }
    Status remove(const std::string&) override { return ok_status(); }
    Result<std::string> logs(const std::string&, int) override { return std::string(); }
    Result<std::vector<ContainerSummary>> list(const std::string&) override { return std::vector<ContainerSummary>{}; }

private:
    int m_port;
};

http::response<http::string_body> send(int port, http::request<http::string_body> req) {
    asio::io_context ioc;
    tcp::socket s(ioc);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    if (!req.count(http::field::host)) req.set(http::field::host, "localhost");
    req.prepare_payload();
    http::write(s, req);
    beast::flat_buffer b;
    http::response<http::string_body> res;
    http::read(s, b, res);
    return res;
}

http::request<http::string_body> get(const std::string& target) {
    return {http::verb::get, target, 11};
}

}  // namespace

TEST_CASE("router server: proxying, header rewriting, streaming bodies, management and errors") {
    Backend backend;
    BackendDriver driver(backend.port());
    FakeClock clock;
    InstanceManager manager(driver, clock);
    AppSpec app;
    app.id = app.name = "web";
    app.image = "127.0.0.1:5000/web:v1";
    app.max_instances = 2;
    auto dir = std::filesystem::temp_directory_path() / ("tenantctl-router-" + random_hex(4));
    FileMetadataStore metadata(dir.string());
    RouterOptions opts;
    opts.port = 0;
    RouterServer server(manager, static_apps({app}), metadata, opts);
    REQUIRE(server.start().ok());
    int port = server.port();

    // headers toward the container: prefix stripped, X-App-Id replaced, conflicting X-User-ID dropped
    auto req = get("/app/t1/x?y=1");
    req.set("X-App-Id", "evil");
    req.insert("X-App-Id", "evil2");
    req.set("X-User-ID", "other");
    auto res = send(port, req);
    CHECK(res.result() == http::status::ok);
    auto j = nlohmann::json::parse(res.body());
    CHECK(j["target"] == "/x?y=1");
    CHECK(j["x_app_id"] == "t1");
    CHECK(j["x_app_id_count"] == 1);
    CHECK(j["x_user_id"] == "<none>");
    CHECK(j["x_original_url"] == "http://localhost/app/t1/x?y=1");
    auto info = manager.find("web", "t1");
    REQUIRE(info);
    CHECK(std::string(res["X-Served-By"]) == info->id);

    // a large body arrives whole (streamed through in pieces)
    http::request<http::string_body> post{http::verb::post, "/app/t1/upload", 11};
    post.body() = std::string(3 * 1024 * 1024 + 7, 'z');
    res = send(port, post);
    j = nlohmann::json::parse(res.body());
    CHECK(j["method"] == "POST");
    CHECK(j["body_size"] == 3 * 1024 * 1024 + 7);
    CHECK(j["body_sum"] == static_cast<unsigned long>('z') * (3 * 1024 * 1024 + 7));

    // header and host routing reach the same instance for the same tenant
    auto hreq = get("/y");
    hreq.set("X-User-ID", "t1");
    res = send(port, hreq);
    CHECK(std::string(res["X-Served-By"]) == info->id);
    CHECK(nlohmann::json::parse(res.body())["x_user_id"] == "t1");  // agreeing id is kept
    auto host_req = get("/z");
    host_req.set(http::field::host, "t1.localhost:1234");
    CHECK(std::string(send(port, host_req)["X-Served-By"]) == info->id);

    // traversal: 400 from the router itself
    res = send(port, get("/app/t1/../t2/"));
    CHECK(res.result() == http::status::bad_request);
    CHECK(std::string(res["X-Served-By"]) == "tenantctl-router");
    CHECK(nlohmann::json::parse(res.body())["ok"] == false);
    res = send(port, get("/nothing"));
    CHECK(res.result() == http::status::bad_request);
    CHECK(res.body().find("/app/my-tenant/") != std::string::npos);

    // unknown application in the host form
    auto unknown = get("/");
    unknown.set(http::field::host, "t1.nope.localhost");
    CHECK(send(port, unknown).result() == http::status::not_found);

    // max_instances 2: t2 fits, t3 is refused with Retry-After
    CHECK(send(port, get("/app/t2/")).result() == http::status::ok);
    res = send(port, get("/app/t3/"));
    CHECK(res.result() == http::status::service_unavailable);
    CHECK(!std::string(res["Retry-After"]).empty());

    // management
    res = send(port, get("/app/t1/_status"));
    j = nlohmann::json::parse(res.body());
    CHECK(j["running"] == true);
    CHECK(j["instance_id"] == info->id);
    CHECK(j["start_count"] == 1);
    CHECK(send(port, get("/app/t1/_restart")).result() == http::status::method_not_allowed);
    res = send(port, http::request<http::string_body>{http::verb::post, "/app/t1/_restart", 11});
    j = nlohmann::json::parse(res.body());
    CHECK(j["restarted"] == true);
    CHECK(j["instance_id"] != info->id);
    CHECK(j["start_count"] == 2);
    http::request<http::string_body> put{http::verb::put, "/app/t1/_metadata", 11};
    put.body() = R"({"plan":"pro"})";
    CHECK(send(port, put).result() == http::status::ok);
    CHECK(nlohmann::json::parse(send(port, get("/app/t1/_metadata")).body())["plan"] == "pro");
    put.body() = "[1]";
    CHECK(send(port, put).result() == http::status::bad_request);

    server.stop();
    std::filesystem::remove_all(dir);
}

TEST_CASE("router server: an instance that accepts but never answers gets a 504 after upstream_timeout") {
    // A "container" that accepts connections and reads, but never writes a byte.
    asio::io_context ioc;
    tcp::acceptor silent(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    std::vector<tcp::socket> held;
    std::atomic<bool> stop{false};
    std::thread t([&] {
        while (!stop) {
            tcp::socket s(ioc);
            beast::error_code ec;
            silent.accept(s, ec);
            if (ec || stop) return;
            held.push_back(std::move(s));
        }
    });
    BackendDriver driver(silent.local_endpoint().port());
    FakeClock clock;
    InstanceManager manager(driver, clock);
    AppSpec app;
    app.id = app.name = "slow";
    app.image = "127.0.0.1:5000/slow:v1";
    auto dir = std::filesystem::temp_directory_path() / ("tenantctl-router-" + random_hex(4));
    FileMetadataStore metadata(dir.string());
    RouterOptions opts;
    opts.port = 0;
    opts.upstream_timeout = std::chrono::milliseconds(300);
    RouterServer server(manager, static_apps({app}), metadata, opts);
    REQUIRE(server.start().ok());
    auto res = send(server.port(), get("/app/t1/"));
    CHECK(res.result() == http::status::gateway_timeout);
    CHECK(std::string(res["X-Served-By"]) == "tenantctl-router");
    CHECK(res.body().find("did not answer within 300 ms") != std::string::npos);
    server.stop();
    stop = true;
    ::shutdown(silent.native_handle(), SHUT_RDWR);
    t.join();
    std::filesystem::remove_all(dir);
}

TEST_CASE("hardening #5: a request head must arrive within header_timeout; connections are capped") {
    Backend backend;
    BackendDriver driver(backend.port());
    FakeClock clock;
    InstanceManager manager(driver, clock);
    AppSpec app;
    app.id = app.name = "web";
    app.image = "127.0.0.1:5000/web:v1";
    auto dir = std::filesystem::temp_directory_path() / ("tenantctl-router-" + random_hex(4));
    FileMetadataStore metadata(dir.string());
    RouterOptions opts;
    opts.port = 0;
    opts.header_timeout = std::chrono::milliseconds(400);
    opts.max_connections = 2;
    RouterServer server(manager, static_apps({app}), metadata, opts);
    REQUIRE(server.start().ok());
    auto port = static_cast<unsigned short>(server.port());
    asio::io_context ioc;
    auto read_all = [](tcp::socket& s) {
        std::string got;
        char buf[4096];
        for (;;) {
            beast::error_code ec;
            size_t n = s.read_some(asio::buffer(buf), ec);
            got.append(buf, n);
            if (ec) return got;
        }
    };
    {
        // a head that trickles in: one byte every 100 ms never completes within 400 ms
        tcp::socket slow(ioc);
        slow.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        auto t0 = std::chrono::steady_clock::now();
        std::string head = "GET /app/t1/ HTTP/1.1\r\nHost: localhost\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaa";
        beast::error_code ec;
        for (char c : head) {
            asio::write(slow, asio::buffer(&c, 1), ec);
            if (ec) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            if (std::chrono::steady_clock::now() - t0 > std::chrono::seconds(3)) break;
        }
        std::string got = read_all(slow);
        CHECK(got.find("408") != std::string::npos);
        CHECK(got.find("k_router_header_timeout") != std::string::npos);
        CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    // at the limit: two open connections are served; a third is closed at once
    tcp::socket a(ioc), b(ioc), c(ioc);
    a.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    b.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    c.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    CHECK(read_all(c).empty());  // closed without an answer
    std::string req = "GET /app/t1/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    asio::write(a, asio::buffer(req));
    CHECK(read_all(a).find("200 OK") != std::string::npos);
    server.stop();
    std::filesystem::remove_all(dir);
}

TEST_CASE(
    "hardening #5: a request body must keep arriving (k_router_body_timeout, k_router_body_min_bytes_per_second)") {
    Backend backend;
    BackendDriver driver(backend.port());
    FakeClock clock;
    InstanceManager manager(driver, clock);
    AppSpec app;
    app.id = app.name = "web";
    app.image = "127.0.0.1:5000/web:v1";
    auto dir = std::filesystem::temp_directory_path() / ("tenantctl-router-" + random_hex(4));
    FileMetadataStore metadata(dir.string());
    RouterOptions opts;
    opts.port = 0;
    opts.header_timeout = std::chrono::milliseconds(1500);
    opts.body_timeout = std::chrono::milliseconds(1500);
    opts.body_min_rate = 256 * 1024;  // 256 KiB/s: a trickle earns (almost) no extra time
    RouterServer server(manager, static_apps({app}), metadata, opts);
    REQUIRE(server.start().ok());
    auto port = static_cast<unsigned short>(server.port());
    asio::io_context ioc;
    auto read_all = [](tcp::socket& s) {
        std::string got;
        char buf[4096];
        for (;;) {
            beast::error_code ec;
            size_t n = s.read_some(asio::buffer(buf), ec);
            got.append(buf, n);
            if (ec) return got;
        }
    };
    auto head = [](size_t n) {
        return "POST /app/t1/upload HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: " +
               std::to_string(n) + "\r\n\r\n";
    };
    std::string got;
    SUBCASE("a head and a body in pieces within their limits reach the container") {
        tcp::socket s(ioc);
        s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        std::string h = head(100);
        asio::write(s, asio::buffer(h.substr(0, 20)));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        asio::write(s, asio::buffer(h.substr(20)));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        asio::write(s, asio::buffer(std::string(50, 'a')));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        asio::write(s, asio::buffer(std::string(50, 'b')));
        got = read_all(s);
        CHECK(got.find("200 OK") != std::string::npos);
        CHECK(got.find("\"body_size\":100") != std::string::npos);
    }
    SUBCASE("a large body sent at a steady pace is never cut, however long past body_timeout it takes") {
        // 1 MiB in 64 KiB pieces 150 ms apart (about 2.4 s > 1.5 s body_timeout, at about 420 KiB/s > 256 KiB/s):
        // its deadline moves later with every byte
        tcp::socket s(ioc);
        s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        const size_t total = 1024 * 1024;
        asio::write(s, asio::buffer(head(total)));
        std::string chunk(64 * 1024, 'z');
        for (size_t sent = 0; sent < total; sent += chunk.size()) {
            asio::write(s, asio::buffer(chunk));
            std::this_thread::sleep_for(std::chrono::milliseconds(150));
        }
        got = read_all(s);
        CHECK(got.find("200 OK") != std::string::npos);
        CHECK(got.find("\"body_size\":" + std::to_string(total)) != std::string::npos);
    }
    SUBCASE("a body trickling past the limit gets a 408 naming k_router_body_timeout") {
        tcp::socket s(ioc);
        s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        asio::write(s, asio::buffer(head(100)));
        beast::error_code ec;
        for (int i = 0; i < 100 && !ec && s.available() == 0; ++i) {
            char c = 'x';
            asio::write(s, asio::buffer(&c, 1), ec);
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        got = read_all(s);
        CHECK(got.find("408") != std::string::npos);
        CHECK(got.find("k_router_body_timeout") != std::string::npos);
        CHECK(got.find("body_size") == std::string::npos);  // the container never answered a cut body
    }
    SUBCASE("a management body (PUT _metadata) trickling past the limit gets a 408 too") {
        tcp::socket s(ioc);
        s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        std::string h =
            "PUT /app/t1/_metadata HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
            "Content-Length: 100\r\n\r\n{";
        asio::write(s, asio::buffer(h));
        beast::error_code ec;
        for (int i = 0; i < 100 && !ec && s.available() == 0; ++i) {
            char c = ' ';
            asio::write(s, asio::buffer(&c, 1), ec);
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        got = read_all(s);
        CHECK(got.find("408") != std::string::npos);
        CHECK(got.find("k_router_body_timeout") != std::string::npos);
    }
    INFO(got);
    // the router still serves afterwards
    std::string req = "GET /app/t1/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    tcp::socket a(ioc);
    a.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    asio::write(a, asio::buffer(req));
    CHECK(read_all(a).find("200 OK") != std::string::npos);
    server.stop();
    std::filesystem::remove_all(dir);
}

namespace {
// Sends raw bytes and returns everything the router answers until it closes (requests say Connection: close).
std::string raw_exchange(int port, const std::string& bytes) {
    asio::io_context ioc;
    tcp::socket s(ioc);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    beast::error_code ec;
    asio::write(s, asio::buffer(bytes), ec);
    std::string got;
    char buf[4096];
    for (;;) {
        size_t n = s.read_some(asio::buffer(buf), ec);
        got.append(buf, n);
        if (ec) return got;
    }
}
int status_of(const std::string& response) {
    return response.size() >= 12 ? std::stoi(response.substr(9, 3)) : 0;
}
}  // namespace

TEST_CASE("hardening #13: ambiguous heads are refused, ids are case-insensitive, a front worker can pin") {
    Backend backend;
    BackendDriver driver(backend.port());
    FakeClock clock;
    InstanceManager manager(driver, clock);
    AppSpec app;
    app.id = app.name = "web";
    app.image = "127.0.0.1:5000/web:v1";
    auto dir = std::filesystem::temp_directory_path() / ("tenantctl-router-" + random_hex(4));
    FileMetadataStore metadata(dir.string());
    RouterOptions opts;
    opts.port = 0;
    RouterServer server(manager, static_apps({app}), metadata, opts);
    REQUIRE(server.start().ok());
    int port = server.port();
    const std::string close = "Connection: close\r\n";

    CHECK(status_of(raw_exchange(
              port, "GET / HTTP/1.1\r\nHost: localhost\r\nX-User-ID: a\r\nX-User-ID: b\r\n" + close + "\r\n")) == 400);
    CHECK(status_of(raw_exchange(port, "GET / HTTP/1.1\r\nHost: localhost\r\nX-User-ID: a\r\nX-Tenant-ID: b\r\n" +
                                           close + "\r\n")) == 400);
    CHECK(status_of(raw_exchange(port, "GET / HTTP/1.1\r\nHost: localhost\r\nX_User_ID: a\r\n" + close + "\r\n")) ==
          400);
    CHECK(status_of(raw_exchange(port,
                                 "POST /app/t1/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked, "
                                 "identity\r\nContent-Length: 3\r\n" +
                                     close + "\r\nabc")) == 400);
    CHECK(status_of(raw_exchange(port,
                                 "POST /app/t1/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: "
                                 "chunked\r\nContent-Length: 3\r\n" +
                                     close + "\r\n3\r\nabc\r\n0\r\n\r\n")) == 400);
    CHECK(status_of(raw_exchange(port,
                                 "POST /app/t1/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: "
                                 "chunked\r\nTrailer: X-User-ID\r\n" +
                                     close + "\r\n3\r\nabc\r\n0\r\nX-User-ID: evil\r\n\r\n")) == 400);
    // an undeclared trailer carrying a tenant header never reaches the container
    auto tr = raw_exchange(port, "POST /app/t1/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n" + close +
                                     "\r\n3\r\nabc\r\n0\r\nX-User-ID: evil\r\n\r\n");
    CHECK(tr.find("evil") == std::string::npos);
    // case: /app/ACME/, /app/acme/ and ACME.localhost are one tenant
    auto upper = raw_exchange(port, "GET /app/ACME/ HTTP/1.1\r\nHost: localhost\r\n" + close + "\r\n");
    auto lower = raw_exchange(port, "GET /app/acme/ HTTP/1.1\r\nHost: localhost\r\n" + close + "\r\n");
    auto host = raw_exchange(port, "GET / HTTP/1.1\r\nHost: ACME.localhost\r\n" + close + "\r\n");
    REQUIRE(status_of(upper) == 200);
    CHECK(upper.find("\"x_app_id\":\"acme\"") != std::string::npos);
    auto served = [](const std::string& r) {
        auto at = r.find("X-Served-By: ");
        return at == std::string::npos ? std::string() : r.substr(at + 13, r.find("\r\n", at) - at - 13);
    };
    CHECK(served(upper) == served(lower));
    CHECK(served(upper) == served(host));
    server.stop();

    // pinned by a front worker: only X-Tenantctl-Tenant chooses, and only with the pin
    RouterOptions popts = opts;
    popts.pin_key = "front-worker-key-0123456789";
    RouterServer pinned(manager, static_apps({app}), metadata, popts);
    REQUIRE(pinned.start().ok());
    int pport = pinned.port();
    CHECK(status_of(raw_exchange(pport, "GET /app/t1/ HTTP/1.1\r\nHost: localhost\r\n" + close + "\r\n")) == 403);
    CHECK(status_of(raw_exchange(pport,
                                 "GET /app/t1/ HTTP/1.1\r\nHost: localhost\r\nX-Tenantctl-Pin: wrong\r\n"
                                 "X-Tenantctl-Tenant: t9\r\n" +
                                     close + "\r\n")) == 403);
    auto ok = raw_exchange(pport,
                           "GET /app/other/x?appId=other HTTP/1.1\r\nHost: other.localhost\r\nX-User-ID: other\r\n"
                           "X-Tenantctl-Pin: front-worker-key-0123456789\r\nX-Tenantctl-Tenant: T9\r\n" +
                               close + "\r\n");
    REQUIRE(status_of(ok) == 200);
    CHECK(ok.find("\"x_app_id\":\"t9\"") != std::string::npos);
    CHECK(ok.find("\"x_user_id\":\"t9\"") != std::string::npos);
    CHECK(ok.find("front-worker-key") == std::string::npos);
    pinned.stop();
    std::filesystem::remove_all(dir);
}
