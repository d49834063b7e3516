#include "router/dev_integration.hpp"

#include <unistd.h>

#include <cstdlib>

#include "core/clock.hpp"
#include "core/fs.hpp"
#include "core/net.hpp"
#include "core/strings.hpp"
#include "router/driver.hpp"
#include "router/registry.hpp"
#include "router/server.hpp"

namespace tenantctl::router {

std::optional<std::chrono::seconds> parse_duration(const nlohmann::json& v) {
    if (v.is_number_integer()) {
        auto n = v.get<long long>();
        if (n < 0) return std::nullopt;
        return std::chrono::seconds(n);
    }
    if (!v.is_string()) return std::nullopt;
    std::string s = v.get<std::string>();
    if (s.empty()) return std::nullopt;
    long long mult = 1;
    char unit = s.back();
    if (unit == 's' || unit == 'm' || unit == 'h') {
        mult = unit == 's' ? 1 : unit == 'm' ? 60 : 3600;
        s.pop_back();
    }
    if (s.empty() || s.size() > 9) return std::nullopt;
    for (char c : s)
        if (c < '0' || c > '9') return std::nullopt;
    return std::chrono::seconds(std::stoll(s) * mult);
}

std::optional<AppSpec> app_spec_from_json(const nlohmann::json& app) {
    if (!app.is_object() || !app.contains("id") || !app["id"].is_string()) return std::nullopt;
    AppSpec a;
    a.id = app["id"].get<std::string>();
    a.name = app.value("name", a.id);
    if (app.contains("max_instances") && app["max_instances"].is_number_integer())
        a.max_instances = app["max_instances"].get<int>();
    const auto cfg = app.value("configuration", nlohmann::json::object());
    if (!cfg.is_object() || !cfg.contains("image") || !cfg["image"].is_string()) return std::nullopt;
    a.image = cfg["image"].get<std::string>();
    if (a.image.empty()) return std::nullopt;
    if (cfg.contains("environment_variables") && cfg["environment_variables"].is_array())
        for (const auto& e : cfg["environment_variables"])
            if (e.is_object() && e.contains("name") && e["name"].is_string() && e.contains("value") &&
                e["value"].is_string())
                a.env[e["name"].get<std::string>()] = e["value"].get<std::string>();
    if (cfg.contains("sleep_after"))
        if (auto d = parse_duration(cfg["sleep_after"])) a.sleep_after = *d;
    if (cfg.contains("port") && cfg["port"].is_number_integer()) a.port = cfg["port"].get<int>();
    if (cfg.contains("pool_size") && cfg["pool_size"].is_number_integer()) a.pool_size = cfg["pool_size"].get<int>();
    return a;
}

nlohmann::json instance_json(const InstanceInfo& info, const std::string& app_name) {
    std::string updated =
        format_time(info.last_request_at.time_since_epoch().count() ? info.last_request_at : info.started_at);
    nlohmann::json j = {{"id", info.id},
                        {"application_id", info.app_id},
                        {"name", app_name + "-" + info.tenant_id},
                        {"tenant_id", info.tenant_id},
                        {"image", info.image},
                        {"start_count", info.start_count},
                        {"status", {{"state", to_string(info.state)}}}};
    if (!updated.empty()) j["status"]["updated_at"] = updated;
    if (auto t = format_time(info.started_at); !t.empty()) j["started_at"] = t;
    if (!info.last_error.empty()) j["status"]["last_error"] = info.last_error;
    if (info.state == InstanceState::Running) j["port"] = info.port;
    return j;
}

struct DevRouter::Impl {
    DevRouterOptions options;
    AppsFn apps_fn;
    Log log;
    std::unique_ptr<RegistryProcess> registry;
    std::unique_ptr<DockerDriver> docker;
    std::unique_ptr<InstanceManager> manager;
    std::unique_ptr<FileMetadataStore> metadata;
    std::unique_ptr<RouterServer> server;

    std::mutex cache_mutex;
    std::vector<AppSpec> cache;
    std::chrono::steady_clock::time_point cache_time{};
    bool dirty = true;
    bool stopped = false;

