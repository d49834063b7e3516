#pragma once
// The seams `tenantctl dev` plugs its containers (lib/router) and workers (lib/runtime) into: lib/platform's
// DevPlatform starts them through the functions its caller passes (DevOptions), so lib/platform depends on
// neither. Interfaces only (inline members): implementing them needs no link dependency on lib/platform.
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/env.hpp"
#include "core/result.hpp"
#include "platform/runtime.hpp"
#include "platform/validate.hpp"

namespace tenantctl::platform {

class Store;

// What runs containers behind `tenantctl dev` (lib/router's DevRouter): the registry, the container engine and
// the tenant router, started by a StartContainers.
class DevContainers {
public:
    virtual ~DevContainers() = default;
    virtual RegistryInfo registry_info() const = 0;
    virtual std::shared_ptr<ContainerRuntime> runtime() = 0;
    virtual std::string router_url() const = 0;
    virtual void stop() = 0;
};

struct DevContainersOptions {
    const Env* env = nullptr;  // DOCKER_HOST
    std::string router_listen;
    std::string registry;  // an existing registry to attach to; empty: start one
    std::string network;   // host | bridge
    std::string default_app;
    std::string pin_key;
    std::string state_dir;
    std::function<std::vector<nlohmann::json>()> apps;  // the account's Containers application documents
    std::function<void(const std::string&)> log;        // one line per event
};

using StartContainers = std::function<Result<std::unique_ptr<DevContainers>>(const DevContainersOptions&)>;

// What runs uploaded workers behind `tenantctl dev` (lib/runtime's WorkerRuntime in workerd), started by a
// StartWorkers.
class DevWorkers {
public:
    virtual ~DevWorkers() = default;
    virtual uint16_t port() const = 0;
    virtual void stop() = 0;
    // What checks an upload's code before it is stored (the API asks it); null: uploads are stored unchecked.
    virtual std::shared_ptr<ScriptValidator> validator() { return nullptr; }
};

struct DevWorkersOptions {
    const Env* env = nullptr;  // TENANTCTL_WORKERD, PATH
    std::string cwd;           // where the project's node_modules are looked for
    std::string host;
    uint16_t port = 0;
    std::string state_dir;
    std::string account_id;
    int idle_ms = 120000;
    int per_process = 8;                              // tenant workers per workerd process
    std::function<void(const std::string&)> log;      // runtime events
    std::function<void(const std::string&)> output;   // the workers' own output, a line at a time
    std::function<void(const std::string&)> records;  // per-invocation records (JSON arrays) for the tail hub
};

// Started and settled workers, or null when there is no workerd to run them in.
using StartWorkers = std::function<Result<std::unique_ptr<DevWorkers>>(Store&, const DevWorkersOptions&)>;

}  // namespace tenantctl::platform
