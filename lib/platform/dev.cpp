#include "platform/dev.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>

#include <nlohmann/json.hpp>

#include "core/fs.hpp"
#include "core/net.hpp"
#include "core/redact.hpp"
#include "core/sha256.hpp"
#include "core/strings.hpp"
#include "platform/server.hpp"
#include "platform/tail.hpp"
#include "platform/tail_server.hpp"

namespace tenantctl::platform {

using json = nlohmann::json;

std::string stable_account_id(const std::string& state_dir) {
    return sha256_hex("tenantctl dev account\n" + state_dir).substr(0, 32);
}

bool valid_account_id(const std::string& id) {
    if (id.size() != 32) return false;
    for (char ch : id)
        if (!std::isxdigit(static_cast<unsigned char>(ch))) return false;
    return true;
}

Result<Credentials> load_or_create_credentials(const std::string& state_dir, const std::string& pinned_account_id) {
    std::string pinned = to_lower(pinned_account_id);
    if (!pinned.empty() && !valid_account_id(pinned))
        return Error(ErrorKind::Usage, "--account-id " + quoted(pinned_account_id) + " is not an account id",
                     "a Cloudflare account id is 32 hexadecimal digits");
    TRY_STATUS(make_dirs(state_dir, 0700));
    const std::string path = join_path(state_dir, "credentials.json");
    if (file_exists(path)) {
        TRY_ASSIGN(std::string text, read_file(path));
        json j = json::parse(text, nullptr, false);
        if (j.is_discarded() || !j.is_object() || !j.contains("account_id") || !j["account_id"].is_string() ||
            !j.contains("api_token") || !j["api_token"].is_string())
            return Error(ErrorKind::Input, "the credentials file " + path + " is not valid",
                         "delete it to create new credentials (clients must then re-read the local profile)");
        Credentials c;
        c.account_id = j["account_id"].get<std::string>();
        c.api_token = j["api_token"].get<std::string>();
        Redactor::global().add(c.api_token);
        if (!pinned.empty() && pinned != c.account_id)
            return Error(ErrorKind::Usage,
                         "the state directory " + state_dir + " belongs to account " + c.account_id +
                             ", not to --account-id " + pinned,
                         "pass another --state-dir for that account, or delete " + path +
                             " to move this one to it (what was created under the old id is then not visible)");
        return c;
    }
    Credentials c;
    c.account_id = pinned.empty() ? stable_account_id(state_dir) : pinned;
    c.api_token = "tcdev_" + random_hex(24);
    Redactor::global().add(c.api_token);
    TRY_STATUS(
        write_file_atomic(path, json{{"account_id", c.account_id}, {"api_token", c.api_token}}.dump(2) + "\n", 0600));
    return c;
}

Status write_dev_json(const std::string& state_dir, const std::string& api_url, long pid, unsigned port,
                      const std::string& workers_url) {
    json j{{"api_url", api_url}, {"pid", pid}, {"port", port}};
    if (!workers_url.empty()) j["workers_url"] = workers_url;
    return write_file_atomic(join_path(state_dir, "dev.json"), j.dump(2) + "\n", 0644);
}

Result<int> lock_state_dir(const std::string& state_dir) {
    const std::string path = join_path(state_dir, "dev.lock");
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return Error(ErrorKind::Io, "cannot open " + path + ": " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        std::string who;
        if (auto info = read_file(join_path(state_dir, "dev.json")); info.ok()) {
            auto j = json::parse(*info, nullptr, false);
            if (j.is_object() && j.contains("pid")) who = " (pid " + j["pid"].dump() + ")";
        }
        return Error(ErrorKind::Usage, "the state directory " + state_dir + " is in use by another tenantctl dev" + who,
                     "stop that one, or pass another --state-dir");
    }
    return fd;
}

Status write_local_profile(const std::string& profile_path, const std::string& api_url, const Credentials& creds) {
    TRY_STATUS(make_dirs(parent_dir(profile_path), 0700));
    return write_file_atomic(
        profile_path,
        json{{"api_url", api_url}, {"api_token", creds.api_token}, {"account_id", creds.account_id}}.dump(2) + "\n",
        0600);
}

namespace {

// Appends a line to a log file; one writer at a time per file.
std::function<void(const std::string&)> line_appender(const std::string& path) {
    auto m = std::make_shared<std::mutex>();
    return [path, m](const std::string& line) {
        std::lock_guard lock(*m);
        if (FILE* f = std::fopen(path.c_str(), "a")) {
            std::fprintf(f, "%s\n", line.c_str());
            std::fclose(f);
        }
    };
}

// The URL host for a listener's address: a wildcard is reached through loopback, an IPv6 address in brackets.
std::string connect_host_of(const std::string& host) {
    if (!is_wildcard_address(host)) return host;
    return host.find(':') != std::string::npos ? "::1" : "127.0.0.1";
}

std::string url_host(const std::string& host) {
    return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

struct DevPlatform::Parts {
    Parts(const Env& e, DevOptions o, DevEvents ev) : env(e), options(std::move(o)), events(std::move(ev)) {}

    Env env;
    DevOptions options;
    DevEvents events;
    int lock_fd = -1;
    Credentials creds;
    std::unique_ptr<Store> store;
    std::unique_ptr<DevContainers> containers;
    std::shared_ptr<TailHub> tails = std::make_shared<TailHub>();
    std::unique_ptr<Api> api;
    std::unique_ptr<Server> server;
    std::unique_ptr<TailServer> tail_server;
    std::unique_ptr<DevWorkers> workers;
    sigset_t signals{};
    bool wrote_dev_json = false;
    bool stopped = false;

    void warn(const std::string& message, const std::string& hint = {}) const {
        if (events.warning) events.warning(message, hint);
    }

    // The registry, the container engine and the tenant router, when asked for and possible.
    Status start_containers(DevReport& r) {
        const DevOptions& o = options;
        // Containers are on by default when a docker daemon answers; --containers makes them required.
        if (o.containers && o.no_containers)
            return Error(ErrorKind::Usage, "--containers and --no-containers contradict each other");
        if (!o.no_containers && o.start_containers) {
            DevContainersOptions co;
            co.env = &env;
            co.router_listen = o.router_listen;
            co.registry = o.registry;
            co.network = o.network;
            co.default_app = o.app;
            if (!o.router_pin_key_file.empty()) {
                TRY_ASSIGN(auto key, read_file_limited(absolute_path(o.router_pin_key_file, o.cwd), 4096,
                                                       "--router-pin-key-file " + quoted(o.router_pin_key_file)));
                co.pin_key = std::string(trim(key));
                if (co.pin_key.size() < 16)
                    return Error(ErrorKind::Usage, "the router pin key is shorter than 16 characters",
                                 "put a long random string in the file");
            }
            co.state_dir = r.state_dir;
            Store* db = store.get();
            std::string account = creds.account_id;
            co.apps = [db, account] {
                std::vector<nlohmann::json> out;
                db->transaction(false, [&] {
                    for (auto& obj : db->list("app", account)) out.push_back(obj.doc);
                    return true;
                });
                return out;
            };
            r.containers_log = join_path(r.state_dir, "containers.log");
            co.log = line_appender(r.containers_log);
            auto dev = o.start_containers(co);
            if (!dev.ok() && o.containers) return dev.error();
            if (!dev.ok())
                warn("containers are off: " + dev.error().message +
                     " (the API works without them; pass --containers to make this an error, --no-containers to "
                     "skip the attempt)");
            if (dev.ok()) {
                containers = std::move(dev.value());
                r.containers = true;
                r.registry = containers->registry_info();
                r.router_url = containers->router_url();
            }
        }
        if (!containers && !o.registry.empty()) {
            r.registry.host = o.registry;
            r.registry.placeholder = false;
        }
        return {};
    }

    // The workers runtime (workerd), after the API so that the account id is known.
    Status start_workers(DevReport& r, uint16_t api_port) {
        const DevOptions& o = options;
        if (o.no_workers || !o.start_workers) return {};
        TRY_ASSIGN(auto wl, parse_listen(o.workers_listen));
        DevWorkersOptions wo;
        wo.env = &env;
        wo.cwd = o.cwd;
        wo.host = wl.first;
        // An API on an ephemeral port (tests, several platforms side by side) gets ephemeral workers too,
        // unless --workers-listen says otherwise.
        wo.port = !o.workers_listen_given && api_port == 0 ? 0 : wl.second;
        wo.state_dir = r.state_dir;
        wo.account_id = creds.account_id;
        wo.idle_ms = o.workers_idle * 1000;
        wo.per_process = o.workers_per_process;
        r.workers_log = join_path(r.state_dir, "workers.log");
        auto append = line_appender(r.workers_log);
        auto show = events.worker_line;
        // Failures and created storage always; generations and the workers' own output when verbose.
        bool verbose = o.verbose;
        wo.log = [append, show, verbose](const std::string& line) {
            append(line);
            if (show && (verbose || line.find("failed") != std::string::npos ||
                         line.find("created") != std::string::npos || line.find("CPU time limit") != std::string::npos))
                show(line);
        };
        wo.output = [append, show, verbose](const std::string& line) {
            append(line);
            if (show && verbose) show(line);
        };
        auto hub = tails;
        wo.records = [hub](const std::string& batch) { hub->publish(batch); };
        TRY_ASSIGN(workers, o.start_workers(*store, wo));
        if (!workers) {
            warn(
                "workers will not run: workerd was not found (the API and containers work without it; uploads are "
                "stored without checking that they start)",
                "scripts/setup.sh installs it; or `npm install workerd` in the project, or set TENANTCTL_WORKERD to "
                "a workerd binary");
            return {};
        }
        if (auto v = workers->validator()) api->set_validator(std::move(v));
        r.workers = true;
        r.workers_port = workers->port();
        r.workers_url = "http://" + wl.first + ":" + std::to_string(workers->port());
        return {};
    }
};

nlohmann::json DevReport::to_json() const {
    json info = {{"api_url", api_url}, {"pid", pid}, {"port", port}, {"state_dir", state_dir}, {"profile", profile}};
    if (containers) info["router_url"] = router_url;
    if (workers) info["workers_url"] = workers_url;
    return info;
}

DevPlatform::DevPlatform(std::unique_ptr<Parts> parts) : m_parts(std::move(parts)) {}

DevPlatform::~DevPlatform() {
    stop();
    if (m_parts->lock_fd >= 0) ::close(m_parts->lock_fd);
}

Result<std::unique_ptr<DevPlatform>> DevPlatform::start(const Env& env, const DevOptions& options, DevEvents events) {
    std::unique_ptr<DevPlatform> dev(new DevPlatform(std::make_unique<Parts>(env, options, std::move(events))));
    Parts& p = *dev->m_parts;
    DevReport& r = dev->m_report;
    const DevOptions& o = p.options;
    TRY_ASSIGN(auto listen, parse_listen(o.listen));
    r.state_dir = o.state_dir.empty() ? join_path(env.data_home(), "tenantctl/dev") : absolute_path(o.state_dir, o.cwd);
    TRY_STATUS(make_dirs(r.state_dir, 0700));
    TRY_ASSIGN(p.lock_fd, lock_state_dir(r.state_dir));  // held until the DevPlatform ends
    if (is_wildcard_address(listen.first))
        p.warn("--listen " + o.listen +
               " binds every network interface: anyone who can reach this machine can call the API (the local "
               "profile still points at loopback)");
    else if (!is_loopback_host(listen.first))
        p.warn("--listen " + o.listen + " is not a loopback address: other machines can reach the API");
    TRY_ASSIGN(p.creds, load_or_create_credentials(r.state_dir, o.account_id));
    TRY_ASSIGN(p.store, Store::open(join_path(r.state_dir, "state.db")));
    TRY_STATUS(p.start_containers(r));

    ApiOptions api_opt;
    api_opt.test_hooks = o.test_hooks;
    if (!o.rate_limit.empty()) {
        TRY_ASSIGN(api_opt.rate_limit, parse_rate_limit_option(o.rate_limit));
    }
    api_opt.request_log_path = join_path(r.state_dir, "requests.log");
    api_opt.state_dir = r.state_dir;
    api_opt.tails = p.tails;
    r.test_hooks = o.test_hooks;
    r.rate_limit = api_opt.rate_limit;
    p.api =
        std::make_unique<Api>(*p.store, p.creds, api_opt, p.containers ? p.containers->runtime() : nullptr, r.registry);

    // Block SIGINT/SIGTERM before the pool starts so only wait_for_signal sees them.
    sigemptyset(&p.signals);
    sigaddset(&p.signals, SIGINT);
    sigaddset(&p.signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &p.signals, nullptr);

    ServerOptions so;
    so.host = listen.first;
    so.port = listen.second;
    so.threads = std::max(1, std::min(o.threads, 64));
    p.server = std::make_unique<Server>(*p.api, so);
    TRY_STATUS(p.server->start());
    r.port = p.server->port();

    // Clients on this machine reach a wildcard listener through loopback: the profile never holds 0.0.0.0.
    std::string connect_host = connect_host_of(so.host);
    r.api_url = "http://" + url_host(connect_host) + ":" + std::to_string(r.port) + "/client/v4";
    // Live tails are read over a WebSocket server of their own (as Cloudflare's tail URLs are on a host of
    // their own), on a free port of the API's loopback address.
    p.tail_server = std::make_unique<TailServer>(*p.tails, connect_host, 0, o.test_hooks);
    TRY_STATUS(p.tail_server->start());
    p.tails->set_url_base("ws://" + url_host(connect_host) + ":" + std::to_string(p.tail_server->port()) + "/");
    TRY_STATUS(p.start_workers(r, listen.second));

    r.profile = join_path(env.config_home(), "tenantctl/profiles/local.json");
    TRY_STATUS(write_local_profile(r.profile, r.api_url, p.creds));
    r.pid = static_cast<long>(::getpid());
    TRY_STATUS(write_dev_json(r.state_dir, r.api_url, r.pid, r.port, r.workers_url));
    p.wrote_dev_json = true;
    return dev;
}

std::string DevPlatform::wait_for_signal() {
    int sig = 0;
    sigwait(&m_parts->signals, &sig);
    return sig == SIGTERM ? "SIGTERM" : "SIGINT";
}

void DevPlatform::stop() {
    Parts& p = *m_parts;
    if (p.stopped) return;
    p.stopped = true;
    if (p.workers) p.workers->stop();
    if (p.tail_server) p.tail_server->stop();
    if (p.server) p.server->stop();
    if (p.containers) p.containers->stop();
    if (p.wrote_dev_json) std::remove(join_path(m_report.state_dir, "dev.json").c_str());
}

}  // namespace tenantctl::platform
