#include "platform/api_internal.hpp"

#include <cctype>

namespace tenantctl::platform::v4 {

namespace {

// --- dispatch namespaces ---------------------------------------------------------------------------

json ns_render(Ctx& c, const StoredObject& o) {
    json d = o.doc;
    d["script_count"] = c.store.count(K_NSS, d.value("namespace_id", std::string()));
    return d;
}

}  // namespace

std::optional<StoredObject> find_ns(Ctx& c) {
    return c.store.get(K_NS, account_of(c), c.p["ns"]);
}

HttpResponse ns_not_found(Ctx& c) {
    return err(404, 100119, "dispatch namespace " + quoted(c.p["ns"]) + " not found");
}

HttpResponse ns_list(Ctx& c) {
    json arr = json::array();
    for (auto& o : c.store.list(K_NS, account_of(c))) arr.push_back(ns_render(c, o));
    return ok(arr);
}

namespace {

bool valid_ns_name(const std::string& n) {
    if (n.empty() || n.size() > 63) return false;
    for (char ch : n)
        if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_')) return false;
    return true;
}

// A name a namespace may take (valid, and not another namespace's); `current` is the namespace's own name.
std::optional<HttpResponse> check_ns_name(Ctx& c, const std::string& name, const std::string& current) {
    if (!valid_ns_name(name))
        return err(400, 10004, "namespace name " + quoted(name) + " must be 1 to 63 letters, digits, - or _");
    if (name != current && c.store.get(K_NS, account_of(c), name))
        return err(409, 100120, "a dispatch namespace named " + quoted(name) + " already exists");
    return std::nullopt;
}

}  // namespace

HttpResponse ns_create(Ctx& c) {
    json body = json::object();
    if (!c.req.body.empty()) {
        if (auto e = parse_json_body(c, body)) return *e;
    }
    std::string name;
    if (body.contains("name")) {
        if (!body["name"].is_string()) return err(400, 10004, "field name must be a string");
        name = body["name"].get<std::string>();
    } else {
        name = "namespace-" + random_hex(4);
    }
    if (auto e = check_ns_name(c, name, {})) return *e;
    std::string now = now_iso();
    json d{{"namespace_id", uuid_v4()},        {"namespace_name", name}, {"created_on", now},
           {"created_by", c.creds.account_id}, {"modified_on", now},     {"modified_by", c.creds.account_id},
           {"trusted_workers", false}};
    if (body.contains("trusted_workers") && body["trusted_workers"].is_boolean())
        d["trusted_workers"] = body["trusted_workers"];
    c.store.put(K_NS, account_of(c), name, d);
    d["script_count"] = 0;
    return ok(d);
}

HttpResponse ns_get(Ctx& c) {
    auto o = find_ns(c);
    if (!o) return ns_not_found(c);
    return ok(ns_render(c, *o));
}

HttpResponse ns_update(Ctx& c) {
    auto o = find_ns(c);
    if (!o) return ns_not_found(c);
    json body;
    if (auto e = parse_json_body(c, body)) return *e;
    json d = o->doc;
    std::string name = o->name;
    if (body.contains("name") && !body["name"].is_null()) {
        if (!body["name"].is_string()) return err(400, 10004, "field name must be a string");
        std::string nn = body["name"].get<std::string>();
        if (auto e = check_ns_name(c, nn, name)) return *e;
        name = nn;
    }
    if (body.contains("trusted_workers")) {
        if (!body["trusted_workers"].is_boolean()) return err(400, 10004, "field trusted_workers must be a boolean");
        d["trusted_workers"] = body["trusted_workers"];
    }
    d["namespace_name"] = name;
    d["modified_on"] = now_iso();
    if (name != o->name) c.store.erase(K_NS, account_of(c), o->name);
    c.store.put(K_NS, account_of(c), name, d);
    return ok(ns_render(c, StoredObject{name, d, {}, 0}));
}

HttpResponse ns_delete(Ctx& c) {
    auto o = find_ns(c);
    if (!o) return ns_not_found(c);
    std::string id = o->doc.value("namespace_id", std::string());
    c.store.erase_all(K_SECRET, "", std::string(K_NSS) + "/" + id + "/");
    c.store.erase_all(K_NSS, id);
    c.store.erase(K_NS, account_of(c), o->name);
    return ok(nullptr);
}

}  // namespace tenantctl::platform::v4
