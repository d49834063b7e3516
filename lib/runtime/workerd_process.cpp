#include "runtime/workerd_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <set>
#include <string_view>

#include "core/fs.hpp"
#include "core/process.hpp"
#include "core/strings.hpp"
#include "runtime/workerd_js.hpp"

namespace tenantctl::runtime {

namespace {

using Clock = std::chrono::steady_clock;

// A request to a process's socket "hold" on `port`, its body left open: the hold worker answers when the body
// ends, and a draining workerd keeps running until then. The connection, or -1 when it could not be made.
int open_hold(uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    timeval tv{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    static const std::string head = "POST / HTTP/1.1\r\nHost: hold\r\nTransfer-Encoding: chunked\r\n\r\n";
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::send(fd, head.data(), head.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(head.size())) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// Ends the hold's request body (the process may exit once it drained) and its connection.
void end_hold(int fd) {
    if (fd < 0) return;
    static const char last[] = "0\r\n\r\n";
    (void)::send(fd, last, sizeof last - 1, MSG_NOSIGNAL);
    ::close(fd);
}

}  // namespace

Result<std::pair<int, uint16_t>> listen_socket(const std::string& host, uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return Error(ErrorKind::Io, std::string("socket: ") + std::strerror(errno));
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    if (::inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1) {
        ::close(fd);
        return Error(ErrorKind::Usage, "--workers-listen: " + quoted(host) + " is not an IPv4 address");
    }
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 1024) != 0) {
        int e = errno;
        ::close(fd);
        return Error(ErrorKind::Io,
                     "cannot listen for workers on " + host + ":" + std::to_string(port) + ": " + std::strerror(e),
                     "pick another port with --workers-listen HOST:PORT (port 0 = any free port)");
    }
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    return std::make_pair(fd, static_cast<uint16_t>(ntohs(a.sin_port)));
}

CpuSample cpu_sample(pid_t pid) {
    auto text = read_file_limited("/proc/" + std::to_string(pid) + "/stat", 4096, "stat");
    if (!text.ok()) return {};
    auto rp = text->rfind(')');
    if (rp == std::string::npos || rp + 2 >= text->size()) return {};
    auto fields = split(std::string_view(*text).substr(rp + 2), ' ');
    // After the command: state(0) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime(11) stime(12)
    if (fields.size() < 13) return {};
    return {std::atoll(fields[11].c_str()) + std::atoll(fields[12].c_str()), fields[0] == "R"};
}

int64_t cpu_ticks(pid_t pid) {
    return cpu_sample(pid).ticks;
}

int64_t main_thread_ns(pid_t pid) {
    auto text = read_file_limited("/proc/" + std::to_string(pid) + "/schedstat", 256, "schedstat");
    return text.ok() ? std::atoll(text->c_str()) : -1;
}

Forker::Forker() : m_parent(::getpid()), m_thread([this] { run(); }) {}

Forker::~Forker() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_cv.notify_all();
    m_thread.join();
}

pid_t Forker::fork_child(const ChildSpec& spec) {
    std::promise<pid_t> done;
    auto f = done.get_future();
    {
        std::lock_guard lock(m_mutex);
        if (m_stop) return -1;
        m_queue.push_back({&spec, &done});
    }
    m_cv.notify_all();
    return f.get();
}

void Forker::run() {
    for (;;) {
        Job job{};
        {
            std::unique_lock lock(m_mutex);
            m_cv.wait(lock, [&] { return m_stop || !m_queue.empty(); });
            if (m_queue.empty()) return;
            job = m_queue.front();
            m_queue.pop_front();
        }
        pid_t pid = ::fork();
        if (pid == 0) exec_child(*job.spec);
        job.done->set_value(pid);
    }
}

