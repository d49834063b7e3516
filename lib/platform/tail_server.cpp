#include "platform/tail_server.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "core/strings.hpp"
#include "platform/listener.hpp"

namespace tenantctl::platform {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

struct TailServer::Impl {
    TailHub& hub;
    std::string host;
    uint16_t port = 0;
    std::thread thread;
    std::atomic<size_t> connections{0};
    std::mutex subs_mutex;
    std::set<uint64_t> subs;  // live subscriptions, detached from the hub at stop
    std::atomic<bool> stopped{false};
    bool test_hooks = false;
    std::map<uint64_t, std::function<void()>> droppers;  // open connections (used on the server's thread only)
    std::thread injector;                                // POST /__dev/publish (test hooks)
    std::atomic<bool> injecting{false};
    void publish_synthetic(const std::string& query);
    // Last: destroyed first, with the connections its handlers still own (they use the members above).
    asio::io_context ioc{1};
    std::optional<tcp::acceptor> acceptor;
    ~Impl() { acceptor.reset(); }

    Impl(TailHub& h, std::string hst, uint16_t p) : hub(h), host(std::move(hst)), port(p) {}
    void accept();
};

namespace {

class Conn : public std::enable_shared_from_this<Conn> {
public:
    Conn(tcp::socket socket, TailServer::Impl& srv) : m_ws(std::move(socket)), m_srv(srv) { ++m_srv.connections; }
    ~Conn() {
        m_srv.droppers.erase(m_sub);
        if (m_sub) {
            m_srv.hub.detach(m_sub);
            std::lock_guard lock(m_srv.subs_mutex);
            m_srv.subs.erase(m_sub);
        }
        --m_srv.connections;
    }

    void run() {
        m_req.emplace();
        m_req->header_limit(8 * 1024);
        m_req->body_limit(0);
        beast::get_lowest_layer(m_ws).expires_after(std::chrono::seconds(10));
        http::async_read(beast::get_lowest_layer(m_ws), m_buffer, *m_req,
                         [self = shared_from_this()](beast::error_code ec, size_t) { self->on_request(ec); });
    }

private:
    void reply(http::status status, const std::string& text) {
        auto res = std::make_shared<http::response<http::string_body>>(status, 11);
        res->set(http::field::content_type, "text/plain");
        res->set(http::field::connection, "close");
        res->body() = text;
        res->prepare_payload();
        http::async_write(
            beast::get_lowest_layer(m_ws), *res, [self = shared_from_this(), res](beast::error_code, size_t) {
                beast::error_code ignored;
                beast::get_lowest_layer(self->m_ws).socket().shutdown(tcp::socket::shutdown_both, ignored);
            });
    }

    void on_request(beast::error_code ec) {
        if (ec) return;
        auto& req = m_req->get();
        std::string target(req.target());
        std::string id = target.size() > 1 ? target.substr(1) : "";
        if (auto q = id.find('?'); q != std::string::npos) id.resize(q);
        if (m_srv.test_hooks && req.method() == http::verb::post && target == "/__dev/drop") {
            size_t n = m_srv.droppers.size();
            for (auto& [sub, drop] : std::map<uint64_t, std::function<void()>>(m_srv.droppers)) drop();
            return reply(http::status::ok, "dropped " + std::to_string(n) + "\n");
        }
        if (m_srv.test_hooks && req.method() == http::verb::post && target.rfind("/__dev/publish", 0) == 0) {
            if (m_srv.injecting.exchange(true)) return reply(http::status::conflict, "already publishing\n");
            if (m_srv.injector.joinable()) m_srv.injector.join();
            auto q = target.find('?');
            m_srv.injector = std::thread(&TailServer::Impl::publish_synthetic, &m_srv,
                                         q == std::string::npos ? std::string() : target.substr(q + 1));
            return reply(http::status::accepted, "publishing\n");
        }
        if (!websocket::is_upgrade(req)) return reply(http::status::bad_request, "a tail is read over a WebSocket\n");
        if (id.empty() || !m_srv.hub.find(id)) return reply(http::status::not_found, "no such tail\n");
        m_id = id;
        beast::get_lowest_layer(m_ws).expires_never();
        m_ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
        m_ws.read_message_max(k_max_tail_filter_bytes);
        bool trace = std::string(req[http::field::sec_websocket_protocol]).find("trace-v1") != std::string::npos;
        m_ws.set_option(websocket::stream_base::decorator([trace](websocket::response_type& res) {
            if (trace) res.set(http::field::sec_websocket_protocol, "trace-v1");
        }));
        m_ws.async_accept(req, [self = shared_from_this()](beast::error_code ec2) { self->on_accept(ec2); });
    }

