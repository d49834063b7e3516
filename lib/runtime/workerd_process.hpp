#pragma once
// workerd processes as the supervisor runs them: listening sockets it owns and lends to workerd
// (`--control-fd 3 --socket-fd NAME=4 …`; nothing else of ours reaches it), one thread that forks every child
// (PR_SET_PDEATHSIG ties them to tenantctl's life), a start that returns once workerd reports `listen` on its
// control fd for every socket, a retire that lets a process drain before it is killed, CPU samples from /proc for the
// watchdog, and where the workerd binary is.
#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace tenantctl::runtime {

// A listening IPv4 socket (non-blocking, close-on-exec) on host:port (0 = ephemeral), and its port.
Result<std::pair<int, uint16_t>> listen_socket(const std::string& host, uint16_t port);

// CPU time used so far (clock ticks, -1 when unreadable) and whether the process's main thread -- workerd's
// event loop, where JavaScript runs -- is running or waiting for a CPU right now (state R).
struct CpuSample {
    int64_t ticks = -1;
    bool runnable = false;
};
CpuSample cpu_sample(pid_t pid);
// utime + stime of a process, in clock ticks; -1 when it is gone.
int64_t cpu_ticks(pid_t pid);
// CPU time of a process's main thread (workerd's event loop, where it compiles and runs JavaScript), in
// nanoseconds (/proc/PID/schedstat); -1 when it is gone.
int64_t main_thread_ns(pid_t pid);

// What a workerd child gets: its argv, its directory, and which of our descriptors become its stdout/stderr
// (`out`), fd 3 (`control`) and fds 4, 5, … (`sockets`, in order).
struct ChildSpec {
    std::vector<std::string> argv;
    std::string dir;
    int out = -1;
    int control = -1;
    std::vector<int> sockets;
};

// Every workerd process is forked by this one long-lived thread, so that PR_SET_PDEATHSIG (which fires when
// the *thread* that forked the child ends) kills the children exactly when tenantctl dev ends, even by SIGKILL:
// no workerd outlives its supervisor.
class Forker {
public:
    Forker();
    ~Forker();
    Forker(const Forker&) = delete;
    Forker& operator=(const Forker&) = delete;

    // The child's pid, or -1 when the fork failed or the Forker is ending.
    pid_t fork_child(const ChildSpec& spec);

private:
    struct Job {
        const ChildSpec* spec;
        std::promise<pid_t>* done;
    };
    void run();
    [[noreturn]] void exec_child(const ChildSpec& spec);
    pid_t m_parent;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<Job> m_queue;
    bool m_stop = false;
    std::thread m_thread;
};

struct SpawnSpec {
    std::string workerd;                               // the binary
    std::string dir;                                   // the runtime directory: the child's working directory
    std::string config;                                // the Cap'n Proto config (a file in `dir`)
    int socket = -1;                                   // the listening socket lent as "http" (-1: none)
    std::vector<std::pair<std::string, int>> sockets;  // more listening sockets, lent by name
    std::string label;                                 // each output line goes to `output` as "[label] line"
    std::function<void(const std::string&)> output;
    int timeout_ms = 120000;  // how long it may take to listen
    int cpu_limit_ms = 0;     // how much CPU it may use before it listens; 0 = no limit
};
// Why a start failed: no process (pipe or fork failed), workerd ended (its output says why), or it was killed at
// a limit of the SpawnSpec.
enum class SpawnFailure { NotStarted, Exited, TimedOut, CpuLimit };
// Starts workerd on `spec.config` with `spec.socket` as its socket "http" and each of `spec.sockets` by its name;
// returns its pid once it listens, or
// -1 with `error` (its output) and `why`. `forker` null: nothing is started.
// With `hold` (the config has a socket "hold", GenOptions::hold), it is lent one, and once workerd listens a
// request there stays in flight until retire() ends it: its connection goes to `*hold` (-1 when it failed).
pid_t spawn_workerd(Forker* forker, const SpawnSpec& spec, std::string& error, SpawnFailure* why = nullptr,
                    int* hold = nullptr);

// Tells a process to drain and reaps it; one still there after 30 s, or busy without a pause for `busy_kill_ms`
// (a loop ignores the drain; 0: no such bound), is killed. The pid is only signalled while it is an unreaped
// child of ours, so a recycled pid is never hit. With its `hold` connection (spawn_workerd), the process does
// not exit before the requests it accepted on `ports` are answered and 300 ms more have passed: its tail worker
// posts each invocation's record after the answer, and a workerd that has drained exits without waiting for
// those posts.
void retire(pid_t pid, int hold = -1, std::vector<uint16_t> ports = {}, int busy_kill_ms = 0);
// How many connections accepted on one of `ports` a process holds open (ESTABLISHED or CLOSE_WAIT), from
// /proc; -1 when its descriptors cannot be read.
int inbound_connections(pid_t pid, const std::vector<uint16_t>& ports);

// Where workerd comes from: the project's node_modules (upward from `cwd`), then `env_override`
// (TENANTCTL_WORKERD), then PATH. Empty when there is none.
std::string find_workerd(const std::string& cwd, const std::string& env_override, const std::string& path_env);
// workerd's version date ("2026-11-17"), from `workerd --version`; empty on failure.
std::string workerd_version_date(const std::string& workerd);

}  // namespace tenantctl::runtime
