#pragma once
// What the v4 API's files share (not part of the public api.hpp): the request context, the envelope and
// paging helpers, the pieces one resource family takes from another, and every handler, for the route table.
//
//   api.cpp             the Api class: route table, envelope, auth, request log, faults, work before the store lock
//   api_accounts.cpp    accounts, tokens, memberships, user, zones, GraphQL analytics
//   api_namespaces.cpp  dispatch namespaces
//   api_scripts.cpp     scripts (account and namespace): details, content, settings, bindings, tags, secrets, tails
//   api_upload.cpp      the worker upload: its body, provisioned bindings, the stored script
//   api_versions.cpp    versions and deployments of account scripts
//   api_triggers.cpp    cron schedules, the workers.dev subdomain, routes
//   api_assets.cpp      Workers static assets: upload sessions and buckets
//   api_storage.cpp     KV, R2, D1
//   api_containers.cpp  applications, instances, rollouts, registries, logs
#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/strings.hpp"
#include "platform/api.hpp"
#include "platform/kinds.hpp"
#include "platform/multipart.hpp"

namespace tenantctl::platform {

namespace v4 {

using json = nlohmann::json;

// A worker upload's body, parsed (parse_upload).
struct Upload {
    json metadata = json::object();
    std::vector<MultipartPart> modules;
    std::string main;  // main module or body part name
    bool has_modules = false;
};

// One part of an assets bucket upload, decoded and checked against its session's manifest (assets_upload).
struct AssetPart {
    std::string hash;  // the part's name
    std::string content_type;
    std::optional<std::string> content;  // nullopt: not base64 although the query says so
    bool known = false;                  // the manifest has a path with this hash
    bool match = false;                  // the content hashes to its name
};

}  // namespace v4

struct Api::Ctx {
    const HttpRequest& req;
    std::map<std::string, std::string> q;
    std::map<std::string, std::string> p;
    Store& store;
    const Credentials& creds;
    ContainerRuntime& runtime;
    const RegistryInfo& registry;
    const ApiOptions& opt;
    // The heavy work on a large body (parsing, serializing and hashing it), done by prepare_body before the
    // store is locked, so that the lock is held only for the short reads and the write. A handler uses what is
    // here and computes it itself otherwise.
    struct Prepared {
        bool upload_parsed = false;  // parse_upload ran: its result is upload_error / upload
        std::optional<HttpResponse> upload_error;
        nlohmann::json handlers, named_handlers;  // of the upload's code, when the validator learnt them
        int64_t startup_time_ms = 0;              // … and its start-up's CPU time
        v4::Upload upload;
        std::optional<std::string> modules_blob;                         // serialize_modules(upload.modules)
        std::optional<Result<std::vector<MultipartPart>>> parts;         // parse_multipart of the body
        std::optional<nlohmann::json> body_json;                         // the body parsed as JSON (maybe discarded)
        std::vector<std::pair<const std::string*, std::string>> sha256;  // sha256_hex of strings held here
        std::string assets_session;         // the upload session the assets parts were checked against
        std::vector<v4::AssetPart> assets;  // the parts of an assets upload
    } pre;
    // Work that must not run with the store locked (the container runtime's Docker I/O): a handler reads what it
    // needs in the transaction and leaves the rest here (outside_store); Api::dispatch runs it once the
    // transaction has ended, and its response is the answer.
    std::function<HttpResponse()> after_store;
    std::shared_ptr<ScriptValidator> validator;  // the Api's, for this request (ApiOptions::validator)
    std::string header(const std::string& name) const { return req.header(name); }
};

namespace v4 {

using Ctx = Api::Ctx;
using Handler = HttpResponse (*)(Ctx&);

// --- envelope, query and body helpers (api.cpp) ----------------------------------------------------------

std::string now_iso();
int64_t unix_now();
HttpResponse json_response(int status, const json& body);
HttpResponse ok(json result, int status = 200);
HttpResponse ok_info(json result, json info, int status = 200);
HttpResponse err(int status, int code, const std::string& message);
std::optional<int64_t> to_int(const std::string& s);
bool truthy(const std::map<std::string, std::string>& q, const std::string& k);
std::string qget(const std::map<std::string, std::string>& q, const std::string& k);
// Cursors are opaque to clients: base64 of the last name returned.
std::string encode_cursor(const std::string& last);
std::string decode_cursor(const std::string& c);
// Strict base64 (standard or url alphabet; padding optional); nullopt on any other character.
std::optional<std::string> base64_decode(std::string_view in);
// Parses a JSON body; `required_object` refuses anything but an object.
std::optional<HttpResponse> parse_json_body(Ctx& c, json& out, bool required_object = true);
const std::string& account_of(const Ctx& c);
// Answers with what `fn` returns, called after the store transaction has ended (Ctx::after_store).
HttpResponse outside_store(Ctx& c, std::function<HttpResponse()> fn);

json page_info(int64_t page, int64_t per_page, int64_t count, int64_t total);
// Validated page/per_page from the query.
std::optional<HttpResponse> paging(const Ctx& c, int64_t& page, int64_t& per_page, int64_t def, int64_t lo, int64_t hi);
// The first index of page `page` (1-based), clamped to `size`: (page-1)*per_page without overflow, since
// `page` comes from the query and may be as large as 10^18.
int64_t page_start(int64_t page, int64_t per_page, size_t size);

template <typename T>
HttpResponse paged(const Ctx& c, const std::vector<T>& all, int64_t def, int64_t lo, int64_t hi,
                   const std::function<json(const T&)>& render) {
    int64_t page, per_page;
    if (auto e = paging(c, page, per_page, def, lo, hi)) return *e;
    json arr = json::array();
    int64_t start = page_start(page, per_page, all.size());
    for (int64_t i = start; i < static_cast<int64_t>(all.size()) && i < start + per_page; ++i)
        arr.push_back(render(all[i]));
    int64_t n = static_cast<int64_t>(arr.size());
    return ok_info(std::move(arr), page_info(page, per_page, n, static_cast<int64_t>(all.size())));
}

// --- what one family takes from another ------------------------------------------------------------------

// api_namespaces.cpp
std::optional<StoredObject> find_ns(Ctx& c);
HttpResponse ns_not_found(Ctx& c);

// api_scripts.cpp: the scope of a script route (namespace scripts and account scripts share the handlers).
std::string secret_parent(const std::string& kind, const std::string& parent, const std::string& script);
struct Scope {
    std::string kind;     // K_NSS or K_WS
    std::string parent;   // namespace id or account id
    std::string ns_name;  // for namespace scripts
    int not_found = 10007;
    std::string script;  // script name from the path
    std::string secrets_parent() const { return secret_parent(kind, parent, script); }
};
// Resolves the scope of a script route; an error response when the namespace does not exist.
std::optional<HttpResponse> resolve_scope(Ctx& c, Scope& s);
HttpResponse script_not_found(const Scope& s);
// A binding as the API returns it: secret values never leave the platform once stored.
json scrub_bindings(const json& arr);
std::optional<HttpResponse> validate_secret(const json& b, const std::string& name_hint);
json secret_doc(const std::string& name, const json& b);

// Declares `s` (the Scope) and `obj` (the stored script) in a handler, or answers 404.
#define LOAD_SCRIPT(c, s, obj)                          \
    Scope s;                                            \
    if (auto e_ = resolve_scope(c, s)) return *e_;      \
    auto obj = c.store.get(s.kind, s.parent, s.script); \
    if (!obj) return script_not_found(s)

// api_upload.cpp
std::optional<HttpResponse> check_tags(const json& tags);
json unique_tags(const json& tags);
std::string serialize_modules(const std::vector<MultipartPart>& mods);
std::optional<HttpResponse> parse_upload(Ctx& c, Upload& up, bool need_modules);
// sha256_hex(data), taken from prepare_body's digests when it hashed these bytes already.
std::string sha256_of(const Ctx& c, const std::string& data);
// parse_upload(c, up, true), or its result from prepare_body.
std::optional<HttpResponse> take_upload(Ctx& c, Upload& up);
// serialize_modules(up.modules), or prepare_body's (the modules of an upload are not changed after parsing).
std::string modules_blob(Ctx& c, const Upload& up);
// The modules of an upload as a script's document lists them: [{name, content_type}].
json module_list(const Upload& up);
// The envelope of an upload's answer, with a message for each binding provisioned (provision_bindings).
HttpResponse ok_messages(json result, json messages);
// What a script's last_deployed_from says: "wrangler" for uploads by wrangler (its User-Agent), else "api".
std::string deployed_from(const Ctx& c);
std::optional<HttpResponse> provision_bindings(Ctx& c, const json& md, const std::string& script, json& messages);
// Whether the upload prepare_body parsed starts (Ctx::validator), called before the store is locked; a
// content PUT (`content_only`) is checked with the script's stored settings. An error response when it does not.
std::optional<HttpResponse> check_upload(Ctx& c, bool content_only);
// The upload's default-export handlers as the validator found them; ["fetch"] when it did not run.
nlohmann::json handlers_of(const Ctx& c);
// The upload's other exports' handlers as the validator found them; [] when it did not run.
nlohmann::json named_handlers_of(const Ctx& c);
// A service binding to an account worker that does not exist refuses the upload (10143), as production does.
std::optional<HttpResponse> check_service_bindings(Ctx& c, const json& md, const Scope& s);

// api_versions.cpp: an upload of an account script creates a version and a deployment, like the real API.
json make_version(Ctx& c, const std::string& script, json& doc, const std::string& blob, const json& metadata,
                  const std::string& source);
void record_version_content(Ctx& c, const std::string& script, const std::string& id, const Upload& up,
                            const json& settings);
json make_deployment(Ctx& c, const std::string& script, json versions, json annotations, const std::string& source);

// api_assets.cpp
// The session a token names, when the token is ours, unexpired, for `use`; else an error response.
std::variant<StoredObject, HttpResponse> assets_session_for(Ctx& c, const std::string& jwt, const std::string& use);
std::optional<HttpResponse> check_asset_parts(const Ctx& c, const json& session_doc, std::vector<AssetPart>& out);
std::optional<HttpResponse> take_upload_assets(Ctx& c, const Scope& s, const json& md, json& out);

// api_storage.cpp: the documents of a new R2 bucket and D1 database (created through the API or for a binding)
bool valid_bucket_name(const std::string& n);
json r2_bucket_doc(const std::string& name, const std::string& location, const std::string& storage_class,
                   const std::string& jurisdiction);
json d1_database_doc(const std::string& uuid, const std::string& name);

// --- handlers, by file (the route table in api.cpp names them) -------------------------------------------

// api_accounts.cpp
HttpResponse token_verify(Ctx& c);
HttpResponse accounts_list(Ctx& c);
HttpResponse account_get(Ctx& c);
HttpResponse memberships_list(Ctx& c);
HttpResponse user_get(Ctx& c);
HttpResponse graphql(Ctx& c);
HttpResponse zones_list(Ctx& c);
HttpResponse zone_routes_list(Ctx& c);

// api_namespaces.cpp
HttpResponse ns_list(Ctx& c);
HttpResponse ns_create(Ctx& c);
HttpResponse ns_get(Ctx& c);
HttpResponse ns_update(Ctx& c);
HttpResponse ns_delete(Ctx& c);

// api_scripts.cpp
HttpResponse script_details(Ctx& c);
HttpResponse script_delete(Ctx& c);
HttpResponse tail_create(Ctx& c);
HttpResponse tails_list(Ctx& c);
HttpResponse tail_delete(Ctx& c);
HttpResponse scripts_list(Ctx& c);
HttpResponse scripts_bulk_delete(Ctx& c);
HttpResponse script_content_get(Ctx& c);
HttpResponse script_content_put(Ctx& c);
HttpResponse script_settings_get(Ctx& c);
HttpResponse script_content_v2(Ctx& c);
HttpResponse service_get(Ctx& c);
HttpResponse worker_get(Ctx& c);
HttpResponse script_references(Ctx& c);
HttpResponse tails_by_consumer(Ctx& c);
HttpResponse do_namespaces_list(Ctx& c);
HttpResponse script_settings_nv_get(Ctx& c);
HttpResponse script_settings_nv_patch(Ctx& c);
HttpResponse script_settings_patch(Ctx& c);
HttpResponse script_bindings(Ctx& c);
HttpResponse tags_get(Ctx& c);
HttpResponse tags_put(Ctx& c);
HttpResponse tag_put(Ctx& c);
HttpResponse tag_delete(Ctx& c);
HttpResponse secrets_list(Ctx& c);
HttpResponse secret_put(Ctx& c);
HttpResponse secret_get(Ctx& c);
HttpResponse secret_delete(Ctx& c);
HttpResponse secrets_bulk(Ctx& c);

// api_upload.cpp
HttpResponse script_upload(Ctx& c);

// api_versions.cpp
HttpResponse versions_list(Ctx& c);
HttpResponse version_get(Ctx& c);
HttpResponse version_upload(Ctx& c);
HttpResponse deployments_list(Ctx& c);
HttpResponse deployment_create(Ctx& c);

// api_triggers.cpp
HttpResponse schedules_get(Ctx& c);
HttpResponse schedules_put(Ctx& c);
HttpResponse script_subdomain_get(Ctx& c);
HttpResponse script_subdomain_post(Ctx& c);
HttpResponse script_routes_get(Ctx& c);
HttpResponse script_routes_put(Ctx& c);
HttpResponse account_subdomain_get(Ctx& c);
HttpResponse account_subdomain_put(Ctx& c);

// api_assets.cpp
HttpResponse assets_session(Ctx& c);
HttpResponse assets_upload(Ctx& c);

// api_storage.cpp
HttpResponse kvns_list(Ctx& c);
HttpResponse kvns_create(Ctx& c);
HttpResponse kvns_get(Ctx& c);
HttpResponse kvns_rename(Ctx& c);
HttpResponse kvns_delete(Ctx& c);
HttpResponse kv_keys(Ctx& c);
HttpResponse kv_put(Ctx& c);
HttpResponse kv_get(Ctx& c);
HttpResponse kv_delete(Ctx& c);
HttpResponse kv_metadata(Ctx& c);
HttpResponse kv_bulk_put(Ctx& c);
HttpResponse kv_bulk_delete(Ctx& c);
HttpResponse kv_bulk_get(Ctx& c);
HttpResponse r2_list(Ctx& c);
HttpResponse r2_create(Ctx& c);
HttpResponse r2_get(Ctx& c);
HttpResponse r2_delete(Ctx& c);
HttpResponse r2obj_put(Ctx& c);
HttpResponse r2obj_get(Ctx& c);
HttpResponse r2obj_delete(Ctx& c);
HttpResponse d1_list(Ctx& c);
HttpResponse d1_create(Ctx& c);
HttpResponse d1_get(Ctx& c);
HttpResponse d1_delete(Ctx& c);
HttpResponse d1_query(Ctx& c);
HttpResponse d1_raw(Ctx& c);

// api_containers.cpp
HttpResponse apps_list(Ctx& c);
HttpResponse dash_apps_list(Ctx& c);
HttpResponse app_create(Ctx& c);
HttpResponse app_get(Ctx& c);
HttpResponse app_patch(Ctx& c);
HttpResponse app_delete(Ctx& c);
HttpResponse rollout_create(Ctx& c);
HttpResponse rollouts_list(Ctx& c);
HttpResponse rollout_get(Ctx& c);
HttpResponse instances_list(Ctx& c);
HttpResponse dash_instances(Ctx& c);
HttpResponse instance_get(Ctx& c);
HttpResponse instance_delete(Ctx& c);
HttpResponse instance_logs(Ctx& c);
HttpResponse registries_list(Ctx& c);
HttpResponse registry_create(Ctx& c);
HttpResponse registry_delete(Ctx& c);
HttpResponse registry_credentials(Ctx& c);
HttpResponse containers_me(Ctx& c);

}  // namespace v4

}  // namespace tenantctl::platform