void Forker::exec_child(const ChildSpec& spec) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != m_parent) ::_exit(127);  // the supervisor is already gone
    // The parent blocks SIGTERM/SIGINT for its sigwait; exec keeps the mask, and workerd must see them.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGTERM, SIG_DFL);
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGPIPE, SIG_DFL);
    // First out of the way of the targets (3, 4, …), close-on-exec; then onto them (dup2 clears FD_CLOEXEC on
    // the copy, so only the targets reach workerd).
    const int first_free = 4 + static_cast<int>(spec.sockets.size());
    auto away = [&](int fd) { return ::fcntl(fd, F_DUPFD_CLOEXEC, first_free); };
    int out = away(spec.out);
    int control = away(spec.control);
    int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (out < 0 || control < 0 || null < 0) ::_exit(127);
    std::vector<int> sockets;
    for (int fd : spec.sockets) {
        sockets.push_back(away(fd));
        if (sockets.back() < 0) ::_exit(127);
    }
    if (null != 0) ::dup2(null, 0);  // not whatever descriptor tenantctl has as stdin
    ::dup2(out, 1);
    ::dup2(out, 2);
    ::dup2(control, 3);
    for (size_t i = 0; i < sockets.size(); ++i) {
        int target = 4 + static_cast<int>(i);
        ::dup2(sockets[i], target);
        int fl = ::fcntl(target, F_GETFL);
        ::fcntl(target, F_SETFL, fl & ~O_NONBLOCK);
    }
    // Nothing else of ours reaches workerd, whether or not it was opened close-on-exec (Asio's sockets are not):
    // not the API's listening socket, not a client's connection.
    if (::close_range(static_cast<unsigned>(first_free), ~0U, 0) != 0)
        for (int fd = first_free; fd < 65536; ++fd) ::close(fd);  // a kernel before 5.9
    ::setpgid(0, 0);
    if (::chdir(spec.dir.c_str()) != 0) ::_exit(127);
    std::vector<char*> argv;
    for (auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
}

