#pragma once
// The WebSocket end of the local platform's tails (tail.hpp): `ws://HOST:PORT/ID`, subprotocol `trace-v1`, as
// Cloudflare's tail URLs. A client may send filter messages at any time; each matching record arrives as one
// text message. A tail deleted or expired closes its sockets (code 1000, the reason says which). A client
// that reads too slowly to keep up (k_max_tail_queue records waiting) is closed with 1008 rather than let
// the platform's memory grow; its tail stays and it may reconnect.
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "platform/tail.hpp"

namespace tenantctl::platform {

inline constexpr size_t k_max_tail_queue = 100000;
inline constexpr size_t k_max_tail_connections = 1024;

class TailServer {
public:
    // With `test_hooks`, `POST /__dev/drop` cuts every open tail connection without a close frame (what a
    // network failure looks like to a client); the tails themselves stay.
    TailServer(TailHub& hub, std::string host, uint16_t port, bool test_hooks = false);
    ~TailServer();
    TailServer(const TailServer&) = delete;
    TailServer& operator=(const TailServer&) = delete;

    Status start();  // binds and serves on a thread of its own
    uint16_t port() const;
    void stop();

    struct Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

}  // namespace tenantctl::platform
