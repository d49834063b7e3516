#include "router/server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>

#include <sys/socket.h>
#include <unistd.h>
#include <cerrno>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "core/fs.hpp"
#include "core/strings.hpp"
#include "router/head.hpp"
#include "router/route.hpp"

namespace tenantctl::router {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// ---- FileMetadataStore ----

std::string FileMetadataStore::path_for(const std::string& app_id, const std::string& tenant_id) const {
    // Both ids are validated ([A-Za-z0-9_-] for tenants; application ids come from the platform), but the file
    // name is made safe regardless.
    auto safe = [](const std::string& s) {
        std::string o;
        for (char c : s) o.push_back((std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_');
        return o.empty() ? std::string("_") : o;
    };
    return join_path(join_path(m_dir, safe(app_id)), safe(tenant_id) + ".json");
}

Result<nlohmann::json> FileMetadataStore::get(const std::string& app_id, const std::string& tenant_id) {
    std::lock_guard lk(m_mutex);
    std::string p = path_for(app_id, tenant_id);
    if (!file_exists(p)) return nlohmann::json::object();
    TRY_ASSIGN(std::string text, read_file(p));
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded())
        return Error(ErrorKind::Input, "metadata file " + tenantctl::quoted(p) + " is not valid JSON");
    return j;
}

Status FileMetadataStore::put(const std::string& app_id, const std::string& tenant_id, const nlohmann::json& value) {
    std::lock_guard lk(m_mutex);
    std::string p = path_for(app_id, tenant_id);
    TRY_STATUS(make_dirs(parent_dir(p), 0700));
    return write_file_atomic(p, value.dump(2) + "\n", 0600);
}

// ---- RouterServer ----

struct RouterServer::Impl {
    asio::io_context ioc;
    int listen_fd = -1;
};

namespace {

constexpr size_t kPiece = 16 * 1024;

std::string error_json(int status, const std::string& message, const std::string& hint = {}) {
    nlohmann::json j = {{"ok", false}, {"error", {{"status", status}, {"message", message}}}};
    if (!hint.empty()) j["error"]["hint"] = hint;
    return j.dump() + "\n";
}

bool iequals(std::string_view a, std::string_view b) {
    return to_lower(a) == to_lower(b);
}

// The client socket as a SyncReadStream whose reads fail with timed_out once `deadline` has passed: the whole
// request head must arrive by then, however slowly its bytes trickle in.
// With `grace_rate` > 0 every byte read moves the deadline later by 1/grace_rate seconds (a body that keeps
// arriving at that pace is never cut).
struct DeadlineReader {
    tcp::socket& socket;
    std::chrono::steady_clock::time_point deadline;
    size_t grace_rate = 0;
    bool timed_out = false;

    using executor_type = tcp::socket::executor_type;
    executor_type get_executor() { return socket.get_executor(); }

    template <class Buffers>
    size_t read_some(const Buffers& b, beast::error_code& ec) {
        for (;;) {
            auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                timed_out = true;
                ec = asio::error::timed_out;
                return 0;
            }
            pollfd pfd{socket.native_handle(), POLLIN, 0};
            int rc = ::poll(&pfd, 1, static_cast<int>(left.count()));
            if (rc < 0 && errno == EINTR) continue;
            if (rc == 0) continue;  // the deadline check above ends it
            size_t n = socket.read_some(b, ec);
            if (grace_rate > 0)
                deadline += std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                    std::chrono::duration<double>(static_cast<double>(n) / static_cast<double>(grace_rate)));
            return n;
        }
    }
    template <class Buffers>
    size_t read_some(const Buffers& b) {
        beast::error_code ec;
        size_t n = read_some(b, ec);
        if (ec) throw beast::system_error(ec);
        return n;
    }
};

// Relays the body of a message read through parser `p` (a buffer_body; its head read) from `in` to `out` through
// serializer `s`, kPiece bytes at a time, and the end of the message. After each read, `checked(ec)` says whether
// to go on; false stops the relay (it has answered, or the connection is lost).
enum class Relay { Done, Stopped, WriteFailed };
template <class In, class Buffer, class Parser, class Out, class Serializer, class Checked>
Relay relay_body(In& in, Buffer& in_buffer, Parser& p, Out& out, Serializer& s, beast::error_code& ec,
                 Checked checked) {
    auto& body = p.get().body();
    char buf[kPiece];
    auto write = [&] {
        http::write(out, s, ec);
        if (ec == http::error::need_buffer) ec = {};
        return !ec;
    };
    do {
        if (!p.is_done()) {
            body.data = buf;
            body.size = sizeof buf;
            http::read(in, in_buffer, p, ec);
            if (ec == http::error::need_buffer) ec = {};
            if (!checked(ec)) return Relay::Stopped;
            body.size = sizeof buf - body.size;
            body.data = buf;
            body.more = !p.is_done();
        } else {
            body.data = nullptr;
            body.size = 0;
            body.more = false;
        }
        if (!write()) return Relay::WriteFailed;
    } while (!p.is_done() && !s.is_done());
    if (!s.is_done()) {  // header-only or last piece still to go
        body.data = nullptr;
        body.size = 0;
        body.more = false;
        if (!write()) return Relay::WriteFailed;
    }
    return Relay::Done;
}

bool header_has_token(std::string_view value, std::string_view token) {
    for (const auto& part : split(value, ','))
        if (iequals(trim(part), token)) return true;
    return false;
}

}  // namespace