    void on_accept(beast::error_code ec) {
        if (ec) return;
        std::weak_ptr<Conn> weak = shared_from_this();
        auto exec = m_ws.get_executor();
        m_sub = m_srv.hub.attach(
            m_id,
            [weak, exec](const std::string& text) {
                asio::post(exec, [weak, text] {
                    if (auto self = weak.lock()) self->push(text);
                });
            },
            [weak, exec](const std::string& why) {
                asio::post(exec, [weak, why] {
                    if (auto self = weak.lock()) self->close(websocket::close_code::normal, why);
                });
            });
        if (!m_sub) return close(websocket::close_code::normal, "the tail was deleted");
        {
            std::lock_guard lock(m_srv.subs_mutex);
            if (m_srv.stopped) return;
            m_srv.subs.insert(m_sub);
        }
        m_srv.droppers[m_sub] = [weak] {
            if (auto self = weak.lock()) {
                beast::error_code ignored;
                beast::get_lowest_layer(self->m_ws).socket().close(ignored);
            }
        };
        read();
    }

    void read() {
        m_ws.async_read(m_in, [self = shared_from_this()](beast::error_code ec, size_t) {
            if (ec) return;  // closed by the client, or a read error: the connection ends
            std::string msg = beast::buffers_to_string(self->m_in.data());
            self->m_in.consume(self->m_in.size());
            auto f = parse_tail_filter(msg);
            if (!f.ok()) return self->close(websocket::close_code::policy_error, f.error().message);
            self->m_srv.hub.set_filter(self->m_sub, std::move(*f));
            self->read();
        });
    }

    void push(const std::string& text) {
        if (m_closing) return;
        if (m_out.size() >= k_max_tail_queue)
            return close(websocket::close_code::policy_error,
                         "the client reads too slowly (" + std::to_string(k_max_tail_queue) + " records waiting)");
        m_out.push_back(text);
        if (!m_writing) write();
    }

    void write() {
        if (m_out.empty()) {
            m_writing = false;
            if (m_close_reason) do_close();
            return;
        }
        m_writing = true;
        m_ws.text(true);
        m_ws.async_write(asio::buffer(m_out.front()), [self = shared_from_this()](beast::error_code ec, size_t) {
            self->m_out.pop_front();
            if (ec) {
                self->m_out.clear();
                self->m_writing = false;
                return;
            }
            self->write();
        });
    }

    void close(websocket::close_code code, const std::string& why) {
        if (m_closing) return;
        m_closing = true;
        m_close_reason = websocket::close_reason(code, why.substr(0, 120));
        if (!m_writing) do_close();
    }

    void do_close() {
        auto reason = *m_close_reason;
        m_ws.async_close(reason, [self = shared_from_this()](beast::error_code) {});
    }