    std::vector<AppSpec> apps() {
        std::lock_guard lk(cache_mutex);
        auto now = std::chrono::steady_clock::now();
        if (dirty || now - cache_time > std::chrono::seconds(2)) {
            std::vector<AppSpec> fresh;
            if (apps_fn)
                for (const auto& doc : apps_fn())
                    if (auto a = app_spec_from_json(doc)) fresh.push_back(std::move(*a));
            cache = std::move(fresh);
            cache_time = now;
            dirty = false;
        }
        return cache;
    }
    std::optional<AppSpec> resolve(std::string_view selector) {
        return static_apps(apps(), options.default_app)(selector);
    }
    void invalidate() {
        std::lock_guard lk(cache_mutex);
        dirty = true;
    }
};

namespace {

class Runtime final : public platform::ContainerRuntime {
public:
    explicit Runtime(std::shared_ptr<DevRouter::Impl> impl) : m_impl(std::move(impl)) {}
    std::vector<nlohmann::json> list_instances(const nlohmann::json& app) override {
        std::vector<nlohmann::json> out;
        if (!app.is_object() || !app.contains("id") || !app["id"].is_string()) return out;
        std::string id = app["id"].get<std::string>();
        std::string name = app.value("name", id);
        for (const auto& i : m_impl->manager->list(id))
            if (!i.id.empty()) out.push_back(instance_json(i, name));
        return out;
    }
    Status stop_instance(const nlohmann::json& app, const std::string& instance_id) override {
        auto info = m_impl->manager->find_instance(instance_id);
        if (!info || !app.is_object() || app.value("id", std::string()) != info->app_id)
            return Error(ErrorKind::NotFound, "no instance " + tenantctl::quoted(instance_id));
        return m_impl->manager->stop_instance(instance_id);
    }
    Result<nlohmann::json> instance_logs(const nlohmann::json& app, const std::string& instance_id,
                                         const platform::InstanceLogsQuery& q) override {
        auto info = m_impl->manager->find_instance(instance_id);
        if (!info || !app.is_object() || app.value("id", std::string()) != info->app_id)
            return Error(ErrorKind::NotFound, "no instance " + tenantctl::quoted(instance_id));
        if (info->container_id.empty())
            return Error(ErrorKind::NotFound, "instance " + tenantctl::quoted(instance_id) + " has no container yet");
        TRY_ASSIGN(auto page, m_impl->docker->log_lines(info->container_id, LogQuery{q.since, q.tail, q.max_bytes}));
        nlohmann::json lines = nlohmann::json::array();
        for (auto& l : page.lines) lines.push_back({{"time", l.time}, {"stream", l.stream}, {"message", l.text}});
        return nlohmann::json{{"instance_id", instance_id},
                              {"state", to_string(info->state)},
                              {"logs", std::move(lines)},
                              {"truncated", page.truncated}};
    }
    void application_changed(const nlohmann::json& app) override {
        m_impl->invalidate();
        if (auto a = app_spec_from_json(app)) m_impl->manager->refresh_image(a->image);
    }
    void application_deleted(const std::string& application_id) override {
        m_impl->invalidate();
        for (const auto& i : m_impl->manager->list(application_id))
            if (i.state == InstanceState::Running) (void)m_impl->manager->stop_instance(i.id);
    }
    // A rollout replaces instances: running ones on another image stop now and start on the new image with
    // their next request; a `new_instances` rollout (tenantctl containers restart) stops all of them.
    void rollout_created(const nlohmann::json& app, const nlohmann::json& rollout) override {
        application_changed(app);
        auto a = app_spec_from_json(app);
        if (!a) return;
        bool all = rollout.value("strategy", std::string()) == "new_instances";
        for (const auto& i : m_impl->manager->list(a->id))
            if (i.state == InstanceState::Running && (all || i.image != a->image))
                (void)m_impl->manager->stop_instance(i.id);
    }

private:
    std::shared_ptr<DevRouter::Impl> m_impl;
};

Result<std::pair<std::string, int>> split_listen(const std::string& listen) {
    auto colon = listen.rfind(':');
    if (colon == std::string::npos || colon == 0)
        return Error(ErrorKind::Usage, "--router-listen " + tenantctl::quoted(listen) + " is not HOST:PORT",
                     "for example 127.0.0.1:8788");
    std::string host = listen.substr(0, colon), port = listen.substr(colon + 1);
    if (host == "localhost") host = "127.0.0.1";
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(port) > 65535)
        return Error(ErrorKind::Usage,
                     "--router-listen " + tenantctl::quoted(listen) + ": bad port " + tenantctl::quoted(port));
    return std::pair{host, std::stoi(port)};
}

}  // namespace

