#pragma once
// The Cloudflare API v4 client: connection settings (URL, credentials, profile), the envelope decoded into
// results or typed errors, the four pagination styles, and typed wrappers for what the commands need.
// Safe to use from several threads at once (the transport pools libcurl handles).
// The typed results are in accounts.hpp, workers.hpp and storage.hpp (included here); the calls are in
// client.cpp (core), accounts.cpp, workers.cpp, containers.cpp and storage.cpp.
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/accounts.hpp"
#include "api/http.hpp"
#include "api/multipart.hpp"
#include "api/profile.hpp"
#include "api/secrets_file.hpp"
#include "api/storage.hpp"
#include "api/workers.hpp"
#include "core/env.hpp"
#include "core/result.hpp"

namespace tenantctl::api {

inline constexpr const char* k_default_api_url = "https://api.cloudflare.com/client/v4";

struct Credentials {
    enum class Kind { None, Token, GlobalKey };
    Kind kind = Kind::None;
    std::string token;
    std::string key;
    std::string email;
    std::string source;  // "CLOUDFLARE_API_TOKEN", "profile \"default\"", … (never the value)
};

// Everything needed to talk to a control plane, resolved from flags, environment and the profile.
struct Connection {
    std::string api_url;         // without a trailing '/'
    std::string api_url_source;  // "--api-url", "CLOUDFLARE_API_BASE_URL", "profile \"x\"", "default"
    Credentials credentials;
    std::string profile_name;
    std::optional<Profile> profile;         // when the profile file exists
    bool credentials_from_profile = false;  // the profile's pair won (its account_id belongs to it too)
    std::string ca_bundle;
    RateLimitSpec rate_limit;          // the fallback while the server sends no rate-limit headers
    bool rate_limit_explicit = false;  // TENANTCTL_RATE_LIMIT was set: also a ceiling over the headers
};

struct ConnectionInputs {
    std::string api_url_flag;  // --api-url
    std::string profile_flag;  // --profile
    bool local = false;        // --local
    std::string ca_bundle;     // overrides $TENANTCTL_CA_BUNDLE
};

// The token rule (README, "Where a token goes"): a token travels only with the URL it was stored or given
// with. Given = (--api-url > $CLOUDFLARE_API_BASE_URL > default, $CLOUDFLARE_API_TOKEN or KEY + EMAIL);
// stored = (the profile's api_url or the default, the profile's token). --profile/--local picks the stored pair,
// else environment credentials pick the given pair, else the profile's pair; a given URL that differs from
// the stored one next to a stored token is a usage error. A missing explicit profile is an error; missing
// credentials are not (Credentials::Kind::None; the client refuses to send until there are some).
Result<Connection> resolve_connection(const ConnectionInputs& in, const Env& env);

using Query = std::vector<std::pair<std::string, std::string>>;

struct Body {
    std::string content_type;
    std::string data;
};
Body json_body(const nlohmann::json& j, const std::string& content_type = "application/json");
Body multipart_body(const MultipartBody& m);

// A decoded v4 envelope.
struct ApiResult {
    int status = 0;
    nlohmann::json result;              // null when absent
    nlohmann::json result_info;         // null when absent
    std::vector<std::string> messages;  // the envelope's `messages[].message` (informational)
};

// Turns a non-2xx (or success:false) response into a typed Error with a hint. `what` is e.g.
// "GET /accounts/…/workers/dispatch/namespaces" (already redacted).
Error decode_error(const std::string& what, const HttpResponse& response);
Result<ApiResult> decode_envelope(const std::string& what, const HttpResponse& response);

enum class PageStyle { PagePerPage, Cursor, PageToken, Single };
struct ListOptions {
    PageStyle style = PageStyle::Single;
    int per_page = 0;                         // 0 = let the server choose
    std::string per_page_param = "per_page";  // KV keys use "limit"
    std::string items_key;                    // "" = result is the array; R2: "buckets"
    int max_pages = 10000;                    // a guard against servers that never stop
};

struct ClientOptions {
    std::string api_url = k_default_api_url;
    Credentials credentials;
    HttpOptions http;  // user_agent defaults to tenantctl/<version>
};

// Builds client options from a resolved connection (its Pacer on the system clock unless `clock`).
ClientOptions client_options_for(const Connection& c, Clock* clock = nullptr, RequestObserver observer = {});

class ApiClient {
public:
    explicit ApiClient(ClientOptions options);
    ~ApiClient();

