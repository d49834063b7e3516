#include "runtime/supervisor.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "core/fs.hpp"
#include "core/process.hpp"
#include "core/sha256.hpp"
#include "core/strings.hpp"
#include "platform/kinds.hpp"
#include "platform/server.hpp"
#include "runtime/model.hpp"
#include "runtime/storage.hpp"
#include "runtime/workerd_config.hpp"

namespace tenantctl::runtime {

namespace {

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
    struct stat st{};
    if (!overwrite && ::stat(path.c_str(), &st) == 0 && static_cast<size_t>(st.st_size) == data.size()) return {};
    auto slash = path.rfind('/');
    if (slash != std::string::npos)
        if (auto s = make_dirs(path.substr(0, slash), 0700); !s.ok()) return s;
    return write_file_atomic(path, data, 0600);
}

struct Child {
    pid_t pid = -1;
    uint64_t generation = 0;
};

}  // namespace

struct WorkerRuntime::Impl {
    platform::Store& store;
    RuntimeOptions opt;
    std::string dir;  // STATE_DIR/runtime
    std::string token = random_token();
    int listen_fd = -1;
    uint16_t port = 0;
    std::unique_ptr<StorageService> storage;
    std::unique_ptr<platform::Server> storage_server;

    mutable std::mutex mutex;
    std::condition_variable cv;
    uint64_t wanted = 1;  // bumped by every relevant change
    uint64_t done = 0;    // the `wanted` value the running generation reflects
    bool stopping = false;
    std::thread thread;
    Child current;
    uint64_t generation = 0;
    RuntimeStatus st;
    std::map<std::string, std::string> broken;       // key -> reason
    std::map<std::string, std::string> broken_etag;  // key -> etag that failed
    std::map<std::string, std::string> good_etag;    // key -> etag of the last good generation

    Impl(platform::Store& s, RuntimeOptions o) : store(s), opt(std::move(o)) {}

