#pragma once
// Runs the platform's stored workers in workerd and keeps them current.
//
// Two kinds of workerd process, each on a listening socket the supervisor owns and lends (`--socket-fd`):
// - the front: every account worker (and the entry worker that picks one by Host) on the workers' port;
// - tenant processes, each running up to `per_process` dispatch-namespace scripts (tenants), each tenant on a
//   port of its own that the front's dispatch bindings call (fetch and JS RPC, `capnpConnectHost`). A tenant
//   is loaded when a connection waits on its socket (the first request: no tenant is loaded before it is used,
//   so a thousand deployed cost a thousand idle sockets): it joins a process with room, through that process's
//   next generation, or starts one. A process stops after `idle_ms` without CPU use.
// A new generation of a process (after an upload, a delete, a secret or settings change) starts next to the
// old one, and the old one is told to drain (SIGTERM: requests in flight finish) only once the new one
// reports `listen` on its control fd: no request is refused during a swap. Changes are coalesced. A script
// that fails to start ("service KEY: Uncaught …") is replaced by a stub answering 500 with the error, so one
// tenant's broken upload never stops another. A watchdog samples each tenant process's CPU time: a process
// busy without a pause for `cpu_kill_ms` is killed (a loop stalls only the tenants of its process, and only
// that long), its callers' fetch() rejects with "Worker exceeded CPU time limit.", and each of its tenants
// runs in a process of its own for the next 10 minutes.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "platform/dev_seams.hpp"
#include "platform/store.hpp"

namespace tenantctl::runtime {

struct RuntimeOptions {
    std::string workerd;  // path of the workerd binary
    std::string host = "127.0.0.1";
    uint16_t port = 8789;   // 0 = ephemeral
    std::string state_dir;  // runtime files go to STATE_DIR/runtime (0700)
    std::string account_id;
    std::string workerd_date;                     // workerd's version date (compatibility dates are clamped to it)
    std::function<void(const std::string&)> log;  // one line per event (generations, failures, created storage)
    // Workers' own output (console.*), one line at a time, prefixed with the script ("[ns/name] …").
    std::function<void(const std::string&)> output;
    // Per-invocation records (a JSON array of trace items: logs, exceptions, outcome, the request), as the
    // runtime's tail worker posts them; called on the storage server's threads.
    std::function<void(const std::string&)> records;
    int cpu_kill_ms = 2000;  // a tenant process busy this long without a pause is killed
    int idle_ms = 120000;    // a tenant process without CPU use this long is stopped (restarted on demand)
    int per_process = 8;     // tenants one workerd process runs at most (1: each tenant in a process of its own)
};

struct RuntimeStatus {
    uint64_t generation = 0;          // of the front
    std::vector<std::string> loaded;  // account worker keys in the front
    std::vector<std::string> broken;  // script keys with the reason, "key: reason"
    size_t tenants = 0;               // namespace scripts deployed
    size_t tenants_running = 0;       // … with a process
};

class WorkerRuntime final : public platform::DevWorkers {
public:
    static Result<std::unique_ptr<WorkerRuntime>> start(platform::Store& store, RuntimeOptions options);
    ~WorkerRuntime() override;
    WorkerRuntime(const WorkerRuntime&) = delete;
    WorkerRuntime& operator=(const WorkerRuntime&) = delete;

    uint16_t port() const override;
    RuntimeStatus status() const;
    // Waits until every change seen so far is running (or failed); false on timeout.
    bool settle(int timeout_ms);
    void stop() override;
    // Checks uploads in throwaway workerd processes (validate.hpp), with this runtime's workerd.
    std::shared_ptr<platform::ScriptValidator> validator() override;

    struct Impl;

private:
    explicit WorkerRuntime(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

// The platform::StartWorkers `tenantctl dev` passes its DevPlatform: finds workerd (find_workerd; null when there
// is none), starts a WorkerRuntime and waits (up to 2 minutes) until it runs what the store holds.
Result<std::unique_ptr<platform::DevWorkers>> start_dev_workers(platform::Store& store,
                                                                const platform::DevWorkersOptions& options);

}  // namespace tenantctl::runtime
