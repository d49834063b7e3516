// Workers: dispatch namespaces and their scripts (tags, settings, content), account workers (upload,
// versions, deployments, triggers), secrets and live tails.
#include "api/client.hpp"

#include "api/typed.hpp"
#include "core/json.hpp"
#include "core/redact.hpp"
#include "core/strings.hpp"

namespace tenantctl::api {

using detail::field_text;
using detail::list_options;
using nlohmann::json;

namespace {

DispatchNamespace to_namespace(const json& j) {
    DispatchNamespace n;
    n.id = field_text(j, "namespace_id");
    n.name = field_text(j, "namespace_name");
    if (j.is_object()) {
        if (auto it = j.find("script_count"); it != j.end() && it->is_number()) n.script_count = it->get<int>();
        if (auto it = j.find("trusted_workers"); it != j.end() && it->is_boolean()) n.trusted_workers = it->get<bool>();
    }
    n.created_on = field_text(j, "created_on");
    n.modified_on = field_text(j, "modified_on");
    n.raw = j;
    return n;
}

SecretInfo to_secret(const json& j) {
    return SecretInfo{field_text(j, "name"), field_text(j, "type"), j};
}

std::vector<std::string> to_strings(const json& j) {
    std::vector<std::string> out;
    if (j.is_array()) {
        for (const auto& v : j) {
            if (v.is_string()) out.push_back(v.get<std::string>());
        }
    }
    return out;
}

std::string account_script_path(const std::string& account, const std::string& script) {
    return account_path(account) + "/workers/scripts/" + url_encode(script);
}

WorkerVersion version_from(const json& j) {
    WorkerVersion v;
    v.id = field_text(j, "id");
    if (j.is_object() && j.contains("number") && j["number"].is_number()) v.number = j["number"].get<long long>();
    const json& md = j.is_object() && j.contains("metadata") ? j["metadata"] : json();
    v.created_on = field_text(md, "created_on");
    v.source = field_text(md, "source");
    v.author_email = field_text(md, "author_email");
    const json& an = j.is_object() && j.contains("annotations") ? j["annotations"] : json();
    v.message = field_text(an, "workers/message");
    v.tag = field_text(an, "workers/tag");
    v.raw = j;
    return v;
}
Deployment deployment_from(const json& j) {
    Deployment d;
    d.id = field_text(j, "id");
    d.created_on = field_text(j, "created_on");
    d.source = field_text(j, "source");
    d.author_email = field_text(j, "author_email");
    const json& an = j.is_object() && j.contains("annotations") ? j["annotations"] : json();
    d.message = field_text(an, "workers/message");
    if (j.is_object() && j.contains("versions") && j["versions"].is_array())
        for (const auto& v : j["versions"]) {
            DeploymentShare s;
            s.version_id = field_text(v, "version_id");
            if (v.is_object() && v.contains("percentage") && v["percentage"].is_number())
                s.percentage = v["percentage"].get<double>();
            d.versions.push_back(s);
        }
    d.raw = j;
    return d;
}

TailInfo tail_info(const json& j) {
    TailInfo t;
    t.id = field_text(j, "id");
    t.url = field_text(j, "url");
    t.expires_at = field_text(j, "expires_at");
    t.raw = j;
    return t;
}

}  // namespace

std::string namespace_path(const std::string& account, const std::string& ns) {
    return account_path(account) + "/workers/dispatch/namespaces/" + url_encode(ns);
}
std::string namespace_script_path(const std::string& account, const std::string& ns, const std::string& script) {
    return namespace_path(account, ns) + "/scripts/" + url_encode(script);
}
std::string script_base_path(const ScriptRef& ref) {
    if (ref.dispatch_namespace.empty()) return account_script_path(ref.account_id, ref.script);
    return namespace_script_path(ref.account_id, ref.dispatch_namespace, ref.script);
}

// ---------------------------------------------------------------------------------------------------
// dispatch namespaces

Result<std::vector<DispatchNamespace>> ApiClient::list_dispatch_namespaces(const std::string& account) {
    TRY_ASSIGN(auto items, list_all(account_path(account) + "/workers/dispatch/namespaces", {}, {}));
    std::vector<DispatchNamespace> out;
    for (const auto& j : items) out.push_back(to_namespace(j));
    return out;
}

Result<DispatchNamespace> ApiClient::get_dispatch_namespace(const std::string& account, const std::string& name) {
    TRY_ASSIGN(ApiResult r, call(Method::Get, namespace_path(account, name)));
    return to_namespace(r.result);
}

Result<DispatchNamespace> ApiClient::create_dispatch_namespace(const std::string& account, const std::string& name) {
    TRY_ASSIGN(ApiResult r, call(Method::Post, account_path(account) + "/workers/dispatch/namespaces", {},
                                 json_body({{"name", name}})));
    return to_namespace(r.result);
}

Status ApiClient::delete_dispatch_namespace(const std::string& account, const std::string& name) {
    TRY_STATUS(call(Method::Delete, namespace_path(account, name)));
    return {};
}

Result<DispatchNamespace> ApiClient::rename_dispatch_namespace(const std::string& account, const std::string& name,
                                                               const std::string& new_name) {
    TRY_ASSIGN(ApiResult r, call(Method::Put, namespace_path(account, name), {}, json_body({{"name", new_name}})));
    return to_namespace(r.result);
}

// ---------------------------------------------------------------------------------------------------
// scripts

Result<json> ApiClient::put_namespace_script(const std::string& account, const std::string& ns,
                                             const std::string& script, const MultipartBody& upload, bool strict,
                                             std::vector<std::string>* messages) {
    Query q;
    if (strict) q.emplace_back("bindings_inherit", "strict");
    TRY_ASSIGN(ApiResult r, call(Method::Put, namespace_script_path(account, ns, script), q, multipart_body(upload)));
    if (messages) *messages = r.messages;
    return r.result;
}

Result<json> ApiClient::get_namespace_script(const std::string& account, const std::string& ns,
                                             const std::string& script) {
    TRY_ASSIGN(ApiResult r, call(Method::Get, namespace_script_path(account, ns, script)));
    return r.result;
}

Status ApiClient::delete_namespace_script(const std::string& account, const std::string& ns, const std::string& script,
                                          bool force) {
    Query q;
    if (force) q.emplace_back("force", "true");
    TRY_STATUS(call(Method::Delete, namespace_script_path(account, ns, script), q));
    return {};
}

Result<std::vector<json>> ApiClient::list_namespace_scripts(const std::string& account, const std::string& ns,
                                                            const std::string& tags) {
    Query q;
    if (!tags.empty()) q.emplace_back("tags", tags);
    return list_all(namespace_path(account, ns) + "/scripts", q, {});
}

Result<BulkDeleteResult> ApiClient::delete_namespace_scripts_by_tags(const std::string& account, const std::string& ns,
                                                                     const std::string& tags, int limit) {
    Query q{{"tags", tags}};
    if (limit > 0) q.emplace_back("limit", std::to_string(limit));
    TRY_ASSIGN(ApiResult r, call(Method::Delete, namespace_path(account, ns) + "/scripts", q));
    BulkDeleteResult out;
    const json& j = r.result;
    if (j.is_object()) {
        if (auto it = j.find("deleted"); it != j.end() && it->is_array()) {
            for (const auto& d : *it)
                out.deleted.push_back(d.is_object() ? field_text(d, "id") : d.is_string() ? d.get<std::string>() : "");
        }
        if (auto it = j.find("deleted_count"); it != j.end() && it->is_number())
            out.deleted_count = it->get<int>();
        else
            out.deleted_count = static_cast<int>(out.deleted.size());
        if (auto it = j.find("has_more"); it != j.end() && it->is_boolean()) out.has_more = it->get<bool>();
    }
    return out;
}

Result<std::vector<std::string>> ApiClient::get_script_tags(const std::string& account, const std::string& ns,
                                                            const std::string& script) {
    TRY_ASSIGN(ApiResult r, call(Method::Get, namespace_script_path(account, ns, script) + "/tags"));
    return to_strings(r.result);
}

Result<std::vector<std::string>> ApiClient::put_script_tags(const std::string& account, const std::string& ns,
                                                            const std::string& script,
                                                            const std::vector<std::string>& tags) {
    TRY_ASSIGN(ApiResult r,
               call(Method::Put, namespace_script_path(account, ns, script) + "/tags", {}, json_body(json(tags))));
    return r.result.is_array() ? to_strings(r.result) : tags;
}

Status ApiClient::put_script_tag(const std::string& account, const std::string& ns, const std::string& script,
                                 const std::string& tag) {
    TRY_STATUS(call(Method::Put, namespace_script_path(account, ns, script) + "/tags/" + url_encode(tag)));
    return {};
}

Status ApiClient::delete_script_tag(const std::string& account, const std::string& ns, const std::string& script,
                                    const std::string& tag) {
    TRY_STATUS(call(Method::Delete, namespace_script_path(account, ns, script) + "/tags/" + url_encode(tag)));
    return {};
}

Result<json> ApiClient::get_script_settings(const std::string& account, const std::string& ns,
                                            const std::string& script) {
    TRY_ASSIGN(ApiResult r, call(Method::Get, namespace_script_path(account, ns, script) + "/settings"));
    return r.result;
}

Result<json> ApiClient::patch_script_settings(const std::string& account, const std::string& ns,
                                              const std::string& script, const json& settings) {
    auto form = build_multipart({FormPart{"settings", "", "application/json", settings.dump()}});
    TRY_ASSIGN(ApiResult r,
               call(Method::Patch, namespace_script_path(account, ns, script) + "/settings", {}, multipart_body(form)));
    return r.result;
}

Result<HttpResponse> ApiClient::get_script_content(const std::string& account, const std::string& ns,
                                                   const std::string& script) {
    return call_raw(Method::Get, namespace_script_path(account, ns, script) + "/content");
}

Result<json> ApiClient::upload_script(const std::string& account, const std::string& script,
                                      const MultipartBody& upload, bool strict, std::vector<std::string>* messages) {
    Query q;
    if (strict) q.emplace_back("bindings_inherit", "strict");
    TRY_ASSIGN(ApiResult r, call(Method::Put, account_script_path(account, script), q, multipart_body(upload)));
    if (messages) *messages = r.messages;
    return r.result;
}

Status ApiClient::delete_script(const std::string& account, const std::string& script, bool force) {
    Query q;
    if (force) q.emplace_back("force", "true");
    TRY_STATUS(call(Method::Delete, account_script_path(account, script), q));
    return {};
}

Result<std::vector<json>> ApiClient::list_scripts(const std::string& account, const std::string& tags) {
    Query q;
    if (!tags.empty()) q.emplace_back("tags", tags);
    return list_all(account_path(account) + "/workers/scripts", q, {});
}

// ---------------------------------------------------------------------------------------------------
// versions and deployments of account workers

Result<std::vector<WorkerVersion>> ApiClient::list_versions(const std::string& account, const std::string& script) {
    TRY_ASSIGN(std::vector<json> items, list_all(account_script_path(account, script) + "/versions", {},
                                                 list_options(PageStyle::PagePerPage, 100, "per_page", "items")));
    std::vector<WorkerVersion> out;
    for (const auto& j : items) out.push_back(version_from(j));
    return out;
}

Result<WorkerVersion> ApiClient::get_version(const std::string& account, const std::string& script,
                                             const std::string& id) {
    TRY_ASSIGN(ApiResult r, call(Method::Get, account_script_path(account, script) + "/versions/" + url_encode(id)));
    return version_from(r.result);
}

Result<WorkerVersion> ApiClient::upload_version(const std::string& account, const std::string& script,
                                                const MultipartBody& upload, std::vector<std::string>* messages) {
    TRY_ASSIGN(ApiResult r,
               call(Method::Post, account_script_path(account, script) + "/versions", {}, multipart_body(upload)));
    if (messages) *messages = r.messages;
    return version_from(r.result);
}

Result<std::vector<Deployment>> ApiClient::list_deployments(const std::string& account, const std::string& script) {
    TRY_ASSIGN(ApiResult r, call(Method::Get, account_script_path(account, script) + "/deployments"));
    std::vector<Deployment> out;
    const json& list = r.result.is_object() && r.result.contains("deployments") ? r.result["deployments"] : json();
    if (!list.is_array())
        return Error(ErrorKind::Api, "GET …/workers/scripts/" + script + "/deployments returned no deployments list",
                     "check that the API URL points at a Cloudflare API v4 endpoint");
    for (const auto& j : list) out.push_back(deployment_from(j));
    return out;
}

Result<Deployment> ApiClient::create_deployment(const std::string& account, const std::string& script,
                                                const std::vector<DeploymentShare>& versions,
                                                const std::string& message) {
    json vs = json::array();
    for (const auto& v : versions) vs.push_back({{"version_id", v.version_id}, {"percentage", v.percentage}});
    json body = {{"strategy", "percentage"}, {"versions", vs}};
    if (!message.empty()) body["annotations"] = {{"workers/message", message}};
    TRY_ASSIGN(ApiResult r,
               call(Method::Post, account_script_path(account, script) + "/deployments", {}, json_body(body)));
    return deployment_from(r.result);
}

// ---------------------------------------------------------------------------------------------------
// triggers of account workers

Result<json> ApiClient::get_schedules(const std::string& account, const std::string& script) {
    TRY_ASSIGN(ApiResult r, call(Method::Get, account_script_path(account, script) + "/schedules"));
    return r.result;
}

Result<json> ApiClient::put_schedules(const std::string& account, const std::string& script, const json& schedules) {
    TRY_ASSIGN(ApiResult r,
               call(Method::Put, account_script_path(account, script) + "/schedules", {}, json_body(schedules)));
    return r.result;
}

Result<json> ApiClient::get_script_subdomain(const std::string& account, const std::string& script) {
    TRY_ASSIGN(ApiResult r, call(Method::Get, account_script_path(account, script) + "/subdomain"));
    return r.result;
}

Result<json> ApiClient::set_script_subdomain(const std::string& account, const std::string& script, bool enabled,
                                             bool previews_enabled) {
    json body = {{"enabled", enabled}, {"previews_enabled", previews_enabled}};
    TRY_ASSIGN(ApiResult r, call(Method::Post, account_script_path(account, script) + "/subdomain", {}, json_body(body),
                                 {{"Cloudflare-Workers-Script-Api-Date", "2025-08-01"}}));
    return r.result;
}

Result<json> ApiClient::get_script_routes(const std::string& account, const std::string& script) {
    TRY_ASSIGN(ApiResult r, call(Method::Get, account_script_path(account, script) + "/routes"));
    return r.result;
}

Result<json> ApiClient::put_script_routes(const std::string& account, const std::string& script, const json& routes) {
    TRY_ASSIGN(ApiResult r, call(Method::Put, account_script_path(account, script) + "/routes", {}, json_body(routes)));
    return r.result;
}

Result<std::string> ApiClient::get_workers_subdomain(const std::string& account) {
    TRY_ASSIGN(ApiResult r, call(Method::Get, account_path(account) + "/workers/subdomain"));
    return json_string(r.result, "subdomain");
}

// ---------------------------------------------------------------------------------------------------
// live tails

Result<TailInfo> ApiClient::create_tail(const ScriptRef& ref) {
    TRY_ASSIGN(ApiResult r, call(Method::Post, script_base_path(ref) + "/tails", {}, json_body(json::object())));
    TailInfo t = tail_info(r.result);
    if (t.id.empty() || t.url.empty())
        return Error(ErrorKind::Api, "POST " + script_base_path(ref) + "/tails answered without a tail id and url");
    return t;
}

Result<std::vector<TailInfo>> ApiClient::list_tails(const ScriptRef& ref) {
    TRY_ASSIGN(ApiResult r, call(Method::Get, script_base_path(ref) + "/tails"));
    std::vector<TailInfo> out;
    if (r.result.is_array())
        for (auto& j : r.result) out.push_back(tail_info(j));
    return out;
}

Status ApiClient::delete_tail(const ScriptRef& ref, const std::string& id) {
    TRY_ASSIGN(ApiResult r, call(Method::Delete, script_base_path(ref) + "/tails/" + url_encode(id)));
    (void)r;
    return ok_status();
}

// ---------------------------------------------------------------------------------------------------
// secrets

Result<SecretInfo> ApiClient::put_secret(const ScriptRef& ref, const std::string& name, const std::string& value) {
    Redactor::global().add(value);
    json body = {{"name", name}, {"text", value}, {"type", "secret_text"}};
    TRY_ASSIGN(ApiResult r, call(Method::Put, script_base_path(ref) + "/secrets", {}, json_body(body)));
    SecretInfo s = to_secret(r.result);
    if (s.name.empty()) s.name = name;
    if (s.type.empty()) s.type = "secret_text";
    s.raw = json{{"name", s.name}, {"type", s.type}};  // never echo anything else the server sent
    return s;
}

Result<std::vector<SecretInfo>> ApiClient::list_secrets(const ScriptRef& ref) {
    TRY_ASSIGN(auto items, list_all(script_base_path(ref) + "/secrets", {}, {}));
    std::vector<SecretInfo> out;
    for (const auto& j : items) out.push_back(to_secret(j));
    return out;
}

Result<SecretInfo> ApiClient::get_secret(const ScriptRef& ref, const std::string& name) {
    TRY_ASSIGN(ApiResult r,
               call(Method::Get, script_base_path(ref) + "/secrets/" + url_encode(name), {{"url_encoded", "true"}}));
    return to_secret(r.result);
}

Status ApiClient::delete_secret(const ScriptRef& ref, const std::string& name) {
    TRY_STATUS(call(Method::Delete, script_base_path(ref) + "/secrets/" + url_encode(name), {{"url_encoded", "true"}}));
    return {};
}

Result<json> ApiClient::bulk_secrets(const ScriptRef& ref, const SecretsPatch& patch) {
    json secrets = json::object();
    for (const auto& [k, v] : patch) {
        if (v) {
            Redactor::global().add(*v);
            secrets[k] = {{"name", k}, {"text", *v}, {"type", "secret_text"}};
        } else {
            secrets[k] = nullptr;
        }
    }
    TRY_ASSIGN(ApiResult r, call(Method::Patch, script_base_path(ref) + "/secrets-bulk", {},
                                 json_body(json{{"secrets", secrets}}, "application/merge-patch+json")));
    return r.result;
}

// ---------------------------------------------------------------------------------------------------
// static assets

Result<json> ApiClient::create_assets_upload_session(const ScriptRef& ref, const std::string& manifest_json) {
    TRY_ASSIGN(ApiResult r, call(Method::Post, script_base_path(ref) + "/assets-upload-session", {},
                                 Body{"application/json", manifest_json}));
    return r.result;
}

Result<json> ApiClient::upload_assets(const std::string& account, const std::string& session_token,
                                      const MultipartBody& parts) {
    TRY_ASSIGN(ApiResult r, call(Method::Post, account_path(account) + "/workers/assets/upload", {{"base64", "true"}},
                                 multipart_body(parts), {{"Authorization", "Bearer " + session_token}}));
    return r.result;
}

Result<json> ApiClient::upload_asset(const std::string& account, const std::string& session_token,
                                     const std::string& hash, Body file) {
    TRY_ASSIGN(ApiResult r, call(Method::Post, account_path(account) + "/workers/assets/upload/" + url_encode(hash), {},
                                 std::move(file), {{"Authorization", "Bearer " + session_token}}));
    return r.result;
}

}  // namespace tenantctl::api
