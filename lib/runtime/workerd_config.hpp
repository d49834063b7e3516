#pragma once
// The workerd configuration (Cap'n Proto text) that runs a Model: one workerd service per script, an entry
// worker that picks an account worker by Host (`<name>.localhost`, then the workers' routes), dispatch
// namespaces as `wrapped` bindings over an internal module whose inner bindings are the namespace's scripts
// (and the asset service for a script with static assets, which answers before it runs),
// KV / R2 / D1 bindings as workerd's own binding kinds talking to the platform's storage service (one
// `external` service per namespace, bucket or database, told apart by an injected header), Durable Objects on
// a local disk in the state dir. Pure: files and text out, nothing written.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "runtime/model.hpp"

namespace tenantctl::runtime {

struct GenOptions {
    std::string storage_address;   // "127.0.0.1:PORT" of the storage service
    std::string storage_token;     // sent by workerd with every storage request (x-tenantctl-token)
    std::string assets_address;    // "127.0.0.1:PORT" of the asset service
    std::string assets_secret;     // the asset tokens' key (asset_token)
    std::string outbound_secret;   // signs dispatch contexts (the dispatch binding) for the egress worker
    std::string max_compat_date;   // workerd's own date: later compatibility dates are clamped to it
    std::string do_storage_dir;    // absolute path for Durable Object storage
    std::set<std::string> broken;  // script keys not to load (they failed to start); a stub answers
    std::map<std::string, std::string> broken_reason;  // key -> why (shown to callers)
    std::map<std::string, uint16_t> tenant_ports;      // namespace script key -> port of its own socket
    uint16_t front_port = 0;                           // the account workers' port (tenants' service bindings)
    // The upload check's probe (validate.cpp): the front's socket "http" goes to this named entrypoint of this
    // service instead of the entry worker. Empty: the entry worker.
    std::string socket_service, socket_entrypoint;
    // A socket "hold" (spawn_workerd's `hold`): a request there stays in flight until the supervisor ends its body, and
    // a draining workerd does not exit before that.
    bool hold = false;
};

struct Generated {
    std::string config;                        // workerd.capnp text
    std::map<std::string, std::string> files;  // path relative to the config's directory -> contents
    std::vector<std::string> warnings;         // bindings that cannot run locally, by script
    std::vector<std::string> loaded;           // script keys loaded
};

// The front process: every account worker, the entry worker on the socket "http", and each dispatch
// namespace's scripts as `external` services on their own ports (their processes start on demand).
Generated generate_front(const Model& model, const GenOptions& opt);
// A process of namespace scripts (tenants), each on a socket of its own, `tenant_socket(i)` for members[i]
// (fetch and JS RPC). Each one's entry is a shim that applies the per-invocation subrequest limit the
// dispatcher passed to get(). When the account workers' dispatch namespace bindings name outbound workers for
// its namespace, its globalOutbound is an egress worker of its own that sends each request to the outbound
// worker of the invocation's binding (a copy of that account worker in the same process, `o:NAME`, with the
// get() call's parameters in its env). A member in `opt.broken` gets a stub answering 500 with its reason.
// Members share nothing but the process: each worker's bindings are its own.
Generated generate_tenants(const Model& model, const std::vector<const Script*>& members, const GenOptions& opt);
std::string tenant_socket(size_t i);

// workerd's start-up errors attributed to the model's scripts: "service KEY: Uncaught …" (with the next line's
// "  at …" location) by script key.
std::map<std::string, std::string> startup_culprits(const std::string& output, const Model& model);
// Who failed a start workerd refused (key -> reason): the scripts it names (`named`: startup_culprits' answer,
// as the caller narrows it); else, as `blame` allows, the `candidates` whose etag is not the last good start's
// (`last_good`: key -> etag; absent: new), else every candidate, each for `reason`.
enum class StartBlame { Named, NamedElseChanged, NamedElseChangedElseAll };
std::map<std::string, std::string> start_failures(std::map<std::string, std::string> named,
                                                  const std::vector<const Script*>& candidates,
                                                  const std::map<std::string, std::string>& last_good,
                                                  const std::string& reason, StartBlame blame);

// A Cap'n Proto text literal for `s` (quotes included).
std::string capnp_string(const std::string& s);

// Whether a route pattern (`host/path*`, host may start with `*`) matches a host and path; shared with the
// entry worker's JavaScript, which implements the same rule.
bool route_matches(const std::string& pattern, const std::string& host, const std::string& path);

}  // namespace tenantctl::runtime
