#pragma once
// ContainerDriver: what the instance manager needs from a container runtime. DockerDriver implements it over
// the Docker Engine API on a unix socket (libcurl); tests implement it with a fake.
//
// Why the Engine API and not the docker CLI (for ARCHITECTURE.md):
//   * one request per operation instead of a process per operation: a cold start is pull-check + create +
//     start + inspects while waiting for the port; forking `docker` (a 50 MB Go binary) for each costs tens
//     of milliseconds of CPU apiece and would dominate cold-start latency on a 2-core machine;
//   * structured results: inspect/list/create answer JSON with exit codes, host ports and errors, instead of
//     parsing human output that changes between CLI versions (here a 28.x client talks to a 20.10 daemon);
//   * secrets stay out of argv: registry credentials travel in the X-Registry-Auth header of the pull request,
//     environment variables in the create body; `docker run -e K=V` would put them in every `ps` listing;
//   * the images module keeps using the CLI for `docker build`/`push`, where BuildKit and the credential
//     helpers live and where the CLI is the interface users expect to be used.
// The socket comes from DOCKER_HOST (unix:///path or tcp://127.x.x.x:port) read through core::Env, default
// unix:///var/run/docker.sock. The API version is pinned to v1.41 (dockerd 20.10 and newer).
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/env.hpp"
#include "core/result.hpp"

namespace tenantctl::router {

struct RegistryAuth {
    std::string server;  // "127.0.0.1:5000"
    std::string username;
    std::string password;  // registered with the Redactor by whoever fills it in
};

struct ContainerSpec {
    std::string name;
    std::string image;
    std::map<std::string, std::string> env;
    std::map<std::string, std::string> labels;
    int container_port = 8080;
    bool host_network = false;  // true: share the host network, the app listens on `container_port` (= $PORT)
};

struct ContainerState {
    std::string id;
    bool running = false;
    std::string status;  // created, running, exited, ...
    int exit_code = 0;
    std::string error;
    std::string started_at;  // RFC 3339 from the daemon
    std::string finished_at;
    int host_port = 0;  // published host port (bridge mode), 0 when none
    std::string ip;     // the container's address on its bridge network ("" with host networking)
};

// One line of a container's output, as the daemon timestamps it.
struct LogLine {
    std::string time;    // RFC 3339 with nanoseconds, UTC ("2026-12-06T14:31:16.123456789Z")
    std::string stream;  // stdout | stderr
    std::string text;    // without the newline
};

struct LogQuery {
    std::string since;            // RFC 3339 (inclusive, as the daemon's `since`); empty = from the start
    int tail = -1;                // only the last N lines; -1 = all
    size_t max_bytes = 4u << 20;  // read at most this much of the daemon's answer (the rest: `truncated`)
};

struct LogPage {
    std::vector<LogLine> lines;
    bool truncated = false;  // max_bytes was reached: ask again from the last line's time
};

struct ContainerSummary {
    std::string id;
    std::string name;
    std::string state;
    std::map<std::string, std::string> labels;
};

class ContainerDriver {
public:
    virtual ~ContainerDriver() = default;
    // Makes sure `image` is present locally, pulling it (with `auth` when given) if needed or if `always`.
    virtual Status pull(const std::string& image, const std::optional<RegistryAuth>& auth) = 0;
    virtual Result<std::string> create(const ContainerSpec& spec) = 0;  // returns the container id
    virtual Status start(const std::string& id) = 0;
    virtual Result<ContainerState> inspect(const std::string& id) = 0;
    virtual Status stop(const std::string& id, int timeout_seconds) = 0;
    virtual Status remove(const std::string& id) = 0;
    virtual Result<std::string> logs(const std::string& id, int tail_lines) = 0;
    // Timestamped output lines; drivers without it answer NotImplemented.
    virtual Result<LogPage> log_lines(const std::string& id, const LogQuery& query);
    // Containers carrying the label `label_key` (any value).
    virtual Result<std::vector<ContainerSummary>> list(const std::string& label_key) = 0;
    // Whether something accepts TCP connections on host:port now.
    virtual bool port_open(const std::string& host, int port);
};

struct DockerDriverOptions {
    std::string docker_host;  // empty: DOCKER_HOST from the Env, else unix:///var/run/docker.sock
    long request_timeout_ms = 60000;
    long pull_timeout_ms = 600000;
};

class DockerDriver final : public ContainerDriver {
public:
    DockerDriver(const Env& env, DockerDriverOptions options = {});
    Status pull(const std::string& image, const std::optional<RegistryAuth>& auth) override;
    Result<std::string> create(const ContainerSpec& spec) override;
    Status start(const std::string& id) override;
    Result<ContainerState> inspect(const std::string& id) override;
    Status stop(const std::string& id, int timeout_seconds) override;
    Status remove(const std::string& id) override;
    Result<std::string> logs(const std::string& id, int tail_lines) override;
    Result<LogPage> log_lines(const std::string& id, const LogQuery& query) override;
    Result<std::vector<ContainerSummary>> list(const std::string& label_key) override;
    // GET /version: checks that the daemon answers (for `dev` start-up diagnostics).
    Result<std::string> server_version();
    const std::string& docker_host() const { return m_host; }

    struct Response {
        long status = 0;
        std::string body;
        bool truncated = false;  // max_body was reached and the rest was not read
    };
    Result<Response> request(const std::string& method, const std::string& path, const std::string& body = {},
                             const std::vector<std::string>& headers = {}, long timeout_ms = 0, size_t max_body = 0);

private:
    std::string m_host;         // as configured (for messages)
    std::string m_unix_socket;  // when unix://
    std::string m_base_url;     // http://localhost/v1.41 or http://127.0.0.1:port/v1.41
    DockerDriverOptions m_options;
};

// Splits "host:port/repo/name:tag" (or @digest) into repository and tag ("latest" when none).
std::pair<std::string, std::string> split_image_reference(const std::string& image);
// Demultiplexes docker's 8-byte-header log stream (stdout/stderr frames); returns plain text unchanged.
std::string demux_docker_stream(const std::string& raw);
// The lines of a `timestamps=1` log answer (multiplexed or a TTY's plain text; a cut-off last frame or line is
// dropped).
std::vector<LogLine> parse_docker_log_lines(const std::string& raw);
// RFC 3339 ("…T…Z" or with an offset, fraction optional) as the daemon's `since`/`until` form, "SECONDS.NANOS";
// nullopt when it is not a time.
std::optional<std::string> docker_time_arg(const std::string& rfc3339);

}  // namespace tenantctl::router
