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

class ContainerRuntime {
public:
    virtual ~ContainerRuntime() = default;
    // Instances (Instance JSON objects) of an application document.
    virtual std::vector<nlohmann::json> list_instances(const nlohmann::json& app) = 0;
    // Stops (SIGKILLs) one instance; NotFound when there is no such instance.
    virtual Status stop_instance(const nlohmann::json& app, const std::string& instance_id) = 0;
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