    const std::string& api_url() const { return m_options.api_url; }
    bool has_credentials() const { return m_options.credentials.kind != Credentials::Kind::None; }
    HttpClient& http() { return *m_http; }
    // The budget shared by every request of this client (null only when built without one).
    Pacer* pacer() const { return m_options.http.pacer.get(); }

    // Enveloped JSON calls. `path` starts with '/', relative to the API base URL.
    Result<ApiResult> call(Method method, const std::string& path, const Query& query = {},
                           const std::optional<Body>& body = std::nullopt, const Headers& extra = {});
    // Non-enveloped calls (KV values, script content): the 2xx body as is; errors decoded as usual.
    Result<HttpResponse> call_raw(Method method, const std::string& path, const Query& query = {},
                                  const std::optional<Body>& body = std::nullopt, const Headers& extra = {});
    // All items over all pages.
    Result<std::vector<nlohmann::json>> list_all(const std::string& path, const Query& query,
                                                 const ListOptions& options, const Headers& extra = {});

    // identity
    Result<TokenStatus> verify_token();
    Result<std::vector<Account>> list_accounts();
    Result<std::vector<Account>> list_memberships();  // accepted memberships' accounts
    // Picks the account when none was given: GET /accounts (falling back to /memberships); exactly one is
    // used, several are an error listing them.
    Result<Account> discover_account();

    // dispatch namespaces
    Result<std::vector<DispatchNamespace>> list_dispatch_namespaces(const std::string& account);
    Result<DispatchNamespace> get_dispatch_namespace(const std::string& account, const std::string& name);
    Result<DispatchNamespace> create_dispatch_namespace(const std::string& account, const std::string& name);
    Status delete_dispatch_namespace(const std::string& account, const std::string& name);
    Result<DispatchNamespace> rename_dispatch_namespace(const std::string& account, const std::string& name,
                                                        const std::string& new_name);

    // scripts in a namespace
    Result<nlohmann::json> put_namespace_script(const std::string& account, const std::string& ns,
                                                const std::string& script, const MultipartBody& upload,
                                                bool bindings_inherit_strict = false,
                                                std::vector<std::string>* messages = nullptr);
    Result<nlohmann::json> get_namespace_script(const std::string& account, const std::string& ns,
                                                const std::string& script);
    Status delete_namespace_script(const std::string& account, const std::string& ns, const std::string& script,
                                   bool force);
    // `tags` filter like "tag:yes,other:no" (empty = all)
    Result<std::vector<nlohmann::json>> list_namespace_scripts(const std::string& account, const std::string& ns,
                                                               const std::string& tags = {});
    Result<BulkDeleteResult> delete_namespace_scripts_by_tags(const std::string& account, const std::string& ns,
                                                              const std::string& tags, int limit = 0);
    Result<std::vector<std::string>> get_script_tags(const std::string& account, const std::string& ns,
                                                     const std::string& script);
    Result<std::vector<std::string>> put_script_tags(const std::string& account, const std::string& ns,
                                                     const std::string& script, const std::vector<std::string>& tags);
    Status put_script_tag(const std::string& account, const std::string& ns, const std::string& script,
                          const std::string& tag);
    Status delete_script_tag(const std::string& account, const std::string& ns, const std::string& script,
                             const std::string& tag);
    Result<nlohmann::json> get_script_settings(const std::string& account, const std::string& ns,
                                               const std::string& script);
    Result<nlohmann::json> patch_script_settings(const std::string& account, const std::string& ns,
                                                 const std::string& script, const nlohmann::json& settings);
    Result<HttpResponse> get_script_content(const std::string& account, const std::string& ns,
                                            const std::string& script);

    // account-level worker scripts
    // `messages`, when given, receives the envelope's informational messages (e.g. storage a binding named
    // that the local platform created).
    Result<nlohmann::json> upload_script(const std::string& account, const std::string& script,
                                         const MultipartBody& upload, bool bindings_inherit_strict = false,
                                         std::vector<std::string>* messages = nullptr);
    Status delete_script(const std::string& account, const std::string& script, bool force);
    // An account worker's triggers: cron schedules ([{"cron"}]), its workers.dev / preview URL toggle
    // ({"enabled", "previews_enabled"}) and its routes ([{"pattern"[, "zone_id"|"zone_name"]}]); the
    // account's workers.dev subdomain.
    Result<nlohmann::json> get_schedules(const std::string& account, const std::string& script);
    Result<nlohmann::json> put_schedules(const std::string& account, const std::string& script,
                                         const nlohmann::json& schedules);
    Result<nlohmann::json> get_script_subdomain(const std::string& account, const std::string& script);
    Result<nlohmann::json> set_script_subdomain(const std::string& account, const std::string& script, bool enabled,
                                                bool previews_enabled);
    Result<nlohmann::json> get_script_routes(const std::string& account, const std::string& script);
    Result<nlohmann::json> put_script_routes(const std::string& account, const std::string& script,
                                             const nlohmann::json& routes);
    Result<std::string> get_workers_subdomain(const std::string& account);
    Result<std::vector<nlohmann::json>> list_scripts(const std::string& account, const std::string& tags = {});

