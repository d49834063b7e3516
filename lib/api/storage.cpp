// Storage: KV namespaces, keys and values; R2 buckets; D1 databases and queries.
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

KvNamespace to_kv_ns(const json& j) {
    return KvNamespace{field_text(j, "id"), field_text(j, "title"), j};
}
R2Bucket to_bucket(const json& j) {
    return R2Bucket{field_text(j, "name"),          field_text(j, "creation_date"), field_text(j, "location"),
                    field_text(j, "storage_class"), field_text(j, "jurisdiction"),  j};
}

}  // namespace

// ---------------------------------------------------------------------------------------------------
// KV

std::string kv_path(const std::string& account) {
    return account_path(account) + "/storage/kv/namespaces";
}

Result<std::vector<KvNamespace>> ApiClient::list_kv_namespaces(const std::string& account) {
    ListOptions o = list_options(PageStyle::PagePerPage, 100);
    TRY_ASSIGN(auto items, list_all(kv_path(account), {}, o));
    std::vector<KvNamespace> out;
    for (const auto& j : items) out.push_back(to_kv_ns(j));
    return out;
}

Result<KvNamespace> ApiClient::create_kv_namespace(const std::string& account, const std::string& title) {
    TRY_ASSIGN(ApiResult r, call(Method::Post, kv_path(account), {}, json_body({{"title", title}})));
    return to_kv_ns(r.result);
}

Status ApiClient::delete_kv_namespace(const std::string& account, const std::string& id) {
    TRY_STATUS(call(Method::Delete, kv_path(account) + "/" + url_encode(id)));
    return {};
}

Result<KvNamespace> ApiClient::rename_kv_namespace(const std::string& account, const std::string& id,
                                                   const std::string& title) {
    TRY_ASSIGN(ApiResult r,
               call(Method::Put, kv_path(account) + "/" + url_encode(id), {}, json_body({{"title", title}})));
    KvNamespace ns = to_kv_ns(r.result);
    if (ns.id.empty()) ns.id = id;
    if (ns.title.empty()) ns.title = title;
    return ns;
}

Result<std::vector<KvKey>> ApiClient::list_kv_keys(const std::string& account, const std::string& ns,
                                                   const std::string& prefix) {
    ListOptions o = list_options(PageStyle::Cursor, 1000, "limit");
    Query q;
    if (!prefix.empty()) q.emplace_back("prefix", prefix);
    TRY_ASSIGN(auto items, list_all(kv_path(account) + "/" + url_encode(ns) + "/keys", q, o));
    std::vector<KvKey> out;
    for (const auto& j : items) {
        KvKey k;
        k.name = field_text(j, "name");
        if (j.is_object()) {
            if (auto it = j.find("expiration"); it != j.end() && it->is_number()) k.expiration = it->get<long long>();
        }
        k.raw = j;
        out.push_back(std::move(k));
    }
    return out;
}

std::string kv_value_path(const std::string& account, const std::string& ns, const std::string& key) {
    return kv_path(account) + "/" + url_encode(ns) + "/values/" + url_encode(key);
}

Status ApiClient::put_kv_value(const std::string& account, const std::string& ns, const std::string& key,
                               const std::string& value, bool multipart, const std::string& metadata_json) {
    Body body;
    if (multipart) {
        body = multipart_body(
            build_multipart({FormPart{"value", "", "", value}, FormPart{"metadata", "", "", metadata_json}}));
    } else {
        body = Body{"application/octet-stream", value};
    }
    TRY_STATUS(call(Method::Put, kv_value_path(account, ns, key), {}, body));
    return {};
}

Result<std::string> ApiClient::get_kv_value(const std::string& account, const std::string& ns, const std::string& key) {
    TRY_ASSIGN(HttpResponse r, call_raw(Method::Get, kv_value_path(account, ns, key)));
    return std::move(r.body);
}

Status ApiClient::delete_kv_value(const std::string& account, const std::string& ns, const std::string& key) {
    TRY_STATUS(call(Method::Delete, kv_value_path(account, ns, key)));
    return {};
}

// ---------------------------------------------------------------------------------------------------
// R2

Headers r2_headers(const R2Options& o) {
    Headers h;
    if (!o.jurisdiction.empty()) h.emplace_back("cf-r2-jurisdiction", o.jurisdiction);
    return h;
}

Result<std::vector<R2Bucket>> ApiClient::list_r2_buckets(const std::string& account, const R2Options& options) {
    ListOptions o = list_options(PageStyle::Cursor, 1000, "per_page", "buckets");
    TRY_ASSIGN(auto items, list_all(account_path(account) + "/r2/buckets", {}, o, r2_headers(options)));
    std::vector<R2Bucket> out;
    for (const auto& j : items) out.push_back(to_bucket(j));
    return out;
}

