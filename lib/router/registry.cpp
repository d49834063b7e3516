#include "router/registry.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <thread>

#include "core/fs.hpp"
#include "core/net.hpp"
#include "core/process.hpp"
#include "core/redact.hpp"
#include "core/strings.hpp"

namespace tenantctl::router {

namespace {

size_t discard(char*, size_t size, size_t n, void*) {
    return size * n;
}

// GET http://host/v2/ ; returns the HTTP status (0 when unreachable).
long probe_v2(const std::string& host, const std::string& user, const std::string& password) {
    CURL* h = curl_easy_init();
    if (!h) return 0;
    std::string url = "http://" + host + "/v2/";
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 3000L);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    if (!user.empty()) {
        curl_easy_setopt(h, CURLOPT_USERNAME, user.c_str());
        curl_easy_setopt(h, CURLOPT_PASSWORD, password.c_str());
    }
    long status = 0;
    if (curl_easy_perform(h) == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    return status;
}

bool loopback_host(const std::string& hostport) {
    std::string host = hostport;
    auto colon = host.rfind(':');
    if (colon != std::string::npos) host.resize(colon);
    if (host == "localhost") return true;
    in_addr a{};
    if (::inet_pton(AF_INET, host.c_str(), &a) != 1) return false;
    return (ntohl(a.s_addr) >> 24) == 127;
}

}  // namespace

RegistryProcess::~RegistryProcess() {
    (void)stop();
}

Result<std::unique_ptr<RegistryProcess>> RegistryProcess::start(const RegistryOptions& o) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (o.state_dir.empty()) return Error(ErrorKind::Usage, "registry: no state directory given");
    if (!file_exists(o.binary))
        return Error(ErrorKind::NotFound, "registry binary " + tenantctl::quoted(o.binary) + " not found",
                     "install docker-registry (apt-get install docker-registry) or pass --registry URL");
    TRY_STATUS(make_dirs(join_path(o.state_dir, "data"), 0700));
    auto reg = std::make_unique<RegistryProcess>();
    reg->m_username = o.username;
    reg->m_password = random_hex(16);
    Redactor::global().add(reg->m_password);

    // htpasswd -iBn USER reads the password from stdin and prints "user:$2y$..." (bcrypt).
    ProcessOptions po;
    po.stdin_data = reg->m_password;
    po.timeout = std::chrono::seconds(30);
    TRY_ASSIGN(auto hp, run_process({o.htpasswd_binary, "-iBn", o.username}, po));
    if (hp.exit_code != 0 || hp.out.find(":$2") == std::string::npos)
        return Error(ErrorKind::Io,
                     "htpasswd -iBn failed (exit " + std::to_string(hp.exit_code) + "): " + std::string(trim(hp.err)),
                     "install apache2-utils");
    std::string htpasswd_path = join_path(o.state_dir, "htpasswd");
    TRY_STATUS(write_file_atomic(htpasswd_path, hp.out, 0600));
    std::string password_path = join_path(o.state_dir, "password");
    TRY_STATUS(write_file_atomic(password_path, reg->m_password + "\n", 0600));

    int port = o.port ? o.port : free_loopback_port();
    if (!port) return Error(ErrorKind::Io, "registry: no free port on 127.0.0.1");
    reg->m_host = "127.0.0.1:" + std::to_string(port);
    std::string config =
        "version: 0.1\n"
        "log:\n  level: warn\n"
        "storage:\n  filesystem:\n    rootdirectory: " +
        join_path(o.state_dir, "data") +
        "\n"
        "  delete:\n    enabled: true\n"
        "http:\n  addr: " +
        reg->m_host + "\n  secret: " + random_hex(16) +
        "\n"
        "auth:\n  htpasswd:\n    realm: tenantctl-local\n    path: " +
        htpasswd_path + "\n";
    std::string config_path = join_path(o.state_dir, "config.yml");
    TRY_STATUS(write_file_atomic(config_path, config, 0600));
    reg->m_log_path = join_path(o.state_dir, "registry.log");

