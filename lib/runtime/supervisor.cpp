#include "runtime/supervisor.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "core/fs.hpp"
#include "core/strings.hpp"
#include "platform/kinds.hpp"
#include "platform/server.hpp"
#include "runtime/asset_service.hpp"
#include "runtime/model.hpp"
#include "runtime/storage.hpp"
#include "runtime/validate.hpp"
#include "runtime/workerd_config.hpp"
#include "runtime/workerd_process.hpp"

namespace tenantctl::runtime {

namespace {

using Clock = std::chrono::steady_clock;

std::string random_token() {
    std::string raw(24, '\0');
    int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        [[maybe_unused]] auto n = ::read(fd, raw.data(), raw.size());
        ::close(fd);
    }
    return hex_encode(raw);
}

// Writes `data` to `path` (mode 0600) unless a file of that size is already there (module files are named by
// the script's etag, so an existing one has the same content).
Status write_once(const std::string& path, const std::string& data, bool overwrite) {
    struct stat st {};
    if (!overwrite && ::stat(path.c_str(), &st) == 0 && static_cast<size_t>(st.st_size) == data.size()) return {};
    auto slash = path.rfind('/');
    if (slash != std::string::npos)
        if (auto s = make_dirs(path.substr(0, slash), 0700); !s.ok()) return s;
    return write_file_atomic(path, data, 0600);
}

std::string hex_key(const std::string& key) {
    return hex_encode(key).substr(0, 96);
}

struct Tenant {
    std::string key;
    std::string label;  // "ns/name"
    int fd = -1;
    uint16_t port = 0;
    pid_t pid = -1;
    std::string running_etag;  // of the process serving now
    bool loading = false;
    bool in_epoll = false;
    bool deleted = false;
    std::string broken_etag;  // the etag that failed to start (a stub serves it)
    int64_t last_ticks = 0;
    int64_t busy_ms = 0;
    int64_t idle_ms = 0;
    std::string killed_reason;
    Clock::time_point killed_at{};
    Clock::time_point retry_at{};  // a failed start is retried (on the next connection) after this
};

}  // namespace

struct WorkerRuntime::Impl {
    platform::Store& store;
    RuntimeOptions opt;
    std::string dir;  // STATE_DIR/runtime
    std::string token = random_token();
    int listen_fd = -1;
    uint16_t port = 0;
    int epoll_fd = -1;
    std::unique_ptr<StorageService> storage;
    std::unique_ptr<platform::Server> storage_server;
    std::string assets_secret = random_token();
    std::string outbound_secret = random_token();  // signs dispatch contexts (GenOptions)
    std::unique_ptr<AssetService> assets;
    std::unique_ptr<platform::Server> assets_server;
    std::unique_ptr<Forker> forker = std::make_unique<Forker>();
    std::shared_ptr<WorkerdValidator> validator;

    mutable std::mutex mutex;
    std::condition_variable cv;
    uint64_t wanted = 1;  // bumped by every relevant change
    uint64_t done = 0;    // the `wanted` value the front reflects
    bool stopping = false;
    int spawning = 0;
    std::thread thread;
    std::thread poller;
    pid_t front_pid = -1;
    uint64_t generation = 0;
    std::string front_config;
    RuntimeStatus st;
    std::shared_ptr<const Model> model = std::make_shared<Model>();
    std::map<std::string, Tenant> tenants;           // namespace script key -> its socket and process
    std::map<std::string, std::string> broken;       // account worker key -> reason
    std::map<std::string, std::string> broken_etag;  // account worker key -> etag that failed
    std::map<std::string, std::string> good_etag;    // account worker key -> etag of the last good front

    Impl(platform::Store& s, RuntimeOptions o) : store(s), opt(std::move(o)) {}

    void log(const std::string& line) {
        if (opt.log) opt.log(line);
    }

    GenOptions gen_options() {
        GenOptions g;
        g.storage_address = "127.0.0.1:" + std::to_string(storage_server->port());
        g.storage_token = token;
        g.assets_address = "127.0.0.1:" + std::to_string(assets_server->port());
        g.assets_secret = assets_secret;
        g.outbound_secret = outbound_secret;
        g.max_compat_date = opt.workerd_date;
        g.do_storage_dir = dir + "/durable-objects";
        g.front_port = port;
        return g;
    }

