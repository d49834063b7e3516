#pragma once
// Staged apply: which tenants (a selector), in which batches (a canary first), when to stop (a failure budget,
// the canary's error rate), and what was replaced (an apply record) so that one apply can be rolled back.
//
// Apply records live under a directory the caller chooses (the CLI: $XDG_DATA_HOME/tenantctl/applies):
//   <dir>/<account>/<namespace>/<apply id>/record.json   {"id","namespace","account","created_at","file",
//                                                        "items":[{"id","action","status","prior"?}],
//                                                        "rolled_back_at"?}
//   <dir>/<account>/<namespace>/<apply id>/<tenant>.content  the tenant's previous script content, as the API
//                                                            returned it (a module, or multipart)
// "prior" holds the previous settings (as GET …/settings returned them: secret values are never part of them),
// the content type of the content file and the previous tags. Apply ids sort by start time (UTC timestamp to the
// millisecond, then 6 random hex digits: 20261206T113552.123Z-9f0c1a).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/client.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "tenants/engine.hpp"

namespace tenantctl::tenants {

// --selector tag=T,plan=P,id=I (every condition must hold; tag and id may repeat: tags all, ids any).
struct Selector {
    std::vector<std::string> tags;
    std::string plan;
    std::vector<std::string> ids;
    bool empty() const { return tags.empty() && plan.empty() && ids.empty(); }
    std::string text;  // as given
};
Result<Selector> parse_selector(std::string_view text);
// A tenant of the file by its tags and plan in the file; a tenant only on the platform (a --prune delete) by
// its current tags.
bool selector_matches(const Selector& s, const TenantSpec& t);
bool selector_matches(const Selector& s, const std::string& id, const std::vector<std::string>& current_tags);

// --canary N or P% (of the tenants to change; at least one).
struct CanarySpec {
    long long count = 0;
    double percent = 0;
    bool is_percent = false;
    std::string text;
};
Result<CanarySpec> parse_canary(std::string_view text);
size_t canary_size(const CanarySpec& c, size_t work);

// 30s, 5m, 1h, 1500ms, 0 (a bare number is seconds).
Result<std::chrono::milliseconds> parse_duration(std::string_view text, const std::string& flag);
// 5%, 0.05 or 5 (percent when > 1 or with %); [0, 1].
Result<double> parse_rate(std::string_view text, const std::string& flag);

// Keeps the plan items the selector matches (unchanged ones included, so the summary can count them). An error
// (ErrorKind::Usage, nothing sent) when it matches no tenant at all.
Result<std::vector<PlanItem>> select_plan(const std::vector<PlanItem>& plan, const Observed& obs,
                                          const Selector& selector);

// Keeps what the previous state of each tenant an apply changes, for `tenants rollback`.
class ApplyRecorder {
public:
    // Creates <dir>/<account>/<ns>/<new id>/ and writes an empty record.
    static Result<std::unique_ptr<ApplyRecorder>> start(const std::string& dir, const std::string& account,
                                                        const std::string& ns, const std::string& file, Clock& clock);
    const std::string& id() const { return m_id; }
    const std::string& path() const { return m_path; }
    // Reads and stores the tenant's current content and settings (two GET requests) with its current tags (as
    // listed when planning), before an update or delete. A failure means the tenant must not be changed (it could
    // not be restored).
    Status capture(api::ApiClient& client, const std::string& account, const std::string& ns, const std::string& id,
                   const std::vector<std::string>& tags);
    // The outcome of one tenant (thread-safe); `finish` writes record.json.
    void note(const ItemResult& r);
    Status finish();

private:
    std::string m_id, m_path, m_ns, m_account, m_file, m_created;
    std::mutex m_mutex;
    nlohmann::json m_prior = nlohmann::json::object();  // id -> prior
    std::vector<nlohmann::json> m_items;
};

struct ApplyRecordInfo {
    std::string id;
    std::string path;
    nlohmann::json record;
};
// The records of a namespace, newest first.
Result<std::vector<ApplyRecordInfo>> list_apply_records(const std::string& dir, const std::string& account,
                                                        const std::string& ns);

// The canary tenants' requests and errors over the watch period (from request analytics).
struct CanaryTraffic {
    uint64_t requests = 0;
    uint64_t errors = 0;
};
// Reads CanaryTraffic for these tenants over [since, until] (unix seconds).
using TrafficReader = std::function<Result<CanaryTraffic>(const std::vector<std::string>& tenant_ids,
                                                          int64_t since_unix, int64_t until_unix)>;
// A TrafficReader over the GraphQL Analytics API (observe::tenant_usage of the namespace, summed over the tenants).
TrafficReader analytics_traffic_reader(api::ApiClient& client, const std::string& account, const std::string& ns);

// What the canary's verdict used: its upload failures, and its request errors when they were read.
struct CanaryVerdict {
    bool pass = true;
    size_t uploads = 0;
    size_t upload_failures = 0;
    double upload_rate = 0;
    bool traffic_read = false;  // false: the analytics read failed (read_error says why) or none was asked
    std::string read_error;
    CanaryTraffic traffic;
    double request_rate = 0;  // errors / requests (0 with no traffic)
    std::string reason;       // one line: why it passed or stopped ("no traffic" when nothing was served)
};
// Fails when the upload failure rate or the request error rate is above max_rate, or when traffic could not be
// read (`traffic` holds an error); with no requests, uploads alone decide. `traffic` null: uploads only (no reader).
CanaryVerdict judge_canary(size_t uploads, size_t upload_failures, const Result<CanaryTraffic>* traffic,
                           double max_rate);

struct RolloutOptions {
    ApplyOptions apply;  // concurrency, cancel, purge, on_done (called for every item of every batch)
    // Never more than this many tenants fail: at most (max_failures - failures so far) changes are in flight,
    // and nothing new starts once it is reached. 0 = no limit.
    int max_failures = 0;
    size_t canary = 0;  // the first batch (0 = none: everything at once)
    // After the canary batch: wait this long, then go on when its error rate (upload failures, and request errors
    // read through read_traffic over the watch) is at most max_error_rate; without it, stop after the canary batch.
    std::optional<std::chrono::milliseconds> continue_after;
    double max_error_rate = 0;
    TrafficReader read_traffic;  // empty: the verdict judges upload failures only
    Clock* clock = nullptr;      // for the wait (default: the system clock)
    std::function<void(std::chrono::milliseconds wait, size_t canary_done, size_t canary_failed)> on_watch;
    ApplyRecorder* recorder = nullptr;  // captures prior state before updates and deletes
};

enum class RolloutStop {
    Done,          // everything selected was attempted
    Canary,        // stopped after the canary batch as asked (no --continue-after)
    CanaryFailed,  // the canary batch's error rate was above the threshold
    MaxFailures,   // the failure budget was spent
    Interrupted,
};
const char* to_string(RolloutStop s);

struct RolloutResult {
    std::vector<ItemResult> results;  // one per plan item, in plan order
    RolloutStop stop = RolloutStop::Done;
    size_t canary_size = 0;
    size_t canary_failed = 0;
    std::optional<CanaryVerdict> verdict;  // set when the canary was judged after --continue-after
};

RolloutResult rollout(api::ApiClient& client, const std::string& account, const TenantsFile& f, const Source& src,
                      const Observed& obs, const std::vector<PlanItem>& plan,
                      const std::map<std::string, std::map<std::string, std::string>>& secrets,
                      const RolloutOptions& o);

// Rolling one apply back: tenants it created are deleted, tenants it updated or deleted get their previous
// upload again (content, settings and tags; secrets the tenant still has are kept, a secret value the apply
// changed cannot be restored). Only the tenants whose change succeeded.
struct RollbackItem {
    std::string id;
    std::string action;  // "delete" (it was created) or "restore"
    bool ok = false;
    std::string error;
};
struct RollbackResult {
    std::string apply_id;
    std::vector<RollbackItem> items;
};
Result<RollbackResult> rollback(api::ApiClient& client, const std::string& account, const ApplyRecordInfo& record,
                                const ApplyOptions& o, Clock& clock);

}  // namespace tenantctl::tenants
