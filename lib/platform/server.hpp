#pragma once
// The local platform's HTTP/1.1 server (Boost.Beast): a bounded thread pool, keep-alive, size limits,
// read timeouts and a graceful stop. Requests go to an Api; the server itself knows no routes.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/limits.hpp"
#include "core/result.hpp"
#include "platform/api.hpp"

namespace tenantctl::platform {

struct ServerOptions {
    std::string host = "127.0.0.1";
    uint16_t port = 8787;  // 0 = ephemeral
    int threads = 4;
    size_t body_limit = 100u * 1024 * 1024;  // a ceiling over the routes' own limits (Api::check_head)
    size_t header_limit = 8 * 1024;          // larger headers get a 431 envelope
    // A request head must arrive within header_timeout (from the connection's opening for the first request,
    // from its first byte on a kept-alive connection) and its body within body_timeout after the head; slower
    // requests get a 408 naming the limit. Keep-alive connections idle longer than idle_timeout are closed.
    std::chrono::milliseconds header_timeout{limits::k_api_header_timeout};
    std::chrono::milliseconds body_timeout{limits::k_api_body_timeout};
    std::chrono::milliseconds idle_timeout{std::chrono::seconds(75)};
    std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};  // a response must be taken within this
    size_t max_connections = limits::k_max_api_connections;             // more are closed as soon as they are accepted
};

class Server {
public:
    Server(HttpHandler& handler, ServerOptions options);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds and starts serving on the thread pool; returns once listening.
    Status start();
    uint16_t port() const { return m_port; }
    // Connections open now (accepted and not yet closed).
    size_t open_connections() const;
    // Stops accepting, lets requests in flight finish (up to `grace`), then stops the pool.
    void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));

    struct Impl;

private:
    std::unique_ptr<Impl> m_impl;
    uint16_t m_port = 0;
};

// Parses "HOST:PORT" (IPv4 or [IPv6]); the port may be 0.
Result<std::pair<std::string, uint16_t>> parse_listen(const std::string& spec);

}  // namespace tenantctl::platform
