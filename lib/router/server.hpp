#pragma once
// RouterServer: the tenant router of the local platform (Boost.Beast, a second listener next to the API;
// default 127.0.0.1:8788). Routing rules are in route.hpp. For a tenant request it finds the application
// (see below), gets the tenant's instance from the InstanceManager (starting it on demand) and forwards the
// request: method, headers and body streamed both ways in 16 KiB pieces (bodies are never buffered whole),
// websockets by splicing the two connections after the 101. Toward the container it adds X-App-Id (the tenant
// id; any X-App-Id sent by the client is dropped), X-Original-URL and X-Forwarded-*; X-User-ID / X-Tenant-ID
// headers naming a different tenant than the one chosen are dropped (ids are never mixed). Toward the client
// it adds X-Served-By (the instance id; "tenantctl-router" on answers of the router itself).
//
// Which application a tenant's request goes to, in this order:
//   1. the host form {x}.{application}.{domain} (whichever source gave the tenant id);
//   2. RouterOptions::default_app (`--app NAME`);
//   3. the only application, when exactly one exists (AppResolver with an empty selector).
// Otherwise the answer is 404 naming the choices. /pool/{application}/... spreads requests round-robin over
// the application's pool_size interchangeable instances (tenant ids "pool:0".."pool:N-1").
//
// Management (only in the path form): GET /app/{id}/_status, POST /app/{id}/_restart,
// GET|PUT /app/{id}/_metadata (a JSON object of at most 64 KiB, kept by a MetadataStore).
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "core/limits.hpp"
#include "core/result.hpp"
#include "router/instances.hpp"

namespace tenantctl::router {

// Per-(application, tenant) metadata. The platform's SQLite store can implement this; FileMetadataStore
// keeps one JSON file per tenant under a directory.
class MetadataStore {
public:
    virtual ~MetadataStore() = default;
    virtual Result<nlohmann::json> get(const std::string& app_id, const std::string& tenant_id) = 0;  // {} when none
    virtual Status put(const std::string& app_id, const std::string& tenant_id, const nlohmann::json& value) = 0;
};

class FileMetadataStore final : public MetadataStore {
public:
    explicit FileMetadataStore(std::string dir) : m_dir(std::move(dir)) {}
    Result<nlohmann::json> get(const std::string& app_id, const std::string& tenant_id) override;
    Status put(const std::string& app_id, const std::string& tenant_id, const nlohmann::json& value) override;

private:
    std::string path_for(const std::string& app_id, const std::string& tenant_id) const;
    std::string m_dir;
    std::mutex m_mutex;
};

struct RouterOptions {
    std::string listen_host = "127.0.0.1";
    int port = 8788;  // 0: a free port (see RouterServer::port())
    std::string domain = "localhost";
    std::string default_app;  // --app NAME
    size_t max_metadata_bytes = 64 * 1024;
    // A client connection idle (between requests) for this long is closed, so idle keep-alive connections
    // do not hold a thread each forever. Open websockets are not affected.
    std::chrono::milliseconds idle_timeout{120000};
    // How long an instance may take to start answering a forwarded request before the client gets a 504
    // (0 = wait forever). Streaming responses and websockets are not limited once they started.
    std::chrono::milliseconds upstream_timeout{100000};
    // Once a request head has started, it must be complete within this (slow clients get a 408 and are closed).
    std::chrono::milliseconds header_timeout{limits::k_router_header_timeout};
    // Once the head is in, its body must be complete within body_timeout plus one second per body_min_rate bytes
    // received (a steady upload is never cut; a trickle gets a 408 and both connections are closed).
    std::chrono::milliseconds body_timeout{limits::k_router_body_timeout};
    size_t body_min_rate = limits::k_router_body_min_bytes_per_second;
    // Client connections open at once; more are closed as soon as they are accepted.
    size_t max_connections = limits::k_max_router_connections;
    // When set, the router serves only a trusted front worker: every request must carry
    // `X-Tenantctl-Pin: <pin_key>` (else 403) and names its tenant in `X-Tenantctl-Tenant`, which no path,
    // query, header or host can override. Both headers are removed before the request reaches the container.
    std::string pin_key;
};

class RouterServer {
public:
    using Log = std::function<void(const std::string&)>;
    RouterServer(InstanceManager& manager, AppResolver apps, MetadataStore& metadata, RouterOptions options,
                 Log log = {});
    ~RouterServer();
    RouterServer(const RouterServer&) = delete;
    RouterServer& operator=(const RouterServer&) = delete;

    Status start();  // binds and accepts on a background thread
    void stop();     // closes the listener and every open connection, waits for the connection threads
    int port() const { return m_port; }

    // The JSON body of GET /app/{id}/_status (also what the API's instances endpoints may reuse).
    static nlohmann::json status_json(const AppSpec& app, const std::string& tenant_id,
                                      const std::optional<InstanceInfo>& info);

private:
    struct Impl;
    void accept_loop();
    void serve(int fd);

    InstanceManager& m_manager;
    AppResolver m_apps;
    MetadataStore& m_metadata;
    RouterOptions m_options;
    Log m_log;
    std::unique_ptr<Impl> m_impl;
    int m_port = 0;
    std::thread m_acceptor;
    std::atomic<bool> m_stopping{false};
    std::atomic<unsigned> m_round_robin{0};

    std::mutex m_conn_mutex;
    std::condition_variable m_conn_cv;
    std::set<int> m_fds;  // open client and upstream sockets (shut down on stop)
    int m_connections = 0;

    friend struct Connection;
};

}  // namespace tenantctl::router
