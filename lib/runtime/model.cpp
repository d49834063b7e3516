#include "runtime/model.hpp"

#include "core/sha256.hpp"
#include "platform/kinds.hpp"

namespace tenantctl::runtime {

using json = nlohmann::json;
using namespace tenantctl::platform;

const Script* Model::find(const std::string& key) const {
    for (auto& s : scripts)
        if (s.key == key) return &s;
    return nullptr;
}

Outbound binding_outbound(const json& b) {
    Outbound o;
    const json out = b.is_object() ? b.value("outbound", json()) : json();
    if (!out.is_object()) return o;
    const json worker = out.value("worker", json());
    if (worker.is_object()) o.service = worker.value("service", std::string());
    for (auto& p : out.value("params", json::array())) {
        if (p.is_string()) o.params.push_back(p.get<std::string>());
        if (p.is_object() && p.contains("name") && p["name"].is_string())
            o.params.push_back(p["name"].get<std::string>());
    }
    return o;
}

std::set<std::string> Model::outbounds(const std::string& ns) const {
    std::set<std::string> out;
    for (auto& s : scripts) {
        if (!s.ns.empty()) continue;
        for (auto& b : s.bindings)
            if (b.is_object() && b.value("type", std::string()) == "dispatch_namespace" &&
                b.value("namespace", std::string()) == ns)
                if (Outbound o = binding_outbound(b); !o.service.empty()) out.insert(o.service);
    }
    return out;
}

std::string module_kind(const std::string& content_type, bool is_main) {
    std::string t = media_type(content_type);
    if (t == "application/javascript+module" || t == "text/javascript+module") return "esModule";
    if (t == "application/javascript" || t == "text/javascript") return is_main ? "esModule" : "commonJsModule";
    if (t == "text/plain") return "text";
    if (t == "application/wasm") return "wasm";
    if (t == "application/json") return "json";
    if (t == "application/source-map" || t == "text/x-python" || t == "text/x-python-requirement") return "";
    return "data";
}

namespace {

Script read_script(Store& store, const char* kind, const std::string& parent, const StoredObject& o,
                   const std::string& ns) {
    Script s;
    s.name = o.name;
    s.ns = ns;
    s.key = ns.empty() ? "w:" + o.name : "n:" + ns + ":" + o.name;
    const json& doc = o.doc;
    s.main = doc.value("main", std::string());
    const json settings = doc.value("settings", json::object());
    s.compatibility_date = settings.value("compatibility_date", std::string());
    for (auto& f : settings.value("compatibility_flags", json::array()))
        if (f.is_string()) s.compatibility_flags.push_back(f.get<std::string>());
    s.bindings = settings.value("bindings", json::array());
    if (!s.bindings.is_array()) s.bindings = json::array();
    std::string secrets_digest;
    for (auto& sec : store.list(K_SECRET, std::string(kind) + "/" + parent + "/" + o.name, false)) {
        s.bindings.push_back(sec.doc);
        secrets_digest += sec.doc.dump();
    }
    bool has_modules = doc.value("script", json::object()).value("has_modules", true);
    s.service_worker = !has_modules;
    for (auto& part : stored_modules(o.blob)) {
        std::string k = module_kind(part.content_type, part.name == s.main);
        if (k.empty()) continue;
        s.modules.push_back({part.name, k, std::move(part.body)});
    }
    if (doc.contains("routes") && doc["routes"].is_array())
        for (auto& r : doc["routes"])
            if (r.is_object() && r.contains("pattern") && r["pattern"].is_string())
                s.routes.push_back(r["pattern"].get<std::string>());
    for (auto& t : settings.value("tail_consumers", json::array()))
        if (t.is_object() && t.contains("service") && t["service"].is_string())
            s.tail_consumers.push_back(t["service"].get<std::string>());
    const json assets = doc.value("assets", json());
    const std::string assets_digest = assets.is_null() ? std::string() : sha256_hex(assets.dump());
    s.assets = site_assets_memo(assets, assets_digest, !s.modules.empty(),
                                navigation_prefers_assets(s.compatibility_date, s.compatibility_flags));
    // Any change to the code, settings, secrets or assets gives a new etag (the supervisor compares them).
    s.etag = sha256_hex(o.blob + '\0' + settings.dump() + '\0' + secrets_digest + '\0' + s.main + '\0' + assets_digest)
                 .substr(0, 32);
    return s;
}

// The current deployment of an account worker, when it splits the requests between versions: each version the
// script does not run itself becomes a script of its own (model.hpp, `variant_of`).
void add_split(Store& store, const std::string& account, const StoredObject& o, Model& m) {
    const std::string parent = std::string(K_WS) + "/" + o.name;
    auto deps = store.list(K_DEP, parent);
    if (deps.empty()) return;
    const json versions = deps.back().doc.value("versions", json::array());  // the newest deployment
    if (!versions.is_array() || versions.size() < 2) return;
    size_t primary = deployment_primary(versions);
    const std::string key = m.scripts.back().key;
    std::vector<std::pair<std::string, double>> shares;
    std::vector<Script> variants;
    for (size_t i = 0; i < versions.size(); ++i) {
        const json& v = versions[i];
        double pct = v.value("percentage", 0.0);
        if (i == primary) {
            shares.emplace_back(key, pct);
            continue;
        }
        auto ver = store.get(K_VER, parent, v.value("version_id", std::string()));
        if (!ver || ver->blob.empty()) continue;  // nothing to run: the script answers its share
        StoredObject copy{o.name, script_doc_for_version(o.doc, ver->doc), ver->blob, o.seq};
        Script s = read_script(store, K_WS, account, copy, "");
        s.key = key + "@" + ver->name;
        s.variant_of = key;
        s.routes.clear();  // the script's routes lead to the entry worker, which picks the version
        shares.emplace_back(s.key, pct);
        variants.push_back(std::move(s));
    }
    if (variants.empty()) return;
    m.scripts.back().shares = shares;
    // The split is part of what the script runs: a new split (or new shares) is a new etag.
    std::string mix = m.scripts.back().etag;
    for (auto& [k, p] : shares) mix += '\0' + k + '\0' + std::to_string(p);
    m.scripts.back().etag = sha256_hex(mix).substr(0, 32);
    for (auto& v : variants) m.scripts.push_back(std::move(v));
}

}  // namespace

Model load_model(Store& store, const std::string& account) {
    Model m;
    store.transaction(false, [&] {
        for (auto& o : store.list(K_WS, account, false)) {
            m.scripts.push_back(read_script(store, K_WS, account, o, ""));
            add_split(store, account, o, m);
        }
        for (auto& nso : store.list(K_NS, account, false)) {
            std::string id = nso.doc.value("namespace_id", std::string());
            auto& keys = m.namespaces[nso.name];
            for (auto& o : store.list(K_NSS, id, false)) {
                m.scripts.push_back(read_script(store, K_NSS, id, o, nso.name));
                keys.push_back(m.scripts.back().key);
            }
        }
        return true;
    });
    // A tenant's process runs its tail consumers and its namespace's outbound workers too: their changes (and
    // a binding naming another outbound worker) are its changes.
    std::map<std::string, std::string> account_etags;
    for (auto& s : m.scripts)
        if (s.ns.empty() && s.variant_of.empty()) account_etags[s.name] = s.etag;
    std::map<std::string, std::set<std::string>> outbounds;
    for (auto& [ns, keys] : m.namespaces) outbounds[ns] = m.outbounds(ns);
    for (auto& s : m.scripts) {
        if (s.ns.empty() || (s.tail_consumers.empty() && outbounds[s.ns].empty())) continue;
        std::string mix = s.etag;
        for (auto& t : s.tail_consumers) mix += '\0' + t + '\0' + account_etags[t];
        for (auto& o : outbounds[s.ns]) mix += '\0' + ("o:" + o) + '\0' + account_etags[o];
        s.etag = sha256_hex(mix).substr(0, 32);
    }
    return m;
}

}  // namespace tenantctl::runtime
