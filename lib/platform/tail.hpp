#pragma once
// Live tails and invocation statistics of the local platform, fed by the runtime's per-invocation records.
//
// A tail is created through the v4 API (`POST …/workers/scripts/NAME/tails`, and for a dispatch-namespace
// script `POST …/workers/dispatch/namespaces/NS/scripts/NAME/tails`, which only the local platform has) and
// read over a WebSocket (tail_server.hpp) at the URL the API returns, as Cloudflare's Tail API works: the
// client may send a filter message (`{"filters":[…]}`) and receives one JSON trace item per message. The id in
// the URL is the only credential, as with Cloudflare's tail URLs. A deleted or expired tail closes its sockets.
//
// Every record is also counted per script and minute (requests, errors, exceptions, log lines, wall time,
// subrequests), kept for k_tail_stats_minutes, for the analytics query.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace tenantctl::platform {

inline constexpr size_t k_max_tails_per_script = 16;  // as many live tails on one script, then 429
inline constexpr size_t k_max_tails = 4096;           // on the whole platform
inline constexpr int64_t k_tail_ttl_seconds = 6 * 3600;
inline constexpr int64_t k_tail_stats_minutes = 24 * 60;
inline constexpr size_t k_max_tail_filter_bytes = 64 * 1024;

// What a tail's client asked for (`{"filters":[{"outcome":[…]},{"method":[…]},{"query":"…"},
// {"header":{"key":…,"query":…}},{"client_ip":[…]},{"sampling_rate":0.5}]}`); every filter given must match.
struct TailFilter {
    std::set<std::string> outcomes;
    std::set<std::string> methods;  // upper case
    std::set<std::string> client_ips;
    std::string query;  // a substring of a log line or an exception
    std::string header_key;
    std::optional<std::string> header_query;  // the header's value contains it; absent: the header is present
    double sampling_rate = 1.0;
};

Result<TailFilter> parse_tail_filter(const std::string& message);
bool tail_filter_matches(const TailFilter& f, const nlohmann::json& event);

struct TailInfo {
    std::string id;
    std::string script;  // "NAME" (account worker) or "NS/NAME" (dispatch-namespace script)
    std::string url;
    std::string expires_at;  // RFC 3339
    int64_t expires = 0;     // unix seconds
    size_t connected = 0;    // open sockets
};

struct ScriptStats {
    uint64_t requests = 0;
    uint64_t errors = 0;  // outcome other than "ok"
    uint64_t exceptions = 0;
    uint64_t logs = 0;
    uint64_t subrequests = 0;
    double wall_ms = 0;
    double cpu_ms = 0;
};

class TailHub {
public:
    using Clock = std::function<int64_t()>;  // unix seconds
    explicit TailHub(Clock now = {});

    // The WebSocket server's base URL ("ws://127.0.0.1:PORT/"); a tail's URL is base + id.
    void set_url_base(std::string base);

    Result<TailInfo> create(const std::string& script);
    bool remove(const std::string& script, const std::string& id);
    // Deletes every tail of a script (the script was deleted).
    void remove_script(const std::string& script);
    std::vector<TailInfo> list(const std::string& script);
    std::optional<TailInfo> find(const std::string& id);

    // A socket reading tail `id`: `on_event` gets each matching record as one JSON text (it must not block);
    // `on_end` is called once when the tail is deleted or expires. 0 when there is no such tail.
    using Sink = std::function<void(const std::string&)>;
    uint64_t attach(const std::string& id, Sink on_event, std::function<void(const std::string& why)> on_end);
    void set_filter(uint64_t subscription, TailFilter filter);
    void detach(uint64_t subscription);

    // A batch of records from the runtime (a JSON array of trace items with scriptName and, for a tenant's,
    // dispatchNamespace). Malformed input is ignored.
    void publish(const std::string& json_array);
    void publish(const nlohmann::json& event);

    // Sums per script ("NAME" or "NS/NAME") over the minutes in [since, until] (unix seconds).
    std::map<std::string, ScriptStats> stats(int64_t since, int64_t until);
    uint64_t published() const;

private:
    struct Sub {
        std::string tail_id;
        Sink on_event;
        std::function<void(const std::string&)> on_end;
        TailFilter filter;
        uint64_t seen = 0;
    };
    struct Tail {
        TailInfo info;
        std::set<uint64_t> subs;
    };
    void expire_locked(std::vector<std::function<void()>>& ends);
    void end_locked(const std::string& id, const std::string& why, std::vector<std::function<void()>>& ends);

    Clock m_now;
    mutable std::mutex m_mutex;
    std::string m_url_base;
    std::map<std::string, Tail> m_tails;  // id ->
    std::map<uint64_t, Sub> m_subs;
    uint64_t m_next_sub = 1;
    uint64_t m_published = 0;
    std::map<std::string, std::map<int64_t, ScriptStats>> m_stats;  // script -> minute -> sums
};

}  // namespace tenantctl::platform