nlohmann::json RouterServer::status_json(const AppSpec& app, const std::string& tenant_id,
                                         const std::optional<InstanceInfo>& info) {
    nlohmann::json j = {{"tenant_id", tenant_id},
                        {"application", app.name.empty() ? app.id : app.name},
                        {"application_id", app.id},
                        {"image", app.image},
                        {"running", false},
                        {"state", "stopped"},
                        {"instance_id", nullptr},
                        {"started_at", nullptr},
                        {"start_count", 0},
                        {"last_error", nullptr},
                        {"sleep_after_seconds", app.sleep_after.count()}};
    if (info) {
        j["running"] = info->state == InstanceState::Running;
        j["state"] = to_string(info->state);
        if (!info->id.empty()) j["instance_id"] = info->id;
        if (!info->image.empty()) j["image"] = info->image;
        if (auto t = format_time(info->started_at); !t.empty()) j["started_at"] = t;
        if (auto t = format_time(info->last_request_at); !t.empty()) j["last_request_at"] = t;
        j["start_count"] = info->start_count;
        if (!info->last_error.empty()) j["last_error"] = info->last_error;
        if (info->state == InstanceState::Running) {
            j["port"] = info->port;
            j["active_requests"] = info->active_requests;
        }
    }
    return j;
}

RouterServer::RouterServer(InstanceManager& manager, AppResolver apps, MetadataStore& metadata, RouterOptions options,
                           Log log)
    : m_manager(manager),
      m_apps(std::move(apps)),
      m_metadata(metadata),
      m_options(std::move(options)),
      m_log(std::move(log)),
      m_impl(std::make_unique<Impl>()) {}

RouterServer::~RouterServer() {
    stop();
}

Status RouterServer::start() {
    in_addr addr{};
    if (::inet_pton(AF_INET, m_options.listen_host.c_str(), &addr) != 1 || (ntohl(addr.s_addr) >> 24) != 127)
        return Error(ErrorKind::Usage, "router listen address " + tenantctl::quoted(m_options.listen_host) +
                                           " is not an IPv4 address in 127.0.0.0/8");
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return Error(ErrorKind::Io, "router: socket() failed");
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr = addr;
    sa.sin_port = htons(static_cast<uint16_t>(m_options.port));
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(fd, 1024) != 0) {
        int err = errno;
        ::close(fd);
        return Error(ErrorKind::Io,
                     "router: cannot listen on " + m_options.listen_host + ":" + std::to_string(m_options.port) + ": " +
                         std::strerror(err),
                     "pick another port with --router-listen 127.0.0.1:PORT");
    }
    socklen_t len = sizeof sa;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
    m_port = ntohs(sa.sin_port);
    m_impl->listen_fd = fd;
    m_stopping = false;
    m_acceptor = std::thread([this] { accept_loop(); });
    return ok_status();
}

