// tenantctl-router-driver: runs the local registry + instance manager + tenant router of lib/router on their
// own, for the router's integration tests and benchmarks (until `tenantctl dev` wires them in).
//
//   tenantctl-router-driver --state DIR [--listen PORT] [--network host|bridge] [--registry URL
//       --registry-user U --registry-password-file F] [--default-app NAME] [--start-timeout-ms N]
//       --define name=echo,image=REPO:TAG[,max=N][,sleep=S][,pool=N][,port=P][,env.KEY=VALUE]...
//
// A relative image ("echo:v1") is prefixed with the registry host. When everything listens it writes
// DIR/ready.json ({router_port, registry, username, password_file}) and runs until SIGTERM/SIGINT, then stops
// its containers, the router and the registry it started. Platform events go to stderr.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/env.hpp"
#include "core/fs.hpp"
#include "core/strings.hpp"
#include "router/dev_integration.hpp"
#include "router/driver.hpp"
#include "router/instances.hpp"
#include "router/registry.hpp"
#include "router/server.hpp"

using namespace tenantctl;
using namespace tenantctl::router;

namespace {

[[noreturn]] void die(const std::string& message) {
    std::cerr << "router-driver: " << message << "\n";
    std::exit(1);
}

AppSpec parse_define(const std::string& text) {
    AppSpec a;
    for (const auto& part : split(text, ',')) {
        auto eq = part.find('=');
        if (eq == std::string::npos) die("bad --define part " + part);
        std::string k = part.substr(0, eq), v = part.substr(eq + 1);
        if (k == "name")
            a.id = a.name = v;
        else if (k == "image")
            a.image = v;
        else if (k == "max")
            a.max_instances = std::stoi(v);
        else if (k == "sleep")
            a.sleep_after = std::chrono::seconds(std::stoi(v));
        else if (k == "pool")
            a.pool_size = std::stoi(v);
        else if (k == "port")
            a.port = std::stoi(v);
        else if (starts_with(k, "env."))
            a.env[k.substr(4)] = v;
        else
            die("unknown --define key " + k);
    }
    if (a.id.empty() || a.image.empty()) die("--define needs name= and image=");
    return a;
}

// --dev-apps FILE: run lib/router's DevRouter (what `tenantctl dev` uses) with the Containers application
// documents in FILE (a JSON array, re-read when the cache expires). SIGUSR1 runs DIR/cmd.json through the
// platform::ContainerRuntime seam: {"op":"list","app":{...}} or {"op":"stop","app":{...},"instance":"ID"};
// the answer goes to DIR/cmd-result.json.
int run_dev_mode(const std::string& state, const std::string& apps_file, const std::string& network,
                 const std::string& default_app, const sigset_t& set) {
    DevRouterOptions o;
    o.router_listen = "127.0.0.1:0";
    o.network = network;
    o.default_app = default_app;
    o.state_dir = state;
    auto dev = DevRouter::start(
        Env::system(), o,
        [apps_file] {
            std::vector<nlohmann::json> out;
            auto text = read_file(apps_file);
            if (!text) return out;
            auto j = nlohmann::json::parse(text.value(), nullptr, false);
            if (j.is_array())
                for (auto& a : j) out.push_back(a);
            return out;
        },
        [](const std::string& line) { std::cerr << line << std::endl; });
    if (!dev) die(dev.error().message);
    auto runtime = dev.value()->runtime();
    auto reg = dev.value()->registry_info();
    std::string password_file = join_path(state, "registry-password");
    if (auto st = write_file_atomic(password_file, reg.password + "\n", 0600); !st) die(st.error().message);
    nlohmann::json ready = {{"router_port", dev.value()->router_port()},
                            {"registry", reg.host},
                            {"username", reg.username},
                            {"password_file", password_file},
                            {"placeholder", reg.placeholder},
                            {"pid", ::getpid()}};
    if (auto st = write_file_atomic(join_path(state, "ready.json"), ready.dump() + "\n", 0600); !st)
        die(st.error().message);
    for (;;) {
        int sig = 0;
        sigwait(&set, &sig);
        if (sig != SIGUSR1) break;
        nlohmann::json result;
        auto cmd = nlohmann::json::parse(read_file(join_path(state, "cmd.json")).value_or("{}"), nullptr, false);
        std::string op = cmd.value("op", std::string());
        if (op == "list") {
            result = nlohmann::json::array();
            for (auto& i : runtime->list_instances(cmd["app"])) result.push_back(i);
        } else if (op == "stop") {
            auto st = runtime->stop_instance(cmd["app"], cmd.value("instance", std::string()));
            result = {{"ok", st.ok()}};
            if (!st) result["error"] = st.error().message;
        } else if (op == "changed") {
            runtime->application_changed(cmd["app"]);
            result = {{"ok", true}};
        }
        (void)write_file_atomic(join_path(state, "cmd-result.json"), result.dump() + "\n", 0600);
    }
    dev.value()->stop();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::string state, network = "host", registry_url, registry_user, registry_password_file, default_app;
    int listen_port = 0, start_timeout_ms = 30000;
    std::vector<AppSpec> apps;
    std::string dev_apps;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) die("missing value for " + a);
            return argv[++i];
        };
        if (a == "--state")
            state = next();
        else if (a == "--listen")
            listen_port = std::stoi(next());
        else if (a == "--network")
            network = next();
        else if (a == "--registry")
            registry_url = next();
        else if (a == "--registry-user")
            registry_user = next();
        else if (a == "--registry-password-file")
            registry_password_file = next();
        else if (a == "--default-app")
            default_app = next();
        else if (a == "--start-timeout-ms")
            start_timeout_ms = std::stoi(next());
        else if (a == "--define")
            apps.push_back(parse_define(next()));
        else if (a == "--dev-apps")
            dev_apps = next();
        else
            die("unknown argument " + a);
    }
    if (state.empty() || (apps.empty() && dev_apps.empty()))
        die("usage: --state DIR --define name=...,image=... (see the source)");
    if (auto st = make_dirs(state, 0700); !st) die(st.error().message);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);  // every thread inherits this; sigwait below takes them
    ::signal(SIGPIPE, SIG_IGN);
    if (!dev_apps.empty()) {
        sigaddset(&set, SIGUSR1);
        pthread_sigmask(SIG_BLOCK, &set, nullptr);
        return run_dev_mode(state, dev_apps, network, default_app, set);
    }

    std::unique_ptr<RegistryProcess> registry;
    if (registry_url.empty()) {
        RegistryOptions ro;
        ro.state_dir = join_path(state, "registry");
        auto r = RegistryProcess::start(ro);
        if (!r) die(r.error().message);
        registry = std::move(r).value();
    } else {
        std::string password;
        if (!registry_password_file.empty()) {
            auto p = read_file(registry_password_file);
            if (!p) die(p.error().message);
            password = std::string(trim(p.value()));
        }
        auto r = RegistryProcess::attach(registry_url, registry_user, password);
        if (!r) die(r.error().message);
        registry = std::move(r).value();
    }
    for (auto& a : apps)
        if (a.image.find('/') == std::string::npos) a.image = registry->host() + "/" + a.image;

    DockerDriver docker(Env::system());
    if (auto v = docker.server_version(); !v) die(v.error().message);
    ManagerOptions mo;
    mo.host_network = network == "host";
    mo.registry_auth = RegistryAuth{registry->host(), registry->username(), registry->password()};
    mo.start_timeout = std::chrono::milliseconds(start_timeout_ms);
    mo.platform_id = "driver-" + std::to_string(::getpid());
    InstanceManager manager(docker, SystemClock::instance(), mo, [](const ManagerEvent& e) {
        const char* level = e.level == ManagerEvent::Level::Error     ? "error"
                            : e.level == ManagerEvent::Level::Warning ? "warning"
                                                                      : "info";
        std::cerr << "[" << level << "] app=" << e.app_id << " tenant=" << e.tenant_id << " instance=" << e.instance_id
                  << ": " << e.message << std::endl;
    });
    manager.start_reaper();
    FileMetadataStore metadata(join_path(state, "metadata"));
    RouterOptions opts;
    opts.port = listen_port;
    opts.default_app = default_app;
    RouterServer server(manager, static_apps(apps), metadata, opts,
                        [](const std::string& line) { std::cerr << line << std::endl; });
    if (auto st = server.start(); !st) die(st.error().message);

    nlohmann::json ready = {
        {"router_port", server.port()},
        {"registry", registry->host()},
        {"username", registry->username()},
        {"password_file",
         registry->started_by_us() ? join_path(join_path(state, "registry"), "password") : registry_password_file},
        {"pid", ::getpid()}};
    if (auto st = write_file_atomic(join_path(state, "ready.json"), ready.dump() + "\n", 0600); !st)
        die(st.error().message);
    std::cerr << "router-driver: router on 127.0.0.1:" << server.port() << ", registry " << registry->host()
              << std::endl;

    int sig = 0;
    sigwait(&set, &sig);
    std::cerr << "router-driver: signal " << sig << ", stopping" << std::endl;
    server.stop();
    manager.stop_reaper();
    if (auto st = manager.stop_all(); !st) std::cerr << "router-driver: " << st.error().message << std::endl;
    (void)registry->stop();
    return 0;
}