Result<R2Bucket> ApiClient::create_r2_bucket(const std::string& account, const std::string& name,
                                             const R2Options& options) {
    json body = {{"name", name}};
    if (!options.location_hint.empty()) body["locationHint"] = options.location_hint;
    if (!options.storage_class.empty()) body["storageClass"] = options.storage_class;
    TRY_ASSIGN(ApiResult r,
               call(Method::Post, account_path(account) + "/r2/buckets", {}, json_body(body), r2_headers(options)));
    R2Bucket b = to_bucket(r.result);
    if (b.name.empty()) b.name = name;
    return b;
}

Result<R2Bucket> ApiClient::get_r2_bucket(const std::string& account, const std::string& name,
                                          const R2Options& options) {
    TRY_ASSIGN(ApiResult r, call(Method::Get, account_path(account) + "/r2/buckets/" + url_encode(name), {},
                                 std::nullopt, r2_headers(options)));
    return to_bucket(r.result);
}

Status ApiClient::delete_r2_bucket(const std::string& account, const std::string& name, const R2Options& options) {
    TRY_STATUS(call(Method::Delete, account_path(account) + "/r2/buckets/" + url_encode(name), {}, std::nullopt,
                    r2_headers(options)));
    return {};
}

// ---------------------------------------------------------------------------------------------------
// D1

std::string d1_path(const std::string& account) {
    return account_path(account) + "/d1/database";
}

long long number_or(const json& j, const char* key, long long fallback) {
    if (!j.is_object()) return fallback;
    auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<long long>() : fallback;
}

D1Database to_d1(const json& j) {
    return D1Database{field_text(j, "uuid"),
                      field_text(j, "name"),
                      field_text(j, "created_at"),
                      field_text(j, "version"),
                      number_or(j, "file_size", -1),
                      number_or(j, "num_tables", -1),
                      j};
}

Result<std::vector<D1Database>> ApiClient::list_d1_databases(const std::string& account, const std::string& name) {
    Query q;
    if (!name.empty()) q.emplace_back("name", name);
    TRY_ASSIGN(auto items, list_all(d1_path(account), q, list_options(PageStyle::PagePerPage, 1000)));
    std::vector<D1Database> out;
    for (const auto& j : items) out.push_back(to_d1(j));
    return out;
}

Result<D1Database> ApiClient::create_d1_database(const std::string& account, const std::string& name) {
    TRY_ASSIGN(ApiResult r, call(Method::Post, d1_path(account), {}, json_body(json{{"name", name}})));
    D1Database d = to_d1(r.result);
    if (d.name.empty()) d.name = name;
    return d;
}

Result<D1Database> ApiClient::get_d1_database(const std::string& account, const std::string& id) {
    TRY_ASSIGN(ApiResult r, call(Method::Get, d1_path(account) + "/" + url_encode(id)));
    return to_d1(r.result);
}

Status ApiClient::delete_d1_database(const std::string& account, const std::string& id) {
    TRY_STATUS(call(Method::Delete, d1_path(account) + "/" + url_encode(id)));
    return {};
}

Result<std::vector<D1Result>> ApiClient::query_d1(const std::string& account, const std::string& id,
                                                  const std::string& sql, const json& params) {
    json body{{"sql", sql}};
    if (params.is_array() && !params.empty()) body["params"] = params;
    std::string path = d1_path(account) + "/" + url_encode(id) + "/raw";
    TRY_ASSIGN(ApiResult r, call(Method::Post, path, {}, json_body(body)));
    if (!r.result.is_array())
        return Error(ErrorKind::Api, "POST " + redact_url(path) + " returned a result that is not a list",
                     "check that the API URL points at a Cloudflare API v4 endpoint");
    std::vector<D1Result> out;
    for (const auto& j : r.result) {
        D1Result d;
        d.success = !j.is_object() || json_bool(j, "success", true);
        if (j.is_object() && j.contains("meta") && j["meta"].is_object()) d.meta = j["meta"];
        const json res = j.is_object() ? j.value("results", json::object()) : json::object();
        if (res.is_object()) {
            for (const auto& c : res.value("columns", json::array()))
                d.columns.push_back(c.is_string() ? c.get<std::string>() : c.dump());
            if (res.contains("rows") && res["rows"].is_array()) d.rows = res["rows"];
        }
        out.push_back(std::move(d));
    }
    return out;
}

}  // namespace tenantctl::api
