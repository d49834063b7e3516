#include "runtime/storage.hpp"

#include <sqlite3.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/fs.hpp"
#include "core/sha256.hpp"
#include "core/strings.hpp"
#include "platform/d1.hpp"
#include "platform/kinds.hpp"

namespace tenantctl::runtime {

using json = nlohmann::json;
using platform::HttpRequest;
using platform::HttpResponse;
using namespace tenantctl::platform;

namespace {

constexpr size_t k_max_storage_body = 128u * 1024 * 1024;  // an R2 put; KV values are capped at 25 MiB

int64_t now_s() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}
int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

HttpResponse text(int status, std::string body, std::string type = "text/plain") {
    HttpResponse r;
    r.status = status;
    r.content_type = std::move(type);
    r.body = std::move(body);
    return r;
}

std::map<std::string, std::string> query_of(const std::string& target, std::string& path) {
    std::map<std::string, std::string> q;
    auto qm = target.find('?');
    path = target.substr(0, qm);
    if (qm == std::string::npos) return q;
    for (auto& kv : split(target.substr(qm + 1), '&')) {
        auto eq = kv.find('=');
        q[url_decode(kv.substr(0, eq))] = eq == std::string::npos ? "" : url_decode(kv.substr(eq + 1));
    }
    return q;
}

bool expired(const StoredObject& o, int64_t now) {
    return o.doc.contains("expiration") && o.doc["expiration"].is_number_integer() &&
           o.doc["expiration"].get<int64_t>() <= now;
}

// --- R2 helpers -------------------------------------------------------------------------------------------

std::string r2_parent(const std::string& account, const std::string& bucket) {
    return account + "/" + bucket;
}

json r2_meta(const StoredObject& o, bool http = true, bool custom = true) {
    json m{{"name", o.name},
           {"version", o.doc.value("version", std::string())},
           {"size", o.doc.value("size", int64_t(0))},
           {"etag", o.doc.value("etag", std::string())},
           {"uploaded", o.doc.value("uploaded", int64_t(0))},
           {"storageClass", "Standard"}};
    // The platform's rows hold the API's shapes; the binding protocol's are httpFields and [{k, v}].
    if (http) m["httpFields"] = o.doc.value("httpMetadata", json::object());
    if (custom) {
        json fields = json::array();
        auto it = o.doc.find("customMetadata");
        if (it != o.doc.end() && it->is_object())
            for (auto kv = it->begin(); kv != it->end(); ++kv)
                fields.push_back({{"k", kv.key()}, {"v", kv->is_string() ? kv->get<std::string>() : kv->dump()}});
        m["customFields"] = fields;
    }
    return m;
}

HttpResponse r2_answer(int status, const json& meta, const std::string& body = {}) {
    std::string m = meta.dump();
    HttpResponse r = text(status, m + body, "application/octet-stream");
    r.headers.push_back({"cf-r2-metadata-size", std::to_string(m.size())});
    return r;
}

HttpResponse r2_error(int status, int code, const std::string& message) {
    HttpResponse r = text(status, "");
    r.headers.push_back({"cf-r2-error", json{{"message", message}, {"version", 1}, {"v4code", code}}.dump()});
    return r;
}

// --- D1 helpers --------------------------------------------------------------------------------------------

json d1_value(sqlite3_stmt* st, int col) {
    switch (sqlite3_column_type(st, col)) {
        case SQLITE_INTEGER:
            return sqlite3_column_int64(st, col);
        case SQLITE_FLOAT:
            return sqlite3_column_double(st, col);
        case SQLITE_NULL:
            return nullptr;
        case SQLITE_BLOB: {
            json a = json::array();
            auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(st, col));
            int n = sqlite3_column_bytes(st, col);
            for (int i = 0; i < n; ++i) a.push_back(p[i]);
            return a;
        }
        default: {
            auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, col));
            return std::string(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(st, col)));
        }
    }
}

