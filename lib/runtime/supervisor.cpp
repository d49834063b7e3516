#include "runtime/supervisor.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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
#include "runtime/supervisor_state.hpp"
#include "runtime/validate.hpp"
#include "runtime/workerd_config.hpp"
#include "runtime/workerd_process.hpp"

namespace tenantctl::runtime {

namespace {

using Clock = std::chrono::steady_clock;
using supervision::Proc;
using supervision::Tenant;

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

}  // namespace

struct WorkerRuntime::Impl {
    platform::Store& store;
    RuntimeOptions opt;
    std::string dir;  // STATE_DIR/runtime
    std::string token = random_hex(24);
    int listen_fd = -1;
    uint16_t port = 0;
    int epoll_fd = -1;
    std::unique_ptr<StorageService> storage;
    std::unique_ptr<platform::Server> storage_server;
    std::string assets_secret = random_hex(24);
    std::string outbound_secret = random_hex(24);  // signs dispatch contexts (GenOptions)
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
    int front_hold = -1;
    uint64_t generation = 0;
    std::string front_config;
    RuntimeStatus st;
    std::shared_ptr<const Model> model = std::make_shared<Model>();
    std::map<std::string, Tenant> tenants;  // namespace script key -> its socket and process
    std::map<int, Proc> procs;              // tenant processes by id
    int next_proc = 1;
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
        g.hold = true;
        return g;
    }

    // Starts workerd on `config` with `fd` as its socket "http" (or `sockets` by name) and its socket "hold",
    // whose connection goes to `hold`; its output goes to opt.output.
    pid_t spawn(const std::string& config, int fd, const std::string& label, std::string& error, int& hold,
                std::vector<std::pair<std::string, int>> sockets = {}) {
        SpawnSpec spec{opt.workerd, dir, config, fd, std::move(sockets), label, opt.output};
        return spawn_workerd(forker.get(), spec, error, nullptr, &hold);
    }

    // The labels of `members` ("ns/name"), joined with `sep` (mutex held).
    std::string labels_of(const std::vector<std::string>& members, const char* sep) const {
        std::string out;
        for (auto& k : members) out += (out.empty() ? "" : sep) + tenants.at(k).label;
        return out;
    }

    // Retires a process of tenants: it exits once it answered what it accepted on the sockets it was lent.
    void retire_proc(Proc& p) {
        retire(p.pid, p.hold, p.ports, opt.cpu_kill_ms);
        p.hold = -1;
    }

