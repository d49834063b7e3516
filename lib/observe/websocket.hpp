#pragma once
// WebSocket client connections (Boost.Beast; wss:// with OpenSSL, the peer verified against the system's CA
// store or a given bundle, SNI and host name checked), several at once on one thread: the caller runs the
// loop in slices (run_for) and every callback happens inside run_for, on the caller's thread.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/result.hpp"

namespace tenantctl::observe {

struct WsUrl {
    bool tls = false;
    std::string host;
    std::string port;
    std::string target;  // path and query
};
// ws:// or wss:// URLs only.
Result<WsUrl> parse_ws_url(const std::string& url);

struct WsOptions {
    std::string subprotocol;  // sent as Sec-WebSocket-Protocol (e.g. "trace-v1")
    std::string user_agent;
    std::string ca_bundle;  // PEM file; empty = the system's store
    std::chrono::milliseconds connect_timeout{15000};
    size_t max_message = 16u * 1024 * 1024;
};

// How a connection ended.
struct WsEnd {
    bool clean = false;  // the server sent a close frame
    int close_code = 0;
    std::string reason;   // the close frame's reason, or what failed
    int http_status = 0;  // when the server refused the upgrade
};

class WsMux {
public:
    struct Callbacks {
        std::function<void(size_t id)> opened;
        std::function<void(size_t id, std::string&& message)> message;
        std::function<void(size_t id, const WsEnd& end)> ended;
    };
    WsMux(WsOptions options, Callbacks callbacks);
    ~WsMux();
    WsMux(const WsMux&) = delete;
    WsMux& operator=(const WsMux&) = delete;

    // Starts connecting; `first_message` (when not empty) is sent once the connection is open.
    Status open(size_t id, const std::string& url, const std::string& first_message);
    // Sends a close frame (the connection then ends with `ended`).
    void close(size_t id);
    size_t open_count() const;
    // Runs the loop for up to `d` (returns early when nothing is open).
    void run_for(std::chrono::milliseconds d);

    struct Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

}  // namespace tenantctl::observe