bool d1_bind(sqlite3_stmt* st, int i, const json& v) {
    if (v.is_null()) return sqlite3_bind_null(st, i) == SQLITE_OK;
    if (v.is_boolean()) return sqlite3_bind_int64(st, i, v.get<bool>() ? 1 : 0) == SQLITE_OK;
    if (v.is_number_integer()) return sqlite3_bind_int64(st, i, v.get<int64_t>()) == SQLITE_OK;
    if (v.is_number()) return sqlite3_bind_double(st, i, v.get<double>()) == SQLITE_OK;
    if (v.is_string()) {
        auto& s = v.get_ref<const std::string&>();
        return sqlite3_bind_text(st, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT) == SQLITE_OK;
    }
    if (v.is_array()) {  // bytes
        std::string b;
        for (auto& x : v) b += static_cast<char>(x.is_number_integer() ? x.get<int>() : 0);
        return sqlite3_bind_blob(st, i, b.data(), static_cast<int>(b.size()), SQLITE_TRANSIENT) == SQLITE_OK;
    }
    std::string s = v.dump();
    return sqlite3_bind_text(st, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT) == SQLITE_OK;
}

// Runs every statement of one query; the rows are those of the last statement that returned columns.
json d1_exec(sqlite3* db, const json& q, bool rows_and_columns) {
    auto t0 = std::chrono::steady_clock::now();
    std::string sql = q.value("sql", std::string());
    json params = q.contains("params") && q["params"].is_array() ? q["params"] : json::array();
    json columns = json::array();
    json rows = json::array();
    int64_t changes = 0, rows_read = 0;
    const char* tail = sql.c_str();
    const char* end = sql.c_str() + sql.size();
    size_t next_param = 0;
    while (tail < end) {
        sqlite3_stmt* st = nullptr;
        const char* rest = nullptr;
        if (sqlite3_prepare_v2(db, tail, static_cast<int>(end - tail), &st, &rest) != SQLITE_OK)
            return {{"success", false}, {"error", std::string(sqlite3_errmsg(db)) + ": SQLITE_ERROR"}};
        tail = rest;
        if (!st) continue;  // whitespace or a comment
        int n = sqlite3_bind_parameter_count(st);
        for (int i = 1; i <= n; ++i) {
            const char* pname = sqlite3_bind_parameter_name(st, i);
            size_t idx = next_param++;
            if (pname && pname[0] == '?' && pname[1]) idx = static_cast<size_t>(std::atoi(pname + 1)) - 1;
            if (idx < params.size()) d1_bind(st, i, params[idx]);
        }
        int cols = sqlite3_column_count(st);
        json these_cols = json::array();
        for (int c = 0; c < cols; ++c) these_cols.push_back(sqlite3_column_name(st, c));
        json these_rows = json::array();
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            json row = json::array();
            for (int c = 0; c < cols; ++c) row.push_back(d1_value(st, c));
            these_rows.push_back(std::move(row));
            ++rows_read;
        }
        if (rc != SQLITE_DONE) {
            std::string e = sqlite3_errmsg(db);
            sqlite3_finalize(st);
            return {{"success", false}, {"error", e + ": SQLITE_ERROR"}};
        }
        changes += sqlite3_changes(db);
        sqlite3_finalize(st);
        if (cols > 0) {
            columns = std::move(these_cols);
            rows = std::move(these_rows);
        }
    }
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    json meta{{"served_by", "tenantctl-dev"}, {"duration", ms},
              {"changes", changes},           {"last_row_id", sqlite3_last_insert_rowid(db)},
              {"changed_db", changes > 0},    {"size_after", 0},
              {"rows_read", rows_read},       {"rows_written", changes}};
    json out{{"success", true}, {"meta", meta}};
    if (rows_and_columns)
        out["results"] = {{"columns", columns}, {"rows", rows}};
    else
        out["results"] = json::array();
    return out;
}

}  // namespace

