#pragma once
// Bulk work on the tenants that carry given tags: the list (one server-side filtered request) and a runner that
// does one thing per tenant with bounded concurrency (every request through the client's shared pacing), stops
// starting new work on Ctrl-C and reports per tenant. Rerunning converges: each action is idempotent.
#include <functional>
#include <string>
#include <vector>

#include "api/client.hpp"
#include "core/cancel.hpp"
#include "core/result.hpp"
#include "tenants/engine.hpp"

namespace tenantctl::tenants {

// The tenants of `ns` with every tag of `tags` (`?tags=T:yes,…`), sorted by id. Tags are checked first.
Result<std::vector<ObservedTenant>> tenants_tagged(api::ApiClient& client, const std::string& account,
                                                   const std::string& ns, const std::vector<std::string>& tags);

struct BulkItem {
    std::string id;
    bool started = false;
    bool ok = false;
    std::string error;   // redacted
    std::string detail;  // what was done ("restarted instance …", "no instance", …)
};

struct BulkOptions {
    int concurrency = 8;
    CancelToken* cancel = nullptr;                                            // checked before each tenant is started
    std::function<void(const BulkItem&, size_t done, size_t total)> on_done;  // serialized
    // Never more than this many failures: at most (max_failures - failures) tenants in flight, nothing new once
    // reached (the rest stays not started). 0 = no limit.
    int max_failures = 0;
};

// The bounded pool of every bulk tenants command (apply included): runs `fn(id, detail)` for every id, at most
// `concurrency` at once; one BulkItem per id, in order.
std::vector<BulkItem> for_each_tenant(const std::vector<std::string>& ids,
                                      const std::function<Status(const std::string& id, std::string& detail)>& fn,
                                      const BulkOptions& o);

}  // namespace tenantctl::tenants