    // Starts workerd on `config` with `fd` as its socket "http"; its output goes to opt.output.
    pid_t spawn(const std::string& config, int fd, const std::string& label, std::string& error) {
        return spawn_workerd(forker.get(), {opt.workerd, dir, config, fd, label, opt.output}, error);
    }

    bool write_generation(const Generated& gen, const std::string& cfg) {
        bool ok = make_dirs(dir + "/durable-objects", 0700).ok();
        for (auto& [path, data] : gen.files)
            ok = ok && write_once(dir + "/" + path, data, path.rfind("internal/", 0) == 0).ok();
        ok = ok && write_file_atomic(cfg, gen.config, 0600).ok();
        if (!ok) log("workers: cannot write the runtime files under " + dir);
        return ok;
    }

    // Attributes workerd's start-up errors ("service KEY: Uncaught …") to scripts.
    static std::map<std::string, std::string> culprits(const std::string& output, const Model& m) {
        std::map<std::string, std::string> out;
        auto lines = split(output, '\n');
        for (size_t i = 0; i < lines.size(); ++i) {
            const std::string& l = lines[i];
            if (l.rfind("service ", 0) != 0) continue;
            for (auto& s : m.scripts) {
                std::string p = "service " + s.key + ": ";
                if (l.rfind(p, 0) != 0) continue;
                std::string reason = l.substr(p.size());
                if (i + 1 < lines.size() && lines[i + 1].rfind("  at ", 0) == 0)
                    reason += " (" + std::string(trim(lines[i + 1])) + ")";
                out[s.key] = reason;
            }
        }
        return out;
    }

    void loop() {
        std::unique_lock lock(mutex);
        for (;;) {
            cv.wait(lock, [&] { return stopping || wanted != done; });
            if (stopping) return;
            lock.unlock();
            std::this_thread::sleep_for(std::chrono::milliseconds(30));  // coalesce a burst of changes
            lock.lock();
            uint64_t target = wanted;
            lock.unlock();
            regenerate();
            lock.lock();
            done = target;
            cv.notify_all();
        }
    }