pid_t spawn_workerd(Forker* forker, const SpawnSpec& s, std::string& error, SpawnFailure* why, int* hold) {
    if (why) *why = SpawnFailure::NotStarted;
    int ctl[2], out[2];
    if (::pipe2(ctl, O_CLOEXEC) != 0) {
        error = "pipe failed";
        return -1;
    }
    if (::pipe2(out, O_CLOEXEC) != 0) {
        ::close(ctl[0]);
        ::close(ctl[1]);
        error = "pipe failed";
        return -1;
    }
    ChildSpec spec;
    spec.argv = {s.workerd, "serve", s.config.substr(s.config.rfind('/') + 1), "--control-fd", "3"};
    spec.dir = s.dir;
    spec.out = out[1];
    spec.control = ctl[1];
    auto lend = [&](const std::string& name, int fd) {
        spec.argv.push_back("--socket-fd");
        spec.argv.push_back(name + "=" + std::to_string(4 + spec.sockets.size()));
        spec.sockets.push_back(fd);
    };
    if (s.socket >= 0) lend("http", s.socket);
    for (auto& [name, fd] : s.sockets) lend(name, fd);
    if (hold) *hold = -1;
    Result<std::pair<int, uint16_t>> hold_listen = std::pair<int, uint16_t>{-1, 0};
    if (hold) {
        hold_listen = listen_socket("127.0.0.1", 0);
        if (!hold_listen.ok()) {
            ::close(ctl[0]);
            ::close(ctl[1]);
            ::close(out[0]);
            ::close(out[1]);
            error = hold_listen.error().message;
            return -1;
        }
        lend("hold", hold_listen->first);
    }
    pid_t pid = forker ? forker->fork_child(spec) : -1;
    if (hold) ::close(hold_listen->first);  // the child has its own copy
    ::close(ctl[1]);
    ::close(out[1]);
    if (pid < 0) {
        ::close(ctl[0]);
        ::close(out[0]);
        error = "fork failed";
        return -1;
    }
    // The output reader: lines to `output`; the first 64 KiB also kept for a start-up failure.
    auto captured = std::make_shared<std::string>();
    auto cap_mutex = std::make_shared<std::mutex>();
    std::thread reader([rfd = out[0], label = s.label, output = s.output, captured, cap_mutex] {
        std::string pending;
        char buf[4096];
        auto emit = [&](const std::string& line) {  // not the marker lines of RPC calls (k_rpc_mark)
            if (output && line.find(k_rpc_mark) == std::string::npos) output("[" + label + "] " + line);
        };
        for (;;) {
            ssize_t n = ::read(rfd, buf, sizeof buf);
            if (n <= 0) break;
            {
                std::lock_guard lock(*cap_mutex);
                if (captured->size() < 65536) captured->append(buf, static_cast<size_t>(n));
            }
            pending.append(buf, static_cast<size_t>(n));
            for (size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
                emit(pending.substr(0, nl));
                pending.erase(0, nl + 1);
            }
        }
        if (!pending.empty()) emit(pending);
        ::close(rfd);
    });
    // workerd reports `listen` once per socket: it serves once every socket lent to it is listening.
    std::string got;
    const size_t sockets = spec.sockets.size();
    auto listening = [&] {
        size_t n = 0;
        for (size_t at = got.find("\"listen\""); at != std::string::npos; at = got.find("\"listen\"", at + 1)) ++n;
        return n >= sockets;
    };
    auto deadline = Clock::now() + std::chrono::milliseconds(s.timeout_ms);
    const int64_t hz = ::sysconf(_SC_CLK_TCK) > 0 ? ::sysconf(_SC_CLK_TCK) : 100;
    SpawnFailure failure = SpawnFailure::TimedOut;
    while (!listening()) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) break;
        if (s.cpu_limit_ms > 0 && cpu_ticks(pid) * 1000 / hz > s.cpu_limit_ms) {
            failure = SpawnFailure::CpuLimit;
            break;
        }
        pollfd p{ctl[0], POLLIN, 0};
        int wait_ms = static_cast<int>(std::min<int64_t>(left.count(), s.cpu_limit_ms > 0 ? 50 : 1000));
        if (::poll(&p, 1, wait_ms) <= 0) continue;
        char buf[512];
        ssize_t n = ::read(ctl[0], buf, sizeof buf);
        if (n <= 0) {
            failure = SpawnFailure::Exited;
            break;
        }
        got.append(buf, static_cast<size_t>(n));
    }
    ::close(ctl[0]);
    if (listening()) {
        reader.detach();
        if (hold) *hold = open_hold(hold_listen->second);
        return pid;
    }
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    reader.join();
    std::lock_guard lock(*cap_mutex);
    error = captured->empty() ? std::string("workerd did not start") : *captured;
    if (why) *why = failure;
    return -1;
}

int inbound_connections(pid_t pid, const std::vector<uint16_t>& ports) {
    // The process's sockets by inode, then the connections of its network namespace that are among them.
    std::set<std::string, std::less<>> inodes;
    std::string fds = "/proc/" + std::to_string(pid) + "/fd";
    DIR* d = ::opendir(fds.c_str());
    if (!d) return -1;
    char target[64];
    while (dirent* e = ::readdir(d)) {
        ssize_t n = ::readlinkat(::dirfd(d), e->d_name, target, sizeof target - 1);
        if (n > 9 && std::string_view(target, 8) == "socket:[") inodes.emplace(target + 8, static_cast<size_t>(n) - 9);
    }
    ::closedir(d);
    if (inodes.empty()) return 0;
    int count = 0;
    for (const char* table : {"/net/tcp", "/net/tcp6"}) {
        auto text = read_file("/proc/" + std::to_string(pid) + table);
        if (!text.ok()) continue;
        // "sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …", addresses as HEX:PORT;
        // a request in flight holds its connection ESTABLISHED (01), or CLOSE_WAIT (08) once its caller left.
        std::string_view rest(*text);
        while (!rest.empty()) {
            auto nl = rest.find('\n');
            std::string_view line = rest.substr(0, nl);
            rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
            std::string_view f[10];
            size_t n = 0;
            for (size_t at = 0; n < 10;) {
                at = line.find_first_not_of(' ', at);
                if (at == std::string_view::npos) break;
                size_t end = line.find(' ', at);
                f[n++] = line.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
                if (end == std::string_view::npos) break;
                at = end;
            }
            if (n < 10 || (f[3] != "01" && f[3] != "08") || !inodes.count(f[9])) continue;
            auto colon = f[1].rfind(':');
            if (colon == std::string_view::npos) continue;
            auto port = static_cast<uint16_t>(std::strtoul(std::string(f[1].substr(colon + 1)).c_str(), nullptr, 16));
            if (std::find(ports.begin(), ports.end(), port) != ports.end()) ++count;
        }
    }
    return count;
}