    bool write_generation(const Generated& gen, const std::string& cfg) {
        bool ok = make_dirs(dir + "/durable-objects", 0700).ok();
        for (auto& [path, data] : gen.files)
            ok = ok && write_once(dir + "/" + path, data, path.rfind("internal/", 0) == 0).ok();
        ok = ok && write_file_atomic(cfg, gen.config, 0600).ok();
        if (!ok) log("workers: cannot write the runtime files under " + dir);
        return ok;
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
        std::set<int> respawn;
        std::vector<int> gone_fds;
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
                } else if (auto p = procs.find(it->second.proc); p != procs.end() && p->second.pid > 0) {
                    auto run = p->second.etags.find(s.key);
                    if (run == p->second.etags.end() || run->second != s.etag) respawn.insert(p->first);
                }
            }
            for (auto it = tenants.begin(); it != tenants.end();) {
                if (keys.count(it->first)) {
                    ++it;
                    continue;
                }
                if (it->second.in_epoll) ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, it->second.fd, nullptr);
                if (auto p = procs.find(it->second.proc); p != procs.end()) {
                    auto& mem = p->second.members;
                    mem.erase(std::remove(mem.begin(), mem.end(), it->first), mem.end());
                    respawn.insert(p->first);
                }
                gone_fds.push_back(it->second.fd);
                broken_reason_tenant.erase(it->first);
                it = tenants.erase(it);
            }
        }
        regenerate_front(*m);
        // After the front no longer names them; a process keeps its own copy of a gone tenant's socket until
        // its next generation replaces it.
        for (int fd : gone_fds) ::close(fd);
        for (int id : respawn) start_proc(id);
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
            int hold = -1;
            pid_t pid = spawn(cfg, listen_fd, "front", error, hold);
            if (pid > 0) {
                retire(front_pid, front_hold, {port});  // (no watchdog in the front)
                front_pid = pid;
                front_hold = hold;
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
            // Who failed: the scripts workerd names; else every account worker changed since the last good front.
            std::vector<const Script*> accounts;
            for (auto& s : m.scripts)
                if (s.ns.empty() && !broken.count(s.key)) accounts.push_back(&s);
            auto found = start_failures(startup_culprits(error, m), accounts, good_etag,
                                        "workerd refused the configuration: " + std::string(trim(error.substr(0, 300))),
                                        StartBlame::NamedElseChanged);
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

    // A tenant whose socket has a caller waiting joins a process with room (the caller waits for that process's
    // next generation), or a new one of its own (mutex held).
    void place(Tenant& t) {
        if (t.proc != 0 || stopping) return;
        const bool alone = Clock::now() < t.alone_until;
        Proc* room = nullptr;
        if (!alone)
            for (auto& [id, p] : procs)
                if (!p.alone && p.members.size() < static_cast<size_t>(std::max(1, opt.per_process)) &&
                    (!room || p.members.size() < room->members.size()))
                    room = &p;
        if (!room) {
            int id = next_proc++;
            room = &procs[id];
            room->id = id;
            room->alone = alone;
        }
        room->members.push_back(t.key);
        t.proc = room->id;
        start_proc_locked(*room);
    }

    void start_proc(int id) {
        std::lock_guard lock(mutex);
        if (auto it = procs.find(id); it != procs.end()) start_proc_locked(it->second);
    }

    // Starts (or swaps) a process's next generation on a thread of its own; one already starting goes again
    // once it is done (mutex held).
    void start_proc_locked(Proc& p) {
        if (stopping) return;
        if (p.loading) return;    // run_proc compares what it started with what is wanted when it ends
        if (p.members.empty()) {  // its last tenant was deleted
            retire_proc(p);
            forget(p);
            procs.erase(p.id);
            return;
        }
        p.loading = true;
        ++spawning;
        std::thread([this, id = p.id] {
            run_proc(id);
            std::lock_guard lock(mutex);
            --spawning;
            cv.notify_all();
        }).detach();
    }

    // Marks a tenant as failing to start at `etag`, for the reason given (mutex held).
    void mark_broken(const std::string& key, const std::string& etag, const std::string& why) {
        if (auto it = tenants.find(key); it != tenants.end()) it->second.broken_etag = etag;
        broken_reason_tenant[key] = why;
    }

    void run_proc(int id) {
        std::shared_ptr<const Model> m;
        std::vector<std::string> members;
        std::vector<std::pair<std::string, int>> sockets;
        std::map<std::string, std::string> running;  // what the process runs now (before this generation)
        std::map<std::string, std::string> broken_at;
        std::string labels;
        uint64_t n = 0;
        {
            std::lock_guard lock(mutex);
            m = model;
            Proc& p = procs.at(id);
            members = p.members;
            running = p.etags;
            n = ++p.generation;
            for (auto& k : members) broken_at[k] = tenants.at(k).broken_etag;
            labels = labels_of(members, ",");
        }
        std::vector<const Script*> scripts;
        std::map<std::string, std::string> etags;
        for (auto& k : members)
            if (const Script* s = m->find(k)) {
                scripts.push_back(s);
                etags[k] = s->etag;
            }
        std::string label = scripts.size() == 1 ? labels : "p" + std::to_string(id) + ":" + labels;
        std::string cfg = dir + "/tenants-" + std::to_string(id) + "-" + std::to_string(n % 2) + ".capnp";
        pid_t pid = -1;
        int hold = -1;
        std::vector<uint16_t> ports;  // of the sockets lent to it
        bool split = false;           // a packed start failed naming no member: each member starts alone instead
        auto close_sockets = [&] {
            for (auto& [name, fd] : sockets)
                if (fd >= 0) ::close(fd);
            sockets.clear();
        };
        for (size_t attempt = 0; attempt <= scripts.size() && pid < 0 && !split && !scripts.empty(); ++attempt) {
            GenOptions g = gen_options();
            {
                std::lock_guard lock(mutex);
                close_sockets();
                ports.clear();
                // Copies, taken under the lock: a deleted tenant's socket may be closed (and its number reused)
                // while this start runs.
                for (size_t i = 0; i < scripts.size(); ++i) {
                    const std::string& k = scripts[i]->key;
                    auto t = tenants.find(k);
                    sockets.emplace_back(tenant_socket(i),
                                         t != tenants.end() ? ::fcntl(t->second.fd, F_DUPFD_CLOEXEC, 0) : -1);
                    if (t != tenants.end()) ports.push_back(t->second.port);
                    if (broken_at[k] == etags[k]) {
                        g.broken.insert(k);
                        g.broken_reason[k] = broken_reason_tenant.count(k) ? broken_reason_tenant[k] : "";
                    }
                }
            }
            bool closed = false;
            for (auto& [name, fd] : sockets) closed = closed || fd < 0;
            if (closed) break;  // a member was deleted meanwhile: the next round goes without it
            Generated gen = generate_tenants(*m, scripts, g);
            for (auto& w : gen.warnings) log("workers: " + w);
            std::string error;
            if (write_generation(gen, cfg)) pid = spawn(cfg, -1, label, error, hold, sockets);
            if (pid > 0) break;
            // Who failed: the members workerd names; else, alone in its process, those new to this process or
            // changed since, else all; a packed process that names none starts each member alone (another's
            // output is never a member's reason).
            auto found = startup_culprits(error, *m);
            std::vector<const Script*> candidates;  // the members not already stubs
            std::map<std::string, std::string> named;
            for (auto* s : scripts)
                if (!g.broken.count(s->key)) {
                    candidates.push_back(s);
                    if (auto f = found.find(s->key); f != found.end()) named[s->key] = f->second;
                }
            const bool packed = scripts.size() > 1;
            auto failed =
                start_failures(std::move(named), candidates, running, std::string(trim(error.substr(0, 1000))),
                               packed ? StartBlame::Named : StartBlame::NamedElseChangedElseAll);
            if (failed.empty() && packed) {
                split = true;
                log("workers: a process of " + std::to_string(scripts.size()) +
                    " tenants failed to start, naming none of them: each starts in a process of its own");
                break;
            }
            std::lock_guard lock(mutex);
            for (auto& [k, why] : failed) {
                log("workers: " + k + " failed to start: " + why);
                mark_broken(k, etags[k], why);
                broken_at[k] = etags[k];
            }
        }
        close_sockets();
        std::lock_guard lock(mutex);
        auto it = procs.find(id);
        if (it == procs.end() || stopping) {
            retire(pid, hold, ports, opt.cpu_kill_ms);
            return;
        }
        Proc& p = it->second;
        p.loading = false;
        if (split) {
            for (auto& k : p.members) tenants.at(k).alone_until = Clock::now() + std::chrono::minutes(10);
            retire_proc(p);
            dissolve(p);
            return;
        }
        if (pid > 0) {
            retire_proc(p);
            p.pid = pid;
            p.hold = hold;
            p.ports = ports;
            p.etags = etags;
            p.last_ticks = cpu_ticks(pid);
            p.busy_ms = p.idle_ms = 0;
            for (auto& [k, e] : etags)
                if (broken_at[k] != e) broken_reason_tenant.erase(k);
        } else if (p.pid <= 0) {
            // Not even stubs started: the members wait for their next connection, a second later.
            dissolve(p, Clock::now() + std::chrono::seconds(1));
            return;
        } else {
            // The running generation goes on; members it does not serve (they were joining) wait for their next
            // connection, a second later, for a process of their own.
            for (auto mit = p.members.begin(); mit != p.members.end();) {
                if (p.etags.count(*mit)) {
                    ++mit;
                    continue;
                }
                Tenant& t = tenants.at(*mit);
                t.proc = 0;
                t.retry_at = Clock::now() + std::chrono::seconds(1);
                t.alone_until = Clock::now() + std::chrono::minutes(10);
                mit = p.members.erase(mit);
            }
        }
        // Changed while starting (a member joined or left, an upload): go again.
        bool again = p.members != members;
        for (auto& k : p.members) {
            const Script* now = model->find(k);
            auto t = tenants.find(k);
            auto running_etag = p.etags.find(k);
            if (now && t != tenants.end() && t->second.broken_etag != now->etag &&
                (running_etag == p.etags.end() || running_etag->second != now->etag))
                again = true;
        }
        if (again) start_proc_locked(p);
    }
    std::map<std::string, std::string> broken_reason_tenant;

    // Removes the configs of a process that is gone (they hold its tenants' secrets).
    void forget(Proc& p) {
        if (p.hold >= 0) ::close(p.hold);  // it was killed
        p.hold = -1;
        for (int gen = 0; gen < 2; ++gen)
            ::unlink((dir + "/tenants-" + std::to_string(p.id) + "-" + std::to_string(gen) + ".capnp").c_str());
    }

    // A process ended (or was stopped): its members wait for their next connection (mutex held).
    void dissolve(Proc& p, Clock::time_point retry_at = {}) {
        for (auto& k : p.members) {
            auto it = tenants.find(k);
            if (it == tenants.end()) continue;
            it->second.proc = 0;
            if (retry_at != Clock::time_point{})
                it->second.retry_at = retry_at;
            else
                watch(it->second);
        }
        forget(p);
        procs.erase(p.id);
    }

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
                std::lock_guard lock(mutex);
                auto it = tenants.find(key);
                if (it == tenants.end() || !it->second.in_epoll) continue;
                ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, it->second.fd, nullptr);
                it->second.in_epoll = false;
                place(it->second);
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
        for (auto& [key, t] : tenants)
            if (t.proc == 0 && !t.in_epoll && t.retry_at != Clock::time_point{} && Clock::now() >= t.retry_at) {
                t.retry_at = {};
                watch(t);
            }
        size_t running = 0;
        std::vector<int> ended;
        for (auto& [id, p] : procs) {
            if (p.pid <= 0 || p.loading) continue;
            const std::string who = labels_of(p.members, ", ");
            int status = 0;
            if (::waitpid(p.pid, &status, WNOHANG) == p.pid) {  // it ended by itself
                log("workers: " + who + ": the process ended (status " + std::to_string(status) + ")");
                ended.push_back(id);
                continue;
            }
            running += p.members.size();
            CpuSample sample = cpu_sample(p.pid);
            if (sample.ticks < 0) continue;
            int64_t used_ms = (sample.ticks - p.last_ticks) * 1000 / std::max<long>(1, ::sysconf(_SC_CLK_TCK));
            p.last_ticks = sample.ticks;
            // Busy: it used most of the interval's CPU, or (on a loaded machine, where a loop gets only a share
            // of a core) it ran during the interval and is still running or waiting for a CPU now. A worker
            // waiting for I/O or for requests sleeps in its event loop (state S) and is not busy.
            if (used_ms * 10 >= elapsed_ms * 8 || (used_ms > 0 && sample.runnable)) {
                p.busy_ms += elapsed_ms;
            } else {
                p.busy_ms = 0;
            }
            p.idle_ms = used_ms == 0 ? p.idle_ms + elapsed_ms : 0;
            if (p.busy_ms >= opt.cpu_kill_ms) {
                ::kill(-p.pid, SIGKILL);
                ::waitpid(p.pid, nullptr, 0);
                log("workers: " + who + ": stopped after " + std::to_string(p.busy_ms) +
                    " ms of CPU without a pause (Worker exceeded CPU time limit.)" +
                    (p.members.size() > 1 ? "; they share no process for the next 10 minutes" : ""));
                // One thread runs every member: which one looped is not known, so each caller in flight gets the
                // limit's error, and each member runs alone for a while (a second loop stops only its own).
                for (auto& k : p.members) {
                    Tenant& t = tenants.at(k);
                    t.killed_reason = "Worker exceeded CPU time limit.";
                    t.killed_at = Clock::now();
                    if (p.members.size() > 1) t.alone_until = Clock::now() + std::chrono::minutes(10);
                }
                ended.push_back(id);
            } else if (p.idle_ms >= opt.idle_ms) {
                if (opt.output)
                    for (auto& k : p.members)
                        opt.output("[" + tenants.at(k).label + "] unloaded after " + std::to_string(p.idle_ms) +
                                   " ms idle");
                retire_proc(p);
                ended.push_back(id);
            }
        }
        for (int id : ended) dissolve(procs.at(id));
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
    for (auto& [id, p] : m.procs) pids.push_back(p.pid);
    // Holds end first: nothing waits for the last records when tenantctl dev ends.
    if (m.front_hold >= 0) ::close(std::exchange(m.front_hold, -1));
    for (auto& [id, p] : m.procs)
        if (p.hold >= 0) ::close(std::exchange(p.hold, -1));
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
    ro.per_process = o.per_process;
    ro.log = o.log;
    ro.output = o.output;
    ro.records = o.records;
    TRY_ASSIGN(auto rt, WorkerRuntime::start(store, ro));
    rt->settle(120000);
    return std::unique_ptr<platform::DevWorkers>(std::move(rt));
}

}  // namespace tenantctl::runtime