StorageService::StorageService(Store& store, std::string account_id, std::string state_dir, std::string token)
    : m_store(store), m_account(std::move(account_id)), m_state_dir(std::move(state_dir)), m_token(std::move(token)) {}

StorageService::~StorageService() {
    for (auto& [id, db] : m_d1) sqlite3_close(db);
}

HttpResponse StorageService::error(int status, int /*code*/, const std::string& message) {
    return text(status, message + "\n");
}

StorageService::HeadCheck StorageService::check_head(const HttpRequest& head) {
    if (m_token.empty() || head.header("x-tenantctl-token") != m_token)
        return {.response = text(401, "not a binding of this runtime\n")};
    return {.response = std::nullopt, .body_limit = k_max_storage_body, .limit_name = "runtime storage request"};
}

HttpResponse StorageService::handle(const HttpRequest& req) {
    if (req.header("x-tenantctl-token") != m_token) return text(401, "not a binding of this runtime\n");
    std::string b = req.header("x-tenantctl-binding");
    try {
        if (b.rfind("kv:", 0) == 0) return kv(b.substr(3), req);
        if (b.rfind("r2:", 0) == 0) return r2(b.substr(3), req);
        if (b.rfind("d1:", 0) == 0) return d1(b.substr(3), req);
        if (b == "tail") {
            if (on_records) on_records(req.body);
            return text(200, "");
        }
        if (b == "control") {
            std::string path;
            auto q = query_of(req.target, path);
            std::string reason = why && path == "/why" ? why(q["script"]) : std::string();
            return reason.empty() ? text(404, "") : text(200, reason);
        }
    } catch (const std::exception& e) {
        return text(500, std::string("storage error: ") + e.what() + "\n");
    }
    return text(404, "unknown binding\n");
}

void StorageService::ensure_kv_namespace(const std::string& id) {
    {
        std::lock_guard lock(m_known_mutex);
        if (m_known.count("kv:" + id)) return;
    }
    bool created = false;
    m_store.transaction(true, [&] {
        if (m_store.get(K_KVNS, m_account, id)) return false;
        m_store.put(K_KVNS, m_account, id, json{{"id", id}, {"title", "local-" + id}, {"supports_url_encoding", true}});
        created = true;
        return true;
    });
    {
        std::lock_guard lock(m_known_mutex);
        m_known.insert("kv:" + id);
    }
    if (created && on_created) on_created("kv namespace " + id);
}

void StorageService::ensure_bucket(const std::string& name) {
    {
        std::lock_guard lock(m_known_mutex);
        if (m_known.count("r2:" + name)) return;
    }
    bool created = false;
    m_store.transaction(true, [&] {
        if (m_store.get(K_R2, m_account, name)) return false;
        m_store.put(K_R2, m_account, name,
                    json{{"name", name},
                         {"creation_date", "1970-01-01T00:00:00Z"},
                         {"location", "local"},
                         {"storage_class", "Standard"},
                         {"jurisdiction", "default"}});
        created = true;
        return true;
    });
    {
        std::lock_guard lock(m_known_mutex);
        m_known.insert("r2:" + name);
    }
    if (created && on_created) on_created("r2 bucket " + name);
}

