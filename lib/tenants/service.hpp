#pragma once
// The tenants commands as service functions, one per verb: a typed options struct in, a typed report out. The
// CLI declares the options, calls one of these and renders the report; nothing here prints. This header holds
// what every verb shares and the single-tenant verbs (create, list, get, tag, secret); service_bulk.hpp the verbs
// that work on every tagged tenant, service_apply.hpp apply and rollback.
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/client.hpp"
#include "config/config.hpp"
#include "core/cancel.hpp"
#include "core/env.hpp"
#include "core/progress.hpp"
#include "core/result.hpp"
#include "tenants/bulk.hpp"
#include "tenants/engine.hpp"
#include "tenants/spec.hpp"

namespace tenantctl::tenants {

// The control plane. A command opens it only once its options are checked (usage errors come first).
struct ApiHandle {
    api::ApiClient* client = nullptr;
    std::string account;
};
using Connect = std::function<Result<ApiHandle>()>;
// Asks before destructive work (`what` completes "Are you sure you want to …"); an error stops the command.
using Confirm = std::function<Status(const std::string& what)>;
// A secret value: `prompt` is what a person is asked.
using ReadSecret = std::function<Result<std::string>(const std::string& prompt)>;

// Which dispatch namespace and resource prefix: -f (else ./tenants.yaml when it exists), --namespace, --prefix.
struct TargetOptions {
    std::string file;
    std::string ns;
    std::string prefix;
    std::string cwd;
};
// The tenants file with the overrides applied (an empty description without a file). A usage error without a
// namespace or with an invalid one or prefix; the file's errors carry its diagnostics.
Result<TenantsFile> load_target(const TargetOptions& o);
Status check_id(const std::string& id);
// More tags than any tenant can carry are refused before any other work (limit k_max_cli_tags).
Status check_tag_count(size_t n);
// --tag values of a filter: non-empty, without ',', ':' or '&'.
Status check_tag_filter(const std::vector<std::string>& tags, const std::string& hint = {});
// --concurrency in [1, 256].
Status check_concurrency(int n);

// How the bulk verbs run: the one pool (tenants/bulk.hpp), reported through `progress` (may be null).
struct BulkRun {
    int concurrency = 8;
    CancelToken* cancel = nullptr;
    Progress* progress = nullptr;
};
struct BulkReport {
    std::string verb;  // "restarted", "deleted", "set"
    std::vector<BulkItem> items;
    size_t done = 0, failed = 0, skipped = 0;
    bool interrupted = false;
};

// ---- create ----------------------------------------------------------------------------------------------

struct CreateOptions {
    TargetOptions target;
    std::string id;
    std::string script;  // --script (relative to target.cwd)
    std::string plan;
    std::string compatibility_date;
    std::vector<std::string> tags;
    std::vector<std::string> isolate;  // "kv,r2" lists
    std::vector<std::string> vars;     // NAME=value
    config::LoadOptions config;        // the wrangler config, when neither --script nor the file gives the source
    const Env* env = nullptr;
    CancelToken* cancel = nullptr;
};
struct CreateReport {
    std::string ns, id, plan;
    std::vector<std::string> tags;  // as written (reserved ones included)
    nlohmann::json limits;
    std::vector<std::string> created_resources;
    std::vector<std::pair<std::string, std::string>> resources;  // kind -> <prefix>-<id>
};
Result<CreateReport> create_tenant(const CreateOptions& o, const Connect& connect);

// ---- list / get ------------------------------------------------------------------------------------------

struct ListOptions {
    TargetOptions target;
    std::vector<std::string> tags;
    std::string plan;
};
struct ListedTenant {
    std::string id, plan;
    std::vector<std::string> tags;  // the tenant's own
    bool managed = false;
    std::string modified_on;
};
struct ListReport {
    std::string ns;
    bool filtered = false;
    std::vector<ListedTenant> tenants;
};
Result<ListReport> list_tenants(const ListOptions& o, const Connect& connect);

// The container application: the name or id given, else the first container of the wrangler config ("" when
// neither exists).
std::string wanted_application(const std::string& given, const config::LoadOptions& config);
// The container application by name or id (NotFound names it).
Result<nlohmann::json> find_tenant_application(api::ApiClient& client, const std::string& account,
                                               const std::string& want);
// The application's instances (every page).
Result<std::vector<nlohmann::json>> application_instances(api::ApiClient& client, const std::string& account,
                                                          const nlohmann::json& app);
// The instance that belongs to the tenant: its `tenant_id` is the id, or its name is the id or
// `<application name>-<id>` (the local platform's container runtime names them so).
std::optional<nlohmann::json> tenant_instance(const std::vector<nlohmann::json>& instances, const nlohmann::json& app,
                                              const std::string& id);

struct GetOptions {
    TargetOptions target;
    std::string id;
    std::string app;  // --app
    config::LoadOptions config;
};
struct TenantContainer {
    std::string application;
    std::string instance_id;  // "" when none runs
    std::string state;        // "not running" when none runs
};
struct GetReport {
    std::string ns, id, plan, digest;
    std::vector<std::string> tags;  // the tenant's own
    bool managed = false;
    nlohmann::json limits = nlohmann::json::object();
    nlohmann::json bindings = nlohmann::json::array();  // text values of plain_text (vars) only
    nlohmann::json resources = nlohmann::json::object();
    std::vector<std::string> secrets;  // names
    std::string etag, modified_on, compatibility_date;
    std::optional<TenantContainer> container;
};
Result<GetReport> get_tenant(const GetOptions& o, const Connect& connect);

// ---- tag -------------------------------------------------------------------------------------------------

struct TagOptions {
    TargetOptions target;
    std::string id;
    std::string op;  // add | remove | set
    std::vector<std::string> tags;
};
struct TagReport {
    std::string ns, id;
    bool changed = false;
    std::vector<std::string> tags;  // the tenant's own, after
};
Result<TagReport> tag_tenant(const TagOptions& o, const Connect& connect);

// ---- secret ----------------------------------------------------------------------------------------------

struct SecretOptions {
    TargetOptions target;
    std::string id;                 // tenant (with tags: empty)
    std::string name;               // secret
    std::vector<std::string> tags;  // put: on every tenant with these tags
    BulkRun bulk;
    ReadSecret read_value;  // put
    Confirm confirm;        // delete
};
struct SecretReport {
    std::string ns, id, name;
    std::vector<std::pair<std::string, std::string>> secrets;  // list: name, type
    std::vector<std::string> tags;                             // put --tag
    std::optional<BulkReport> bulk;                            // put --tag
};
Status check_secret_name(const std::string& name);
Result<SecretReport> put_secret(const SecretOptions& o, const Connect& connect);
Result<SecretReport> list_secrets(const SecretOptions& o, const Connect& connect);
Result<SecretReport> delete_secret(const SecretOptions& o, const Connect& connect);

}  // namespace tenantctl::tenants
