#pragma once
// The seam between the control-plane (applications, instances) and whatever runs containers.
// The default StateOnlyRuntime runs nothing: it reports one "inactive" instance per configured
// instance of a scheduled application and accepts stop requests. A later part (lib/router) plugs in
// a runtime that starts real containers.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace tenantctl::platform {

// What `GET …/instances/:id/logs` asks for (a local-platform extension: Cloudflare's API has no such route).
struct InstanceLogsQuery {
    std::string since;  // RFC 3339, inclusive; empty = from the start
    int tail = -1;      // only the last N lines; -1 = all
    size_t max_bytes = 4u << 20;
};

class ContainerRuntime {
public:
    virtual ~ContainerRuntime() = default;
    // Instances (Instance JSON objects) of an application document.
    virtual std::vector<nlohmann::json> list_instances(const nlohmann::json& app) = 0;
    // Stops (SIGKILLs) one instance; NotFound when there is no such instance.
    virtual Status stop_instance(const nlohmann::json& app, const std::string& instance_id) = 0;
    // An instance's container output: {"logs":[{"time","stream","message"}…],"truncated":bool}. The state-only
    // runtime runs no containers and answers NotImplemented.
    virtual Result<nlohmann::json> instance_logs(const nlohmann::json& /*app*/, const std::string& /*instance_id*/,
                                                 const InstanceLogsQuery& /*query*/) {
        return Error(ErrorKind::NotImplemented, "this local platform runs no containers, so instances have no output",
                     "start tenantctl dev with docker available (containers run only then)");
    }
    // Notifications; the state-only runtime ignores them.
    virtual void application_changed(const nlohmann::json& /*app*/) {}
    virtual void application_deleted(const std::string& /*application_id*/) {}
    virtual void rollout_created(const nlohmann::json& /*app*/, const nlohmann::json& /*rollout*/) {}
};

class StateOnlyRuntime final : public ContainerRuntime {
public:
    std::vector<nlohmann::json> list_instances(const nlohmann::json& app) override;
    Status stop_instance(const nlohmann::json& app, const std::string& instance_id) override;
};

// Where images are pushed. For now a placeholder: nothing listens on 127.0.0.1:5000 until the registry
// part exists; `tenantctl dev` can point it elsewhere.
struct RegistryInfo {
    std::string host = "127.0.0.1:5000";
    std::string username = "v1";
    std::string password;  // empty = a random password per credentials request
    bool placeholder = true;
};

}  // namespace tenantctl::platform
