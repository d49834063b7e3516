#include "platform/api_internal.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <regex>
#include <set>
#include <tuple>

#include "platform/d1.hpp"

namespace tenantctl::platform::v4 {

namespace {

// --- KV ------------------------------------------------------------------------------------------------

std::optional<StoredObject> find_kvns(Ctx& c) {
    return c.store.get(K_KVNS, account_of(c), c.p["kvns"]);
}
HttpResponse kvns_not_found(Ctx& c) {
    return err(404, 10013, "kv namespace " + quoted(c.p["kvns"]) + " not found");
}

// A key's row, unless it has expired.
std::optional<StoredObject> live_kv(Ctx& c, const std::string& ns, const std::string& key) {
    auto v = c.store.get(K_KV, ns, key);
    if (v && v->doc.contains("expiration") && v->doc["expiration"].get<int64_t>() <= unix_now()) return std::nullopt;
    return v;
}

bool kv_title_taken(Ctx& c, const std::string& title, const std::string& except_id) {
    for (auto& o : c.store.list(K_KVNS, account_of(c)))
        if (o.doc.value("title", std::string()) == title && o.name != except_id) return true;
    return false;
}

}  // namespace

HttpResponse kvns_list(Ctx& c) {
    auto all = c.store.list(K_KVNS, account_of(c));
    std::string order = qget(c.q, "order");
    if (!order.empty() && order != "id" && order != "title")
        return err(400, 10004, "order must be id or title, got " + quoted(order));
    std::string dir = qget(c.q, "direction");
    if (!dir.empty() && dir != "asc" && dir != "desc")
        return err(400, 10004, "direction must be asc or desc, got " + quoted(dir));
    if (!order.empty())
        std::stable_sort(all.begin(), all.end(), [&](const StoredObject& a, const StoredObject& b) {
            return a.doc.value(order, std::string()) < b.doc.value(order, std::string());
        });
    if (dir == "desc") std::reverse(all.begin(), all.end());
    // per_page up to 1000: what KV takes (the SDK and wrangler ask for 1000), though the schema says 100.
    return paged<StoredObject>(c, all, 20, 5, 1000, [](const StoredObject& o) { return o.doc; });
}

HttpResponse kvns_create(Ctx& c) {
    json b;
    if (auto e = parse_json_body(c, b)) return *e;
    if (!b.contains("title") || !b["title"].is_string() || b["title"].get<std::string>().empty())
        return err(400, 10019, "field title must be a non-empty string");
    std::string title = b["title"].get<std::string>();
    if (title.size() > 512) return err(400, 10019, "title is longer than 512 characters");
    if (kv_title_taken(c, title, ""))
        return err(400, 10014, "a kv namespace titled " + quoted(title) + " already exists");
    json d{{"id", random_hex(16)}, {"title", title}, {"supports_url_encoding", true}};
    c.store.put(K_KVNS, account_of(c), d["id"].get<std::string>(), d);
    return ok(d);
}

HttpResponse kvns_get(Ctx& c) {
    auto o = find_kvns(c);
    if (!o) return kvns_not_found(c);
    return ok(o->doc);
}

HttpResponse kvns_rename(Ctx& c) {
    auto o = find_kvns(c);
    if (!o) return kvns_not_found(c);
    json b;
    if (auto e = parse_json_body(c, b)) return *e;
    if (!b.contains("title") || !b["title"].is_string() || b["title"].get<std::string>().empty())
        return err(400, 10019, "field title must be a non-empty string");
    std::string title = b["title"].get<std::string>();
    if (kv_title_taken(c, title, o->name))
        return err(400, 10014, "a kv namespace titled " + quoted(title) + " already exists");
    json d = o->doc;
    d["title"] = title;
    c.store.put(K_KVNS, account_of(c), o->name, d);
    return ok(d);
}

HttpResponse kvns_delete(Ctx& c) {
    auto o = find_kvns(c);
    if (!o) return kvns_not_found(c);
    c.store.erase_all(K_KV, o->name);
    c.store.erase(K_KVNS, account_of(c), o->name);
    return ok(json::object());
}

HttpResponse kv_keys(Ctx& c) {
    auto o = find_kvns(c);
    if (!o) return kvns_not_found(c);
    int64_t limit = 1000;
    if (auto l = qget(c.q, "limit"); !l.empty()) {
        auto v = to_int(l);
        if (!v || *v < 10 || *v > 1000) return err(400, 10004, "limit must be between 10 and 1000, got " + quoted(l));
        limit = *v;
    }
    std::string after;
    if (auto cur = qget(c.q, "cursor"); !cur.empty()) {
        after = decode_cursor(cur);
        if (after.empty()) return err(400, 10004, "cursor " + quoted(cur) + " is not valid");
    }
    auto rows = c.store.list(K_KV, o->name, false, qget(c.q, "prefix"), after, limit + 1);
    json arr = json::array();
    bool more = static_cast<int64_t>(rows.size()) > limit;
    int64_t now = unix_now();
    std::string last;
    for (int64_t i = 0; i < static_cast<int64_t>(rows.size()) && i < limit; ++i) {
        auto& r = rows[i];
        json k{{"name", r.name}};
        if (r.doc.contains("expiration")) {
            if (r.doc["expiration"].get<int64_t>() <= now) continue;
            k["expiration"] = r.doc["expiration"];
        }
        if (r.doc.contains("metadata")) k["metadata"] = r.doc["metadata"];
        arr.push_back(k);
        last = r.name;
    }
    if (more) last = rows[limit - 1].name;
    int64_t n = static_cast<int64_t>(arr.size());
    return ok_info(arr, {{"count", n}, {"cursor", more ? encode_cursor(last) : std::string()}});
}

HttpResponse kv_put(Ctx& c) {
    auto o = find_kvns(c);
    if (!o) return kvns_not_found(c);
    std::string key = c.p["key"];
    if (key.empty() || key.size() > 512) return err(400, 10019, "key name must be 1 to 512 bytes");
    if (key == "." || key == "..") return err(400, 10019, "key name must not be . or ..");
    json d = json::object();
    std::string value;
    std::string ct = c.header("content-type");
    if (media_type(ct) == "multipart/form-data") {
        auto parts = c.pre.parts ? std::move(*c.pre.parts) : parse_multipart(ct, c.req.body);
        if (!parts.ok()) return err(400, 10001, parts.error().message);
        bool have_value = false;
        for (auto& p : parts.value()) {
            if (p.name == "value") {
                value = p.body;
                have_value = true;
            } else if (p.name == "metadata") {
                json m = json::parse(p.body, nullptr, false);
                if (m.is_discarded()) return err(400, 10001, "the metadata part is not valid JSON");
                d["metadata"] = m;
            }
        }
        if (!have_value) return err(400, 10001, "the multipart body has no value part");
    } else {
        value = c.req.body;
    }
    if (value.size() > 25 * 1024 * 1024) return err(413, 10002, "a kv value may be at most 25 MiB");
    int64_t now = unix_now();
    if (auto e = qget(c.q, "expiration"); !e.empty()) {
        auto v = to_int(e);
        if (!v || *v < now + 60)
            return err(400, 10004, "expiration must be a unix time at least 60 seconds in the future");
        d["expiration"] = *v;
    }
    if (auto e = qget(c.q, "expiration_ttl"); !e.empty()) {
        auto v = to_int(e);
        if (!v || *v < 60) return err(400, 10004, "expiration_ttl must be at least 60 seconds");
        d["expiration"] = now + *v;
    }
    c.store.put(K_KV, o->name, key, d, value);
    return ok(json::object());
}

HttpResponse kv_get(Ctx& c) {
    auto o = find_kvns(c);
    if (!o) return kvns_not_found(c);
    auto v = live_kv(c, o->name, c.p["key"]);
    if (!v) return err(404, 10009, "get: 'key not found'");
    HttpResponse r;
    r.content_type = "application/octet-stream";
    r.body = v->blob;
    return r;
}

HttpResponse kv_delete(Ctx& c) {
    auto o = find_kvns(c);
    if (!o) return kvns_not_found(c);
    c.store.erase(K_KV, o->name, c.p["key"]);
    return ok(json::object());
}

HttpResponse kv_metadata(Ctx& c) {
    auto o = find_kvns(c);
    if (!o) return kvns_not_found(c);
    auto v = live_kv(c, o->name, c.p["key"]);
    if (!v) return err(404, 10009, "get: 'key not found'");
    return ok(v->doc.value("metadata", json(nullptr)));
}

// PUT …/bulk: [{key, value, base64?, expiration?, expiration_ttl?, metadata?}], at most 10,000 pairs.
HttpResponse kv_bulk_put(Ctx& c) {
    auto o = find_kvns(c);
    if (!o) return kvns_not_found(c);
    json b;
    if (auto e = parse_json_body(c, b, false)) return *e;
    if (!b.is_array()) return err(400, 10001, "the body must be an array of {key, value}");
    if (b.size() > 10000) return err(400, 10004, "at most 10000 pairs per bulk write, got " + std::to_string(b.size()));
    int64_t now = unix_now();
    std::vector<std::tuple<std::string, json, std::string>> rows;
    for (auto& item : b) {
        if (!item.is_object() || !item.contains("key") || !item["key"].is_string() || !item.contains("value") ||
            !item["value"].is_string())
            return err(400, 10001, "each pair needs a string key and a string value");
        std::string key = item["key"].get<std::string>();
        if (key.empty() || key.size() > 512 || key == "." || key == "..")
            return err(400, 10019, "key name " + quoted(key) + " must be 1 to 512 bytes and not . or ..");
        std::string value = item["value"].get<std::string>();
        if (item.value("base64", false)) {
            auto d = base64_decode(value);
            if (!d) return err(400, 10001, "the value of " + quoted(key) + " is not valid base64");
            value = *d;
        }
        json d = json::object();
        if (item.contains("expiration") && !item["expiration"].is_null()) {
            if (!item["expiration"].is_number_integer() || item["expiration"].get<int64_t>() < now + 60)
                return err(400, 10004, "expiration must be a unix time at least 60 seconds in the future");
            d["expiration"] = item["expiration"];
        }
        if (item.contains("expiration_ttl") && !item["expiration_ttl"].is_null()) {
            if (!item["expiration_ttl"].is_number_integer() || item["expiration_ttl"].get<int64_t>() < 60)
                return err(400, 10004, "expiration_ttl must be at least 60 seconds");
            d["expiration"] = now + item["expiration_ttl"].get<int64_t>();
        }
        if (item.contains("metadata") && !item["metadata"].is_null()) d["metadata"] = item["metadata"];
        rows.emplace_back(key, d, value);
    }
    for (auto& [key, d, value] : rows) c.store.put(K_KV, o->name, key, d, value);
    return ok({{"successful_key_count", static_cast<int64_t>(rows.size())}, {"unsuccessful_keys", json::array()}});
}

// POST …/bulk/delete (and the older DELETE …/bulk): ["key", …].
HttpResponse kv_bulk_delete(Ctx& c) {
    auto o = find_kvns(c);
    if (!o) return kvns_not_found(c);
    json b;
    if (auto e = parse_json_body(c, b, false)) return *e;
    if (!b.is_array()) return err(400, 10001, "the body must be an array of key names");
    if (b.size() > 10000) return err(400, 10004, "at most 10000 keys per bulk delete, got " + std::to_string(b.size()));
    for (auto& k : b)
        if (!k.is_string()) return err(400, 10001, "the body must be an array of key names");
    for (auto& k : b) c.store.erase(K_KV, o->name, k.get<std::string>());
    return ok({{"successful_key_count", static_cast<int64_t>(b.size())}, {"unsuccessful_keys", json::array()}});
}

// POST …/bulk/get: {keys: [...], type?: "text"|"json", withMetadata?: bool} -> {values: {key: value}}.
HttpResponse kv_bulk_get(Ctx& c) {
    auto o = find_kvns(c);
    if (!o) return kvns_not_found(c);
    json b;
    if (auto e = parse_json_body(c, b)) return *e;
    if (!b.contains("keys") || !b["keys"].is_array() || b["keys"].size() > 100)
        return err(400, 10001, "keys must be an array of at most 100 key names");
    std::string type = b.value("type", std::string("text"));
    if (type != "text" && type != "json") return err(400, 10004, "type must be text or json");
    bool with_meta = b.value("withMetadata", false);
    json values = json::object();
    for (auto& k : b["keys"]) {
        if (!k.is_string()) return err(400, 10001, "keys must be strings");
        auto v = live_kv(c, o->name, k.get<std::string>());
        json val = nullptr;
        if (v) {
            if (type == "json") {
                val = json::parse(v->blob, nullptr, false);
                if (val.is_discarded()) return err(400, 10004, "the value of " + quoted(k) + " is not JSON");
            } else {
                if (!valid_utf8(v->blob)) return err(400, 10004, "the value of " + quoted(k) + " is not text");
                val = v->blob;
            }
        }
        if (with_meta) {
            json m{{"value", val}, {"metadata", v ? v->doc.value("metadata", json(nullptr)) : json(nullptr)}};
            if (v && v->doc.contains("expiration")) m["expiration"] = v->doc["expiration"];
            values[k.get<std::string>()] = m;
        } else {
            values[k.get<std::string>()] = val;
        }
    }
    return ok({{"values", values}});
}

// --- R2 ------------------------------------------------------------------------------------------------

namespace {

HttpResponse bucket_not_found(Ctx& c) {
    return err(404, 10006, "the specified bucket " + quoted(c.p["bucket"]) + " does not exist");
}

}  // namespace

json r2_bucket_doc(const std::string& name, const std::string& location, const std::string& storage_class,
                   const std::string& jurisdiction) {
    return {{"name", name},
            {"creation_date", now_iso()},
            {"location", location},
            {"storage_class", storage_class},
            {"jurisdiction", jurisdiction}};
}

bool valid_bucket_name(const std::string& n) {
    if (n.size() < 3 || n.size() > 63) return false;
    for (char ch : n)
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-')) return false;
    return n.front() != '-' && n.back() != '-';
}

HttpResponse r2_list(Ctx& c) {
    int64_t per_page = 20;
    if (auto s = qget(c.q, "per_page"); !s.empty()) {
        auto v = to_int(s);
        if (!v || *v < 1 || *v > 1000) return err(400, 10004, "per_page must be between 1 and 1000, got " + quoted(s));
        per_page = *v;
    }
    std::string after = qget(c.q, "start_after");
    if (auto cur = qget(c.q, "cursor"); !cur.empty()) after = std::max(after, decode_cursor(cur));
    std::string contains = qget(c.q, "name_contains");
    bool desc = qget(c.q, "direction") == "desc";
    auto all = c.store.list(K_R2, account_of(c), false);
    if (desc) std::reverse(all.begin(), all.end());
    json arr = json::array();
    bool more = false;
    std::string last;
    for (auto& o : all) {
        if (!after.empty() && (desc ? o.name >= after : o.name <= after)) continue;
        if (!contains.empty() && o.name.find(contains) == std::string::npos) continue;
        if (static_cast<int64_t>(arr.size()) >= per_page) {
            more = true;
            break;
        }
        arr.push_back(o.doc);
        last = o.name;
    }
    json info{{"per_page", per_page}};
    if (more) info["cursor"] = encode_cursor(last);
    return ok_info({{"buckets", arr}}, info);
}

HttpResponse r2_create(Ctx& c) {
    json b;
    if (auto e = parse_json_body(c, b)) return *e;
    if (!b.contains("name") || !b["name"].is_string()) return err(400, 10005, "field name must be a string");
    std::string name = b["name"].get<std::string>();
    if (!valid_bucket_name(name))
        return err(400, 10005,
                   "bucket name " + quoted(name) + " must be 3 to 63 of a-z, 0-9 and -, not starting or ending with -");
    if (c.store.get(K_R2, account_of(c), name))
        return err(409, 10004, "a bucket named " + quoted(name) + " already exists");
    std::string hint = b.value("locationHint", std::string("enam"));
    static const std::set<std::string> hints{"apac", "eeur", "enam", "weur", "wnam", "oc"};
    if (!hints.count(hint)) return err(400, 10004, "locationHint " + quoted(hint) + " is not a known location");
    std::string sc = b.value("storageClass", std::string("Standard"));
    if (sc != "Standard" && sc != "InfrequentAccess")
        return err(400, 10004, "storageClass must be Standard or InfrequentAccess");
    std::string juris = c.header("cf-r2-jurisdiction");
    json d = r2_bucket_doc(name, to_lower(hint), sc, juris.empty() ? "default" : juris);
    c.store.put(K_R2, account_of(c), name, d);
    return ok(d);
}

HttpResponse r2_get(Ctx& c) {
    auto o = c.store.get(K_R2, account_of(c), c.p["bucket"]);
    if (!o) return bucket_not_found(c);
    return ok(o->doc);
}

HttpResponse r2_delete(Ctx& c) {
    if (!c.store.get(K_R2, account_of(c), c.p["bucket"])) return bucket_not_found(c);
    if (c.store.count(K_R2OBJ, account_of(c) + "/" + c.p["bucket"]) > 0)
        return err(409, 10008, "the bucket " + quoted(c.p["bucket"]) + " is not empty");
    c.store.erase(K_R2, account_of(c), c.p["bucket"]);
    return ok(json::object());
}

namespace {

// --- R2 objects (the rows the worker runtime's R2 bindings use too: K_R2OBJ) ----------------------------

std::string r2obj_parent(Ctx& c) {
    return account_of(c) + "/" + c.p["bucket"];
}

std::optional<HttpResponse> r2_bucket_check(Ctx& c) {
    if (!c.store.get(K_R2, account_of(c), c.p["bucket"])) return bucket_not_found(c);
    const std::string& key = c.p["key"];
    if (key.empty() || key.size() > 1024) return err(400, 10020, "object key must be 1 to 1024 bytes");
    return std::nullopt;
}

std::string iso_from_ms(int64_t ms) {
    std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    char out[80];
    std::snprintf(out, sizeof out, "%s.%03lldZ", buf, static_cast<long long>(ms % 1000));
    return out;
}

json r2obj_view(const std::string& key, const json& d) {
    return {{"key", key},
            {"size", d.value("size", 0)},
            {"etag", d.value("etag", std::string())},
            {"http_etag", "\"" + d.value("etag", std::string()) + "\""},
            {"uploaded", iso_from_ms(d.value("uploaded", int64_t{0}))},
            {"http_metadata", d.value("httpMetadata", json::object())},
            {"custom_metadata", d.value("customMetadata", json::object())},
            {"storage_class", "Standard"}};
}

}  // namespace

HttpResponse r2obj_put(Ctx& c) {
    if (auto e = r2_bucket_check(c)) return *e;
    json http = json::object();
    for (auto [header, field] :
         std::initializer_list<std::pair<const char*, const char*>>{{"content-type", "contentType"},
                                                                    {"content-language", "contentLanguage"},
                                                                    {"content-disposition", "contentDisposition"},
                                                                    {"content-encoding", "contentEncoding"},
                                                                    {"cache-control", "cacheControl"},
                                                                    {"expires", "cacheExpiry"}})
        if (auto v = c.header(header); !v.empty()) http[field] = v;
    json custom = json::object();
    for (auto& [k, v] : c.req.headers)
        if (starts_with(k, "x-amz-meta-")) custom[k.substr(11)] = v;
    int64_t ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    json d{{"size", static_cast<int64_t>(c.req.body.size())},
           {"etag", sha256_of(c, c.req.body).substr(0, 32)},
           {"uploaded", ms},
           {"httpMetadata", http},
           {"customMetadata", custom}};
    c.store.put(K_R2OBJ, r2obj_parent(c), c.p["key"], d, c.req.body);
    return ok(r2obj_view(c.p["key"], d));
}

HttpResponse r2obj_get(Ctx& c) {
    if (auto e = r2_bucket_check(c)) return *e;
    auto o = c.store.get(K_R2OBJ, r2obj_parent(c), c.p["key"]);
    if (!o) return err(404, 10007, "The specified key does not exist.");
    HttpResponse r;
    json http = o->doc.value("httpMetadata", json::object());
    r.content_type = http.value("contentType", std::string("application/octet-stream"));
    r.body = o->blob;
    r.headers.emplace_back("ETag", "\"" + o->doc.value("etag", std::string()) + "\"");
    for (auto [field, header] :
         std::initializer_list<std::pair<const char*, const char*>>{{"contentLanguage", "Content-Language"},
                                                                    {"contentDisposition", "Content-Disposition"},
                                                                    {"contentEncoding", "Content-Encoding"},
                                                                    {"cacheControl", "Cache-Control"},
                                                                    {"cacheExpiry", "Expires"}})
        if (http.contains(field) && http[field].is_string()) r.headers.emplace_back(header, http[field]);
    return r;
}

HttpResponse r2obj_delete(Ctx& c) {
    if (auto e = r2_bucket_check(c)) return *e;
    c.store.erase(K_R2OBJ, r2obj_parent(c), c.p["key"]);  // deleting a missing key succeeds, as in R2
    return ok(json::object());
}

// --- D1 ------------------------------------------------------------------------------------------------

json d1_database_doc(const std::string& uuid, const std::string& name) {
    return {{"uuid", uuid},   {"name", name},   {"created_at", now_iso()}, {"version", "production"},
            {"file_size", 0}, {"num_tables", 0}};
}

HttpResponse d1_list(Ctx& c) {
    std::vector<StoredObject> all;
    std::string name = qget(c.q, "name");
    for (auto& o : c.store.list(K_D1, account_of(c)))
        if (name.empty() || o.doc.value("name", std::string()).find(name) != std::string::npos) all.push_back(o);
    return paged<StoredObject>(c, all, 1000, 10, 10000, [](const StoredObject& o) {
        return json{{"uuid", o.doc["uuid"]},
                    {"name", o.doc["name"]},
                    {"created_at", o.doc["created_at"]},
                    {"version", o.doc["version"]},
                    {"jurisdiction", o.doc.value("jurisdiction", json(nullptr))}};
    });
}

HttpResponse d1_create(Ctx& c) {
    json b;
    if (auto e = parse_json_body(c, b)) return *e;
    if (!b.contains("name") || !b["name"].is_string()) return err(400, 7400, "field name must be a string");
    std::string name = b["name"].get<std::string>();
    static const std::regex re("^[a-z0-9][a-z0-9-_]*$");
    if (name.size() > 64 || !std::regex_match(name, re))
        return err(400, 7400, "database name " + quoted(name) + " must match ^[a-z0-9][a-z0-9-_]*$");
    for (auto& o : c.store.list(K_D1, account_of(c)))
        if (o.doc.value("name", std::string()) == name)
            return err(409, 7502, "a database named " + quoted(name) + " already exists");
    json d = d1_database_doc(uuid_v4(), name);
    if (b.contains("jurisdiction") && b["jurisdiction"].is_string()) d["jurisdiction"] = b["jurisdiction"];
    c.store.put(K_D1, account_of(c), d["uuid"].get<std::string>(), d);
    return ok(d);
}

namespace {

// A database by uuid or, as the API also takes, by name.
std::optional<StoredObject> find_d1(Ctx& c) {
    const std::string& id = c.p["db"];
    if (auto o = c.store.get(K_D1, account_of(c), id)) return o;
    for (auto& o : c.store.list(K_D1, account_of(c)))
        if (o.doc.value("name", std::string()) == id) return o;
    return std::nullopt;
}

HttpResponse d1_not_found(Ctx& c) {
    return err(404, 7404, "database " + quoted(c.p["db"]) + " not found");
}

}  // namespace

HttpResponse d1_get(Ctx& c) {
    auto o = find_d1(c);
    if (!o) return d1_not_found(c);
    json d = o->doc;
    if (!c.opt.state_dir.empty() && valid_d1_id(o->name)) {
        int64_t size = 0, tables = 0;
        d1_stats(d1_database_path(c.opt.state_dir, o->name), size, tables);
        d["file_size"] = size;
        d["num_tables"] = tables;
    }
    return ok(d);
}

HttpResponse d1_delete(Ctx& c) {
    auto o = find_d1(c);
    if (!o) return d1_not_found(c);
    c.store.erase(K_D1, account_of(c), o->name);
    if (!c.opt.state_dir.empty() && valid_d1_id(o->name)) d1_remove(d1_database_path(c.opt.state_dir, o->name));
    return ok(nullptr);
}

namespace {

// POST …/query and …/raw: {sql, params?} run against the database's file (d1.hpp).
HttpResponse d1_query_impl(Ctx& c, bool raw) {
    auto o = find_d1(c);
    if (!o) return d1_not_found(c);
    json b;
    if (auto e = parse_json_body(c, b)) return *e;
    if (!b.contains("sql") || !b["sql"].is_string() || b["sql"].get<std::string>().empty())
        return err(400, 7400, "field sql must be a non-empty string");
    json params = b.value("params", json(nullptr));
    if (!params.is_null() && !params.is_array()) return err(400, 7400, "field params must be an array");
    if (c.opt.state_dir.empty() || !valid_d1_id(o->name))
        return err(500, 7500, "this platform keeps no D1 database files (no state directory)");
    auto r = d1_run(d1_database_path(c.opt.state_dir, o->name), b["sql"].get<std::string>(), params, raw);
    if (!r.ok()) {
        if (r.error().kind == ErrorKind::Input) return err(400, 7500, r.error().message);
        return err(500, 7500, r.error().message);
    }
    return ok(r.value());
}

}  // namespace

HttpResponse d1_query(Ctx& c) {
    return d1_query_impl(c, false);
}

HttpResponse d1_raw(Ctx& c) {
    return d1_query_impl(c, true);
}

}  // namespace tenantctl::platform::v4