HttpResponse StorageService::kv(const std::string& ns, const HttpRequest& req) {
    ensure_kv_namespace(ns);
    std::string path;
    auto q = query_of(req.target, path);
    int64_t now = now_s();
    if (req.method == "POST" && path == "/bulk/get") {
        json b = json::parse(req.body, nullptr, false);
        if (!b.is_object() || !b.contains("keys") || !b["keys"].is_array()) return text(400, "bad bulk request\n");
        std::string type = b.value("type", std::string("text"));
        bool with_meta = b.value("withMetadata", false);
        json out = json::object();
        m_store.transaction(false, [&] {
            for (auto& k : b["keys"]) {
                if (!k.is_string()) continue;
                auto o = m_store.get(K_KV, ns, k.get<std::string>());
                json v = nullptr;
                if (o && !expired(*o, now)) {
                    v = o->blob;
                    if (type == "json") v = json::parse(o->blob, nullptr, false);
                    if (with_meta) v = json{{"value", v}, {"metadata", o->doc.value("metadata", json(nullptr))}};
                }
                out[k.get<std::string>()] = v;
            }
            return true;
        });
        return text(200, out.dump(), "application/json");
    }
    if (req.method == "GET" && path == "/") {
        int64_t limit = 1000;
        if (auto it = q.find("key_count_limit"); it != q.end())
            limit = std::clamp<int64_t>(std::atoll(it->second.c_str()), 1, 1000);
        std::string prefix = q.count("prefix") ? q["prefix"] : std::string();
        std::string after = q.count("cursor") ? q["cursor"] : std::string();
        std::vector<StoredObject> rows;
        m_store.transaction(false, [&] {
            rows = m_store.list(K_KV, ns, false, prefix, after, limit + 1);
            return true;
        });
        json keys = json::array();
        bool more = static_cast<int64_t>(rows.size()) > limit;
        for (int64_t i = 0; i < static_cast<int64_t>(rows.size()) && i < limit; ++i) {
            if (expired(rows[i], now)) continue;
            json k{{"name", rows[i].name}};
            if (rows[i].doc.contains("expiration")) k["expiration"] = rows[i].doc["expiration"];
            if (rows[i].doc.contains("metadata")) k["metadata"] = rows[i].doc["metadata"].dump();
            keys.push_back(std::move(k));
        }
        json out{{"keys", keys}, {"list_complete", !more}, {"cacheStatus", nullptr}};
        if (more) out["cursor"] = rows[static_cast<size_t>(limit - 1)].name;
        return text(200, out.dump(), "application/json");
    }
    std::string key = url_decode(path.size() > 1 ? path.substr(1) : std::string());
    if (key.empty()) return text(400, "a key is required\n");
    if (req.method == "GET") {
        std::optional<StoredObject> o;
        m_store.transaction(false, [&] {
            o = m_store.get(K_KV, ns, key);
            return true;
        });
        if (!o || expired(*o, now)) return text(404, "key not found\n");
        HttpResponse r = text(200, o->blob, "application/octet-stream");
        if (o->doc.contains("expiration")) r.headers.push_back({"CF-Expiration", o->doc["expiration"].dump()});
        if (o->doc.contains("metadata")) r.headers.push_back({"CF-KV-Metadata", o->doc["metadata"].dump()});
        return r;
    }
    if (req.method == "PUT") {
        if (key.size() > 512) return text(414, "KV key is longer than 512 bytes\n");
        if (req.body.size() > 25u * 1024 * 1024) return text(413, "KV value is larger than 25 MiB\n");
        json d = json::object();
        if (auto m = req.header("cf-kv-metadata"); !m.empty()) {
            json meta = json::parse(m, nullptr, false);
            if (meta.is_discarded()) return text(400, "metadata is not JSON\n");
            d["metadata"] = meta;
        }
        if (auto it = q.find("expiration_ttl"); it != q.end()) {
            int64_t ttl = std::atoll(it->second.c_str());
            if (ttl < 60)
                return text(400, "Invalid expiration_ttl of " + it->second + ". Expiration TTL must be at least 60.\n");
            d["expiration"] = now + ttl;
        } else if (auto e = q.find("expiration"); e != q.end()) {
            int64_t t = std::atoll(e->second.c_str());
            if (t < now + 60)
                return text(400, "Invalid expiration of " + e->second +
                                     ". Expiration times must be at least 60 seconds in the future.\n");
            d["expiration"] = t;
        }
        m_store.transaction(true, [&] {
            m_store.put(K_KV, ns, key, d, req.body);
            return true;
        });
        return text(200, "");
    }
    if (req.method == "DELETE") {
        m_store.transaction(true, [&] {
            m_store.erase(K_KV, ns, key);
            return true;
        });
        return text(200, "");
    }
    return text(405, "method not allowed\n");
}