void RouterServer::stop() {
    if (!m_acceptor.joinable()) return;
    m_stopping = true;
    ::shutdown(m_impl->listen_fd, SHUT_RDWR);
    m_acceptor.join();
    ::close(m_impl->listen_fd);
    m_impl->listen_fd = -1;
    std::unique_lock lk(m_conn_mutex);
    for (int fd : m_fds) ::shutdown(fd, SHUT_RDWR);
    m_conn_cv.wait_for(lk, std::chrono::seconds(10), [this] { return m_connections == 0; });
}

void RouterServer::accept_loop() {
    while (!m_stopping) {
        int fd = ::accept4(m_impl->listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            if (m_stopping) break;
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno == EMFILE || errno == ENFILE) {
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
                continue;
            }
            break;
        }
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        {
            std::lock_guard lk(m_conn_mutex);
            if (static_cast<size_t>(m_connections) >= m_options.max_connections) {  // k_max_router_connections
                ::close(fd);
                continue;
            }
            ++m_connections;
            m_fds.insert(fd);
        }
        std::thread([this, fd] {
            try {
                serve(fd);
            } catch (const std::exception& e) {
                if (m_log) m_log(std::string("router: connection error: ") + e.what());
            }
            std::lock_guard lk(m_conn_mutex);
            --m_connections;
            m_conn_cv.notify_all();
        }).detach();
    }
}

// One client connection: a loop over its requests (keep-alive), with one upstream connection kept open
// as long as requests go to the same instance.
struct Connection {
    RouterServer& server;
    tcp::socket client;
    beast::flat_buffer cbuf;
    tcp::socket up;
    beast::flat_buffer ubuf;
    std::string up_instance;
    std::string peer;

    Connection(RouterServer& s, asio::io_context& ioc, int fd) : server(s), client(ioc), up(ioc) {
        client.assign(tcp::v4(), fd);
        beast::error_code ec;
        auto ep = client.remote_endpoint(ec);
        if (!ec) peer = ep.address().to_string();
    }
    ~Connection() {
        close_upstream();
        int fd = client.native_handle();
        {
            std::lock_guard lk(server.m_conn_mutex);
            server.m_fds.erase(fd);
        }
        beast::error_code ec;
        client.close(ec);
    }

    void close_upstream() {
        if (!up.is_open()) return;
        {
            std::lock_guard lk(server.m_conn_mutex);
            server.m_fds.erase(up.native_handle());
        }
        beast::error_code ec;
        up.close(ec);
        ubuf.clear();
        up_instance.clear();
    }

    bool connect_upstream(const Lease& lease) {
        if (up.is_open() && up_instance == lease.instance_id()) return true;
        close_upstream();
        beast::error_code ec;
        up.connect(tcp::endpoint(asio::ip::make_address(lease.host(), ec), static_cast<unsigned short>(lease.port())),
                   ec);
        if (ec) {
            beast::error_code ignored;
            up.close(ignored);
            return false;
        }
        up.set_option(tcp::no_delay(true), ec);
        {
            std::lock_guard lk(server.m_conn_mutex);
            server.m_fds.insert(up.native_handle());
        }
        up_instance = lease.instance_id();
        return true;
    }

    template <class Body>
    void finish_headers(http::response<Body>& res, bool keep_alive, const std::string& served_by) {
        res.set("X-Served-By", served_by);
        res.keep_alive(keep_alive);
    }

    // A response of the router itself. Returns false when the connection must close.
    bool reply(http::request_parser<http::buffer_body>& p, http::status status, const std::string& body,
               bool keep_alive, const std::vector<std::pair<std::string, std::string>>& extra = {}) {
        const auto& req = p.get();
        // A request body we did not read makes the connection unusable for the next request.
        bool keep = keep_alive && req.keep_alive() && p.is_done();
        http::response<http::string_body> res{status, req.version()};
        res.set(http::field::content_type, "application/json");
        res.set(http::field::cache_control, "no-store");
        for (const auto& [k, v] : extra) res.set(k, v);
        finish_headers(res, keep, "tenantctl-router");
        res.body() = req.method() == http::verb::head ? std::string() : body;
        res.prepare_payload();
        beast::error_code ec;
        http::write(client, res, ec);
        return keep && !ec;
    }