    void regenerate() {
        auto m = std::make_shared<const Model>(load_model(store, opt.account_id));
        assets->update(*m);
        std::vector<std::string> respawn;
        std::vector<Tenant> gone;
        {
            std::lock_guard lock(mutex);
            model = m;
            std::set<std::string> keys;
            for (auto& s : m->scripts) {
                if (s.ns.empty() || s.assets_only()) continue;  // an assets-only tenant has no process
                keys.insert(s.key);
                auto it = tenants.find(s.key);
                if (it == tenants.end()) {
                    auto sock = listen_socket("127.0.0.1", 0);
                    if (!sock.ok()) {
                        log("workers: " + sock.error().message);
                        continue;
                    }
                    Tenant t;
                    t.key = s.key;
                    t.label = s.ns + "/" + s.name;
                    t.fd = sock->first;
                    t.port = sock->second;
                    it = tenants.emplace(s.key, std::move(t)).first;
                    watch(it->second);
                } else if (it->second.pid > 0 && !it->second.loading && it->second.running_etag != s.etag) {
                    respawn.push_back(s.key);  // a running tenant changed: swap its process
                }
            }
            for (auto it = tenants.begin(); it != tenants.end();) {
                if (keys.count(it->first) || it->second.loading) {
                    ++it;
                    continue;
                }
                gone.push_back(it->second);
                if (it->second.in_epoll) ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, it->second.fd, nullptr);
                it = tenants.erase(it);
            }
        }
        regenerate_front(*m);
        for (auto& t : gone) {  // after the front no longer names them
            retire(t.pid);
            ::close(t.fd);
        }
        for (auto& k : respawn) start_tenant(k);
    }

    void regenerate_front(const Model& m) {
        auto t0 = Clock::now();
        for (auto it = broken.begin(); it != broken.end();) {  // a broken script is retried once it changes
            const Script* s = m.find(it->first);
            if (!s || s->etag != broken_etag[it->first]) {
                broken_etag.erase(it->first);
                it = broken.erase(it);
            } else {
                ++it;
            }
        }
        for (int attempt = 0; attempt < 4; ++attempt) {
            GenOptions g = gen_options();
            {
                std::lock_guard lock(mutex);
                for (auto& [k, t] : tenants) g.tenant_ports[k] = t.port;
            }
            for (auto& [k, why] : broken) {
                g.broken.insert(k);
                g.broken_reason[k] = why;
            }
            Generated gen = generate_front(m, g);
            if (gen.config == front_config && front_pid > 0) return;  // nothing the front runs changed
            uint64_t n = ++generation;
            std::string cfg = dir + "/front-" + std::to_string(n % 2) + ".capnp";
            if (!write_generation(gen, cfg)) return;
            std::string error;
            pid_t pid = spawn(cfg, listen_fd, "front", error);
            if (pid > 0) {
                retire(front_pid);
                front_pid = pid;
                front_config = gen.config;
                for (auto& s : m.scripts) good_etag[s.key] = s.etag;
                auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
                {
                    std::lock_guard lock(mutex);
                    st.generation = n;
                    st.loaded = gen.loaded;
                }
                log("workers: front generation " + std::to_string(n) + " running " + std::to_string(gen.loaded.size()) +
                    " account worker(s)" +
                    (broken.empty() ? "" : ", " + std::to_string(broken.size()) + " failed to start") + " (" +
                    std::to_string(ms) + " ms)");
                for (auto& w : gen.warnings) log("workers: " + w);
                return;
            }
            auto found = culprits(error, m);
            if (found.empty()) {
                // Nothing named: hold back every account worker that changed since the last good front.
                for (auto& s : m.scripts)
                    if (s.ns.empty() && !broken.count(s.key) && good_etag[s.key] != s.etag)
                        found[s.key] = "workerd refused the configuration: " + std::string(trim(error.substr(0, 300)));
            }
            if (found.empty()) {
                log("workers: workerd failed to start: " + std::string(trim(error.substr(0, 2000))));
                return;
            }
            for (auto& [k, why] : found) {
                broken[k] = why;
                if (const Script* s = m.find(k)) broken_etag[k] = s->etag;
                log("workers: " + k + " failed to start: " + why);
            }
        }
    }

    // Lets the poller start the tenant when a connection waits on its socket (mutex held).
    void watch(Tenant& t) {
        if (t.in_epoll || epoll_fd < 0) return;
        epoll_event ev{};
        ev.events = EPOLLIN;
        std::string* key = new std::string(t.key);  // owned by the registration; freed by the poller
        ev.data.ptr = key;
        if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, t.fd, &ev) == 0) {
            t.in_epoll = true;
            registrations.insert(key);
        } else {
            delete key;
        }
    }
    std::set<std::string*> registrations;

    // Starts (or swaps) the process of a tenant, on a thread of its own.
    void start_tenant(const std::string& key) {
        {
            std::lock_guard lock(mutex);
            auto it = tenants.find(key);
            if (it == tenants.end() || it->second.loading || stopping) return;
            it->second.loading = true;
            ++spawning;
        }
        std::thread([this, key] {
            run_tenant(key);
            std::lock_guard lock(mutex);
            --spawning;
            cv.notify_all();
        }).detach();
    }

    void run_tenant(const std::string& key) {
        std::shared_ptr<const Model> m;
        int fd;
        std::string label;
        std::string broken_for;
        {
            std::lock_guard lock(mutex);
            m = model;
            auto& t = tenants.at(key);
            fd = t.fd;
            label = t.label;
            broken_for = t.broken_etag;
        }
        const Script* s = m->find(key);
        std::string etag = s ? s->etag : std::string();
        std::string cfg = dir + "/tenant-" + hex_key(key) + "-" + etag.substr(0, 8) + ".capnp";
        std::string error;
        pid_t pid = -1;
        bool stub = false;
        if (s && broken_for != etag) {
            Generated gen = generate_tenant(*m, *s, gen_options());
            for (auto& w : gen.warnings) log("workers: " + w);
            if (write_generation(gen, cfg)) pid = spawn(cfg, fd, label, error);
            if (pid < 0) {
                auto found = culprits(error, *m);
                std::string why = found.count(key) ? found[key] : std::string(trim(error.substr(0, 1000)));
                log("workers: " + key + " failed to start: " + why);
                std::lock_guard lock(mutex);
                if (auto it = tenants.find(key); it != tenants.end()) it->second.broken_etag = etag;
                broken_reason_tenant[key] = why;
            }
        }
        if (pid < 0) {  // a stub answers with the reason
            std::string why;
            {
                std::lock_guard lock(mutex);
                why = broken_reason_tenant.count(key) ? broken_reason_tenant[key] : std::string("it was deleted");
            }
            Generated gen = generate_stub(500, "worker \"" + (s ? s->name : key) + "\" failed to start: " + why);
            std::string stub_cfg = dir + "/tenant-" + hex_key(key) + "-stub.capnp";
            std::string e2;
            if (write_generation(gen, stub_cfg)) pid = spawn(stub_cfg, fd, label, e2);
            stub = true;
        }
        std::lock_guard lock(mutex);
        auto it = tenants.find(key);
        if (it == tenants.end() || stopping) {
            retire(pid);
            return;
        }
        Tenant& t = it->second;
        pid_t old = t.pid;
        t.loading = false;
        if (pid > 0) {
            t.pid = pid;
            t.running_etag = stub ? t.broken_etag : etag;
            t.last_ticks = cpu_ticks(pid);
            t.busy_ms = t.idle_ms = 0;
            retire(old);
        } else if (old <= 0) {
            // Not even the stub started: the watchdog tries again on the next connection, a second later.
            t.retry_at = Clock::now() + std::chrono::seconds(1);
        }
        // Changed again while starting: go again.
        if (s && t.pid > 0 && !stub) {
            const Script* now = model->find(key);
            if (now && now->etag != t.running_etag && t.broken_etag != now->etag) {
                t.loading = false;
                std::thread([this, key] { start_tenant(key); }).detach();
            }
        }
    }
    std::map<std::string, std::string> broken_reason_tenant;

    // Accepts nothing itself: a readable socket of a tenant without a process means a caller is waiting.
    void poll_loop() {
        auto last = Clock::now();
        epoll_event evs[64];
        for (;;) {
            int n = ::epoll_wait(epoll_fd, evs, 64, 100);
            {
                std::lock_guard lock(mutex);
                if (stopping) return;
            }
            for (int i = 0; i < n; ++i) {
                std::string key = *static_cast<std::string*>(evs[i].data.ptr);
                {
                    std::lock_guard lock(mutex);
                    auto it = tenants.find(key);
                    if (it == tenants.end() || !it->second.in_epoll) continue;
                    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, it->second.fd, nullptr);
                    it->second.in_epoll = false;
                }
                start_tenant(key);
            }
            auto now = Clock::now();
            auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - last).count();
            if (elapsed >= 100) {
                watchdog(elapsed);
                last = now;
            }
        }
    }

    void watchdog(int64_t elapsed_ms) {
        std::lock_guard lock(mutex);
        size_t running = 0;
        for (auto& [key, t] : tenants) {
            if (t.pid <= 0 && !t.loading && !t.in_epoll && t.retry_at != Clock::time_point{} &&
                Clock::now() >= t.retry_at) {
                t.retry_at = {};
                watch(t);
            }
            if (t.pid <= 0 || t.loading) continue;
            int status = 0;
            if (::waitpid(t.pid, &status, WNOHANG) == t.pid) {  // it ended by itself
                log("workers: " + t.label + ": the process ended (status " + std::to_string(status) + ")");
                t.pid = -1;
                watch(t);
                continue;
            }
            ++running;
            CpuSample sample = cpu_sample(t.pid);
            if (sample.ticks < 0) continue;
            int64_t used_ms = (sample.ticks - t.last_ticks) * 1000 / std::max<long>(1, ::sysconf(_SC_CLK_TCK));
            t.last_ticks = sample.ticks;
            // Busy: it used most of the interval's CPU, or (on a loaded machine, where a loop gets only a share
            // of a core) it ran during the interval and is still running or waiting for a CPU now. A worker
            // waiting for I/O or for requests sleeps in its event loop (state S) and is not busy.
            if (used_ms * 10 >= elapsed_ms * 8 || (used_ms > 0 && sample.runnable)) {
                t.busy_ms += elapsed_ms;
            } else {
                t.busy_ms = 0;
            }
            t.idle_ms = used_ms == 0 ? t.idle_ms + elapsed_ms : 0;
            if (t.busy_ms >= opt.cpu_kill_ms) {
                ::kill(-t.pid, SIGKILL);
                ::waitpid(t.pid, nullptr, 0);
                log("workers: " + t.label + ": stopped after " + std::to_string(t.busy_ms) +
                    " ms of CPU without a pause (Worker exceeded CPU time limit.)");
                t.killed_reason = "Worker exceeded CPU time limit.";
                t.killed_at = Clock::now();
                t.pid = -1;
                watch(t);
            } else if (t.idle_ms >= opt.idle_ms) {
                if (opt.output)
                    opt.output("[" + t.label + "] unloaded after " + std::to_string(t.idle_ms) + " ms idle");
                retire(t.pid);
                t.pid = -1;
                watch(t);
            }
        }
        st.tenants = tenants.size();
        st.tenants_running = running;
    }

    std::string why(const std::string& label) {
        std::lock_guard lock(mutex);
        for (auto& [k, t] : tenants)
            if (t.label == label && !t.killed_reason.empty() && Clock::now() - t.killed_at < std::chrono::seconds(30))
                return t.killed_reason;
        return {};
    }
};