    void log(const std::string& line) {
        if (opt.log) opt.log(line);
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

    // Starts workerd on `config`; returns its pid once it listens, or -1 with `error` (its output).
    pid_t spawn(const std::string& config, uint64_t gen, std::string& error) {
        int ctl[2];
        if (::pipe2(ctl, O_CLOEXEC) != 0) {
            error = "pipe failed";
            return -1;
        }
        std::string log_path = dir + "/workerd-" + std::to_string(gen % 4) + ".log";
        pid_t pid = ::fork();
        if (pid == 0) {
            // The parent blocks SIGTERM/SIGINT for its sigwait; exec keeps the mask, and workerd must see them.
            sigset_t none;
            sigemptyset(&none);
            ::sigprocmask(SIG_SETMASK, &none, nullptr);
            ::signal(SIGTERM, SIG_DFL);
            ::signal(SIGINT, SIG_DFL);
            ::signal(SIGPIPE, SIG_DFL);
            int out = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            if (out >= 0) {
                ::dup2(out, 1);
                ::dup2(out, 2);
            }
            ::dup2(listen_fd, 3);  // dup2 clears FD_CLOEXEC on the copy
            ::dup2(ctl[1], 4);
            ::setpgid(0, 0);
            std::string cfg_name = config.substr(config.rfind('/') + 1);
            if (::chdir(dir.c_str()) != 0) ::_exit(127);
            const char* argv[] = {opt.workerd.c_str(), "serve",         cfg_name.c_str(), "--socket-fd",
                                  "http=3",            "--control-fd", "4",              nullptr};
            ::execv(opt.workerd.c_str(), const_cast<char* const*>(argv));
            ::_exit(127);
        }
        ::close(ctl[1]);
        if (pid < 0) {
            ::close(ctl[0]);
            error = "fork failed";
            return -1;
        }
        // Wait for {"event":"listen"} (or the end of the pipe: the process failed).
        std::string got;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
        while (got.find("\"listen\"") == std::string::npos) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) break;
            pollfd p{ctl[0], POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000))) <= 0) continue;
            char buf[512];
            ssize_t n = ::read(ctl[0], buf, sizeof buf);
            if (n <= 0) break;
            got.append(buf, static_cast<size_t>(n));
        }
        ::close(ctl[0]);
        if (got.find("\"listen\"") != std::string::npos) return pid;
        ::kill(-pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        auto text = read_file_limited(log_path, 64 * 1024, "workerd output");
        error = text.ok() ? *text : std::string("workerd did not start");
        return -1;
    }

    // Attributes workerd's start-up errors ("service KEY: Uncaught …") to scripts.
    std::map<std::string, std::string> culprits(const std::string& output, const Model& model) {
        std::map<std::string, std::string> out;
        auto lines = split(output, '\n');
        for (size_t i = 0; i < lines.size(); ++i) {
            const std::string& l = lines[i];
            if (l.rfind("service ", 0) != 0) continue;
            for (auto& s : model.scripts) {
                std::string p = "service " + s.key + ": ";
                if (l.rfind(p, 0) != 0) continue;
                std::string reason = l.substr(p.size());
                if (i + 1 < lines.size() && lines[i + 1].rfind("  at ", 0) == 0) reason += " (" + std::string(trim(lines[i + 1])) + ")";
                out[s.key] = reason;
            }
        }
        return out;
    }

    void regenerate() {
        auto t0 = std::chrono::steady_clock::now();
        Model model = load_model(store, opt.account_id);
        // A broken script is retried once it changes.
        for (auto it = broken.begin(); it != broken.end();) {
            const Script* s = model.find(it->first);
            if (!s || s->etag != broken_etag[it->first]) {
                broken_etag.erase(it->first);
                it = broken.erase(it);
            } else {
                ++it;
            }
        }
        for (int attempt = 0; attempt < 4; ++attempt) {
            GenOptions g;
            g.storage_address = "127.0.0.1:" + std::to_string(storage_server->port());
            g.storage_token = token;
            g.max_compat_date = opt.workerd_date;
            g.do_storage_dir = dir + "/durable-objects";
            for (auto& [k, why] : broken) {
                g.broken.insert(k);
                g.broken_reason[k] = why;
            }
            Generated gen = generate_config(model, g);
            uint64_t n = ++generation;
            std::string cfg = dir + "/config-" + std::to_string(n % 4) + ".capnp";
            bool ok = make_dirs(g.do_storage_dir, 0700).ok();
            for (auto& [path, data] : gen.files)
                ok = ok && write_once(dir + "/" + path, data, path.rfind("internal/", 0) == 0).ok();
            ok = ok && write_file_atomic(cfg, gen.config, 0600).ok();
            if (!ok) {
                log("workers: cannot write the runtime files under " + dir);
                return;
            }
            std::string error;
            pid_t pid = spawn(cfg, n, error);
            if (pid > 0) {
                Child old = current;
                current = {pid, n};
                if (old.pid > 0) {
                    ::kill(old.pid, SIGTERM);  // drains: requests in flight finish
                    std::thread([p = old.pid] {
                        for (int i = 0; i < 300; ++i) {
                            if (::waitpid(p, nullptr, WNOHANG) == p) return;
                            std::this_thread::sleep_for(std::chrono::milliseconds(100));
                        }
                        ::kill(-p, SIGKILL);
                        ::waitpid(p, nullptr, 0);
                    }).detach();
                }
                for (auto& s : model.scripts) good_etag[s.key] = s.etag;
                auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
                              .count();
                {
                    std::lock_guard lock(mutex);
                    st.generation = n;
                    st.loaded = gen.loaded;
                    st.broken.clear();
                    for (auto& [k, why] : broken) st.broken.push_back(k + ": " + why);
                }
                log("workers: generation " + std::to_string(n) + " running " + std::to_string(gen.loaded.size()) +
                    " script(s)" + (broken.empty() ? "" : ", " + std::to_string(broken.size()) + " failed to start") +
                    " (" + std::to_string(ms) + " ms)");
                for (auto& w : gen.warnings) log("workers: " + w);
                return;
            }
            auto found = culprits(error, model);
            if (found.empty()) {
                // Nothing named: hold back every script that changed since the last good generation.
                for (auto& s : model.scripts)
                    if (!broken.count(s.key) && good_etag[s.key] != s.etag)
                        found[s.key] = "workerd refused the configuration: " +
                                       std::string(trim(error.substr(0, 300)));
            }
            if (found.empty()) {
                log("workers: workerd failed to start: " + std::string(trim(error.substr(0, 2000))));
                return;
            }
            for (auto& [k, why] : found) {
                broken[k] = why;
                if (const Script* s = model.find(k)) broken_etag[k] = s->etag;
                log("workers: " + k + " failed to start: " + why);
            }
        }
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
    return m_impl->st;
}

bool WorkerRuntime::settle(int timeout_ms) {
    std::unique_lock lock(m_impl->mutex);
    uint64_t target = m_impl->wanted;
    return m_impl->cv.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                               [&] { return m_impl->stopping || m_impl->done >= target; });
}

