#pragma once
// A container application's output, instance by instance: what `containers logs` and `tenants logs` print.
// The local platform answers `GET …/instances/ID/logs` from the Docker Engine (the container's stdout and
// stderr, timestamped by the daemon); Cloudflare's API has no such route (container output goes to Workers
// Logs when observability is enabled: the dashboard and Logpush read it, the v4 API does not), which the run
// reports as NotImplemented. `follow` asks again every `poll` from the last line's time, and picks up instances
// that start meanwhile, until Ctrl-C.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "api/client.hpp"
#include "core/cancel.hpp"
#include "core/result.hpp"

namespace tenantctl::observe {

struct ContainerLogLine {
    std::string instance_id;
    std::string label;   // the instance's name (or tenant)
    std::string time;    // RFC 3339 with nanoseconds
    std::string stream;  // stdout | stderr
    std::string message;
};

struct ContainerLogsOptions {
    std::string account_id;
    std::string application;  // id or name
    std::string instance;     // id or name; empty = every instance
    std::string tenant;       // instead of `instance`: the instance that serves this tenant
    std::string since;        // RFC 3339 (see since_time); empty = the last `tail` lines of each instance
    int tail = 100;           // with no `since`; -1 = all
    bool follow = false;
    std::chrono::milliseconds poll{1000};
    const CancelToken* cancel = nullptr;
    std::function<void(const ContainerLogLine&)> on_line;
    std::function<void(const std::string&)> on_status;  // an instance appeared, went away
};

struct ContainerLogsReport {
    std::string application_id;
    std::string application_name;
    size_t instances = 0;  // instances read at least once
    uint64_t lines = 0;
    bool interrupted = false;
};

Result<ContainerLogsReport> run_container_logs(api::ApiClient& client, const ContainerLogsOptions& options);

// --since: a duration back from `now_unix` ("90s", "15m", "1h", "7d") or an RFC 3339 time, as RFC 3339.
Result<std::string> since_time(const std::string& text, int64_t now_unix);

// The lines of a page not already printed: a page asked "since T" starts with the lines at T that the last
// page ended with (the daemon's `since` is inclusive); `seen_at_last` holds those (stream + message).
std::vector<nlohmann::json> new_lines(const nlohmann::json& page_lines, const std::string& last_time,
                                      const std::vector<std::string>& seen_at_last);

}  // namespace tenantctl::observe