    // A response of the router itself when no request head could be read; the connection closes after it.
    void reply_without_request(http::status status, const std::string& body) {
        http::response<http::string_body> res{status, 11};
        res.set(http::field::content_type, "application/json");
        finish_headers(res, false, "tenantctl-router");
        res.body() = body;
        res.prepare_payload();
        beast::error_code ignored;
        http::write(client, res, ignored);
    }

    bool reply_error(http::request_parser<http::buffer_body>& p, const Error& e) {
        int status = e.http_status ? e.http_status : 500;
        std::vector<std::pair<std::string, std::string>> extra;
        for (const auto& item : e.api_errors)
            if (item.message == "retry_after") extra.emplace_back("Retry-After", std::to_string(item.code));
        return reply(p, static_cast<http::status>(status), error_json(status, e.message, e.hint), true, extra);
    }

    std::string body_timeout_message() const {
        return "the request body did not keep arriving: " + std::to_string(server.m_options.body_timeout.count()) +
               " ms plus 1 s per " + std::to_string(server.m_options.body_min_rate) +
               " bytes received (limits k_router_body_timeout, k_router_body_min_bytes_per_second)";
    }

    // Reads a whole (small) request body; false when it is larger than `limit` or the read failed. The body
    // deadline (body_timeout, body_min_rate) applies here too: `timed_out` tells a slow body.
    bool read_small_body(http::request_parser<http::buffer_body>& p, std::string& body, size_t limit, bool& timed_out) {
        char buf[kPiece];
        DeadlineReader reader{client, std::chrono::steady_clock::now() + server.m_options.body_timeout,
                              server.m_options.body_min_rate};
        while (!p.is_done()) {
            p.get().body().data = buf;
            p.get().body().size = sizeof buf;
            beast::error_code ec;
            http::read(reader, cbuf, p, ec);
            if (ec == http::error::need_buffer) ec = {};
            timed_out = reader.timed_out;
            if (ec) return false;
            body.append(buf, sizeof buf - p.get().body().size);
            if (body.size() > limit) return false;
        }
        return true;
    }

    bool management(http::request_parser<http::buffer_body>& p, const Route& route, const AppSpec& app) {
        auto& req = p.get();
        if (route.management == "_status") {
            if (req.method() != http::verb::get && req.method() != http::verb::head)
                return reply(p, http::status::method_not_allowed, error_json(405, "use GET for _status"), true,
                             {{"Allow", "GET"}});
            auto info = server.m_manager.find(app.id, route.tenant_id);
            return reply(p, http::status::ok, RouterServer::status_json(app, route.tenant_id, info).dump() + "\n",
                         true);
        }
        if (route.management == "_restart") {
            if (req.method() != http::verb::post)
                return reply(p, http::status::method_not_allowed, error_json(405, "use POST for _restart"), true,
                             {{"Allow", "POST"}});
            auto r = server.m_manager.restart(app, route.tenant_id);
            if (!r) return reply_error(p, r.error());
            auto j = RouterServer::status_json(app, route.tenant_id, *r);
            j["restarted"] = true;
            return reply(p, http::status::ok, j.dump() + "\n", true);
        }
        // _metadata
        if (req.method() == http::verb::get || req.method() == http::verb::head) {
            auto m = server.m_metadata.get(app.id, route.tenant_id);
            if (!m) return reply(p, http::status::internal_server_error, error_json(500, m.error().message), true);
            return reply(p, http::status::ok, m->dump() + "\n", true);
        }
        if (req.method() == http::verb::put) {
            std::string body;
            bool slow = false;
            if (!read_small_body(p, body, server.m_options.max_metadata_bytes, slow))
                return slow ? reply(p, http::status::request_timeout, error_json(408, body_timeout_message()), false)
                            : reply(p, http::status::payload_too_large,
                                    error_json(413, "metadata body larger than " +
                                                        std::to_string(server.m_options.max_metadata_bytes) +
                                                        " bytes or unreadable"),
                                    false);
            auto j = nlohmann::json::parse(body, nullptr, false);
            if (!j.is_object())
                return reply(p, http::status::bad_request, error_json(400, "metadata must be a JSON object"), true);
            if (auto st = server.m_metadata.put(app.id, route.tenant_id, j); !st)
                return reply(p, http::status::internal_server_error, error_json(500, st.error().message), true);
            return reply(p, http::status::ok, j.dump() + "\n", true);
        }
        return reply(p, http::status::method_not_allowed, error_json(405, "use GET or PUT for _metadata"), true,
                     {{"Allow", "GET, PUT"}});
    }

