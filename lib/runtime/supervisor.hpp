#pragma once
// Runs the platform's stored workers in workerd and keeps them current.
//
// The supervisor owns the workers' listening socket and hands it to workerd (`--socket-fd`), so a new
// generation (after an upload, a delete, a secret or settings change) starts next to the old one, and the old
// one is told to drain (SIGTERM: requests in flight finish) only once the new one reports `listen` on its
// control fd: no request is refused during a swap. Changes are coalesced (a bulk apply of many tenants costs
// one swap per debounce window). A generation that fails to start names the failing scripts ("service KEY:
// Uncaught …"); those are replaced by a stub that answers 500 with the error, and the rest start again, so
// one tenant's broken upload never stops the others.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "platform/store.hpp"

namespace tenantctl::runtime {

struct RuntimeOptions {
    std::string workerd;                     // path of the workerd binary
    std::string host = "127.0.0.1";
    uint16_t port = 8789;                    // 0 = ephemeral
    std::string state_dir;                   // runtime files go to STATE_DIR/runtime (0700)
    std::string account_id;
    std::string workerd_date;                // workerd's version date (compatibility dates are clamped to it)
    std::function<void(const std::string&)> log;  // one line per event (generations, failures, created storage)
};

struct RuntimeStatus {
    uint64_t generation = 0;
    std::vector<std::string> loaded;  // script keys
    std::vector<std::string> broken;  // script keys with the reason, "key: reason"
};

class WorkerRuntime {
public:
    static Result<std::unique_ptr<WorkerRuntime>> start(platform::Store& store, RuntimeOptions options);
    ~WorkerRuntime();
    WorkerRuntime(const WorkerRuntime&) = delete;
    WorkerRuntime& operator=(const WorkerRuntime&) = delete;

    uint16_t port() const;
    RuntimeStatus status() const;
    // Waits until every change seen so far is running (or failed); false on timeout.
    bool settle(int timeout_ms);
    void stop();

    struct Impl;

private:
    explicit WorkerRuntime(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

// Where workerd comes from: the project's node_modules (upward from `cwd`), then `env_override`
// (TENANTCTL_WORKERD), then PATH. Empty when there is none.
std::string find_workerd(const std::string& cwd, const std::string& env_override, const std::string& path_env);
// workerd's version date ("2026-11-17"), from `workerd --version`; empty on failure.
std::string workerd_version_date(const std::string& workerd);

}  // namespace tenantctl::runtime
