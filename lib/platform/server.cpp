#include "platform/server.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <mutex>
#include <optional>

#include "core/strings.hpp"
#include "platform/listener.hpp"

namespace tenantctl::platform {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct Server::Impl {
    HttpHandler& api;
    ServerOptions opt;
    asio::io_context ioc;
    std::optional<tcp::acceptor> acceptor;
    std::vector<std::thread> threads;
    std::atomic<bool> stopping{false};
    std::atomic<int> in_flight{0};
    std::atomic<size_t> connections{0};
    std::atomic<int> running_threads{0};
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;

    Impl(HttpHandler& a, ServerOptions o) : api(a), opt(std::move(o)), ioc(std::max(1, opt.threads)) {}
    void accept();
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket socket, Server::Impl& srv)
        : m_stream(std::move(socket)), m_srv(srv), m_deadline(m_stream.get_executor()) {
        ++m_srv.connections;
    }
    ~Session() { --m_srv.connections; }

    void run() { read_header(); }

private:
    // Reads run under a deadline of their own (not the stream's timeout, which closes the socket): when it
    // passes, the pending read is cancelled and the client still gets a 408 naming the limit.
    void arm(std::chrono::milliseconds d) {
        ++m_generation;
        m_timed_out = false;
        m_stream.expires_never();
        m_deadline.expires_after(d);
        m_deadline.async_wait([weak = weak_from_this(), gen = m_generation](beast::error_code ec) {
            auto self = weak.lock();
            if (ec || !self || gen != self->m_generation) return;
            self->m_timed_out = true;
            beast::error_code ignored;
            self->m_stream.socket().cancel(ignored);
        });
    }
    void disarm() {
        ++m_generation;
        m_deadline.cancel();
    }

    void read_header() {
        if (m_srv.stopping) return close();
        m_parser.emplace();
        m_parser->header_limit(static_cast<std::uint32_t>(m_srv.opt.header_limit));
        m_parser->body_limit(m_srv.opt.body_limit);
        m_phase = Phase::Head;
        if (m_first || m_buffer.size() > 0) {
            // the first request's head has header_timeout from the connection's opening; a pipelined one from now
            m_first = false;
            m_head_started = m_buffer.size() > 0;
            arm(m_srv.opt.header_timeout);
            return read_head();
        }
        // A kept-alive connection may stay idle up to idle_timeout; the head's deadline starts with its first byte.
        m_head_started = false;
        m_phase = Phase::Idle;
        arm(m_srv.opt.idle_timeout);
        m_stream.async_read_some(m_buffer.prepare(4096), [self = shared_from_this()](beast::error_code ec, size_t n) {
            self->m_buffer.commit(n);
            if (ec) return self->close();
            self->m_head_started = true;
            self->m_phase = Phase::Head;
            self->arm(self->m_srv.opt.header_timeout);
            self->read_head();
        });
    }

