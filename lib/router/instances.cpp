#include "router/instances.hpp"

#include "core/limits.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <set>

#include "core/limits.hpp"
#include "core/net.hpp"
#include "core/strings.hpp"

namespace tenantctl::router {

namespace {

std::string slot_key(const std::string& app_id, const std::string& tenant_id) {
    return app_id + "\n" + tenant_id;
}

std::string docker_safe(std::string_view s) {
    std::string o;
    for (char c : s) o.push_back((std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '.');
    return o;
}

Error http_error(int status, ErrorKind kind, std::string message, std::string hint = {}) {
    Error e(kind, std::move(message), std::move(hint));
    e.http_status = status;
    return e;
}

}  // namespace

std::string format_time(std::chrono::system_clock::time_point t) {
    if (t.time_since_epoch().count() == 0) return {};
    std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

const char* to_string(InstanceState s) {
    switch (s) {
        case InstanceState::Provisioning:
            return "provisioning";
        case InstanceState::Running:
            return "running";
        case InstanceState::Stopping:
            return "stopping";
        case InstanceState::Stopped:
            return "stopped";
        case InstanceState::Failed:
            return "failed";
    }
    return "unknown";
}

AppResolver static_apps(std::vector<AppSpec> apps, std::string default_selector) {
    return [apps = std::move(apps),
            def = std::move(default_selector)](std::string_view selector) -> std::optional<AppSpec> {
        std::string_view sel = selector.empty() ? std::string_view(def) : selector;
        if (sel.empty()) {
            if (apps.size() == 1) return apps.front();
            return std::nullopt;
        }
        for (const auto& a : apps)
            if (a.id == sel || a.name == sel) return a;
        return std::nullopt;
    };
}

// ---- Lease ----

Lease::Lease(InstanceManager* m, std::string key, std::string instance_id, std::string host, int port)
    : m_manager(m),
      m_key(std::move(key)),
      m_instance_id(std::move(instance_id)),
      m_host(std::move(host)),
      m_port(port) {}
Lease::Lease(Lease&& o) noexcept
    : m_manager(o.m_manager),
      m_key(std::move(o.m_key)),
      m_instance_id(std::move(o.m_instance_id)),
      m_host(std::move(o.m_host)),
      m_port(o.m_port) {
    o.m_manager = nullptr;
}
Lease& Lease::operator=(Lease&& o) noexcept {
    if (this != &o) {
        release();
        m_manager = o.m_manager;
        m_key = std::move(o.m_key);
        m_instance_id = std::move(o.m_instance_id);
        m_host = std::move(o.m_host);
        m_port = o.m_port;
        o.m_manager = nullptr;
    }
    return *this;
}
Lease::~Lease() {
    release();
}
void Lease::release() {
    if (m_manager) m_manager->release(m_key);
    m_manager = nullptr;
}

// ---- InstanceManager ----

InstanceManager::InstanceManager(ContainerDriver& driver, Clock& clock, ManagerOptions options, Observer observer)
    : m_driver(driver), m_clock(clock), m_options(std::move(options)), m_observer(std::move(observer)) {}

InstanceManager::~InstanceManager() {
    stop_reaper();
}

void InstanceManager::emit(ManagerEvent::Level level, const Slot& s, std::string message) const {
    if (!m_observer) return;
    m_observer(ManagerEvent{level, s.info.app_id, s.info.tenant_id, s.info.id, std::move(message)});
}

int InstanceManager::count_active(const std::string& app_id) const {
    int n = 0;
    for (const auto& [k, s] : m_slots)
        if (s.info.app_id == app_id &&
            (s.info.state == InstanceState::Provisioning || s.info.state == InstanceState::Running ||
             s.info.state == InstanceState::Stopping))
            ++n;
    return n;
}

int InstanceManager::allocate_port() {
    std::set<int> used;
    {
        std::lock_guard lk(m_mutex);
        for (const auto& [k, s] : m_slots)
            if (s.info.state != InstanceState::Stopped && s.info.state != InstanceState::Failed)
                used.insert(s.info.port);
    }
    for (int attempt = 0; attempt < 20; ++attempt) {
        int port = free_loopback_port();
        if (port && !used.count(port)) return port;
    }
    return 0;
}

Result<InstanceInfo> InstanceManager::start_container(const AppSpec& app, const std::string& tenant_id,
                                                      const std::string& instance_id) {
    Slot view;
    view.info.app_id = app.id;
    view.info.tenant_id = tenant_id;
    view.info.id = instance_id;
    if (m_options.pull) {
        std::lock_guard pl(m_pull_mutex);
        if (!m_pulled[app.image]) {
            emit(ManagerEvent::Level::Info, view, "pulling image " + tenantctl::quoted(app.image));
            auto st = m_driver.pull(app.image, m_options.registry_auth);
            if (!st) {
                Error e = st.error();
                e.http_status = 503;
                emit(ManagerEvent::Level::Error, view, e.message);
                return e;
            }
            m_pulled[app.image] = true;
        }
    }
    int port = app.port;
    if (m_options.host_network) {
        port = allocate_port();
        if (!port) return http_error(503, ErrorKind::Io, "no free port on 127.0.0.1 for instance " + instance_id);
    }
    ContainerSpec spec;
    spec.name = m_options.name_prefix + "-" + docker_safe(app.id) + "-" + docker_safe(tenant_id) + "-" + instance_id;
    spec.image = app.image;
    spec.env = app.env;
    spec.env["TENANTCTL_TENANT_ID"] = tenant_id;
    spec.env["TENANTCTL_INSTANCE_ID"] = instance_id;
    spec.env["TENANTCTL_APP_ID"] = app.id;
    spec.env["PORT"] = std::to_string(port);
    spec.env["TENANTCTL_LISTEN_ADDR"] = m_options.host_network ? "127.0.0.1" : "0.0.0.0";
    spec.labels["tenantctl.app"] = app.id;
    spec.labels["tenantctl.tenant"] = tenant_id;
    spec.labels["tenantctl.instance"] = instance_id;
    if (!m_options.platform_id.empty()) spec.labels["tenantctl.platform"] = m_options.platform_id;
    spec.container_port = port;
    spec.host_network = m_options.host_network;

    auto fail_with_logs = [&](const std::string& cid, int status, ErrorKind kind, std::string message) -> Error {
        std::string logs;
        if (auto l = m_driver.logs(cid, m_options.log_tail_lines)) logs = std::string(trim(l.value()));
        emit(ManagerEvent::Level::Error, view,
             message + (logs.empty() ? std::string(" (no log output)") : "; last log lines:\n" + logs));
        (void)m_driver.remove(cid);
        return http_error(status, kind, message, "the container's last log lines are in the platform log");
    };

    TRY_ASSIGN(std::string cid, m_driver.create(spec));
    if (auto st = m_driver.start(cid); !st) {
        (void)m_driver.remove(cid);
        Error e = st.error();
        e.http_status = 503;
        emit(ManagerEvent::Level::Error, view, e.message);
        return e;
    }
    std::string host = "127.0.0.1";
    std::string probe_host = host;
    int probe_port = port;
    int host_port = port;
    if (!m_options.host_network) {
        auto st = m_driver.inspect(cid);
        if (!st) return fail_with_logs(cid, 503, ErrorKind::Docker, st.error().message);
        host_port = st->host_port;
        probe_port = host_port;
        if (!st->ip.empty()) {  // docker-proxy accepts on the published port before the app listens
            probe_host = st->ip;
            probe_port = port;
        }
    }
    auto deadline = m_clock.now() + m_options.start_timeout;
    for (int i = 0;; ++i) {
        if (m_driver.port_open(probe_host, probe_port)) break;
        if (i % 5 == 4 || m_clock.now() >= deadline) {
            auto st = m_driver.inspect(cid);
            if (!st) return fail_with_logs(cid, 503, ErrorKind::Docker, st.error().message);
            if (!st->running)
                return fail_with_logs(cid, 503, ErrorKind::Docker,
                                      "application " + tenantctl::quoted(app.name.empty() ? app.id : app.name) +
                                          " exited with code " + std::to_string(st->exit_code) +
                                          " before listening on port " + std::to_string(port));
        }
        if (m_clock.now() >= deadline) {
            (void)m_driver.stop(cid, 0);
            auto secs = std::chrono::duration_cast<std::chrono::milliseconds>(m_options.start_timeout).count() / 1000.0;
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.1f", secs);
            return fail_with_logs(cid, 504, ErrorKind::Timeout,
                                  "application " + tenantctl::quoted(app.name.empty() ? app.id : app.name) +
                                      " did not listen on port " + std::to_string(port) + " within " + buf + "s");
        }
        m_clock.sleep_for(m_options.probe_interval);
    }
    InstanceInfo info;
    info.container_id = cid;
    info.host = host;
    info.port = host_port;
    info.started_at = m_clock.wall_now();
    emit(ManagerEvent::Level::Info, view,
         "started container " + cid.substr(0, 12) + " for tenant " + tenantctl::quoted(tenant_id) + " on " + host +
             ":" + std::to_string(host_port));
    return info;
}

Result<Lease> InstanceManager::acquire(const AppSpec& app, const std::string& tenant_id) {
    const std::string key = slot_key(app.id, tenant_id);
    std::unique_lock lk(m_mutex);
    std::string waited_for;  // the instance id whose start we waited for
    for (;;) {
        Slot& s = m_slots[key];
        if (!s.has_record) {
            s.has_record = true;
            s.info.app_id = app.id;
            s.info.tenant_id = tenant_id;
        }
        s.app = app;
        switch (s.info.state) {
            case InstanceState::Running: {
                ++s.info.active_requests;
                s.last_used = m_clock.now();
                s.info.last_request_at = m_clock.wall_now();
                return Lease(this, key, s.info.id, s.info.host, s.info.port);
            }
            case InstanceState::Provisioning:
            case InstanceState::Stopping:
                if (s.info.state == InstanceState::Provisioning) waited_for = s.info.id;
                m_changed.wait_for(lk, std::chrono::milliseconds(100));
                continue;
            case InstanceState::Failed:
                if (!waited_for.empty() && waited_for == s.info.id)  // the start we waited for failed: same answer
                    return http_error(s.last_status ? s.last_status : 503, ErrorKind::Docker, s.info.last_error,
                                      "the container's last log lines are in the platform log");
                [[fallthrough]];
            case InstanceState::Stopped: {
                int active = count_active(app.id);
                if (app.max_instances > 0 && active >= app.max_instances) {
                    // Full: the least recently used instance that is idle (no request in flight) for at least
                    // limits::k_router_min_idle_before_eviction makes room, so ids anyone can make up cannot
                    // hold every slot; refused (503) only when every instance is busy or just used.
                    std::string victim;
                    auto oldest = m_clock.now();
                    for (const auto& [k, o] : m_slots) {
                        if (o.info.app_id != app.id || o.info.state != InstanceState::Running ||
                            o.info.active_requests > 0 || k == key)
                            continue;
                        if (m_clock.now() - o.last_used < limits::k_router_min_idle_before_eviction) continue;
                        if (victim.empty() || o.last_used < oldest) victim = k, oldest = o.last_used;
                    }
                    if (!victim.empty()) {
                        Slot view = m_slots[victim];
                        lk.unlock();
                        auto st = stop_key(victim, [](const Slot& o) { return o.info.active_requests == 0; });
                        if (st)
                            emit(ManagerEvent::Level::Info, view,
                                 "stopped to make room under max_instances for tenant " + tenantctl::quoted(tenant_id));
                        lk.lock();
                        continue;
                    }
                    // Retry-After: when the longest-idle running instance of this app will be put to sleep.
                    long retry = 0;
                    auto now = m_clock.now();
                    for (const auto& [k, o] : m_slots) {
                        if (o.info.app_id != app.id || o.info.state != InstanceState::Running) continue;
                        auto left =
                            std::chrono::duration_cast<std::chrono::seconds>(o.last_used + o.app.sleep_after - now)
                                .count();
                        if (retry == 0 || left < retry) retry = left;
                    }
                    retry = std::clamp(retry, 1L, 3600L);
                    Error e = http_error(503, ErrorKind::Conflict,
                                         "application " + tenantctl::quoted(app.name.empty() ? app.id : app.name) +
                                             " has reached max_instances (" + std::to_string(app.max_instances) +
                                             "); not starting an instance for tenant " + tenantctl::quoted(tenant_id),
                                         "retry after an idle instance sleeps, or raise max_instances");
                    e.api_errors.push_back(ApiErrorItem{static_cast<int>(retry), "retry_after"});
                    return e;
                }
                std::string iid = random_hex(6);
                s.info.id = iid;
                s.info.state = InstanceState::Provisioning;
                s.info.last_error.clear();
                s.info.image = app.image;
                s.info.container_id.clear();
                s.info.active_requests = 0;
                ++s.info.start_count;
                lk.unlock();
                auto r = start_container(app, tenant_id, iid);
                lk.lock();
                Slot& s2 = m_slots[key];
                if (!r) {
                    s2.info.state = InstanceState::Failed;
                    s2.info.last_error = r.error().message;
                    s2.last_status = r.error().http_status;
                    m_changed.notify_all();
                    return std::move(r).error();
                }
                s2.info.container_id = r->container_id;
                s2.info.host = r->host;
                s2.info.port = r->port;
                s2.info.started_at = r->started_at;
                s2.info.state = InstanceState::Running;
                s2.info.active_requests = 1;
                s2.last_used = m_clock.now();
                s2.info.last_request_at = m_clock.wall_now();
                m_changed.notify_all();
                return Lease(this, key, s2.info.id, s2.info.host, s2.info.port);
            }
        }
    }
}

void InstanceManager::release(const std::string& key) {
    std::lock_guard lk(m_mutex);
    auto it = m_slots.find(key);
    if (it == m_slots.end()) return;
    if (it->second.info.active_requests > 0) --it->second.info.active_requests;
    it->second.last_used = m_clock.now();
    it->second.info.last_request_at = m_clock.wall_now();
}

void InstanceManager::stop_container(const std::string& container_id, const std::string& app_id,
                                     const std::string& tenant_id, const std::string& instance_id) {
    Slot view;
    view.info.app_id = app_id;
    view.info.tenant_id = tenant_id;
    view.info.id = instance_id;
    if (container_id.empty()) return;
    auto st = m_driver.stop(container_id, m_options.stop_timeout_seconds);
    if (!st) emit(ManagerEvent::Level::Warning, view, st.error().message);
    auto rm = m_driver.remove(container_id);
    if (!rm) emit(ManagerEvent::Level::Warning, view, rm.error().message);
}

Status InstanceManager::stop_key(const std::string& key, const std::function<bool(const Slot&)>& only_if) {
    std::unique_lock lk(m_mutex);
    auto deadline = std::chrono::steady_clock::now() + m_options.start_timeout + std::chrono::seconds(5);
    for (;;) {
        auto it = m_slots.find(key);
        if (it == m_slots.end()) return ok_status();
        Slot& s = it->second;
        if (s.info.state == InstanceState::Provisioning || s.info.state == InstanceState::Stopping) {
            if (std::chrono::steady_clock::now() > deadline)
                return Error(ErrorKind::Timeout, "instance " + s.info.id + " is still " + to_string(s.info.state));
            m_changed.wait_for(lk, std::chrono::milliseconds(100));
            continue;
        }
        if (s.info.state != InstanceState::Running) return ok_status();
        if (only_if && !only_if(s)) return ok_status();
        s.info.state = InstanceState::Stopping;
        std::string cid = s.info.container_id, app = s.info.app_id, tenant = s.info.tenant_id, iid = s.info.id;
        lk.unlock();
        stop_container(cid, app, tenant, iid);
        lk.lock();
        auto it2 = m_slots.find(key);
        if (it2 != m_slots.end()) {
            it2->second.info.state = InstanceState::Stopped;
            it2->second.info.active_requests = 0;
        }
        m_changed.notify_all();
        return ok_status();
    }
}

bool InstanceManager::report_unreachable(const std::string& instance_id) {
    std::string key, cid;
    {
        std::lock_guard lk(m_mutex);
        for (auto& [k, s] : m_slots)
            if (s.info.id == instance_id) {
                key = k;
                cid = s.info.container_id;
                if (s.info.state != InstanceState::Running) return true;  // already handled by someone else
            }
    }
    if (key.empty()) return false;
    auto st = m_driver.inspect(cid);
    if (st && st->running) return false;
    std::string message = st ? "container " + cid.substr(0, 12) + " exited with code " + std::to_string(st->exit_code)
                             : st.error().message;
    std::string logs;
    if (auto l = m_driver.logs(cid, m_options.log_tail_lines)) logs = std::string(trim(l.value()));
    (void)m_driver.remove(cid);
    std::unique_lock lk(m_mutex);
    auto it = m_slots.find(key);
    if (it == m_slots.end() || it->second.info.id != instance_id || it->second.info.state != InstanceState::Running)
        return true;
    it->second.info.state = InstanceState::Failed;
    it->second.info.last_error = message;
    it->second.last_status = 502;
    it->second.info.active_requests = 0;
    emit(ManagerEvent::Level::Error, it->second,
         message + (logs.empty() ? std::string(" (no log output)") : "; last log lines:\n" + logs));
    m_changed.notify_all();
    return true;
}

Result<InstanceInfo> InstanceManager::restart(const AppSpec& app, const std::string& tenant_id) {
    TRY_STATUS(stop_key(slot_key(app.id, tenant_id)));
    {
        TRY_ASSIGN(Lease lease, acquire(app, tenant_id));
        (void)lease;
    }
    auto info = find(app.id, tenant_id);
    if (!info) return Error(ErrorKind::Internal, "instance vanished after restart");
    return *info;
}

Status InstanceManager::stop_instance(const std::string& instance_id) {
    std::string key;
    {
        std::lock_guard lk(m_mutex);
        for (const auto& [k, s] : m_slots)
            if (s.info.id == instance_id) key = k;
    }
    if (key.empty()) return Error(ErrorKind::NotFound, "no instance with id " + tenantctl::quoted(instance_id));
    return stop_key(key, [&](const Slot& s) { return s.info.id == instance_id; });
}

Status InstanceManager::stop_all() {
    std::vector<std::string> keys;
    {
        std::lock_guard lk(m_mutex);
        for (const auto& [k, s] : m_slots) keys.push_back(k);
    }
    // In parallel (at most 8 at a time): each stop may wait for the container's stop timeout.
    Status result;
    std::mutex result_mutex;
    for (size_t i = 0; i < keys.size(); i += 8) {
        std::vector<std::thread> workers;
        for (size_t j = i; j < keys.size() && j < i + 8; ++j)
            workers.emplace_back([&, j] {
                auto st = stop_key(keys[j]);
                std::lock_guard lk(result_mutex);
                if (!st && result) result = st;
            });
        for (auto& t : workers) t.join();
    }
    return result;
}

Result<int> InstanceManager::remove_orphans() {
    if (m_options.platform_id.empty()) return 0;
    TRY_ASSIGN(auto all, m_driver.list("tenantctl.platform"));
    std::set<std::string> known;
    {
        std::lock_guard lk(m_mutex);
        for (const auto& [k, s] : m_slots)
            if (!s.info.container_id.empty()) known.insert(s.info.container_id);
    }
    int n = 0;
    for (const auto& c : all) {
        auto it = c.labels.find("tenantctl.platform");
        if (it == c.labels.end() || it->second != m_options.platform_id || known.count(c.id)) continue;
        if (m_driver.remove(c.id)) ++n;
    }
    return n;
}

void InstanceManager::refresh_image(const std::string& image) {
    std::lock_guard pl(m_pull_mutex);
    m_pulled.erase(image);
}

std::vector<InstanceInfo> InstanceManager::list(std::string_view app_id) const {
    std::lock_guard lk(m_mutex);
    std::vector<InstanceInfo> out;
    for (const auto& [k, s] : m_slots)
        if (app_id.empty() || s.info.app_id == app_id) out.push_back(s.info);
    return out;
}

std::optional<InstanceInfo> InstanceManager::find(const std::string& app_id, const std::string& tenant_id) const {
    std::lock_guard lk(m_mutex);
    auto it = m_slots.find(slot_key(app_id, tenant_id));
    if (it == m_slots.end()) return std::nullopt;
    return it->second.info;
}

std::optional<InstanceInfo> InstanceManager::find_instance(const std::string& instance_id) const {
    std::lock_guard lk(m_mutex);
    for (const auto& [k, s] : m_slots)
        if (s.info.id == instance_id) return s.info;
    return std::nullopt;
}

int InstanceManager::reap_once() {
    std::vector<std::string> idle;
    std::vector<std::pair<std::string, std::string>> running;  // instance id, container id
    {
        std::lock_guard lk(m_mutex);
        auto now = m_clock.now();
        for (const auto& [k, s] : m_slots) {
            if (s.info.state != InstanceState::Running) continue;
            if (s.info.active_requests == 0 && now - s.last_used >= s.app.sleep_after)
                idle.push_back(k);
            else
                running.emplace_back(s.info.id, s.info.container_id);
        }
    }
    int stopped = 0;
    for (const auto& k : idle) {
        Slot view;
        {
            std::lock_guard lk(m_mutex);
            view = m_slots[k];
        }
        auto st = stop_key(k, [this](const Slot& s) {
            return s.info.active_requests == 0 && m_clock.now() - s.last_used >= s.app.sleep_after;
        });
        if (st) {
            auto after = find(view.info.app_id, view.info.tenant_id);
            if (after && after->state == InstanceState::Stopped && after->id == view.info.id) {
                ++stopped;
                emit(ManagerEvent::Level::Info, view,
                     "stopped after " + std::to_string(view.app.sleep_after.count()) + "s idle (sleep_after)");
            }
        }
    }
    // Containers that exited on their own: state becomes failed now, not at the next request.
    for (const auto& [iid, cid] : running) {
        auto st = m_driver.inspect(cid);
        if ((st && !st->running) || (!st && st.error().kind == ErrorKind::NotFound)) report_unreachable(iid);
    }
    return stopped;
}

void InstanceManager::start_reaper() {
    std::lock_guard lk(m_reaper_mutex);
    if (m_reaper.joinable()) return;
    m_reaper_stop = false;
    m_reaper = std::thread([this] {
        std::unique_lock rl(m_reaper_mutex);
        while (!m_reaper_stop) {
            m_reaper_cv.wait_for(rl, m_options.reap_interval, [this] { return m_reaper_stop; });
            if (m_reaper_stop) break;
            rl.unlock();
            reap_once();
            rl.lock();
        }
    });
}

void InstanceManager::stop_reaper() {
    {
        std::lock_guard lk(m_reaper_mutex);
        m_reaper_stop = true;
    }
    m_reaper_cv.notify_all();
    if (m_reaper.joinable()) m_reaper.join();
}

}  // namespace tenantctl::router