    // Copies bytes one way until EOF/error; then shuts the write side of `to`.
    static void pump(tcp::socket& from, tcp::socket& to) {
        char buf[kPiece];
        for (;;) {
            beast::error_code ec;
            size_t n = from.read_some(asio::buffer(buf), ec);
            if (n > 0) {
                beast::error_code wec;
                asio::write(to, asio::buffer(buf, n), wec);
                if (wec) break;
            }
            if (ec) break;
        }
        beast::error_code ec;
        to.shutdown(tcp::socket::shutdown_send, ec);
    }

    void splice() {
        beast::error_code ec;
        if (cbuf.size()) asio::write(up, cbuf.data(), ec);
        cbuf.consume(cbuf.size());
        if (ubuf.size()) asio::write(client, ubuf.data(), ec);
        ubuf.consume(ubuf.size());
        std::thread t([this] { pump(client, up); });
        pump(up, client);
        // the upstream finished: make sure the other direction ends too
        client.shutdown(tcp::socket::shutdown_receive, ec);
        t.join();
    }

    // Returns false when the connection must be closed.
    bool proxy(http::request_parser<http::buffer_body>& p, const Route& route, const AppSpec& app,
               const std::string& original_target) {
        auto& req = p.get();
        const bool client_keep = req.keep_alive();
        std::string tenant = route.tenant_id;
        if (route.kind == RouteKind::Pool) {
            int n = std::max(1, app.pool_size);
            tenant = "pool:" + std::to_string(server.m_round_robin.fetch_add(1) % static_cast<unsigned>(n));
        }
        const bool upgrade = iequals(std::string(req[http::field::upgrade]), "websocket") &&
                             header_has_token(std::string(req[http::field::connection]), "upgrade");
        // headers toward the container
        std::string host(req[http::field::host]);
        req.erase("X-App-Id");
        req.set("X-App-Id", route.kind == RouteKind::Pool ? tenant : route.tenant_id);
        // Toward the container: an X-User-ID / X-Tenant-ID that names the routed tenant (in any case) carries its
        // canonical lowercase id; one that names another tenant is removed; a pinned tenant replaces both.
        for (const char* h : {"X-User-ID", "X-Tenant-ID"}) {
            if (!req.count(h)) continue;
            if (route.source != IdSource::Pin && to_lower(trim(std::string(req[h]))) == route.tenant_id)
                req.set(h, route.tenant_id);
            else
                req.erase(h);
        }
        if (route.source == IdSource::Pin) req.set("X-User-ID", route.tenant_id);
        req.erase("X-Tenantctl-Pin");
        req.erase("X-Tenantctl-Tenant");
        const size_t id_headers = req.count("X-User-ID") + req.count("X-Tenant-ID");
        req.set("X-Original-URL", "http://" + (host.empty() ? std::string("localhost") : host) + original_target);
        req.set("X-Forwarded-For", peer);
        req.set("X-Forwarded-Proto", "http");
        if (!host.empty()) req.set("X-Forwarded-Host", host);
        req.erase("Proxy-Connection");
        req.erase("Keep-Alive");
        req.target(route.forward_target);
        if (!upgrade) req.keep_alive(true);

        Lease lease;
        for (int attempt = 0;; ++attempt) {
            auto r = server.m_manager.acquire(app, tenant);
            if (!r) return reply_error(p, r.error());
            lease = std::move(r).value();
            if (connect_upstream(lease)) break;
            std::string iid = lease.instance_id();
            lease.release();
            if (attempt == 0 && server.m_manager.report_unreachable(iid)) continue;
            Error e(ErrorKind::Network,
                    "instance " + iid + " of tenant " + tenantctl::quoted(tenant) + " does not accept connections");
            e.http_status = 502;
            return reply_error(p, e);
        }

        // request: header + body, piece by piece; the body must keep arriving (body_timeout, body_min_rate)
        const bool body_pending = !p.is_done();
        DeadlineReader body_reader{client, std::chrono::steady_clock::now() + server.m_options.body_timeout,
                                   server.m_options.body_min_rate};
        bool reused = true;  // whether the upstream connection served an earlier request (may be stale)
        for (int attempt = 0;; ++attempt) {
            beast::error_code ec;
            http::request_serializer<http::buffer_body> sr{req};
            bool sent_body = false;
            // Every reply here closes the connection (reply(…, false) is false).
            auto body_checked = [&](const beast::error_code& read_ec) {
                if (body_reader.timed_out) {  // a trickling body: the container never sees its end
                    close_upstream();
                    reply(p, http::status::request_timeout, error_json(408, body_timeout_message()), false);
                    return false;
                }
                if (read_ec) return false;  // the client went away mid-body
                if (req.count("X-User-ID") + req.count("X-Tenant-ID") != id_headers || req.count("X-Tenantctl-Pin") ||
                    req.count("X-Tenantctl-Tenant")) {
                    close_upstream();  // a chunked trailer tried to add a tenant header: never forwarded
                    reply(p, http::status::bad_request,
                          error_json(400, "a chunked trailer carries a tenant header; refused"), false);
                    return false;
                }
                sent_body = true;
                return true;
            };
            if (relay_body(body_reader, cbuf, p, up, sr, ec, body_checked) == Relay::Stopped) return false;
            if (ec) {
                if (attempt == 0 && reused && !sent_body && !body_pending) {  // stale keep-alive connection
                    close_upstream();
                    if (connect_upstream(lease)) continue;
                }
                close_upstream();
                server.m_manager.report_unreachable(lease.instance_id());
                Error e(ErrorKind::Network,
                        "forwarding the request to instance " + lease.instance_id() + " failed: " + ec.message());
                e.http_status = 502;
                return reply_error(p, e) && false;
            }

            // response header
            http::response_parser<http::buffer_body> rp;
            rp.body_limit(boost::none);
            rp.header_limit(64 * 1024);
            if (req.method() == http::verb::head) rp.skip(true);
            // The instance has `upstream_timeout` to start answering (as an edge gives an origin 100 s).
            if (ubuf.size() == 0 && server.m_options.upstream_timeout.count() > 0) {
                pollfd upfd{up.native_handle(), POLLIN, 0};
                int rc;
                do rc = ::poll(&upfd, 1, static_cast<int>(server.m_options.upstream_timeout.count()));
                while (rc < 0 && errno == EINTR);
                if (rc == 0) {
                    close_upstream();
                    Error e(ErrorKind::Timeout, "instance " + lease.instance_id() + " of tenant " +
                                                    tenantctl::quoted(tenant) + " did not answer within " +
                                                    std::to_string(server.m_options.upstream_timeout.count()) + " ms");
                    e.http_status = 504;
                    return reply_error(p, e) && false;
                }
            }
            http::read_header(up, ubuf, rp, ec);
            if (ec) {
                if (attempt == 0 && reused && !body_pending &&
                    (ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
                     ec == asio::error::eof)) {
                    close_upstream();
                    reused = false;
                    if (connect_upstream(lease)) continue;
                }
                close_upstream();
                bool dead = server.m_manager.report_unreachable(lease.instance_id());
                Error e(ErrorKind::Network,
                        "instance " + lease.instance_id() + " closed the connection without answering" +
                            (dead ? " (the container exited; the next request starts a new one)" : ""));
                e.http_status = 502;
                return reply_error(p, e) && false;
            }
            auto& res = rp.get();
            if (res.result() == http::status::switching_protocols && upgrade) {
                res.set("X-Served-By", lease.instance_id());
                http::response_serializer<http::buffer_body> ss{res};
                res.body().data = nullptr;
                res.body().size = 0;
                res.body().more = false;
                http::write_header(client, ss, ec);
                if (ec) return false;
                splice();
                return false;
            }
            const bool up_keep = rp.keep_alive();
            const bool keep = client_keep && up_keep && !upgrade;
            finish_headers(res, keep, lease.instance_id());
            http::response_serializer<http::buffer_body> ss{res};
            auto response_checked = [&](const beast::error_code& read_ec) {
                if (!read_ec) return true;
                // the instance died mid-response: nothing sensible can be sent any more
                close_upstream();
                server.m_manager.report_unreachable(lease.instance_id());
                return false;
            };
            if (relay_body(up, ubuf, rp, client, ss, ec, response_checked) != Relay::Done) return false;
            if (!up_keep) close_upstream();
            return keep;
        }
    }

