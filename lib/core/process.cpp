#include "core/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace tenantctl {

namespace {

struct Pipe {
    int fd[2] = {-1, -1};
    ~Pipe() { close_both(); }
    bool open() { return ::pipe2(fd, O_CLOEXEC) == 0; }
    void close_read() {
        if (fd[0] >= 0) ::close(fd[0]);
        fd[0] = -1;
    }
    void close_write() {
        if (fd[1] >= 0) ::close(fd[1]);
        fd[1] = -1;
    }
    void close_both() {
        close_read();
        close_write();
    }
};

bool is_executable(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
}

}  // namespace

std::string find_executable(const std::string& name, const std::string& path_value) {
    if (name.find('/') != std::string::npos) return is_executable(name) ? name : std::string();
    size_t start = 0;
    while (start <= path_value.size()) {
        size_t end = path_value.find(':', start);
        if (end == std::string::npos) end = path_value.size();
        std::string dir = end > start ? path_value.substr(start, end - start) : std::string(".");
        std::string candidate = dir + "/" + name;
        if (is_executable(candidate)) return candidate;
        start = end + 1;
    }
    return {};
}

Result<ProcessResult> run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
    if (argv.empty()) return Error(ErrorKind::Internal, "run_process: empty argv");

    // Build the child's environment before forking.
    std::map<std::string, std::string> env_map;
    for (char** e = environ; e && *e; ++e) {
        std::string kv(*e);
        auto eq = kv.find('=');
        if (eq != std::string::npos) env_map[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (const auto& u : options.env_unset) env_map.erase(u);
    for (const auto& [k, v] : options.env_set) env_map[k] = v;
    std::vector<std::string> env_strings;
    for (const auto& [k, v] : env_map) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);

    std::string path_value = env_map.count("PATH") ? env_map["PATH"] : "/usr/local/bin:/usr/bin:/bin";
    std::string exe = find_executable(argv[0], path_value);
    if (exe.empty()) {
        return Error(ErrorKind::NotFound, "could not find the program '" + argv[0] + "' in PATH");
    }
    std::vector<std::string> args = argv;
    std::vector<char*> cargv;
    for (auto& a : args) cargv.push_back(a.data());
    cargv.push_back(nullptr);

    Pipe in, out, err;
    if (!in.open() || !out.open() || !err.open()) {
        return Error(ErrorKind::Io, std::string("could not create pipes: ") + std::strerror(errno));
    }

    pid_t pid = ::fork();
    if (pid < 0) return Error(ErrorKind::Io, std::string("fork failed: ") + std::strerror(errno));
    if (pid == 0) {
        ::setpgid(0, 0);
        if (options.stdin_data) {
            ::dup2(in.fd[0], 0);
        } else {
            int devnull = ::open("/dev/null", O_RDONLY);
            if (devnull >= 0) ::dup2(devnull, 0);
        }
        if (!options.inherit_stdio) {
            ::dup2(out.fd[1], 1);
            ::dup2(err.fd[1], 2);
        }
        if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0) _exit(127);
        ::signal(SIGPIPE, SIG_DFL);
        ::execve(exe.c_str(), cargv.data(), envp.data());
        _exit(127);
    }
    in.close_read();
    out.close_write();
    err.close_write();

    ProcessResult result;
    std::string_view pending_in;
    if (options.stdin_data) {
        pending_in = *options.stdin_data;
        ::fcntl(in.fd[1], F_SETFL, O_NONBLOCK);
    }
    if (pending_in.empty()) in.close_write();

    auto deadline = options.timeout ? std::chrono::steady_clock::now() + *options.timeout
                                    : std::chrono::steady_clock::time_point::max();
    bool out_open = !options.inherit_stdio, err_open = !options.inherit_stdio;
    if (options.inherit_stdio) {
        out.close_read();
        err.close_read();
    }
    char buf[16384];
    while (out_open || err_open || in.fd[1] >= 0) {
        pollfd fds[3];
        int n = 0;
        int idx_out = -1, idx_err = -1, idx_in = -1;
        if (out_open) {
            fds[n] = {out.fd[0], POLLIN, 0};
            idx_out = n++;
        }
        if (err_open) {
            fds[n] = {err.fd[0], POLLIN, 0};
            idx_err = n++;
        }
        if (in.fd[1] >= 0) {
            fds[n] = {in.fd[1], POLLOUT, 0};
            idx_in = n++;
        }
        int wait_ms = -1;
        if (options.timeout) {
            auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                result.timed_out = true;
                ::kill(-pid, SIGKILL);
                break;
            }
            wait_ms = static_cast<int>(std::min<long long>(left.count(), 1000));
        }
        int rc = ::poll(fds, static_cast<nfds_t>(n), wait_ms);
        if (rc < 0) {
            if (errno == EINTR) continue;
            break;
        }
        auto drain = [&](int idx, int fd, bool& open, std::string& sink,
                         const std::function<void(std::string_view)>& cb) {
            if (idx < 0 || !(fds[idx].revents & (POLLIN | POLLHUP | POLLERR))) return;
            ssize_t r = ::read(fd, buf, sizeof buf);
            if (r <= 0) {
                if (r < 0 && (errno == EINTR || errno == EAGAIN)) return;
                open = false;
                return;
            }
            std::string_view chunk(buf, static_cast<size_t>(r));
            if (cb) {
                cb(chunk);
                if (options.capture_when_streaming) sink.append(chunk);
            } else {
                sink.append(chunk);
            }
        };
        drain(idx_out, out.fd[0], out_open, result.out, options.on_stdout);
        drain(idx_err, err.fd[0], err_open, result.err, options.on_stderr);
        if (idx_in >= 0 && (fds[idx_in].revents & (POLLOUT | POLLERR | POLLHUP))) {
            if (fds[idx_in].revents & (POLLERR | POLLHUP)) {
                in.close_write();
            } else {
                ssize_t w = ::write(in.fd[1], pending_in.data(), pending_in.size());
                if (w > 0)
                    pending_in.remove_prefix(static_cast<size_t>(w));
                else if (w < 0 && errno != EAGAIN && errno != EINTR)
                    pending_in = {};
                if (pending_in.empty()) in.close_write();
            }
        }
    }
    in.close_write();
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status))
        result.exit_code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        result.exit_code = 128 + WTERMSIG(status);
    return result;
}

}  // namespace tenantctl
