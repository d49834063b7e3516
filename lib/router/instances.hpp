#pragma once
// InstanceManager: one container instance per (application, tenant), started on demand.
//  * acquire(): the first request starts the container (pull once per image, create, start, wait until the
//    port accepts connections); concurrent first requests for the same key wait for that ONE start;
//  * a failed start is an Error with http_status 503 (the app exited; its last log lines go to the observer)
//    or 504 (it never listened within start_timeout);
//  * max_instances (per application, counting provisioning + running) is enforced by REFUSING: 503 with a
//    Retry-After hint (Error::http_status 503, retry_after_seconds in the message data). Evicting another
//    tenant's idle instance would cut that tenant's open websockets and in-memory state without warning;
//    refusing keeps every running tenant intact and the client can retry once an idle instance sleeps;
//  * a reaper stops instances idle for longer than the application's sleep_after (default 10 minutes),
//    never while a request or websocket is in flight (leases); the clock is injectable;
//  * stop_instance() (tenantctl's "restart" of an instance) and restart() stop the container; the next
//    request starts a new one with a new instance id;
//  * after a crash the next request starts a new container (report_unreachable()).
// Instances keep their record after stopping (state stopped/failed), for the instances list.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "router/driver.hpp"

namespace tenantctl::router {

struct AppSpec {
    std::string id;     // application id (stable; goes into the tenantctl.app label)
    std::string name;   // application name (what --app and {tenant}.{application}.localhost select by)
    std::string image;  // image reference, e.g. 127.0.0.1:5000/my-app:v1
    std::map<std::string, std::string> env;
    int max_instances = 20;
    std::chrono::seconds sleep_after{600};
    int port = 8080;    // the port the app listens on inside the container (bridge networking)
    int pool_size = 3;  // instances behind /pool/{application}/
};

// Finds an application by selector (id or name). An empty selector means "the default application": the
// resolver returns the only application when there is exactly one, otherwise nullopt.
using AppResolver = std::function<std::optional<AppSpec>(std::string_view selector)>;

// A resolver over a fixed list (the test driver and unit tests use it; the API server supplies its own).
AppResolver static_apps(std::vector<AppSpec> apps, std::string default_selector = {});

enum class InstanceState { Provisioning, Running, Stopping, Stopped, Failed };
const char* to_string(InstanceState s);

struct InstanceInfo {
    std::string id;  // instance id (new for every start)
    std::string app_id;
    std::string tenant_id;  // "pool:N" for pool instances
    std::string container_id;
    std::string image;
    InstanceState state = InstanceState::Stopped;
    std::string host = "127.0.0.1";
    int port = 0;
    std::chrono::system_clock::time_point started_at{};
    std::chrono::system_clock::time_point last_request_at{};
    int start_count = 0;  // how many times this (application, tenant) has been started
    std::string last_error;
    int active_requests = 0;
};

struct ManagerEvent {
    enum class Level { Info, Warning, Error } level = Level::Info;
    std::string app_id, tenant_id, instance_id;
    std::string message;
};

struct ManagerOptions {
    bool host_network = false;                  // true: --network host, the app gets a free port in $PORT
    std::optional<RegistryAuth> registry_auth;  // for pulls from the local registry
    bool pull = true;                           // pull the image before the first start of each image
    std::chrono::milliseconds start_timeout{30000};
    std::chrono::milliseconds probe_interval{50};
    std::chrono::milliseconds reap_interval{1000};
    int stop_timeout_seconds = 5;
    int log_tail_lines = 20;
    std::string name_prefix = "tenantctl";
    // Goes into the tenantctl.platform label; remove_orphans() only touches containers carrying this value.
    std::string platform_id;
};

class InstanceManager;

// Held while a request (or websocket) is being served: the instance is not reaped meanwhile.
class Lease {
public:
    Lease() = default;
    Lease(InstanceManager* m, std::string key, std::string instance_id, std::string host, int port);
    Lease(Lease&& o) noexcept;
    Lease& operator=(Lease&& o) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();
    const std::string& instance_id() const { return m_instance_id; }
    const std::string& host() const { return m_host; }
    int port() const { return m_port; }
    explicit operator bool() const { return m_manager != nullptr; }
    void release();

private:
    InstanceManager* m_manager = nullptr;
    std::string m_key, m_instance_id, m_host;
    int m_port = 0;
};

class InstanceManager {
public:
    using Observer = std::function<void(const ManagerEvent&)>;
    InstanceManager(ContainerDriver& driver, Clock& clock, ManagerOptions options = {}, Observer observer = {});
    ~InstanceManager();  // stops the reaper; does NOT stop containers (call stop_all() for that)

    // The running instance for (app, tenant), started if needed. Errors carry http_status (503/504/500).
    Result<Lease> acquire(const AppSpec& app, const std::string& tenant_id);
    // Called when connecting to a lease's port failed: inspects the container; when it is gone or exited the
    // instance is marked failed (its logs reported) and true is returned, so the caller may acquire() again.
    bool report_unreachable(const std::string& instance_id);

    // Stops the current instance of (app, tenant) and starts a new one.
    Result<InstanceInfo> restart(const AppSpec& app, const std::string& tenant_id);
    // Stops an instance by id (tenantctl's instance "restart": the next request starts a fresh one).
    Status stop_instance(const std::string& instance_id);
    Status stop_all();
    // Removes containers labelled tenantctl.app that this manager does not know (left by a crashed run).
    Result<int> remove_orphans();

    // Pulls happen once per image reference and run; call this when a tag was re-pushed (e.g. the API saw an
    // application change) so that the next start pulls again.
    void refresh_image(const std::string& image);

    std::vector<InstanceInfo> list(std::string_view app_id = {}) const;
    std::optional<InstanceInfo> find(const std::string& app_id, const std::string& tenant_id) const;
    std::optional<InstanceInfo> find_instance(const std::string& instance_id) const;

    // One reaper pass: stops running instances idle for longer than their sleep_after; also notices
    // containers that exited on their own. Returns how many were stopped. Called by the reaper thread.
    int reap_once();
    void start_reaper();
    void stop_reaper();

private:
    friend class Lease;
    struct Slot {
        InstanceInfo info;
        AppSpec app;
        Clock::time_point last_used{};
        bool has_record = false;
        int last_status = 0;  // http status of the last failure
    };
    void release(const std::string& key);
    void emit(ManagerEvent::Level level, const Slot& s, std::string message) const;
    // Runs outside the lock; returns the started info or an error (with logs already reported).
    Result<InstanceInfo> start_container(const AppSpec& app, const std::string& tenant_id,
                                         const std::string& instance_id);
    void stop_container(const std::string& container_id, const std::string& app_id, const std::string& tenant_id,
                        const std::string& instance_id);
    Status stop_key(const std::string& key, const std::function<bool(const Slot&)>& only_if = {});
    int count_active(const std::string& app_id) const;  // provisioning + running (+ stopping)
    int allocate_port();

    ContainerDriver& m_driver;
    Clock& m_clock;
    ManagerOptions m_options;
    Observer m_observer;

    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    std::map<std::string, Slot> m_slots;   // key: app_id + "\n" + tenant_id
    std::map<std::string, bool> m_pulled;  // image -> pulled this run
    std::mutex m_pull_mutex;

    std::thread m_reaper;
    std::mutex m_reaper_mutex;
    std::condition_variable m_reaper_cv;
    bool m_reaper_stop = false;
};

std::string format_time(std::chrono::system_clock::time_point t);  // RFC 3339 UTC, "" for epoch

}  // namespace tenantctl::router
