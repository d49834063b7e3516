#pragma once
// Tenants: reading the current state of a dispatch namespace, planning (create / update / delete /
// unchanged, with the changed fields) and applying the plan with bounded concurrency.
//
// How "unchanged" is decided from reads alone: every tenant tenantctl writes carries three reserved tags
//   <managed_tag>      (default "tenantctl")  — the tenant is managed by tenantctl (what --prune looks for)
//   plan-<plan>                                — the plan (server-side filter for `tenants list --plan`)
//   tcd-<40 hex>                               — the digest of the desired upload, five 8-hex segments:
//                                                script | vars | secrets | isolate | limits
// so one paginated GET of the namespace's scripts (plus one list per isolated resource kind) is enough to
// plan. The digest covers the script modules and base metadata, the vars, the secret names, the isolated
// resources and the plan limits. Secret values are covered only through HMAC-SHA256 with the file's
// secrets_digest_key (a key kept like a secret, so the tag reveals nothing about the values); without one,
// changing only a secret's value is not visible from reads (`tenants apply --force` re-uploads every tenant).
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "api/client.hpp"
#include "core/cancel.hpp"
#include "core/env.hpp"
#include "core/result.hpp"
#include "tenants/spec.hpp"
#include "workers/upload.hpp"

namespace tenantctl::tenants {

// What every tenant's upload shares: the modules and base metadata, built once with workers::build_upload.
struct Source {
    workers::UploadBundle bundle;  // without tags
    std::string description;       // "script ./dist/tenant.mjs" or "config ./wrangler.toml"
};

// From a single module file (compatibility date/flags optional).
Result<Source> source_from_script(const std::string& script_path, const std::optional<std::string>& compatibility_date,
                                  const std::vector<std::string>& compatibility_flags);
// From a wrangler config (config::LoadedConfig::worker()) and its directory.
Result<Source> source_from_config(const config::WorkerConfig& worker, const std::string& config_dir,
                                  const std::string& display, const std::optional<std::string>& compatibility_date);
// The tenants file's script/config (or the wrangler config discovered from the file's directory).
Result<Source> source_for_file(const TenantsFile& f, const Env& env);

// Reserved tags.
std::string plan_tag(const std::string& plan);
bool is_reserved_tag(const std::string& tag, const std::string& managed_tag);
std::vector<std::string> user_tags_of(const std::vector<std::string>& tags, const std::string& managed_tag);
std::string plan_of_tags(const std::vector<std::string>& tags);    // "" when none
std::string digest_of_tags(const std::vector<std::string>& tags);  // the 40 hex, "" when none

inline const char* const k_digest_fields[5] = {"script", "vars", "secrets", "isolate", "limits"};

std::string resource_name(const std::string& prefix, const std::string& id);  // <prefix>-<id>
// HMAC-SHA256 (RFC 2104) as lowercase hex (the secrets segment of the digest with secrets_digest_key).
std::string hmac_sha256_hex(const std::string& key, const std::string& message);

// The desired state of one tenant, as far as it is visible in tags.
struct Desired {
    std::string digest;             // 40 hex
    std::vector<std::string> tags;  // user tags, then managed, plan-<p>, tcd-<digest>
    nlohmann::json limits;          // object (may be empty)
};
// With `secret_values` and a non-empty `digest_key`, the secrets segment also covers the values (HMAC-SHA256).
Desired desire(const TenantsFile& f, const Source& src, const TenantSpec& t,
               const std::map<std::string, std::string>* secret_values = nullptr, const std::string& digest_key = {});

// The current state.
struct ObservedTenant {
    std::string id;
    std::vector<std::string> tags;
    std::string modified_on;
};
struct Observed {
    std::map<std::string, ObservedTenant> tenants;
    std::map<std::string, std::string> kv_by_title;  // title -> namespace id
    std::set<std::string> r2_buckets;
    std::map<std::string, std::string> d1_by_name;  // name -> uuid
};
// Lists the namespace's scripts and, when `kinds` asks for them, the account's KV namespaces, R2 buckets and
// D1 databases. Only GET requests.
Result<Observed> observe(api::ApiClient& client, const std::string& account, const std::string& ns,
                         const std::set<Resource>& kinds);

enum class Action { Create, Update, Delete, Unchanged };
const char* to_string(Action a);

struct PlanItem {
    Action action = Action::Unchanged;
    std::string id;
    // changed fields: script, vars, secrets, isolate, limits, plan, tags, resources; "adopt" when the script
    // exists but tenantctl did not write it; "forced" with --force
    std::vector<std::string> changes;
    bool upload = false;               // create/update by a full upload (else a tags PUT)
    const TenantSpec* spec = nullptr;  // null for deletes
    Desired desired;
    std::vector<std::string> tags_before;
};

using SecretValues = std::map<std::string, std::map<std::string, std::string>>;  // id -> name -> value

struct PlanOptions {
    bool prune = false;
    bool force = false;                           // every listed tenant is updated by a full upload
    const SecretValues* secret_values = nullptr;  // with digest_key: secret values are part of the digest
    std::string digest_key;
};
// Pure: from the desired file and the observed state. Order: the file's order, then deletes by id.
std::vector<PlanItem> make_plan(const TenantsFile& f, const Source& src, const Observed& obs, const PlanOptions& o);
// Managed tenants of the namespace that the file does not list (what --prune would delete).
std::vector<std::string> unlisted_managed(const TenantsFile& f, const Observed& obs);

// The full upload metadata of one tenant (secret values included: never print it).
nlohmann::json upload_metadata(const TenantsFile& f, const Source& src, const TenantSpec& t, const Desired& d,
                               const std::map<std::string, std::string>& resource_ids,
                               const std::map<std::string, std::string>& secrets);

struct ItemResult {
    std::string id;
    Action action = Action::Unchanged;
    // Skipped: not started (cancelled, or the failure budget / canary stopped the rollout)
    enum class Status { Ok, Failed, Skipped } status = Status::Ok;
    std::string error;  // redacted message when failed
    bool interrupted = false;
    int writes = 0;  // write requests sent
    std::vector<std::string> created_resources;
};
const char* to_string(ItemResult::Status s);

struct ApplyOptions {
    int concurrency = 4;
    CancelToken* cancel = nullptr;  // checked before each tenant is started
    bool purge = false;             // deletes also remove <prefix>-<id> resources
    // Called (serialized) after each tenant finishes, with the number finished so far.
    std::function<void(const ItemResult&, size_t done, size_t total)> on_done;
    // Never more than this many failures: at most (max_failures - failures) tenants in flight, nothing new
    // once reached (the rest stays Skipped). 0 = no limit.
    int max_failures = 0;
    // Before an existing tenant is changed (update or delete); an error fails the tenant without changing it.
    std::function<Status(const PlanItem&)> before_change;
};

// Applies the plan: at most `concurrency` tenants at once, every request through the client's shared rate
// limiter. Returns one result per plan item, in plan order. Secrets: id -> name -> value.
std::vector<ItemResult> apply_plan(api::ApiClient& client, const std::string& account, const TenantsFile& f,
                                   const Source& src, const Observed& obs, const std::vector<PlanItem>& plan,
                                   const std::map<std::string, std::map<std::string, std::string>>& secrets,
                                   const ApplyOptions& o);

// Deletes the isolated resources named <prefix>-<id> that exist (KV namespace, R2 bucket, D1 database).
// Returns the names of what was deleted ("kv:<name>", …).
Result<std::vector<std::string>> purge_resources(api::ApiClient& client, const std::string& account,
                                                 const std::string& prefix, const std::string& id, const Observed& obs);

}  // namespace tenantctl::tenants