    // versions and deployments of an account worker. Versions come newest first, every page; deployments
    // newest first (the first is the one serving). upload_version creates a version without deploying it.
    Result<std::vector<WorkerVersion>> list_versions(const std::string& account, const std::string& script);
    Result<WorkerVersion> get_version(const std::string& account, const std::string& script, const std::string& id);
    Result<WorkerVersion> upload_version(const std::string& account, const std::string& script,
                                         const MultipartBody& upload, std::vector<std::string>* messages = nullptr);
    Result<std::vector<Deployment>> list_deployments(const std::string& account, const std::string& script);
    // POST …/deployments {strategy:"percentage", versions, annotations:{"workers/message"}} (no annotation
    // when `message` is empty).
    Result<Deployment> create_deployment(const std::string& account, const std::string& script,
                                         const std::vector<DeploymentShare>& versions, const std::string& message);

    // secrets (account workers and namespace scripts)
    Result<SecretInfo> put_secret(const ScriptRef& ref, const std::string& name, const std::string& value);
    Result<std::vector<SecretInfo>> list_secrets(const ScriptRef& ref);
    Result<SecretInfo> get_secret(const ScriptRef& ref, const std::string& name);
    Status delete_secret(const ScriptRef& ref, const std::string& name);
    // One PATCH …/secrets-bulk (application/merge-patch+json); nullopt values delete.
    Result<nlohmann::json> bulk_secrets(const ScriptRef& ref, const SecretsPatch& patch);

    // container applications: every page (the API pages them 100 at a time with page tokens), and one by id,
    // or by name when no id matches (names are unique per account); NotFound when none does.
    Result<std::vector<nlohmann::json>> list_applications(const std::string& account);
    Result<nlohmann::json> find_application(const std::string& account, const std::string& id_or_name);
    // …/containers/dash/applications: the applications with `health.instances` counted (active, healthy,
    // failed, starting, scheduling), what `wrangler containers list` reads.
    Result<std::vector<nlohmann::json>> list_applications_with_health(const std::string& account);
    // …/applications/ID/instances-v2, every page.
    Result<std::vector<nlohmann::json>> list_instances(const std::string& account, const std::string& application_id);
    // …/applications/ID/instances/INSTANCE/logs?since=&tail=: an instance's container output. Only the local
    // platform has this route (Cloudflare's API has no container-logs endpoint).
    Result<nlohmann::json> instance_logs(const std::string& account, const std::string& application_id,
                                         const std::string& instance_id, const std::string& since, int tail);

    // Writes: POST …/applications (the create request), PATCH …/applications/ID, POST …/applications/ID/rollouts
    // (each answering the created or changed object), DELETE an application or one instance (the platform
    // starts a new one in its place).
    Result<nlohmann::json> create_application(const std::string& account, const nlohmann::json& request);
    Status modify_application(const std::string& account, const std::string& application_id,
                              const nlohmann::json& patch);
    Result<nlohmann::json> create_rollout(const std::string& account, const std::string& application_id,
                                          const nlohmann::json& request);
    Status delete_application(const std::string& account, const std::string& application_id);
    Status delete_instance(const std::string& account, const std::string& application_id,
                           const std::string& instance_id);
    // Image registries the account's containers may pull from: list, add ({domain, is_public, kind?}),
    // remove, and short-lived credentials for one ({registry_host, username, password}).
    Result<std::vector<nlohmann::json>> list_registries(const std::string& account);
    Result<nlohmann::json> create_registry(const std::string& account, const nlohmann::json& request);
    Status delete_registry(const std::string& account, const std::string& domain);
    Result<nlohmann::json> registry_credentials(const std::string& account, const std::string& domain, int minutes,
                                                const std::vector<std::string>& permissions);