    void read_head() {
        http::async_read_header(m_stream, m_buffer, *m_parser,
                                [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
    }

    void on_header(beast::error_code ec) {
        if (ec) return on_read_error(ec);
        auto& req = m_parser->get();
        // Route and authenticate on the head: an unknown path or a missing token is answered before any body
        // byte is read, and the body may be at most the route's own limit.
        HttpRequest head;
        head.method = std::string(req.method_string());
        head.target = std::string(req.target());
        for (auto& f : req) head.headers[to_lower(f.name_string())] = std::string(f.value());
        auto check = m_srv.api.check_head(head);
        if (check.response) {
            m_srv.api.log_request(head.method, head.target, check.response->status);
            return send(*check.response, req.version(), false);
        }
        m_limit = std::min(m_srv.opt.body_limit, check.body_limit);
        m_limit_name = check.limit_name;
        m_parser->body_limit(m_limit);
        auto cl = m_parser->content_length();
        if (cl && *cl > m_limit) return reply_error(413, 10002, too_large_message());
        m_phase = Phase::Body;
        arm(m_srv.opt.body_timeout);
        if (beast::iequals(req[http::field::expect], "100-continue")) {
            auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, req.version());
            http::async_write(m_stream, *cont, [self = shared_from_this(), cont](beast::error_code ec2, size_t) {
                if (ec2) return self->close();
                self->read_body();
            });
            return;
        }
        read_body();
    }

    void read_body() {
        http::async_read(m_stream, m_buffer, *m_parser,
                         [self = shared_from_this()](beast::error_code ec, size_t) { self->on_body(ec); });
    }

    void on_read_error(beast::error_code ec) {
        const bool timed_out = m_timed_out && ec == asio::error::operation_aborted;
        disarm();
        if (timed_out) {
            if (m_phase == Phase::Body)
                return reply_error(408, 10010,
                                   "the request body did not arrive within " + ms(m_srv.opt.body_timeout) +
                                       " (limit k_api_body_timeout)");
            if (m_phase == Phase::Head && (m_head_started || m_buffer.size() > 0 || m_parser->got_some()))
                return reply_error(408, 10010,
                                   "the request head did not arrive within " + ms(m_srv.opt.header_timeout) +
                                       " (limit k_api_header_timeout)");
            return close();  // nothing was sent: an idle connection is closed without a word
        }
        if (ec == http::error::body_limit) return reply_error(413, 10002, too_large_message());
        if (ec == http::error::header_limit)
            return reply_error(
                431, 10003, "request headers exceed the limit of " + std::to_string(m_srv.opt.header_limit) + " bytes");
        if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
            ec == asio::error::operation_aborted || ec == http::error::partial_message)
            return close();
        return reply_error(400, 10001, "malformed HTTP request: " + ec.message());
    }

    void on_body(beast::error_code ec) {
        if (ec) return on_read_error(ec);
        disarm();
        auto req = m_parser->release();
        HttpRequest r;
        r.method = std::string(req.method_string());
        r.target = std::string(req.target());
        for (auto& f : req) r.headers[to_lower(f.name_string())] = std::string(f.value());
        r.body = std::move(req.body());
        ++m_srv.in_flight;
        HttpResponse out = m_srv.api.handle(r);
        --m_srv.in_flight;
        bool keep = req.keep_alive() && !m_srv.stopping;
        send(out, req.version(), keep);
    }

    std::string too_large_message() const {
        return "request body exceeds the limit of " + std::to_string(m_limit) + " bytes for this route" +
               (m_limit_name.empty() ? std::string() : " (" + m_limit_name + ")");
    }

    void reply_error(int status, int code, const std::string& msg) {
        HttpResponse out = m_srv.api.error(status, code, msg);
        m_srv.api.log_request(
            m_parser && m_parser->is_header_done() ? std::string(m_parser->get().method_string()) : "-",
            m_parser && m_parser->is_header_done() ? std::string(m_parser->get().target()) : "-", status);
        send(out, 11, false);
    }

    static std::string ms(std::chrono::milliseconds d) {
        return d.count() % 1000 == 0 ? std::to_string(d.count() / 1000) + " s" : std::to_string(d.count()) + " ms";
    }

    void send(const HttpResponse& out, unsigned version, bool keep) {
        disarm();
        auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(out.status), version);
        res->set(http::field::server, "tenantctl-dev");
        if (!out.content_type.empty()) res->set(http::field::content_type, out.content_type);  // "" = none
        for (auto& [k, v] : out.headers) res->set(k, v);
        res->body() = out.body;
        res->keep_alive(keep);
        res->prepare_payload();
        m_stream.expires_after(m_srv.opt.write_timeout);
        http::async_write(m_stream, *res, [self = shared_from_this(), res, keep](beast::error_code ec, size_t) {
            if (ec || !keep) return self->close();
            self->read_header();
        });
    }

    void close() {
        disarm();
        beast::error_code ec;
        m_stream.socket().shutdown(tcp::socket::shutdown_send, ec);
        m_stream.socket().close(ec);
    }

    beast::tcp_stream m_stream;
    Server::Impl& m_srv;
    beast::flat_buffer m_buffer;
    std::optional<http::request_parser<http::string_body>> m_parser;
    bool m_first = true;
    asio::steady_timer m_deadline;
    uint64_t m_generation = 0;
    bool m_timed_out = false;
    bool m_head_started = false;  // a byte of the current head has arrived
    enum class Phase { Idle, Head, Body } m_phase = Phase::Head;
    size_t m_limit = 0;
    std::string m_limit_name;
};

}  // namespace

