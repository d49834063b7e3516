#pragma once
// What deploy sets besides the upload for an account worker, as wrangler does after uploading: cron schedules
// (`triggers.crons`: set when present, even empty; left alone when absent), the workers.dev and preview URL
// toggle (`workers_dev`, default true unless routes are given; `preview_urls`, default false) and routes
// (`routes` / `route`: patterns with zone_id or zone_name). Each is read first and written only when it
// differs, so an unchanged redeploy sends no write. Dispatch-namespace workers have none of these (as in
// wrangler). What deploy cannot do is refused before anything is sent: custom domains (not implemented).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/client.hpp"
#include "config/worker.hpp"
#include "core/result.hpp"

namespace tenantctl::deploy {

struct TriggersPlan {
    std::optional<std::vector<std::string>> crons;  // nullopt: leave the schedules alone
    std::vector<config::Route> routes;              // `routes`, or the one `route`
    bool workers_dev = true;
    bool preview_urls = false;
};

// From the config's triggers. Errors (kind Config) name the field that deploy does not support.
Result<TriggersPlan> plan_triggers(const config::Triggers& triggers);

// Refuses what a dispatch-namespace upload cannot carry that the config asks for... nothing: wrangler skips
// triggers there. Kept as one place that says which fields are skipped, for the report.
std::vector<std::string> triggers_skipped_for_namespace(const config::Triggers& triggers);

struct TriggersOutcome {
    std::vector<std::string> targets;  // "schedule: */5 * * * *", "example.com/*", "NAME.SUB.workers.dev"
    std::vector<std::string> written;  // what was changed: "schedules", "subdomain", "routes"
};

// The host wrangler infers from a route pattern (getHostFromUrl): wildcards removed, scheme, path, port and
// credentials dropped, lowercased; nullopt for a pattern whose whole host is a splat ("*/x").
std::optional<std::string> route_host(const std::string& pattern);

// Refuses routes that another worker holds, before anything is written, as wrangler's deploy checks them: each
// route's zone (its zone_id, or GET /zones?name=…&account.id=… for zone_name or the pattern's host, dropping
// leading labels until a zone answers), then GET /zones/{zone}/workers/routes; a route with the same pattern
// and another script is an error (kind Conflict) naming the worker and its patterns.
Status check_route_conflicts(api::ApiClient& client, const std::string& account, const std::string& script,
                             const TriggersPlan& plan);

Result<TriggersOutcome> deploy_triggers(api::ApiClient& client, const std::string& account, const std::string& script,
                                        const TriggersPlan& plan);

// The targets a dry run would report (nothing is read).
std::vector<std::string> describe_triggers(const TriggersPlan& plan, const std::string& script);

}  // namespace tenantctl::deploy
