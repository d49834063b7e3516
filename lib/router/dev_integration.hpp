#pragma once
// DevRouter: everything lib/router contributes to `tenantctl dev`, behind one object, so that dev.cpp needs
// a few lines: the registry (started or attached), the Docker driver, the instance manager with its reaper,
// and the tenant router on its own listener. It plugs into lib/platform's seams:
//   * registry_info()  -> platform::RegistryInfo for the Api (the registry-credentials endpoint hands out
//                         the real host, user and password);
//   * runtime()        -> platform::ContainerRuntime for the Api's instances endpoints (real instances with
//                         states provisioning/running/stopping/stopped/failed; DELETE stops an instance,
//                         which is tenantctl's "restart": the next request starts a fresh one);
//   * the applications come from a callback returning the Containers application documents (the Api's
//     SQLite store); they are cached and re-read when the Api reports a change, or after 2 s.
// Only platform/runtime.hpp and platform/dev_seams.hpp (interfaces with inline members) are used from lib/platform:
// no link dependency. start_dev_containers is the platform::StartContainers `tenantctl dev` passes its DevPlatform.
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/env.hpp"
#include "core/result.hpp"
#include "platform/dev_seams.hpp"
#include "platform/runtime.hpp"
#include "router/instances.hpp"

namespace tenantctl::router {

struct DevRouterOptions {
    std::string router_listen = "127.0.0.1:8788";  // --router-listen HOST:PORT (port 0 = any free port)
    std::string registry;                          // --registry URL: attach instead of starting docker-registry
    std::string registry_username;                 // for --registry (may be empty: no auth)
    std::string registry_password;                 // for --registry (read from a file or stdin by the CLI)
    std::string network = "bridge";                // --network bridge|host
    std::string default_app;                       // --app NAME
    std::string domain = "localhost";
    std::string state_dir;  // registry/ and metadata/ go under it
    std::string pin_key;    // RouterOptions::pin_key: only a front worker that sends it may choose the tenant
};

// A Containers application document -> AppSpec. Fields read: id, name, max_instances,
// configuration.image, configuration.environment_variables [{name, value}], and the tenantctl extensions
// configuration.sleep_after ("10m", "30s", "2h" or seconds; default 10 minutes), configuration.port (8080),
// configuration.pool_size (3). Nullopt when id or image is missing.
std::optional<AppSpec> app_spec_from_json(const nlohmann::json& app);
// "10m" / "30s" / "2h" / "45" -> seconds; nullopt when malformed.
std::optional<std::chrono::seconds> parse_duration(const nlohmann::json& value);
// An InstanceInfo as a Containers Instance JSON object.
nlohmann::json instance_json(const InstanceInfo& info, const std::string& app_name);

class DevRouter final : public platform::DevContainers {
public:
    using AppsFn = std::function<std::vector<nlohmann::json>()>;
    using Log = std::function<void(const std::string&)>;

    static Result<std::unique_ptr<DevRouter>> start(const Env& env, const DevRouterOptions& options, AppsFn apps,
                                                    Log log = {});
    ~DevRouter() override;

    platform::RegistryInfo registry_info() const override;
    std::shared_ptr<platform::ContainerRuntime> runtime() override;
    int router_port() const;
    std::string router_url() const override;
    InstanceManager& manager();
    // Stops the router, the reaper, every container started, and the registry if it was started here.
    void stop() override;

    struct Impl;

private:
    DevRouter() = default;
    std::shared_ptr<Impl> m_impl;
};

// A platform::StartContainers: a DevRouter with the DevPlatform's options.
Result<std::unique_ptr<platform::DevContainers>> start_dev_containers(const platform::DevContainersOptions& options);

}  // namespace tenantctl::router
