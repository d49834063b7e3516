#pragma once
// The workerd configuration (Cap'n Proto text) that runs a Model: one workerd service per script, an entry
// worker that picks an account worker by Host (`<name>.localhost`, then the workers' routes), dispatch
// namespaces as `wrapped` bindings over an internal module whose inner bindings are the namespace's scripts,
// KV / R2 / D1 bindings as workerd's own binding kinds talking to the platform's storage service (one
// `external` service per namespace, bucket or database, told apart by an injected header), Durable Objects on
// a local disk in the state dir. Pure: files and text out, nothing written.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "runtime/model.hpp"

namespace tenantctl::runtime {

struct GenOptions {
    std::string storage_address;   // "127.0.0.1:PORT" of the storage service
    std::string storage_token;     // sent by workerd with every storage request (x-tenantctl-token)
    std::string max_compat_date;   // workerd's own date: later compatibility dates are clamped to it
    std::string do_storage_dir;    // absolute path for Durable Object storage
    std::set<std::string> broken;  // script keys not to load (they failed to start); answered by a stub
    std::map<std::string, std::string> broken_reason;  // key -> why (shown to callers)
};

struct Generated {
    std::string config;                          // workerd.capnp text
    std::map<std::string, std::string> files;    // path relative to the config's directory -> contents
    std::vector<std::string> warnings;           // bindings that cannot run locally, by script
    std::vector<std::string> loaded;             // script keys loaded
};

Generated generate_config(const Model& model, const GenOptions& opt);

// A Cap'n Proto text literal for `s` (quotes included).
std::string capnp_string(const std::string& s);

// Whether a route pattern (`host/path*`, host may start with `*`) matches a host and path; shared with the
// entry worker's JavaScript, which implements the same rule.
bool route_matches(const std::string& pattern, const std::string& host, const std::string& path);

}  // namespace tenantctl::runtime