    // Waits until the client sends something (or buffered bytes exist); false after the idle timeout.
    bool wait_readable() {
        if (cbuf.size() > 0) return true;
        pollfd pfd{client.native_handle(), POLLIN, 0};
        int ms = static_cast<int>(server.m_options.idle_timeout.count());
        for (;;) {
            int rc = ::poll(&pfd, 1, ms);
            if (rc < 0 && errno == EINTR) continue;
            return rc > 0;
        }
    }

    void run() {
        for (;;) {
            if (!wait_readable()) return;
            http::request_parser<http::buffer_body> p;
            p.body_limit(boost::none);
            p.header_limit(64 * 1024);
            beast::error_code ec;
            DeadlineReader reader{client, std::chrono::steady_clock::now() + server.m_options.header_timeout};
            http::read_header(reader, cbuf, p, ec);
            if (reader.timed_out)
                return reply_without_request(
                    http::status::request_timeout,
                    error_json(408, "the request head did not arrive within " +
                                        std::to_string(server.m_options.header_timeout.count()) +
                                        " ms (limit k_router_header_timeout)"));
            if (ec) {
                if (ec != http::error::end_of_stream && ec != asio::error::eof && ec != asio::error::connection_reset &&
                    ec != asio::error::operation_aborted && ec != asio::error::bad_descriptor &&
                    ec != asio::error::shut_down)
                    reply_without_request(http::status::bad_request,
                                          error_json(400, "malformed HTTP request: " + ec.message()));
                return;
            }
            auto& req = p.get();
            std::string original_target(req.target());
            auto decision = decide_head(req, original_target, server.m_options.domain, server.m_options.pin_key);
            if (!decision.route) {
                if (decision.close) {
                    int status = decision.error.http_status;
                    reply(p, static_cast<http::status>(status), error_json(status, decision.error.message), false);
                    return;
                }
                if (!reply_error(p, decision.error)) return;
                continue;
            }
            const Route* route = &*decision.route;
            std::string selector = route->application.empty() ? server.m_options.default_app : route->application;
            auto app = server.m_apps(selector);
            if (!app) {
                Error e(
                    ErrorKind::NotFound,
                    selector.empty() ? "no default application: none or several applications exist"
                                     : "no application " + tenantctl::quoted(selector),
                    "start the router with --app NAME, or address {tenant}.{application}." + server.m_options.domain);
                e.http_status = 404;
                if (!reply_error(p, e)) return;
                continue;
            }
            bool keep = route->kind == RouteKind::Management ? management(p, *route, *app)
                                                             : proxy(p, *route, *app, original_target);
            if (!keep) return;
        }
    }
};

void RouterServer::serve(int fd) {
    Connection c(*this, m_impl->ioc, fd);
    c.run();
}

}  // namespace tenantctl::router