    websocket::stream<beast::tcp_stream> m_ws;
    TailServer::Impl& m_srv;
    beast::flat_buffer m_buffer;
    beast::flat_buffer m_in;
    std::optional<http::request_parser<http::empty_body>> m_req;
    std::string m_id;
    uint64_t m_sub = 0;
    std::deque<std::string> m_out;
    bool m_writing = false;
    bool m_closing = false;
    std::optional<websocket::close_reason> m_close_reason;
};

}  // namespace

// Test hook: `records` synthetic invocation records (each with `logs` console lines) for the scripts
// PREFIX000… of namespace `ns`, round robin, published to the hub as fast as it takes them, as the runtime's
// records are (counted, filtered, sent to the tails). For measuring the tail path without the runtime's cost.
void TailServer::Impl::publish_synthetic(const std::string& query) {
    std::map<std::string, std::string> q;
    for (size_t pos = 0; pos <= query.size();) {
        size_t amp = query.find('&', pos);
        if (amp == std::string::npos) amp = query.size();
        std::string kv = query.substr(pos, amp - pos);
        size_t eq = kv.find('=');
        if (eq != std::string::npos) q[kv.substr(0, eq)] = kv.substr(eq + 1);
        pos = amp + 1;
    }
    auto num = [&](const char* k, long dflt, long max) {
        long v = q.count(k) ? std::atol(q[k].c_str()) : dflt;
        return std::clamp(v, 0L, max);
    };
    const std::string ns = q.count("ns") ? q["ns"] : "", prefix = q.count("prefix") ? q["prefix"] : "t";
    const long scripts = std::max(1L, num("scripts", 1, 10000)), records = num("records", 1000, 2000000),
               logs = num("logs", 1, 100);
    for (long i = 0; i < records && !stopped; ++i) {
        char name[64];
        std::snprintf(name, sizeof name, "%s%03ld", prefix.c_str(), i % scripts);
        auto now_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        nlohmann::json lines = nlohmann::json::array();
        for (long l = 0; l < logs; ++l)
            lines.push_back(
                {{"level", "log"}, {"message", {"line", l, "/r" + std::to_string(i)}}, {"timestamp", now_ms}});
        nlohmann::json e = {{"scriptName", name},
                            {"outcome", "ok"},
                            {"eventTimestamp", now_ms},
                            {"event",
                             {{"request", {{"url", "http://bench.localhost/r" + std::to_string(i)}, {"method", "GET"}}},
                              {"response", {{"status", 200}}}}},
                            {"logs", std::move(lines)},
                            {"exceptions", nlohmann::json::array()}};
        if (!ns.empty()) e["dispatchNamespace"] = ns;
        hub.publish(e);
    }
    injecting = false;
}

void TailServer::Impl::accept() {
    accept_connections(*acceptor, ioc, connections, k_max_tail_connections, stopped,
                       [this](tcp::socket socket) { std::make_shared<Conn>(std::move(socket), *this)->run(); });
}

TailServer::TailServer(TailHub& hub, std::string host, uint16_t port, bool test_hooks)
    : m_impl(std::make_unique<Impl>(hub, std::move(host), port)) {
    m_impl->test_hooks = test_hooks;
}

TailServer::~TailServer() {
    stop();
}

uint16_t TailServer::port() const {
    return m_impl->port;
}

Status TailServer::start() {
    auto& im = *m_impl;
    beast::error_code ec;
    auto addr = asio::ip::make_address(im.host, ec);
    if (ec) return Error(ErrorKind::Usage, "tail listen address " + quoted(im.host) + " is not an IP address");
    tcp::endpoint ep(addr, im.port);
    im.acceptor.emplace(im.ioc);
    ec = listen_on(*im.acceptor, ep);
    if (ec)
        return Error(ErrorKind::Network,
                     "cannot listen on " + im.host + ":" + std::to_string(im.port) + " for tails: " + ec.message());
    im.port = im.acceptor->local_endpoint().port();
    im.accept();
    im.thread = std::thread([&im] { im.ioc.run(); });
    return ok_status();
}

void TailServer::stop() {
    auto& im = *m_impl;
    {
        std::lock_guard lock(im.subs_mutex);
        if (im.stopped) return;
        im.stopped = true;
        for (auto s : im.subs) im.hub.detach(s);
        im.subs.clear();
    }
    im.ioc.stop();
    if (im.thread.joinable()) im.thread.join();
    if (im.injector.joinable()) im.injector.join();
}

}  // namespace tenantctl::platform
