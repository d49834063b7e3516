#pragma once
// tenants.yaml: the declarative description of the tenants of one dispatch namespace. Parsing reports every
// YAML and schema problem at once, each with `tenants.yaml:LINE:COL`, the field path and a hint, before any
// request is sent.
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/diagnostic.hpp"
#include "core/env.hpp"
#include "core/result.hpp"

namespace tenantctl::tenants {

// The API's limit of tags per script, and the tags tenantctl reserves for itself (see model.hpp).
inline constexpr size_t k_max_tags = 8;
inline constexpr size_t k_reserved_tags = 3;  // managed marker, plan-<name>, tcd-<digest>
inline constexpr const char* k_default_managed_tag = "tenantctl";

// Isolated resource kinds.
enum class Resource { Kv, R2, D1 };
const char* to_string(Resource r);
std::optional<Resource> resource_from_string(std::string_view s);

struct Position {
    int line = 0;    // 1-based
    int column = 0;  // 1-based
};

struct PlanSpec {
    std::string name;
    std::optional<long long> cpu_ms;
    std::optional<long long> subrequests;
    // {"cpu_ms":…, "subrequests":…} with only the limits that are set
    nlohmann::json limits() const;
};

// The plans every tenants file has unless it defines a plan of the same name (the Workers for Platforms
// patterns): free (cpu_ms 10, subrequests 5), pro (20, 20), enterprise (50, 50).
std::map<std::string, PlanSpec> builtin_plans();

struct SecretSource {
    std::string env;   // environment variable name, or
    std::string file;  // path (relative to the tenants file's directory)
    Position pos;      // of the value (env or file scalar)
    std::string path;  // field path, for diagnostics
};

struct TenantSpec {
    std::string id;
    std::string plan;                                // after defaults; may be empty (no limits, no plan tag)
    std::vector<std::string> tags;                   // user tags after defaults (defaults first, no duplicates)
    nlohmann::json vars = nlohmann::json::object();  // name -> string or JSON value
    std::map<std::string, SecretSource> secrets;
    bool manage_secrets = false;    // a `secrets` key was given (here or in defaults): the file is authoritative
    std::vector<Resource> isolate;  // sorted kv, r2, d1 order, no duplicates
    Position pos;                   // of the list item
};

struct BindingNames {
    std::string kv = "TENANT_KV";
    std::string r2 = "TENANT_R2";
    std::string d1 = "TENANT_DB";
};

struct TenantsFile {
    std::string path;          // absolute
    std::string display_path;  // as shown in diagnostics
    // The file's text, so that diagnostics found after parsing (secrets) carry their source lines too.
    std::shared_ptr<const SourceText> source;
    std::string dir;     // absolute directory of the file
    std::string ns;      // namespace
    std::string script;  // as written (relative to dir) — or
    std::string config;  // a wrangler config (relative to dir); both empty = script from the wrangler config
    std::optional<std::string> compatibility_date;
    std::optional<std::vector<std::string>> compatibility_flags;
    std::string prefix;  // resource name prefix; default = namespace
    std::string managed_tag = k_default_managed_tag;
    BindingNames bindings;
    std::map<std::string, PlanSpec> plans = builtin_plans();  // a file's plans: replace those of the same name
    TenantSpec defaults;  // `defaults:` as a tenant without an id (already merged into `tenants`)
    std::vector<TenantSpec> tenants;
    // A key (from the environment or a file, never the file itself) that lets the state digest cover secret
    // VALUES through HMAC-SHA256, so a changed value is visible from reads. Without it only names are covered.
    std::optional<SecretSource> secrets_digest_key;
};

// Parses the text of a tenants file. `display_path` is used in diagnostics; `dir` resolves relative paths.
// On errors: ErrorKind::Input with every diagnostic attached (sorted by position).
Result<TenantsFile> parse_tenants_file(const std::string& text, const std::string& display_path,
                                       const std::string& dir);
// Reads and parses; `path` relative to `cwd`.
Result<TenantsFile> load_tenants_file(const std::string& path, const std::string& cwd);

// Reads the secret values (environment variables, files) of every tenant: id -> name -> value. Every missing
// variable or unreadable file is one diagnostic; values are registered with the Redactor.
Result<std::map<std::string, std::map<std::string, std::string>>> resolve_secrets(const TenantsFile& f, const Env& env);

// The value of secrets_digest_key ("" when the file has none); a diagnostic when it cannot be read.
Result<std::string> resolve_digest_key(const TenantsFile& f, const Env& env);

// Checks a tenant id (the script name and the suffix of resource names): 1-63 of [a-z0-9-], starting and
// ending with a letter or digit. Returns an empty string when valid, else the reason.
// Why `name` is not a valid dispatch namespace name (1 to 63 of A-Z a-z 0-9 - _, as the API requires); "" if
// it is. Checked before any request, so a name like "../x?y" never reaches a URL.
std::string check_namespace_name(const std::string& name);
std::string check_tenant_id(const std::string& id);
// Checks a user tag: non-empty, at most 64 characters, none of `,`, `&`, `:`, whitespace, and not one of
// the reserved forms. Empty string when valid.
std::string check_user_tag(const std::string& tag, const std::string& managed_tag);

}  // namespace tenantctl::tenants