void retire(pid_t old, int hold, std::vector<uint16_t> ports, int busy_kill_ms) {
    if (old <= 0) {
        if (hold >= 0) ::close(hold);
        return;
    }
    ::kill(old, SIGTERM);  // drains: it accepts no more, and answers what it accepted
    std::thread([old, hold, ports = std::move(ports), busy_kill_ms]() mutable {
        using std::chrono::milliseconds;
        const auto t0 = Clock::now();
        const int64_t hz = ::sysconf(_SC_CLK_TCK) > 0 ? ::sysconf(_SC_CLK_TCK) : 100;
        auto last = t0;
        int64_t last_ticks = cpu_ticks(old), busy_ms = 0;
        Clock::time_point drained{};
        int zeros = 0;
        for (;;) {
            if (::waitpid(old, nullptr, WNOHANG) != 0) break;  // reaped (or not ours any more)
            auto now = Clock::now();
            // A process that is busy without a pause (a loop in a worker ignores the drain) is stopped as the
            // watchdog stops a running one; one still there after 30 s is killed anyway.
            if (auto step = std::chrono::duration_cast<milliseconds>(now - last).count(); step >= 100) {
                CpuSample sample = cpu_sample(old);
                int64_t used = (sample.ticks - last_ticks) * 1000 / hz;
                // As the watchdog judges: most of the time on a CPU, or (a loaded machine) some, and still running.
                busy_ms = used * 10 >= step * 8 || (used > 0 && sample.runnable) ? busy_ms + step : 0;
                last = now;
                last_ticks = sample.ticks;
            }
            if (now - t0 >= std::chrono::seconds(30) || (busy_kill_ms > 0 && busy_ms >= busy_kill_ms)) {
                ::kill(-old, SIGKILL);
                ::waitpid(old, nullptr, 0);
                break;
            }
            // The hold ends once nothing it accepted is open any more (seen twice in a row; unknown while /proc
            // cannot be read), 300 ms later (the records of its last answers), or after 10 s.
            if (hold >= 0) {
                if (drained == Clock::time_point{}) {
                    zeros = inbound_connections(old, ports) == 0 ? zeros + 1 : 0;
                    if (zeros >= 2 || now - t0 >= std::chrono::seconds(10)) drained = now;
                }
                if (drained != Clock::time_point{} && now - drained >= milliseconds(300))
                    end_hold(std::exchange(hold, -1));
            }
            std::this_thread::sleep_for(milliseconds(hold >= 0 ? 40 : 100));
        }
        if (hold >= 0) ::close(hold);
    }).detach();
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
    std::string out(trim(r->out));  // "workerd 2026-11-17"
    auto sp = out.rfind(' ');
    std::string date = sp == std::string::npos ? out : out.substr(sp + 1);
    if (date.size() != 10 || date[4] != '-' || date[7] != '-') return {};
    return date;
}

}  // namespace tenantctl::runtime
