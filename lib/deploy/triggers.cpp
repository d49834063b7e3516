#include "deploy/triggers.hpp"

#include <algorithm>
#include <map>

#include "core/json.hpp"
#include "core/net.hpp"
#include "core/strings.hpp"

namespace tenantctl::deploy {

using nlohmann::json;

namespace {

// Routes compare by pattern and zone, in any order.
std::vector<std::string> route_keys(const json& routes) {
    std::vector<std::string> out;
    if (routes.is_array())
        for (const auto& r : routes)
            out.push_back(json_string(r, "pattern") + "\n" + json_string(r, "zone_id") + "\n" +
                          json_string(r, "zone_name"));
    std::sort(out.begin(), out.end());
    return out;
}

// The routes as the script routes API takes them: [{"pattern"[, "zone_id"][, "zone_name"]}].
json routes_json(const std::vector<config::Route>& routes) {
    json out = json::array();
    for (const auto& r : routes) {
        json x = {{"pattern", r.pattern}};
        if (r.zone_id) x["zone_id"] = *r.zone_id;
        if (r.zone_name) x["zone_name"] = *r.zone_name;
        out.push_back(std::move(x));
    }
    return out;
}

}  // namespace

Result<TriggersPlan> plan_triggers(const config::Triggers& t) {
    TriggersPlan p;
    p.routes = t.effective_routes();
    for (size_t i = 0; i < p.routes.size(); ++i)
        if (p.routes[i].custom_domain)
            return Error(ErrorKind::Config,
                         "routes[" + std::to_string(i) + "] " + quoted(p.routes[i].pattern) +
                             ": custom domains (\"custom_domain\": true) are not implemented in tenantctl deploy",
                         "use a route with zone_name or zone_id, or attach the custom domain with wrangler or "
                         "in the dashboard; nothing was sent");
    p.crons = t.crons;
    if (t.has_events)
        return Error(ErrorKind::Config, "\"triggers.events\" is not supported by tenantctl deploy yet",
                     "remove it from the config; nothing was sent");
    p.workers_dev = t.workers_dev.value_or(p.routes.empty());
    p.preview_urls = t.preview_urls.value_or(false);
    return p;
}

std::vector<std::string> triggers_skipped_for_namespace(const config::Triggers& t) {
    std::vector<std::string> out;
    if (t.routes && !t.routes->empty()) out.push_back("routes");
    if (t.route) out.push_back("route");
    if (t.crons && !t.crons->empty()) out.push_back("triggers.crons");
    if (t.workers_dev.value_or(false)) out.push_back("workers_dev");
    return out;
}

std::vector<std::string> describe_triggers(const TriggersPlan& p, const std::string& script) {
    std::vector<std::string> out;
    if (p.workers_dev) out.push_back(script + ".<subdomain>.workers.dev");
    for (const auto& r : p.routes) out.push_back(r.pattern);
    if (p.crons)
        for (const auto& c : *p.crons) out.push_back("schedule: " + c);
    return out;
}

std::optional<std::string> route_host(const std::string& pattern) {
    for (const char* prefix : {"*/", "http://*/", "https://*/"})
        if (starts_with(pattern, prefix)) return std::nullopt;  // a splat for the whole host: no host to infer
    std::string host = route_pattern_authority(pattern);
    if (auto at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);
    if (auto colon = host.rfind(':'); colon != std::string::npos && host.find(']') == std::string::npos)
        host = host.substr(0, colon);
    if (host.empty()) return std::nullopt;
    return host;
}

Status check_route_conflicts(api::ApiClient& client, const std::string& account, const std::string& script,
                             const TriggersPlan& plan) {
    if (plan.routes.empty()) return {};
    std::map<std::string, std::string> zone_by_name;  // "" = no zone of that name
    auto zone_for_host = [&](const std::string& host) -> Result<std::string> {
        std::vector<std::string> pieces = split(host, '.');
        while (pieces.size() > 1) {
            std::string name = join(pieces, ".");
            auto it = zone_by_name.find(name);
            if (it == zone_by_name.end()) {
                TRY_ASSIGN(std::string id, client.find_zone_id(account, name));
                it = zone_by_name.emplace(name, std::move(id)).first;
            }
            if (!it->second.empty()) return it->second;
            pieces.erase(pieces.begin());
        }
        return Error(ErrorKind::Config, "could not find the zone for " + quoted(host),
                     "make sure the domain is a zone of this account (proxied by Cloudflare); nothing was sent");
    };
    std::map<std::string, std::vector<json>> routes_of_zone;
    std::map<std::string, std::vector<std::string>> taken;  // other script -> its patterns that we want
    for (const auto& r : plan.routes) {
        const std::string& pattern = r.pattern;
        auto host = route_host(pattern);
        if (!host && r.zone_name) host = route_host(*r.zone_name);
        if (!host) continue;  // wrangler cannot tell the zone either
        std::string zone;
        if (r.zone_id) {
            zone = *r.zone_id;
        } else {
            TRY_ASSIGN(zone, zone_for_host(r.zone_name ? *r.zone_name : *host));
        }
        auto it = routes_of_zone.find(zone);
        if (it == routes_of_zone.end()) {
            TRY_ASSIGN(auto list, client.list_zone_routes(zone));
            it = routes_of_zone.emplace(zone, std::move(list)).first;
        }
        for (const auto& z : it->second)
            if (json_string(z, "pattern") == pattern && json_string(z, "script") != script) {
                auto& v = taken[json_string(z, "script")];
                if (std::find(v.begin(), v.end(), pattern) == v.end()) v.push_back(pattern);
            }
    }
    if (taken.empty()) return {};
    std::string msg = "can't deploy routes that are assigned to another worker:";
    for (const auto& [other, patterns] : taken) {
        msg += " " + quoted(other.empty() ? std::string("(no script)") : other) + " is already assigned to ";
        for (size_t i = 0; i < patterns.size(); ++i) msg += (i ? ", " : "") + quoted(patterns[i]);
        msg += ";";
    }
    msg.pop_back();
    return Error(ErrorKind::Conflict, msg,
                 "unassign the other worker from the routes you want to deploy to, then try again; nothing was sent");
}

Result<TriggersOutcome> deploy_triggers(api::ApiClient& client, const std::string& account, const std::string& script,
                                        const TriggersPlan& p) {
    TriggersOutcome out;
    // workers.dev and preview URLs.
    TRY_ASSIGN(json sd, client.get_script_subdomain(account, script));
    if (json_bool(sd, "enabled", false) != p.workers_dev ||
        json_bool(sd, "previews_enabled", false) != p.preview_urls) {
        TRY_STATUS(client.set_script_subdomain(account, script, p.workers_dev, p.preview_urls));
        out.written.push_back("subdomain");
    }
    if (p.workers_dev) {
        TRY_ASSIGN(std::string sub, client.get_workers_subdomain(account));
        out.targets.push_back(script + "." + sub + ".workers.dev");
    }
    // Routes: only when the config has some (wrangler leaves a script's routes alone otherwise).
    if (!p.routes.empty()) {
        const json want = routes_json(p.routes);
        auto current = client.get_script_routes(account, script);
        if (!current || route_keys(*current) != route_keys(want)) {
            TRY_STATUS(client.put_script_routes(account, script, want));
            out.written.push_back("routes");
        }
        for (const auto& r : p.routes) out.targets.push_back(r.pattern);
    }
    // Schedules: present (even empty) means exactly these.
    if (p.crons) {
        TRY_ASSIGN(json cur, client.get_schedules(account, script));
        std::vector<std::string> have, want = *p.crons;
        for (const auto& s : json_at(cur, "schedules")) have.push_back(json_string(s, "cron"));
        std::sort(have.begin(), have.end());
        std::sort(want.begin(), want.end());
        if (have != want) {
            json body = json::array();
            for (const auto& c : *p.crons) body.push_back({{"cron", c}});
            TRY_STATUS(client.put_schedules(account, script, body));
            out.written.push_back("schedules");
        }
        for (const auto& c : *p.crons) out.targets.push_back("schedule: " + c);
    }
    return out;
}

}  // namespace tenantctl::deploy