void Server::Impl::accept() {
    // a connection over limits::k_max_api_connections is closed at once
    accept_connections(*acceptor, ioc, connections, opt.max_connections, stopping,
                       [this](tcp::socket socket) { std::make_shared<Session>(std::move(socket), *this)->run(); });
}

Server::Server(HttpHandler& api, ServerOptions options) : m_impl(std::make_unique<Impl>(api, std::move(options))) {}

Server::~Server() {
    stop(std::chrono::milliseconds(0));
}

Status Server::start() {
    auto& im = *m_impl;
    beast::error_code ec;
    auto addr = asio::ip::make_address(im.opt.host, ec);
    if (ec) return Error(ErrorKind::Usage, "listen address " + quoted(im.opt.host) + " is not an IP address");
    tcp::endpoint ep(addr, im.opt.port);
    im.acceptor.emplace(im.ioc);
    ec = listen_on(*im.acceptor, ep);
    if (ec)
        return Error(ErrorKind::Network,
                     "cannot listen on " + im.opt.host + ":" + std::to_string(im.opt.port) + ": " + ec.message(),
                     "pick another port with --listen 127.0.0.1:PORT (0 = any free port)");
    m_port = im.acceptor->local_endpoint().port();
    im.work.emplace(asio::make_work_guard(im.ioc));
    im.accept();
    for (int i = 0; i < std::max(1, im.opt.threads); ++i) {
        ++im.running_threads;
        im.threads.emplace_back([&im] {
            im.ioc.run();
            --im.running_threads;
        });
    }
    return ok_status();
}

size_t Server::open_connections() const {
    return m_impl->connections.load();
}

void Server::stop(std::chrono::milliseconds grace) {
    auto& im = *m_impl;
    if (im.threads.empty()) return;
    im.stopping = true;
    asio::post(im.ioc, [&im] {
        beast::error_code ec;
        if (im.acceptor) im.acceptor->close(ec);
    });
    auto deadline = std::chrono::steady_clock::now() + grace;
    while (im.in_flight > 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    im.work.reset();
    im.ioc.stop();
    // A handler that never returns (a pathological fault pattern, say) must not keep the process from stopping:
    // threads still busy after a few seconds are left behind (detached) rather than joined forever.
    auto join_deadline = std::chrono::steady_clock::now() + std::max(grace, std::chrono::milliseconds(3000));
    while (im.running_threads > 0 && std::chrono::steady_clock::now() < join_deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    bool all_done = im.running_threads == 0;
    for (auto& t : im.threads) all_done ? t.join() : t.detach();
    im.threads.clear();
}

Result<std::pair<std::string, uint16_t>> parse_listen(const std::string& spec) {
    auto colon = spec.rfind(':');
    if (colon == std::string::npos || colon == 0)
        return Error(ErrorKind::Usage, "--listen " + quoted(spec) + " must look like HOST:PORT, e.g. 127.0.0.1:8787");
    std::string host = spec.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    std::string port = spec.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(port) > 65535)
        return Error(ErrorKind::Usage, "--listen " + quoted(spec) + ": port " + quoted(port) + " must be 0 to 65535");
    boost::system::error_code ec;
    asio::ip::make_address(host, ec);
    if (ec) return Error(ErrorKind::Usage, "--listen " + quoted(spec) + ": " + quoted(host) + " is not an IP address");
    return std::make_pair(host, static_cast<uint16_t>(std::stoi(port)));
}

}  // namespace tenantctl::platform