HttpResponse StorageService::r2(const std::string& bucket, const HttpRequest& req) {
    const std::string parent = r2_parent(m_account, bucket);
    json rq;
    std::string value;
    if (req.method == "GET") {
        rq = json::parse(req.header("cf-r2-request"), nullptr, false);
    } else {
        size_t n = static_cast<size_t>(std::atoll(req.header("cf-r2-metadata-size").c_str()));
        if (n > req.body.size()) return r2_error(400, 10001, "metadata size exceeds the body");
        rq = json::parse(req.body.substr(0, n), nullptr, false);
        value = req.body.substr(n);
    }
    if (!rq.is_object()) return r2_error(400, 10001, "malformed R2 request");
    ensure_bucket(bucket);
    std::string method = rq.value("method", std::string());
    std::string key = rq.value("object", std::string());
    if (method == "head" || method == "get") {
        std::optional<StoredObject> o;
        m_store.transaction(false, [&] {
            o = m_store.get(K_R2OBJ, parent, key);
            return true;
        });
        if (!o) return r2_error(404, 10007, "The specified key does not exist.");
        json meta = r2_meta(*o);
        if (method == "head") return r2_answer(200, meta);
        std::string body = o->blob;
        if (rq.contains("range") && rq["range"].is_object()) {
            const json& r = rq["range"];
            uint64_t size = body.size();
            uint64_t off = 0, len = size;
            if (r.contains("suffix")) {
                uint64_t s = std::min<uint64_t>(r["suffix"].get<uint64_t>(), size);
                off = size - s;
                len = s;
            } else {
                if (r.contains("offset")) off = std::min<uint64_t>(r["offset"].get<uint64_t>(), size);
                len = size - off;
                if (r.contains("length")) len = std::min<uint64_t>(r["length"].get<uint64_t>(), len);
            }
            body = body.substr(off, len);
            meta["range"] = {{"offset", off}, {"length", len}};
        }
        return r2_answer(200, meta, body);
    }
    if (method == "list") {
        int64_t limit = rq.contains("limit") && rq["limit"].is_number() ? rq["limit"].get<int64_t>() : 1000;
        limit = std::clamp<int64_t>(limit, 1, 1000);
        std::string prefix = rq.value("prefix", std::string());
        std::string after = rq.value("cursor", std::string());
        if (after.empty()) after = rq.value("startAfter", std::string());
        std::string delim = rq.value("delimiter", std::string());
        bool http = false, custom = false;
        for (auto& i : rq.value("include", json::array())) {
            if (i == 0) http = true;
            if (i == 1) custom = true;
        }
        std::vector<StoredObject> rows;
        m_store.transaction(false, [&] {
            rows = m_store.list(K_R2OBJ, parent, false, prefix, after, -1);
            return true;
        });
        json objects = json::array();
        std::vector<std::string> prefixes;
        std::string last;
        bool truncated = false;
        int64_t count = 0;
        for (auto& o : rows) {
            if (count >= limit) {
                truncated = true;
                break;
            }
            if (!delim.empty()) {
                auto d = o.name.find(delim, prefix.size());
                if (d != std::string::npos) {
                    std::string p = o.name.substr(0, d + delim.size());
                    if (prefixes.empty() || prefixes.back() != p) {
                        prefixes.push_back(p);
                        ++count;
                    }
                    last = o.name;
                    continue;
                }
            }
            objects.push_back(r2_meta(o, http, custom));
            last = o.name;
            ++count;
        }
        json out{{"objects", objects}, {"truncated", truncated}, {"delimitedPrefixes", prefixes}};
        if (truncated) out["cursor"] = last;
        return r2_answer(200, out);
    }
    if (method == "put") {
        json custom = json::object();
        for (auto& f : rq.value("customFields", json::array()))
            if (f.is_object() && f.contains("k") && f["k"].is_string())
                custom[f["k"].get<std::string>()] = f.value("v", "");
        json d{{"size", value.size()},
               {"etag", sha256_hex(value).substr(0, 32)},
               {"version", sha256_hex(key + std::to_string(now_ms())).substr(0, 32)},
               {"uploaded", now_ms()},
               {"httpMetadata", rq.value("httpFields", json::object())},
               {"customMetadata", custom}};
        StoredObject o{key, d, {}, 0};
        m_store.transaction(true, [&] {
            m_store.put(K_R2OBJ, parent, key, d, value);
            return true;
        });
        return r2_answer(200, r2_meta(o));
    }
    if (method == "delete") {
        std::vector<std::string> keys;
        if (rq.contains("objects") && rq["objects"].is_array()) {
            for (auto& k : rq["objects"])
                if (k.is_string()) keys.push_back(k.get<std::string>());
        } else {
            keys.push_back(key);
        }
        m_store.transaction(true, [&] {
            for (auto& k : keys) m_store.erase(K_R2OBJ, parent, k);
            return true;
        });
        return r2_answer(200, json::object());
    }
    return r2_error(501, 10000, "R2 " + method + " is not supported by tenantctl dev yet");
}

