#include "platform/api_internal.hpp"

#include <ctime>
#include <set>

#include "core/net.hpp"
#include "core/sha256.hpp"

namespace tenantctl::platform::v4 {

namespace {

// --- identity --------------------------------------------------------------------------------------

json account_doc(const Ctx& c) {
    return {{"id", c.creds.account_id},
            {"name", "local"},
            {"type", "standard"},
            {"created_on", "2026-01-01T00:00:00.000000Z"},
            {"settings", {{"enforce_twofactor", false}}}};
}

}  // namespace

HttpResponse token_verify(Ctx& c) {
    return ok({{"id", sha256_hex(c.creds.api_token).substr(0, 32)}, {"status", "active"}});
}

HttpResponse accounts_list(Ctx& c) {
    std::vector<json> all{account_doc(c)};
    if (auto n = qget(c.q, "name"); !n.empty() && n != "local") all.clear();
    return paged<json>(c, all, 20, 5, 50, [](const json& j) { return j; });
}

HttpResponse account_get(Ctx& c) {
    return ok(account_doc(c));
}

HttpResponse memberships_list(Ctx& c) {
    json perm{{"read", true}, {"write", true}};
    json m{{"id", sha256_hex("membership" + c.creds.account_id).substr(0, 32)},
           {"account", account_doc(c)},
           {"status", "accepted"},
           {"roles", json::array({"Administrator"})},
           {"api_access_enabled", true},
           {"permissions",
            {{"analytics", perm},
             {"billing", perm},
             {"cache_purge", perm},
             {"dns", perm},
             {"dns_records", perm},
             {"lb", perm},
             {"logs", perm},
             {"organization", perm},
             {"ssl", perm},
             {"waf", perm},
             {"zone_settings", perm},
             {"zones", perm}}}};
    std::vector<json> all{m};
    if (auto s = qget(c.q, "status"); !s.empty() && s != "accepted") all.clear();
    if (auto n = qget(c.q, "account.name"); !n.empty() && n != "local") all.clear();
    return paged<json>(c, all, 20, 5, 50, [](const json& j) { return j; });
}

HttpResponse user_get(Ctx& c) {
    return ok({{"id", sha256_hex("user" + c.creds.account_id).substr(0, 32)},
               {"email", c.creds.email},
               {"username", "dev"},
               {"first_name", nullptr},
               {"last_name", nullptr},
               {"telephone", nullptr},
               {"country", nullptr},
               {"zipcode", nullptr},
               {"two_factor_authentication_enabled", false},
               {"two_factor_authentication_locked", false},
               {"has_pro_zones", false},
               {"has_business_zones", false},
               {"has_enterprise_zones", false},
               {"suspended", false},
               {"created_on", "2026-01-01T00:00:00.000000Z"},
               {"modified_on", "2026-01-01T00:00:00.000000Z"},
               {"betas", json::array()},
               {"organizations", json::array()}});
}

namespace {

// POST /graphql: Cloudflare's GraphQL Analytics API, answering the one query shape tenantctl sends
// (`workersInvocationsAdaptive` of an account, filtered by dispatchNamespaceName and a time range, grouped by
// scriptName) from the runtime's records. Not a GraphQL engine: another query is answered with an error that
// says so. Times are RFC 3339 (variables `since`, `until`).
int64_t parse_rfc3339(const std::string& t) {
    std::tm tm{};
    if (t.size() < 19 || !strptime(t.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return -1;
    return static_cast<int64_t>(timegm(&tm));
}

}  // namespace

HttpResponse graphql(Ctx& c) {
    auto gql_error = [](const std::string& message) {
        HttpResponse r;
        r.body = json{{"data", nullptr}, {"errors", json::array({{{"message", message}}})}}.dump();
        return r;
    };
    json body = json::parse(c.req.body, nullptr, false);
    if (!body.is_object() || !body.contains("query") || !body["query"].is_string())
        return gql_error("the request body must be a JSON object with a \"query\" string");
    std::string q = body["query"].get<std::string>();
    if (q.find("workersInvocationsAdaptive") == std::string::npos ||
        q.find("dispatchNamespaceName") == std::string::npos)
        return gql_error(
            "the local platform answers only workersInvocationsAdaptive filtered by dispatchNamespaceName (what "
            "`tenantctl tenants top` asks)");
    json vars = body.value("variables", json::object());
    if (!vars.is_object()) vars = json::object();
    std::string account = vars.value("accountTag", std::string());
    std::string ns = vars.value("namespace", std::string());
    int64_t since = parse_rfc3339(vars.value("since", std::string()));
    int64_t until = parse_rfc3339(vars.value("until", std::string()));
    if (account != c.creds.account_id) return gql_error("unknown accountTag " + quoted(account));
    if (ns.empty() || since < 0 || until < 0)
        return gql_error("variables namespace, since and until (RFC 3339) are required");
    json rows = json::array();
    if (c.opt.tails)
        for (auto& [script, st] : c.opt.tails->stats(since, until)) {
            if (script.rfind(ns + "/", 0) != 0) continue;
            rows.push_back({{"sum",
                             {{"requests", st.requests},
                              {"errors", st.errors},
                              {"subrequests", st.subrequests},
                              {"wallTime", st.wall_ms * 1000}}},
                            {"quantiles", {{"cpuTimeP50", nullptr}, {"cpuTimeP99", nullptr}}},
                            {"dimensions", {{"scriptName", script.substr(ns.size() + 1)}}}});
        }
    HttpResponse r;
    r.body = json{{"data", {{"viewer", {{"accounts", json::array({{{"workersInvocationsAdaptive", rows}}})}}}}},
                  {"errors", nullptr}}
                 .dump();
    return r;
}

namespace {

// Zones, as far as routes need them. The local platform has no DNS: every two-label domain ("example.com") is a
// zone of the account, and so is every zone_name a route names. A zone's id is derived from its name. A route
// belongs to its zone_id, else to its zone_name's zone, else to the zone of its pattern's host (last two labels).
std::string zone_id_of(const std::string& name) {
    return sha256_hex("zone\n" + to_lower(name)).substr(0, 32);
}

std::string route_pattern_host(const std::string& pattern) {
    std::string authority = route_pattern_authority(pattern);
    return authority.substr(0, authority.find(':'));
}

std::string route_zone_id(const json& r) {
    if (r.contains("zone_id") && r["zone_id"].is_string()) return r["zone_id"];
    if (r.contains("zone_name") && r["zone_name"].is_string()) return zone_id_of(r["zone_name"]);
    auto labels = split(route_pattern_host(r.value("pattern", std::string())), '.');
    if (labels.size() < 2) return {};
    return zone_id_of(labels[labels.size() - 2] + "." + labels.back());
}

bool is_zone_name(Ctx& c, const std::string& name) {
    auto labels = split(name, '.');
    if (labels.size() == 2 && !labels[0].empty() && !labels[1].empty()) return true;
    for (auto& o : c.store.list(K_WS, account_of(c)))
        for (auto& r : o.doc.value("routes", json::array()))
            if (to_lower(r.value("zone_name", std::string())) == name) return true;
    return false;
}

}  // namespace

HttpResponse zones_list(Ctx& c) {
    std::string name = to_lower(qget(c.q, "name"));
    std::string acct = qget(c.q, "account.id");
    std::vector<json> all;
    if (acct.empty() || acct == account_of(c)) {
        std::set<std::string> names;
        if (!name.empty()) {
            if (is_zone_name(c, name)) names.insert(name);
        } else {
            for (auto& o : c.store.list(K_WS, account_of(c)))
                for (auto& r : o.doc.value("routes", json::array())) {
                    if (r.contains("zone_name")) names.insert(to_lower(r.value("zone_name", std::string())));
                    auto labels = split(route_pattern_host(r.value("pattern", std::string())), '.');
                    if (labels.size() >= 2) names.insert(labels[labels.size() - 2] + "." + labels.back());
                }
        }
        for (auto& n : names)
            all.push_back({{"id", zone_id_of(n)},
                           {"name", n},
                           {"status", "active"},
                           {"paused", false},
                           {"type", "full"},
                           {"account", {{"id", account_of(c)}, {"name", "local"}}}});
    }
    return paged<json>(c, all, 20, 5, 50, [](const json& j) { return j; });
}

HttpResponse zone_routes_list(Ctx& c) {
    const std::string zone = c.p["zone"];
    json out = json::array();
    for (auto& o : c.store.list(K_WS, account_of(c)))
        for (auto& r : o.doc.value("routes", json::array()))
            if (route_zone_id(r) == zone)
                out.push_back({{"id", r.value("id", std::string())}, {"pattern", r["pattern"]}, {"script", o.name}});
    return ok(out);
}

}  // namespace tenantctl::platform::v4