void WorkerRuntime::stop() {
    if (!m_impl) return;
    {
        std::lock_guard lock(m_impl->mutex);
        if (m_impl->stopping && !m_impl->thread.joinable()) return;
        m_impl->stopping = true;
    }
    m_impl->cv.notify_all();
    m_impl->store.set_listener(nullptr);
    if (m_impl->thread.joinable()) m_impl->thread.join();
    if (m_impl->current.pid > 0) {
        pid_t p = m_impl->current.pid;
        ::kill(p, SIGTERM);
        for (int i = 0; i < 50 && ::waitpid(p, nullptr, WNOHANG) != p; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        ::kill(-p, SIGKILL);
        ::waitpid(p, nullptr, WNOHANG);
        m_impl->current.pid = -1;
    }
    if (m_impl->storage_server) m_impl->storage_server->stop(std::chrono::milliseconds(1000));
    if (m_impl->listen_fd >= 0) ::close(m_impl->listen_fd);
    m_impl->listen_fd = -1;
}

Result<std::unique_ptr<WorkerRuntime>> WorkerRuntime::start(platform::Store& store, RuntimeOptions options) {
    auto impl = std::make_unique<Impl>(store, std::move(options));
    Impl& m = *impl;
    m.dir = m.opt.state_dir + "/runtime";
    if (auto s = make_dirs(m.dir, 0700); !s.ok()) return s.error();
    ::chmod(m.dir.c_str(), 0700);

    // The workers' socket, owned here and lent to each workerd generation.
    m.listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(m.listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(m.opt.port);
    if (::inet_pton(AF_INET, m.opt.host.c_str(), &a.sin_addr) != 1) {
        ::close(m.listen_fd);
        return Error(ErrorKind::Usage, "--workers-listen: " + quoted(m.opt.host) + " is not an IPv4 address");
    }
    if (::bind(m.listen_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(m.listen_fd, 1024) != 0) {
        int e = errno;
        ::close(m.listen_fd);
        return Error(ErrorKind::Io, "cannot listen for workers on " + m.opt.host + ":" + std::to_string(m.opt.port) +
                                        ": " + std::strerror(e),
                     "pick another port with --workers-listen HOST:PORT (port 0 = any free port)");
    }
    socklen_t len = sizeof a;
    ::getsockname(m.listen_fd, reinterpret_cast<sockaddr*>(&a), &len);
    m.port = ntohs(a.sin_port);

    m.storage = std::make_unique<StorageService>(store, m.opt.account_id, m.opt.state_dir, m.token);
    m.storage->on_created = [&m](const std::string& what) {
        m.log("workers: created " + what + " (a binding named it; it did not exist on this platform)");
    };
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
    Impl* raw = impl.get();
    store.set_listener([raw](const std::set<std::string>& kinds) {
        using namespace tenantctl::platform;
        if (kinds.count(K_WS) || kinds.count(K_NSS) || kinds.count(K_NS) || kinds.count(K_SECRET)) {
            std::lock_guard lock(raw->mutex);
            ++raw->wanted;
            raw->cv.notify_all();
        }
    });
    raw->thread = std::thread([raw] { raw->loop(); });
    return std::unique_ptr<WorkerRuntime>(new WorkerRuntime(std::move(impl)));
}

std::string find_workerd(const std::string& cwd, const std::string& env_override, const std::string& path_env) {
    // The project's node_modules, from `cwd` upwards (as Node resolves packages).
    for (std::string d = cwd; !d.empty();) {
        std::string base = d == "/" ? std::string() : d;
        for (const char* rel : {"/node_modules/@cloudflare/workerd-linux-64/bin/workerd", "/node_modules/.bin/workerd"})
            if (::access((base + rel).c_str(), X_OK) == 0) return base + rel;
        if (d == "/") break;
        auto slash = d.rfind('/');
        d = slash == 0 || slash == std::string::npos ? std::string("/") : d.substr(0, slash);
    }
    if (!env_override.empty()) return env_override;
    return find_executable("workerd", path_env);
}

std::string workerd_version_date(const std::string& workerd) {
    ProcessOptions po;
    po.timeout = std::chrono::seconds(20);
    auto r = run_process({workerd, "--version"}, po);
    if (!r.ok() || r->exit_code != 0) return {};
    // "workerd 2026-11-17"
    std::string out(trim(r->out));
    auto sp = out.rfind(' ');
    std::string date = sp == std::string::npos ? out : out.substr(sp + 1);
    if (date.size() != 10 || date[4] != '-' || date[7] != '-') return {};
    return date;
}

}  // namespace tenantctl::runtime
