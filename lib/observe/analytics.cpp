#include "observe/analytics.hpp"

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>

#include "core/json.hpp"
#include "core/strings.hpp"

namespace tenantctl::observe {

using json = nlohmann::json;

namespace {

const char* k_query =
    "query TenantUsage($accountTag: string!, $namespace: string!, $since: Time!, $until: Time!, $limit: uint64!) "
    "{ viewer { accounts(filter: {accountTag: $accountTag}) { workersInvocationsAdaptive(limit: $limit, filter: "
    "{dispatchNamespaceName: $namespace, datetime_geq: $since, datetime_leq: $until}, orderBy: [sum_requests_DESC]) "
    "{ sum { requests errors subrequests wallTime } quantiles { cpuTimeP50 cpuTimeP99 } dimensions { scriptName } "
    "} } } }";

std::optional<double> num(const json& o, const char* k) {
    if (!o.is_object()) return std::nullopt;
    auto it = o.find(k);
    if (it == o.end() || !it->is_number()) return std::nullopt;
    return it->get<double>();
}

}  // namespace

std::string usage_query(const std::string& account, const std::string& ns, int64_t since, int64_t until, int limit) {
    return json{{"query", k_query},
                {"variables",
                 {{"accountTag", account},
                  {"namespace", ns},
                  {"since", rfc3339_utc(since)},
                  {"until", rfc3339_utc(until)},
                  {"limit", limit}}}}
        .dump();
}

Result<std::vector<TenantUsage>> parse_usage(const std::string& body) {
    json doc = json::parse(body, nullptr, false);
    if (!doc.is_object()) return Error(ErrorKind::Api, "the GraphQL Analytics API answered something that is not JSON");
    if (doc.contains("errors") && doc["errors"].is_array() && !doc["errors"].empty()) {
        std::vector<std::string> msgs;
        for (auto& e : doc["errors"])
            msgs.push_back(e.is_object() && e.contains("message") && e["message"].is_string()
                               ? e["message"].get<std::string>()
                               : e.dump());
        return Error(ErrorKind::Api, "the GraphQL Analytics API refused the query: " + join(msgs, "; "));
    }
    std::vector<TenantUsage> out;
    const json* rows = nullptr;
    try {
        rows = &doc.at("data").at("viewer").at("accounts").at(0).at("workersInvocationsAdaptive");
    } catch (const json::exception&) {
        return out;  // no account data: no invocations
    }
    if (!rows->is_array()) return out;
    for (auto& r : *rows) {
        TenantUsage u;
        const json dims = r.value("dimensions", json::object());
        u.tenant = dims.is_object() ? json_string(dims, "scriptName") : std::string();
        if (u.tenant.empty()) continue;
        const json sum = r.value("sum", json::object());
        const json q = r.value("quantiles", json::object());
        u.requests = static_cast<uint64_t>(num(sum, "requests").value_or(0));
        u.errors = static_cast<uint64_t>(num(sum, "errors").value_or(0));
        if (auto s = num(sum, "subrequests")) u.subrequests = static_cast<uint64_t>(*s);
        // cpuTime quantiles are in microseconds.
        if (auto c = num(q, "cpuTimeP50")) u.cpu_p50_ms = *c / 1000;
        if (auto c = num(q, "cpuTimeP99")) u.cpu_p99_ms = *c / 1000;
        out.push_back(std::move(u));
    }
    return out;
}

Result<std::vector<TenantUsage>> tenant_usage(api::ApiClient& client, const std::string& account, const std::string& ns,
                                              int64_t since, int64_t until) {
    TRY_ASSIGN(std::string body, client.graphql(usage_query(account, ns, since, until)));
    auto rows = parse_usage(body);
    if (!rows.ok()) return rows.error();
    rank_usage(*rows);
    return rows;
}

void rank_usage(std::vector<TenantUsage>& rows) {
    std::sort(rows.begin(), rows.end(), [](const TenantUsage& a, const TenantUsage& b) {
        if (a.requests != b.requests) return a.requests > b.requests;
        if (a.errors != b.errors) return a.errors > b.errors;
        return a.tenant < b.tenant;
    });
}

Result<int64_t> parse_since(const std::string& text) {
    auto bad = [&] {
        return Error(ErrorKind::Usage, "--since " + quoted(text) + " is not a duration", "e.g. 90s, 15m, 1h or 7d");
    };
    if (text.size() < 2) return bad();
    std::string digits = text.substr(0, text.size() - 1);
    if (digits.empty() || digits.size() > 6 || digits.find_first_not_of("0123456789") != std::string::npos)
        return bad();
    int64_t n = std::stoll(digits);
    int64_t unit = 0;
    switch (text.back()) {
        case 's':
            unit = 1;
            break;
        case 'm':
            unit = 60;
            break;
        case 'h':
            unit = 3600;
            break;
        case 'd':
            unit = 86400;
            break;
        default:
            return bad();
    }
    if (n == 0) return bad();
    return n * unit;
}

}  // namespace tenantctl::observe
