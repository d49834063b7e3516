#pragma once
// What the supervisor (supervisor.cpp) knows of each deployed tenant and each tenant process. Private to it.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tenantctl::runtime::supervision {

struct Tenant {
    std::string key;
    std::string label;  // "ns/name"
    int fd = -1;
    uint16_t port = 0;
    int proc = 0;  // the process it belongs to (0: none; its socket waits for a connection)
    bool in_epoll = false;
    std::string broken_etag;  // the etag that failed to start (a stub serves it)
    std::string killed_reason;
    std::chrono::steady_clock::time_point killed_at{};
    std::chrono::steady_clock::time_point retry_at{};  // a failed start is retried (on the next connection) after this
    std::chrono::steady_clock::time_point
        alone_until{};  // shared a process killed for CPU: runs in one of its own until then
};

// A workerd process running up to `per_process` tenants, each on its own socket.
struct Proc {
    int id = 0;
    pid_t pid = -1;
    int hold = -1;                             // its hold connection (retire)
    std::vector<uint16_t> ports;               // of the sockets its running generation was lent
    std::vector<std::string> members;          // tenant keys; a new member joins through a new generation
    std::map<std::string, std::string> etags;  // what the running generation runs: key -> etag
    bool loading = false;
    bool alone = false;  // takes no other member
    uint64_t generation = 0;
    int64_t last_ticks = 0;
    int64_t busy_ms = 0;
    int64_t idle_ms = 0;
};

}  // namespace tenantctl::runtime::supervision
