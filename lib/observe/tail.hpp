#pragma once
// Live tails of one worker or many tenants at once, through the Tail API: a tail is created per worker
// (`POST …/tails`), its WebSocket read with the `trace-v1` protocol and the filters sent as the first
// message, and every tail deleted when the reading ends (Ctrl-C included). A dropped connection is reported
// and reopened (a new tail when the old one is gone); a tail the server closes (deleted, expired) ends that
// target and the run reports it.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "api/client.hpp"
#include "core/cancel.hpp"
#include "core/result.hpp"
#include "observe/websocket.hpp"

namespace tenantctl::observe {

struct TailTarget {
    std::string ns;      // dispatch namespace; empty = an account worker
    std::string script;  // the worker (a tenant's id in a namespace)
    std::string label;   // how its lines are labelled
};

// wrangler tail's filters.
struct TailFilters {
    std::vector<std::string> status;  // ok | error | canceled
    std::vector<std::string> methods;
    std::string search;
    std::string header;            // "KEY" or "KEY:VALUE"
    std::vector<std::string> ips;  // addresses, or "self"
    double sampling_rate = 1.0;
};

// The filter message sent on the socket ({"filters":[…],"debug":false}); a usage error for a bad value.
Result<std::string> tail_filter_message(const TailFilters& f);

struct TailOptions {
    std::string account_id;
    std::vector<TailTarget> targets;
    TailFilters filters;
    WsOptions ws;
    int max_reconnects = 5;  // consecutive failed attempts per target before giving it up
    const CancelToken* cancel = nullptr;
    // Deletes the tails at the end; a client that does not abort on Ctrl-C (the run's own client does).
    // Null = the run's client.
    api::ApiClient* cleanup_client = nullptr;
    // One record (the JSON text as the server sent it) of a target.
    std::function<void(const TailTarget&, const std::string&)> on_event;
    // Progress worth telling a person: connected, dropped, reconnecting, closed by the server.
    std::function<void(const std::string&)> on_status;
    // Each WebSocket URL opened (for -v; it carries no token).
    std::function<void(const std::string&)> on_url;
};

struct TailReport {
    size_t targets = 0;
    size_t tails_created = 0;
    size_t tails_deleted = 0;
    uint64_t events = 0;
    size_t reconnects = 0;
    bool interrupted = false;
    std::vector<std::string> ended;  // targets that ended before the run: "label: why"
};

// Runs until Ctrl-C (options.cancel) or until every target has ended. Errors: a tail that cannot be created
// (nothing is left behind), or every target ended by the server or given up (Network, after the tails were
// deleted).
Result<TailReport> run_tail(api::ApiClient& client, const TailOptions& options);

}  // namespace tenantctl::observe