Result<std::unique_ptr<DevRouter>> DevRouter::start(const Env& env, const DevRouterOptions& o, AppsFn apps, Log log) {
    if (o.network != "host" && o.network != "bridge")
        return Error(ErrorKind::Usage, "--network " + tenantctl::quoted(o.network) + " must be host or bridge");
    if (o.state_dir.empty()) return Error(ErrorKind::Usage, "router: no state directory");
    TRY_ASSIGN(auto listen, split_listen(o.router_listen));
    auto impl = std::make_shared<Impl>();
    impl->options = o;
    impl->apps_fn = std::move(apps);
    impl->log = std::move(log);

    impl->docker = std::make_unique<DockerDriver>(env);
    if (auto v = impl->docker->server_version(); !v)
        return Error(ErrorKind::Docker, v.error().message,
                     "start dockerd or point DOCKER_HOST at it (tests/support/docker_env.sh starts one)");

    if (o.registry.empty()) {
        // The registry keeps its port across restarts (images pushed earlier keep working): the port is
        // remembered in the state directory and reused when it is still free.
        RegistryOptions ro;
        ro.state_dir = join_path(o.state_dir, "registry");
        const std::string port_file = join_path(ro.state_dir, "port");
        if (auto saved = read_file(port_file)) {
            int p = std::atoi(saved->c_str());
            if (loopback_port_free(p)) ro.port = p;
        }
        TRY_ASSIGN(impl->registry, RegistryProcess::start(ro));
        const std::string& host = impl->registry->host();
        (void)write_file_atomic(port_file, host.substr(host.rfind(':') + 1) + "\n");
    } else {
        TRY_ASSIGN(impl->registry, RegistryProcess::attach(o.registry, o.registry_username, o.registry_password));
    }

    ManagerOptions mo;
    mo.host_network = o.network == "host";
    if (!impl->registry->username().empty())
        mo.registry_auth = RegistryAuth{impl->registry->host(), impl->registry->username(), impl->registry->password()};
    mo.platform_id = "dev-" + std::to_string(::getpid());
    Log lg = impl->log;
    impl->manager =
        std::make_unique<InstanceManager>(*impl->docker, SystemClock::instance(), mo, [lg](const ManagerEvent& e) {
            if (!lg) return;
            const char* level = e.level == ManagerEvent::Level::Error     ? "error"
                                : e.level == ManagerEvent::Level::Warning ? "warning"
                                                                          : "info";
            lg(std::string(level) + ": app " + e.app_id + " tenant " + e.tenant_id + " instance " + e.instance_id +
               ": " + e.message);
        });
    impl->manager->start_reaper();
    impl->metadata = std::make_unique<FileMetadataStore>(join_path(o.state_dir, "metadata"));
    RouterOptions ro;
    ro.listen_host = listen.first;
    ro.port = listen.second;
    ro.domain = o.domain;
    ro.default_app = o.default_app;
    ro.pin_key = o.pin_key;
    std::weak_ptr<Impl> weak = impl;
    impl->server = std::make_unique<RouterServer>(
        *impl->manager,
        [weak](std::string_view selector) -> std::optional<AppSpec> {
            if (auto p = weak.lock()) return p->resolve(selector);
            return std::nullopt;
        },
        *impl->metadata, ro, impl->log);
    if (auto st = impl->server->start(); !st) {
        impl->manager->stop_reaper();
        return std::move(st).error();
    }
    std::unique_ptr<DevRouter> r(new DevRouter());
    r->m_impl = std::move(impl);
    return r;
}

DevRouter::~DevRouter() {
    stop();
}

platform::RegistryInfo DevRouter::registry_info() const {
    platform::RegistryInfo info;
    info.host = m_impl->registry->host();
    info.username = m_impl->registry->username();
    info.password = m_impl->registry->password();
    info.placeholder = false;
    return info;
}

std::shared_ptr<platform::ContainerRuntime> DevRouter::runtime() {
    return std::make_shared<Runtime>(m_impl);
}
int DevRouter::router_port() const {
    return m_impl->server->port();
}
std::string DevRouter::router_url() const {
    return "http://" + m_impl->options.router_listen.substr(0, m_impl->options.router_listen.rfind(':')) + ":" +
           std::to_string(router_port());
}
InstanceManager& DevRouter::manager() {
    return *m_impl->manager;
}

void DevRouter::stop() {
    if (!m_impl || m_impl->stopped) return;
    m_impl->stopped = true;
    m_impl->server->stop();
    m_impl->manager->stop_reaper();
    if (auto st = m_impl->manager->stop_all(); !st && m_impl->log) m_impl->log("warning: " + st.error().message);
    (void)m_impl->registry->stop();
}

Result<std::unique_ptr<platform::DevContainers>> start_dev_containers(const platform::DevContainersOptions& o) {
    DevRouterOptions ro;
    ro.router_listen = o.router_listen;
    ro.registry = o.registry;
    ro.network = o.network;
    ro.default_app = o.default_app;
    ro.pin_key = o.pin_key;
    ro.state_dir = o.state_dir;
    TRY_ASSIGN(auto dev, DevRouter::start(o.env ? *o.env : Env::system(), ro, o.apps, o.log));
    return std::unique_ptr<platform::DevContainers>(std::move(dev));
}

}  // namespace tenantctl::router