    // live tails (Tail API): {"id","url","expires_at"}. Under a dispatch namespace only the local platform
    // offers them; Cloudflare answers 404 there.
    Result<TailInfo> create_tail(const ScriptRef& ref);
    Result<std::vector<TailInfo>> list_tails(const ScriptRef& ref);
    Status delete_tail(const ScriptRef& ref, const std::string& id);

    // static assets of a worker (ScriptRef: account worker or namespace script): the upload session for a
    // manifest (its JSON text) answering {jwt, buckets}; then each bucket with the session's token, as
    // base64 multipart parts, or one file by hash (the single-upload mode). Each answers {jwt?}.
    Result<nlohmann::json> create_assets_upload_session(const ScriptRef& ref, const std::string& manifest_json);
    Result<nlohmann::json> upload_assets(const std::string& account, const std::string& session_token,
                                         const MultipartBody& parts);
    Result<nlohmann::json> upload_asset(const std::string& account, const std::string& session_token,
                                        const std::string& hash, Body file);

    // zones: the id of the account's zone with this exact name ("" when there is none).
    Result<std::string> find_zone_id(const std::string& account, const std::string& name);
    // A zone's worker routes ([{id, pattern, script}]), whichever worker holds them.
    Result<std::vector<nlohmann::json>> list_zone_routes(const std::string& zone_id);
    // The GraphQL analytics endpoint (POST /graphql, not enveloped): the answer's body as is.
    Result<std::string> graphql(const std::string& request_json);

    // KV
    Result<std::vector<KvNamespace>> list_kv_namespaces(const std::string& account);
    Result<KvNamespace> create_kv_namespace(const std::string& account, const std::string& title);
    Status delete_kv_namespace(const std::string& account, const std::string& id);
    Result<KvNamespace> rename_kv_namespace(const std::string& account, const std::string& id,
                                            const std::string& title);
    Result<std::vector<KvKey>> list_kv_keys(const std::string& account, const std::string& ns,
                                            const std::string& prefix = {});
    // multipart = true sends {value, metadata} as multipart/form-data (what the schema declares); false a raw body.
    Status put_kv_value(const std::string& account, const std::string& ns, const std::string& key,
                        const std::string& value, bool multipart = true, const std::string& metadata_json = "{}");
    Result<std::string> get_kv_value(const std::string& account, const std::string& ns, const std::string& key);
    Status delete_kv_value(const std::string& account, const std::string& ns, const std::string& key);

    // R2
    Result<std::vector<R2Bucket>> list_r2_buckets(const std::string& account, const R2Options& options = {});
    Result<R2Bucket> create_r2_bucket(const std::string& account, const std::string& name,
                                      const R2Options& options = {});
    Result<R2Bucket> get_r2_bucket(const std::string& account, const std::string& name, const R2Options& options = {});
    Status delete_r2_bucket(const std::string& account, const std::string& name, const R2Options& options = {});

    // D1: databases by uuid, or by name where the API takes either (get, query); the list is every page
    // (page/per_page), optionally only names containing `name`.
    Result<std::vector<D1Database>> list_d1_databases(const std::string& account, const std::string& name = {});
    Result<D1Database> create_d1_database(const std::string& account, const std::string& name);
    Result<D1Database> get_d1_database(const std::string& account, const std::string& id);
    Status delete_d1_database(const std::string& account, const std::string& id);
    // POST …/raw {sql, params?}: every statement runs in one batch (all or nothing); one result per statement.
    // `params` (an array, or null) binds to a single statement's ?/?NNN parameters.
    Result<std::vector<D1Result>> query_d1(const std::string& account, const std::string& id, const std::string& sql,
                                           const nlohmann::json& params = nullptr);

private:
    Result<HttpResponse> send(Method method, const std::string& path, const Query& query,
                              const std::optional<Body>& body, const Headers& extra, std::string& what);
    std::string url_for(const std::string& path, const Query& query) const;

    ClientOptions m_options;
    std::unique_ptr<HttpClient> m_http;
};

// Path helpers (each segment URL-encoded).
std::string account_path(const std::string& account);
std::string namespace_path(const std::string& account, const std::string& ns);
std::string namespace_script_path(const std::string& account, const std::string& ns, const std::string& script);
std::string script_base_path(const ScriptRef& ref);
std::string applications_path(const std::string& account);  // …/containers/applications

}  // namespace tenantctl::api