    // fork/exec: stdout+stderr to the log file; the child dies with us (PR_SET_PDEATHSIG).
    std::string binary = o.binary;
    const char* argv[] = {binary.c_str(), "serve", config_path.c_str(), nullptr};
    int log_fd = ::open(reg->m_log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (log_fd < 0) return Error(ErrorKind::Io, "cannot open " + tenantctl::quoted(reg->m_log_path));
    int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) {
        ::close(log_fd);
        if (null_fd >= 0) ::close(null_fd);
        return Error(ErrorKind::Io, "fork failed for docker-registry");
    }
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != parent) ::_exit(127);
        if (null_fd >= 0) ::dup2(null_fd, 0);
        ::dup2(log_fd, 1);
        ::dup2(log_fd, 2);
        ::execv(argv[0], const_cast<char* const*>(argv));
        ::_exit(127);
    }
    ::close(log_fd);
    if (null_fd >= 0) ::close(null_fd);
    reg->m_pid = pid;

    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(o.ready_timeout_ms);
    for (;;) {
        long st = probe_v2(reg->m_host, reg->m_username, reg->m_password);
        if (st == 200) break;
        int wstatus = 0;
        if (::waitpid(pid, &wstatus, WNOHANG) == pid) {
            reg->m_pid = -1;
            std::string log = read_file(reg->m_log_path).value_or("");
            return Error(ErrorKind::Io, "docker-registry exited before answering on " + reg->m_host + ": " +
                                            std::string(trim(log.substr(log.size() > 400 ? log.size() - 400 : 0))));
        }
        if (std::chrono::steady_clock::now() > deadline)
            return Error(ErrorKind::Timeout,
                         "docker-registry did not answer on " + reg->m_host + " in time (last status " +
                             std::to_string(st) + ")",
                         "see " + reg->m_log_path);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return reg;
}

Result<std::unique_ptr<RegistryProcess>> RegistryProcess::attach(const std::string& url, std::string username,
                                                                 std::string password) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    std::string host = url;
    if (starts_with(host, "http://"))
        host = host.substr(7);
    else if (starts_with(host, "https://"))
        return Error(ErrorKind::Usage,
                     "registry " + tenantctl::quoted(url) + ": only plain http on 127.0.0.1 is supported");
    while (!host.empty() && host.back() == '/') host.pop_back();
    if (!loopback_host(host))
        return Error(ErrorKind::Usage, "registry " + tenantctl::quoted(url) + " is not on 127.0.0.0/8 or localhost",
                     "the local platform only talks to loopback addresses");
    auto reg = std::make_unique<RegistryProcess>();
    reg->m_host = host;
    reg->m_username = std::move(username);
    reg->m_password = std::move(password);
    if (!reg->m_password.empty()) Redactor::global().add(reg->m_password);
    TRY_STATUS(reg->check());
    return reg;
}

Status RegistryProcess::check() const {
    long st = probe_v2(m_host, m_username, m_password);
    if (st == 200) return ok_status();
    if (st == 401)
        return Error(ErrorKind::Auth,
                     "registry " + m_host + " refused the credentials of user " + tenantctl::quoted(m_username));
    return Error(ErrorKind::Network, "registry " + m_host + " did not answer /v2/ (status " + std::to_string(st) + ")");
}

Status RegistryProcess::stop() {
    if (m_pid <= 0) return ok_status();
    ::kill(m_pid, SIGTERM);
    for (int i = 0; i < 100; ++i) {
        if (::waitpid(m_pid, nullptr, WNOHANG) == m_pid) {
            m_pid = -1;
            return ok_status();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(m_pid, SIGKILL);
    ::waitpid(m_pid, nullptr, 0);
    m_pid = -1;
    return ok_status();
}

}  // namespace tenantctl::router
