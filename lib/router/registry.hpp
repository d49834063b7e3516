#pragma once
// RegistryProcess: the local image registry behind `tenantctl dev`. Either a docker-registry (distribution)
// process this object starts on 127.0.0.1:<free port> with htpasswd (bcrypt) auth and storage under a state
// directory, or an existing registry it merely attaches to (`--registry URL`). Only what it started is stopped.
// The password is generated, registered with the Redactor, written only into files (0600) and handed to
// htpasswd on stdin: it never appears in any argv.
#include <sys/types.h>
#include <string>

#include <memory>

#include "core/result.hpp"

namespace tenantctl::router {

struct RegistryOptions {
    std::string state_dir;  // config.yml, htpasswd, data/, registry.log
    std::string binary = "/usr/bin/docker-registry";
    std::string htpasswd_binary = "htpasswd";
    std::string username = "tenantctl";
    int port = 0;  // 0: a free port
    int ready_timeout_ms = 15000;
};

class RegistryProcess {
public:
    RegistryProcess() = default;
    ~RegistryProcess();  // stops the process when this object started it
    RegistryProcess(const RegistryProcess&) = delete;
    RegistryProcess& operator=(const RegistryProcess&) = delete;

    // Starts docker-registry and waits until /v2/ answers (401 without credentials, 200 with them).
    static Result<std::unique_ptr<RegistryProcess>> start(const RegistryOptions& options);
    // Uses an existing registry. `url` is "http://127.0.0.1:5000" or "127.0.0.1:5000"; only 127.0.0.0/8 hosts
    // and "localhost" are accepted. Credentials may be empty (no auth).
    static Result<std::unique_ptr<RegistryProcess>> attach(const std::string& url, std::string username,
                                                           std::string password);

    const std::string& host() const { return m_host; }  // "127.0.0.1:41234" (what image names start with)
    const std::string& username() const { return m_username; }
    const std::string& password() const { return m_password; }
    std::string url() const { return "http://" + m_host; }
    bool started_by_us() const { return m_pid > 0; }
    pid_t pid() const { return m_pid; }
    const std::string& log_path() const { return m_log_path; }

    // GET /v2/ with the credentials: ok when the registry answers 200.
    Status check() const;
    Status stop();

private:
    std::string m_host, m_username, m_password, m_log_path;
    pid_t m_pid = -1;
};

}  // namespace tenantctl::router
