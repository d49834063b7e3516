#include "support/test_http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <stdexcept>

#include "core/strings.hpp"

namespace tenantctl::testing {

std::string RecordedRequest::header(const std::string& name) const {
    auto it = headers.find(to_lower(name));
    return it == headers.end() ? std::string() : it->second;
}

std::string RecordedRequest::param(const std::string& name) const {
    for (const auto& kv : split(query, '&')) {
        auto eq = kv.find('=');
        std::string k = url_decode(kv.substr(0, eq));
        if (k == name) return eq == std::string::npos ? std::string() : url_decode(kv.substr(eq + 1));
    }
    return {};
}

ScriptedResponse ScriptedResponse::json(int status, const std::string& body) {
    ScriptedResponse r;
    r.status = status;
    r.headers.emplace_back("Content-Type", "application/json");
    r.body = body;
    return r;
}

ScriptedResponse ScriptedResponse::envelope(const std::string& result, const std::string& result_info) {
    std::string body = R"({"success":true,"errors":[],"messages":[],"result":)" + result;
    if (!result_info.empty()) body += R"(,"result_info":)" + result_info;
    body += "}";
    return json(200, body);
}

ScriptedResponse ScriptedResponse::api_error(int status, int code, const std::string& message) {
    return json(status, R"({"success":false,"errors":[{"code":)" + std::to_string(code) + R"(,"message":)" +
                            tenantctl::quoted(message) + R"(}],"messages":[],"result":null})");
}

TestHttpServer::TestHttpServer() {
    m_listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (m_listen_fd < 0) throw std::runtime_error("test server: socket failed");
    int one = 1;
    ::setsockopt(m_listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(m_listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(m_listen_fd, 64) != 0) {
        ::close(m_listen_fd);
        throw std::runtime_error("test server: bind/listen failed");
    }
    socklen_t len = sizeof addr;
    ::getsockname(m_listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
    m_port = ntohs(addr.sin_port);
    m_accept = std::thread([this] { accept_loop(); });
}

TestHttpServer::~TestHttpServer() {
    stop();
}

std::string TestHttpServer::url() const {
    return "http://127.0.0.1:" + std::to_string(m_port);
}

void TestHttpServer::on(const std::string& method, const std::string& path, std::vector<ScriptedResponse> responses) {
    std::lock_guard lock(m_mutex);
    m_routes.push_back(Route{method, path, false, std::move(responses), 0, {}});
}

void TestHttpServer::on(const std::string& method, const std::string& path, Handler handler) {
    std::lock_guard lock(m_mutex);
    m_routes.push_back(Route{method, path, false, {}, 0, std::move(handler)});
}

void TestHttpServer::on_prefix(const std::string& method, const std::string& prefix, Handler handler) {
    std::lock_guard lock(m_mutex);
    m_routes.push_back(Route{method, prefix, true, {}, 0, std::move(handler)});
}

std::vector<RecordedRequest> TestHttpServer::requests() const {
    std::lock_guard lock(m_mutex);
    return m_requests;
}

size_t TestHttpServer::count(const std::string& method, const std::string& path) const {
    std::lock_guard lock(m_mutex);
    return static_cast<size_t>(std::count_if(m_requests.begin(), m_requests.end(), [&](const RecordedRequest& r) {
        return r.method == method && r.path == path;
    }));
}

std::vector<std::string> TestHttpServer::unexpected() const {
    std::lock_guard lock(m_mutex);
    return m_unexpected;
}

void TestHttpServer::stop() {
    if (m_stop.exchange(true)) return;
    m_cv.notify_all();
    ::shutdown(m_listen_fd, SHUT_RDWR);
    if (m_accept.joinable()) m_accept.join();
    {
        std::lock_guard lock(m_mutex);
        for (int fd : m_open_fds) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : m_workers) {
        if (t.joinable()) t.join();
    }
    ::close(m_listen_fd);
}

bool TestHttpServer::wait_or_stop(std::chrono::milliseconds d) {
    std::unique_lock lock(m_mutex);
    return !m_cv.wait_for(lock, d, [this] { return m_stop.load(); });
}

void TestHttpServer::accept_loop() {
    while (!m_stop) {
        pollfd p{m_listen_fd, POLLIN, 0};
        int n = ::poll(&p, 1, 100);
        if (n <= 0) continue;
        int fd = ::accept4(m_listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) continue;
        std::lock_guard lock(m_mutex);
        m_open_fds.push_back(fd);
        m_workers.emplace_back([this, fd] { serve(fd); });
    }
}

ScriptedResponse TestHttpServer::dispatch(const RecordedRequest& req) {
    Handler handler;
    {
        std::lock_guard lock(m_mutex);
        m_requests.push_back(req);
        Route* match = nullptr;
        for (auto& r : m_routes) {
            if (r.method != req.method) continue;
            if (r.prefix ? starts_with(req.path, r.path) : r.path == req.path) {
                match = &r;
                break;
            }
        }
        if (!match) {
            m_unexpected.push_back(req.method + " " + req.target);
            return ScriptedResponse::api_error(599, 9999, "unexpected request " + req.method + " " + req.path);
        }
        if (!match->handler) {
            if (match->sequence.empty()) return ScriptedResponse::envelope("null");
            size_t i = std::min(match->next, match->sequence.size() - 1);
            ++match->next;
            return match->sequence[i];
        }
        handler = match->handler;
    }
    return handler(req);
}

static bool read_more(int fd, std::string& buf) {
    char tmp[16384];
    ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf.append(tmp, static_cast<size_t>(n));
    return true;
}

static void send_all(int fd, const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
        ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
        if (n <= 0) return;
        off += static_cast<size_t>(n);
    }
}

static const char* reason(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 201:
            return "Created";
        case 204:
            return "No Content";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 408:
            return "Request Timeout";
        case 409:
            return "Conflict";
        case 429:
            return "Too Many Requests";
        case 500:
            return "Internal Server Error";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        case 504:
            return "Gateway Timeout";
        default:
            return "Status";
    }
}

void TestHttpServer::serve(int fd) {
    std::string buf;
    bool open = true;
    while (open && !m_stop) {
        size_t end;
        while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
            if (!read_more(fd, buf)) {
                open = false;
                break;
            }
        }
        if (!open) break;
        RecordedRequest req;
        auto lines = split(buf.substr(0, end), '\n');
        auto first = split(std::string(trim(lines[0])), ' ');
        if (first.size() < 2) break;
        req.method = first[0];
        req.target = first[1];
        auto q = req.target.find('?');
        req.path = req.target.substr(0, q);
        if (q != std::string::npos) req.query = req.target.substr(q + 1);
        for (size_t i = 1; i < lines.size(); ++i) {
            auto colon = lines[i].find(':');
            if (colon == std::string::npos) continue;
            req.headers[to_lower(trim(lines[i].substr(0, colon)))] = std::string(trim(lines[i].substr(colon + 1)));
        }
        size_t length = 0;
        if (auto it = req.headers.find("content-length"); it != req.headers.end()) length = std::stoul(it->second);
        buf.erase(0, end + 4);
        while (buf.size() < length) {
            if (!read_more(fd, buf)) {
                open = false;
                break;
            }
        }
        if (!open) break;
        req.body = buf.substr(0, length);
        buf.erase(0, length);

        ScriptedResponse resp = dispatch(req);
        if (resp.delay.count() > 0 && !wait_or_stop(resp.delay)) break;
        if (resp.reset) {
            linger l{1, 0};
            ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
            break;
        }
        std::string out = "HTTP/1.1 " + std::to_string(resp.status) + " " + reason(resp.status) + "\r\n";
        for (const auto& [k, v] : resp.headers) out += k + ": " + v + "\r\n";
        out += "Content-Length: " + std::to_string(resp.body.size()) + "\r\n\r\n";
        if (req.method != "HEAD") out += resp.body;
        send_all(fd, out);
    }
    {
        std::lock_guard lock(m_mutex);
        m_open_fds.erase(std::remove(m_open_fds.begin(), m_open_fds.end(), fd), m_open_fds.end());
    }
    ::close(fd);
}

}  // namespace tenantctl::testing
