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
                tcp::socket s(m_ioc);
                beast::error_code ec;
                m_acceptor.accept(s, ec);
                if (ec || m_stop) return;
                {
                    std::lock_guard lk(m_mutex);
                    ++m_live;
                }
                std::thread([this, s = std::move(s)]() mutable {
                    serve(s);
                    std::lock_guard lk(m_mutex);
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
        m_cv.wait_for(lk, std::chrono::seconds(5), [this] { return m_live == 0; });
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
