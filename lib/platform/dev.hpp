#pragma once
// `tenantctl dev`: the DevPlatform starts the local platform (state directory, credentials, SQLite store,
// control-plane API, tail server, and through the seams its caller passes, lib/router's containers and
// lib/runtime's workers), writes the `local` profile and dev.json, and stops it all again. It reports through
// DevEvents and its DevReport; it prints nothing. Below it: bootstrapping the state directory.
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/env.hpp"
#include "core/result.hpp"
#include "platform/api.hpp"
#include "platform/dev_seams.hpp"
#include "platform/store.hpp"

namespace tenantctl::platform {

// Reads <state_dir>/credentials.json, or creates it (mode 0600) with a random API token on first start.
// The account id of a new state directory is `pinned_account_id` when given (32 hex digits, lowercased),
// otherwise stable_account_id(state_dir): a wiped state directory comes back with the same id, so clients that
// cached it (wrangler.toml's account_id, CLOUDFLARE_ACCOUNT_ID) keep working. A pinned id that differs from the
// one an existing state directory holds is an error (its resources belong to that account).
Result<Credentials> load_or_create_credentials(const std::string& state_dir, const std::string& pinned_account_id = {});
// 32 hex digits derived from the state directory's absolute path.
std::string stable_account_id(const std::string& state_dir);
// True for a Cloudflare account id: 32 hex digits.
bool valid_account_id(const std::string& id);
// Writes <state_dir>/dev.json {"api_url","pid","port"[,"workers_url"]} atomically.
Status write_dev_json(const std::string& state_dir, const std::string& api_url, long pid, unsigned port,
                      const std::string& workers_url = {});
// Writes the `local` profile {"api_url","api_token","account_id"} atomically with mode 0600.
// Takes <state_dir>/dev.lock (flock, exclusive) for as long as the returned descriptor stays open: a second
// `tenantctl dev` on the same state directory is refused instead of sharing (and then breaking) it.
Result<int> lock_state_dir(const std::string& state_dir);
Status write_local_profile(const std::string& profile_path, const std::string& api_url, const Credentials& creds);

struct DevOptions {
    std::string listen = "127.0.0.1:8787";
    std::string state_dir;  // empty: $XDG_DATA_HOME/tenantctl/dev
    std::string cwd;        // what relative paths are relative to
    bool test_hooks = false;
    int threads = 4;
    std::string registry;
    bool containers = false;     // required (an error when docker is not there)
    bool no_containers = false;  // API only
    std::string router_listen = "127.0.0.1:8788";
    std::string network = "bridge";
    std::string app;
    std::string router_pin_key_file;
    std::string workers_listen = "127.0.0.1:8789";
    bool workers_listen_given = false;
    bool no_workers = false;
    int workers_idle = 120;  // seconds
    int workers_per_process = 8;
    std::string account_id;
    std::string rate_limit;            // N/SECONDS
    bool verbose = false;              // every runtime event and the workers' own output go to DevEvents::worker_line
    StartContainers start_containers;  // empty: no containers
    StartWorkers start_workers;        // empty: no workers
};

struct DevEvents {
    std::function<void(const std::string& message, const std::string& hint)> warning;
    // A line of workers.log worth showing: failures, created storage, the CPU limit; everything when verbose.
    std::function<void(const std::string&)> worker_line;
};

struct DevReport {
    std::string api_url;
    long pid = 0;
    uint16_t port = 0;
    std::string state_dir;
    std::string profile;  // the `local` profile written
    bool test_hooks = false;
    RateLimitOptions rate_limit;
    bool containers = false;  // the registry, container engine and tenant router run
    std::string router_url;
    RegistryInfo registry;
    std::string containers_log;
    bool workers = false;  // uploaded workers run
    std::string workers_url;
    uint16_t workers_port = 0;
    std::string workers_log;
    // {"api_url","pid","port","state_dir","profile"[,"router_url"][,"workers_url"]}
    nlohmann::json to_json() const;
};

class DevPlatform {
public:
    // Starts everything and writes the profile and dev.json. SIGINT and SIGTERM are blocked in the calling
    // thread before any server thread starts (threads inherit the mask), so that only wait_for_signal sees them.
    static Result<std::unique_ptr<DevPlatform>> start(const Env& env, const DevOptions& options, DevEvents events);
    ~DevPlatform();
    DevPlatform(const DevPlatform&) = delete;
    DevPlatform& operator=(const DevPlatform&) = delete;

    const DevReport& report() const { return m_report; }
    // Waits for SIGINT or SIGTERM; returns its name.
    std::string wait_for_signal();
    // Stops the workers, the tail server, the API and the containers; removes dev.json.
    void stop();

    struct Parts;

private:
    explicit DevPlatform(std::unique_ptr<Parts> parts);
    std::unique_ptr<Parts> m_parts;
    DevReport m_report;
};

}  // namespace tenantctl::platform
