#pragma once
// Per-tenant usage from the GraphQL Analytics API (`POST /graphql`): `workersInvocationsAdaptive` of the
// account, filtered by dispatch namespace and time range, grouped by script. `tenantctl dev` answers the same
// query from the runtime's records (requests, errors; it measures no CPU time or subrequests: those are null).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/client.hpp"
#include "core/result.hpp"

namespace tenantctl::observe {

struct TenantUsage {
    std::string tenant;  // scriptName
    uint64_t requests = 0;
    uint64_t errors = 0;
    std::optional<uint64_t> subrequests;
    std::optional<double> cpu_p50_ms;
    std::optional<double> cpu_p99_ms;
};

// The GraphQL request body (query and variables) for a namespace over [since, until] (unix seconds).
std::string usage_query(const std::string& account, const std::string& ns, int64_t since, int64_t until,
                        int limit = 10000);
// Parses the answer; GraphQL errors become an Error naming them.
Result<std::vector<TenantUsage>> parse_usage(const std::string& body);

Result<std::vector<TenantUsage>> tenant_usage(api::ApiClient& client, const std::string& account, const std::string& ns,
                                              int64_t since, int64_t until);

// Most requests first, then most errors, then by name.
void rank_usage(std::vector<TenantUsage>& rows);

// "90s", "15m", "1h", "7d" -> seconds; 0 and anything else are usage errors.
Result<int64_t> parse_since(const std::string& text);

}  // namespace tenantctl::observe