sqlite3* StorageService::d1_database(const std::string& id, std::string& error) {
    auto it = m_d1.find(id);
    if (it != m_d1.end()) return it->second;
    if (!valid_d1_id(id)) {
        error = "invalid database id " + quoted(id);
        return nullptr;
    }
    bool created = false;
    m_store.transaction(true, [&] {
        if (m_store.get(K_D1, m_account, id)) return false;
        m_store.put(K_D1, m_account, id,
                    json{{"uuid", id},
                         {"name", "local-" + id},
                         {"created_at", "1970-01-01T00:00:00Z"},
                         {"version", "production"},
                         {"file_size", 0},
                         {"num_tables", 0}});
        created = true;
        return true;
    });
    if (created && on_created) on_created("d1 database " + id);
    if (auto st = make_dirs(m_state_dir + "/d1", 0700); !st.ok()) {
        error = st.error().message;
        return nullptr;
    }
    sqlite3* db = nullptr;
    if (sqlite3_open(d1_database_path(m_state_dir, id).c_str(), &db) != SQLITE_OK) {
        error = db ? sqlite3_errmsg(db) : "cannot open the database";
        sqlite3_close(db);
        return nullptr;
    }
    sqlite3_busy_timeout(db, 5000);
    sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
    m_d1[id] = db;
    return db;
}

HttpResponse StorageService::d1(const std::string& id, const HttpRequest& req) {
    std::string path;
    auto q = query_of(req.target, path);
    if (req.method != "POST" || (path != "/query" && path != "/execute")) return text(404, "unknown D1 call\n");
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded()) return text(400, "D1 request is not JSON\n");
    bool rows = q["resultsFormat"] != "NONE";
    std::lock_guard lock(m_d1_mutex);
    std::string error;
    sqlite3* db = d1_database(id, error);
    if (!db) return text(200, json{{"success", false}, {"error", error}}.dump(), "application/json");
    if (!body.is_array()) return text(200, d1_exec(db, body, rows).dump(), "application/json");
    // A batch runs as one transaction: all statements or none.
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    json out = json::array();
    for (auto& one : body) {
        json r = d1_exec(db, one, rows);
        if (!r.value("success", false)) {
            sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
            return text(200, json::array({r}).dump(), "application/json");
        }
        out.push_back(std::move(r));
    }
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    return text(200, out.dump(), "application/json");
}

}  // namespace tenantctl::runtime