WorkerRuntime::WorkerRuntime(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

WorkerRuntime::~WorkerRuntime() {
    stop();
}

uint16_t WorkerRuntime::port() const {
    return m_impl->port;
}

RuntimeStatus WorkerRuntime::status() const {
    std::lock_guard lock(m_impl->mutex);
    RuntimeStatus s = m_impl->st;
    s.broken.clear();
    for (auto& [k, why] : m_impl->broken) s.broken.push_back(k + ": " + why);
    for (auto& [k, why] : m_impl->broken_reason_tenant) s.broken.push_back(k + ": " + why);
    return s;
}

bool WorkerRuntime::settle(int timeout_ms) {
    std::unique_lock lock(m_impl->mutex);
    uint64_t target = m_impl->wanted;
    return m_impl->cv.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                               [&] { return m_impl->stopping || m_impl->done >= target; });
}

void WorkerRuntime::stop() {
    if (!m_impl) return;
    Impl& m = *m_impl;
    {
        std::lock_guard lock(m.mutex);
        if (m.stopping) return;
        m.stopping = true;
    }
    m.cv.notify_all();
    m.store.set_listener(nullptr);
    if (m.thread.joinable()) m.thread.join();
    if (m.poller.joinable()) m.poller.join();
    {
        std::unique_lock lock(m.mutex);
        m.cv.wait_for(lock, std::chrono::seconds(30), [&] { return m.spawning == 0; });
    }
    std::vector<pid_t> pids{m.front_pid};
    for (auto& [k, t] : m.tenants) pids.push_back(t.pid);
    for (pid_t p : pids)
        if (p > 0) ::kill(p, SIGTERM);
    for (pid_t p : pids) {
        if (p <= 0) continue;
        bool reaped = false;
        for (int i = 0; i < 50 && !reaped; ++i) {
            reaped = ::waitpid(p, nullptr, WNOHANG) != 0;
            if (!reaped) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        if (!reaped) {
            ::kill(-p, SIGKILL);
            ::waitpid(p, nullptr, 0);
        }
    }
    for (auto& [k, t] : m.tenants)
        if (t.fd >= 0) ::close(t.fd);
    for (auto* r : m.registrations) delete r;
    m.registrations.clear();
    if (m.storage_server) m.storage_server->stop(std::chrono::milliseconds(1000));
    if (m.assets_server) m.assets_server->stop(std::chrono::milliseconds(1000));
    if (m.listen_fd >= 0) ::close(m.listen_fd);
    if (m.epoll_fd >= 0) ::close(m.epoll_fd);
    m.listen_fd = m.epoll_fd = -1;
    m.forker.reset();  // its end kills (PR_SET_PDEATHSIG) anything still draining
}

std::shared_ptr<platform::ScriptValidator> WorkerRuntime::validator() {
    return m_impl->validator;
}

Result<std::unique_ptr<WorkerRuntime>> WorkerRuntime::start(platform::Store& store, RuntimeOptions options) {
    auto impl = std::make_unique<Impl>(store, std::move(options));
    Impl& m = *impl;
    m.dir = m.opt.state_dir + "/runtime";
    if (auto s = make_dirs(m.dir, 0700); !s.ok()) return s.error();
    ::chmod(m.dir.c_str(), 0700);
    // A socket per deployed tenant: allow as many descriptors as the hard limit does.
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &rl);
    }
    auto sock = listen_socket(m.opt.host, m.opt.port);
    if (!sock.ok()) return sock.error();
    m.listen_fd = sock->first;
    m.port = sock->second;
    m.epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    ValidatorOptions vo;
    vo.workerd = m.opt.workerd;
    vo.workerd_date = m.opt.workerd_date;
    vo.dir = m.dir + "/validate";
    vo.state_dir = m.opt.state_dir;
    vo.log = m.opt.log;  // a copy: the validator may outlive the runtime (the API holds it)
    m.validator = std::make_shared<WorkerdValidator>(vo);

    m.storage = std::make_unique<StorageService>(store, m.opt.account_id, m.opt.state_dir, m.token);
    m.storage->on_created = [&m](const std::string& what) {
        m.log("workers: created " + what + " (a binding named it; it did not exist on this platform)");
    };
    Impl* raw = impl.get();
    m.storage->on_records = m.opt.records;
    m.storage->why = [raw](const std::string& label) { return raw->why(label); };
    platform::ServerOptions so;
    so.host = "127.0.0.1";
    so.port = 0;
    so.threads = 4;
    so.body_limit = 128u * 1024 * 1024;
    m.storage_server = std::make_unique<platform::Server>(*m.storage, so);
    if (auto s = m.storage_server->start(); !s.ok()) {
        ::close(m.listen_fd);
        return s.error();
    }
    m.assets = std::make_unique<AssetService>(store, m.opt.account_id, m.assets_secret);
    so.threads = 2;
    so.body_limit = 1u << 20;
    m.assets_server = std::make_unique<platform::Server>(*m.assets, so);
    if (auto s = m.assets_server->start(); !s.ok()) {
        m.storage_server->stop(std::chrono::milliseconds(1000));
        ::close(m.listen_fd);
        return s.error();
    }
    store.set_listener([raw](const std::set<std::string>& kinds) {
        using namespace tenantctl::platform;
        if (kinds.count(K_WS) || kinds.count(K_NSS) || kinds.count(K_NS) || kinds.count(K_SECRET) ||
            kinds.count(K_DEP)) {
            std::lock_guard lock(raw->mutex);
            ++raw->wanted;
            raw->cv.notify_all();
        }
    });
    raw->thread = std::thread([raw] { raw->loop(); });
    raw->poller = std::thread([raw] { raw->poll_loop(); });
    return std::unique_ptr<WorkerRuntime>(new WorkerRuntime(std::move(impl)));
}

Result<std::unique_ptr<platform::DevWorkers>> start_dev_workers(platform::Store& store,
                                                                const platform::DevWorkersOptions& o) {
    const Env env = o.env ? *o.env : Env::system();
    std::string wd = find_workerd(o.cwd, env.get_or("TENANTCTL_WORKERD", ""), env.get_or("PATH", ""));
    if (wd.empty()) return std::unique_ptr<platform::DevWorkers>();
    RuntimeOptions ro;
    ro.workerd = wd;
    ro.host = o.host;
    ro.port = o.port;
    ro.state_dir = o.state_dir;
    ro.account_id = o.account_id;
    ro.workerd_date = workerd_version_date(wd);
    ro.idle_ms = o.idle_ms;
    ro.log = o.log;
    ro.output = o.output;
    ro.records = o.records;
    TRY_ASSIGN(auto rt, WorkerRuntime::start(store, ro));
    rt->settle(120000);
    return std::unique_ptr<platform::DevWorkers>(std::move(rt));
}

}  // namespace tenantctl::runtime
