#include "runtime/workerd_config.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/strings.hpp"
#include "runtime/workerd_js.hpp"

namespace tenantctl::runtime {

using json = nlohmann::json;

namespace {

std::string str_field(const nlohmann::json& b, const char* k) {
    auto it = b.find(k);
    return it != b.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string header_list(const std::vector<std::pair<std::string, std::string>>& headers) {
    std::string out;
    for (auto& [k, v] : headers)
        out += (out.empty() ? "" : ", ") + std::string("(name = ") + capnp_string(k) + ", value = " + capnp_string(v) +
               ")";
    return "[" + out + "]";
}

// What one generation declares besides its workers. Built with designated initializers naming the references
// and what differs from the defaults: every other member has a default initializer (`{}` for the containers,
// which -Wmissing-field-initializers asks for when a member is left out).
struct Ctx {
    const Model& model;
    const GenOptions& opt;
    Generated& g;
    bool tenant_process = false;
    std::set<std::string> externals{};                          // kv:/r2:/d1: storage services
    std::vector<std::string> extra{};                           // stubs and other services, as config lines
    std::map<std::string, std::set<std::string>> do_classes{};  // script key -> Durable Object classes it defines
    bool uses_dispatch = false;
    bool uses_do = false;
    bool uses_tail = false;
    std::set<std::string> local_copies{};     // account workers a tenant's process runs copies of: its tail
                                              // consumers and the targets of its (and those copies') service bindings
    std::set<std::string> consumers{};        // script keys that are some generated worker's tail consumer
    bool consumers_done = false;              // generating the consumers themselves: their own consumers are not run
    std::set<std::string> assets{};           // script keys whose assets a binding serves ("assets:KEY")
    std::set<std::string> asset_routes{};     // … whose requests the asset service routes ("assets-route:KEY")
    std::string egress{};                     // the tenant's requests go out through this egress worker (if any)
    bool outbound_copy = false;               // generating an outbound worker's copy in a tenant's process
    std::set<std::string> outbound_copies{};  // `o:NAME` services generated so far

    // A service line, once: a tenant and the account workers copied into its process may name the same one.
    void add_extra(const std::string& line) {
        if (std::find(extra.begin(), extra.end(), line) == extra.end()) extra.push_back(line);
    }

    void stub(const std::string& name, int status, const std::string& message) {
        add_extra("    (name = " + capnp_string(name) +
                  ", worker = (modules = [(name = \"stub.js\", esModule = embed \"internal/stub.js\")], "
                  "compatibilityDate = \"2024-01-01\", bindings = [(name = \"MESSAGE\", text = " +
                  capnp_string(message) + "), (name = \"STATUS\", json = \"" + std::to_string(status) + "\")])),");
        g.files["internal/stub.js"] = k_stub_js;
    }
};

std::string account_key(const std::string& name) {
    return "w:" + name;
}

// Whether an account worker can run as a copy in a tenant's process: not when it binds what lives only in the
// front process (its Durable Objects, a dispatch namespace).
bool copyable(const Script& s) {
    for (auto& b : s.bindings) {
        const std::string type = b.is_object() ? b.value("type", std::string()) : std::string();
        if (type == "durable_object_namespace" || type == "dispatch_namespace") return false;
    }
    return true;
}

// Whether an account worker can run as an outbound worker (its copy in a tenant's process).
const Script* outbound_script(const Ctx& c, const std::string& name) {
    const std::string key = account_key(name);
    const Script* o = c.model.find(key);
    return o && !o->assets_only() && !o->service_worker && !c.opt.broken.count(key) ? o : nullptr;
}

// The inner bindings a dispatch namespace binding adds when its namespace has outbound workers: the key that
// signs each invocation's dispatch context, and this binding's outbound worker with its parameter names.
void dispatch_outbound(Ctx& c, const Script& s, const nlohmann::json& b, const std::string& ns, std::string& inner) {
    if (c.model.outbounds(ns).empty()) return;
    inner += ", (name = \"__key\", text = " + capnp_string(c.opt.outbound_secret) + ")";
    Outbound o = binding_outbound(b);
    if (o.service.empty()) return;
    if (!outbound_script(c, o.service))
        c.g.warnings.push_back(s.key + ": dispatch namespace binding " + str_field(b, "name") +
                               " names the outbound worker " + o.service +
                               ", which does not exist or cannot run as one (its tenants' fetch() fails)");
    nlohmann::json desc{{"service", o.service}, {"params", o.params}};
    inner += ", (name = \"__outbound\", json = " + capnp_string(desc.dump()) + ")";
}

// The `(modules = …, bindings = …)` of one script's worker.
std::string worker_block(const Script& s, Ctx& c) {
    const GenOptions& opt = c.opt;
    Generated& g = c.g;
    std::string dir = "scripts/" + s.etag + "/";
    std::map<std::string, std::string> module_files;  // module name -> file
    for (size_t i = 0; i < s.modules.size(); ++i) {
        g.files[dir + std::to_string(i)] = s.modules[i].body;
        module_files[s.modules[i].name] = dir + std::to_string(i);
    }
    std::string cfg = "(";
    bool shim = false;
    if (s.service_worker) {
        auto it = module_files.find(s.main);
        std::string file = it != module_files.end() ? it->second : (s.modules.empty() ? std::string() : dir + "0");
        cfg += "serviceWorkerScript = embed " + capnp_string(file);
    } else {
        // workerd takes the first module as the entry point: the main module, or in a tenant's process the
        // limits shim that imports it.
        std::string main_entry;
        std::string rest;
        for (size_t i = 0; i < s.modules.size(); ++i) {
            const Module& m = s.modules[i];
            std::string e = "(name = " + capnp_string(m.name) + ", " + m.kind + " = embed " +
                            capnp_string(dir + std::to_string(i)) + ")";
            if (m.name == s.main && main_entry.empty())
                main_entry = e;
            else
                rest += (rest.empty() ? "" : ", ") + e;
        }
        const char* wrap = c.outbound_copy                         ? k_outbound_shim_js
                           : c.tenant_process && !c.consumers_done ? k_tenant_shim_js
                           : c.consumers.count(s.key)              ? k_consumer_shim_js
                                                                   : nullptr;
        if (wrap && !main_entry.empty() && module_files.count(s.main)) {
            shim = wrap == k_tenant_shim_js;
            std::string js = wrap;
            std::string spec = "./" + s.main;
            for (size_t pos; (pos = js.find("__USER_MAIN__")) != std::string::npos;) js.replace(pos, 13, spec);
            if (size_t pos = js.find("__EGRESS__"); pos != std::string::npos)
                js.replace(pos, 10, c.egress.empty() ? "false" : "true");
            // One file per shim variant: the same upload (one etag) may run as a tenant with and without an
            // egress worker, or as a tail consumer, in one process.
            std::string file = dir + (c.outbound_copy              ? "outbound.js"
                                      : wrap == k_consumer_shim_js ? "consumer.js"
                                      : c.egress.empty()           ? "entry.js"
                                                                   : "entry-egress.js");
            g.files[file] = js;
            rest = main_entry + (rest.empty() ? "" : ", ") + rest;
            main_entry = "(name = \"__tenantctl_entry.js\", esModule = embed " + capnp_string(file) + ")";
        }
        cfg += "modules = [" + main_entry + (main_entry.empty() || rest.empty() ? "" : ", ") + rest + "]";
    }
    std::string date = s.compatibility_date.empty() ? opt.max_compat_date : s.compatibility_date;
    if (!opt.max_compat_date.empty() && date > opt.max_compat_date) date = opt.max_compat_date;
    cfg += ", compatibilityDate = " + capnp_string(date);
    std::string flags;
    bool als = false;
    for (auto& f : s.compatibility_flags) {
        flags += (flags.empty() ? "" : ", ") + capnp_string(f);
        als = als || f == "nodejs_als" || f == "nodejs_compat" || f == "nodejs_compat_v2";
    }
    if (shim && !als) flags += std::string(flags.empty() ? "" : ", ") + "\"nodejs_als\"";
    cfg += ", compatibilityFlags = [" + flags + "]";
    // A tenant with outbound workers sends everything through the egress worker (its shim adds the context);
    // an outbound worker's copy reaches the internet and this machine's loopback (to forward to local servers).
    if (!c.egress.empty() && !c.consumers_done) cfg += ", globalOutbound = " + capnp_string(c.egress);
    if (c.outbound_copy) cfg += ", globalOutbound = \"tenantctl:outbound-net\"";

    std::string bindings;
    auto add = [&](const std::string& b) { bindings += (bindings.empty() ? "" : ", ") + b; };
    for (auto& b : s.bindings) {
        std::string type = str_field(b, "type");
        std::string name = str_field(b, "name");
        if (name.empty()) continue;
        std::string n = "(name = " + capnp_string(name) + ", ";
        if (type == "plain_text" || type == "secret_text") {
            add(n + "text = " + capnp_string(str_field(b, "text")) + ")");
        } else if (type == "json") {
            add(n + "json = " + capnp_string(b.contains("json") ? b["json"].dump() : "null") + ")");
        } else if (type == "kv_namespace") {
            std::string svc = "kv:" + str_field(b, "namespace_id");
            c.externals.insert(svc);
            add(n + "kvNamespace = " + capnp_string(svc) + ")");
        } else if (type == "r2_bucket") {
            std::string svc = "r2:" + str_field(b, "bucket_name");
            c.externals.insert(svc);
            add(n + "r2Bucket = " + capnp_string(svc) + ")");
        } else if (type == "d1") {
            std::string id = str_field(b, "id");
            if (id.empty()) id = str_field(b, "database_id");
            std::string svc = "d1:" + id;
            c.externals.insert(svc);
            add(n +
                "wrapped = (moduleName = \"cloudflare-internal:d1-api\", innerBindings = [(name = \"fetcher\", "
                "service = " +
                capnp_string(svc) + ")]))");
        } else if (type == "service") {
            std::string target = account_key(str_field(b, "service"));
            std::string entrypoint = str_field(b, "entrypoint");
            if (const Script* t = c.model.find(target); t && t->assets_only()) {
                c.assets.insert(target);  // an assets-only worker: its assets answer
                add(n + "service = " + capnp_string("assets:" + target) + ")");
            } else if (!t) {
                std::string stub_name = "missing:" + target + ":" + name;  // its message names the binding
                c.stub(stub_name, 500,
                       "service binding " + name + " refers to the worker \"" + str_field(b, "service") +
                           "\", which does not exist on this platform");
                add(n + "service = " + capnp_string(stub_name) + ")");
                g.warnings.push_back(s.key + ": service binding " + name + " names a worker that does not exist");
            } else if (c.tenant_process && !opt.broken.count(target) && copyable(*t)) {
                // An account worker, from a tenant's process: a copy of it runs next to the tenant (fetch and JS
                // RPC, its entrypoints too; the same storage, its own in-memory state, as each isolate's is).
                c.local_copies.insert(target);
                add(n + "service = (name = " + capnp_string(target) +
                    (entrypoint.empty() ? "" : ", entrypoint = " + capnp_string(entrypoint)) + "))");
            } else if (c.tenant_process) {
                // One that binds what lives in the front process (or that failed to start): through the front's
                // socket, by Host (fetch only).
                if (!opt.broken.count(target))
                    g.warnings.push_back(s.key + ": service binding " + name + " reaches " + str_field(b, "service") +
                                         " over HTTP (fetch only, no JS RPC): that worker binds Durable Objects or "
                                         "a dispatch namespace");
                std::string ext = "front:" + str_field(b, "service");
                c.add_extra("    (name = " + capnp_string(ext) +
                            ", external = (address = " + capnp_string("127.0.0.1:" + std::to_string(opt.front_port)) +
                            ", http = (injectRequestHeaders = " +
                            header_list({{"host", str_field(b, "service") + ".localhost"}}) + "))),");
                add(n + "service = " + capnp_string(ext) + ")");
            } else {
                add(n + "service = (name = " + capnp_string(target) +
                    (entrypoint.empty() ? "" : ", entrypoint = " + capnp_string(entrypoint)) + "))");
            }
        } else if (type == "dispatch_namespace" && !c.tenant_process) {
            std::string ns_name = str_field(b, "namespace");
            std::string inner = "(name = \"__namespace\", text = " + capnp_string(ns_name) +
                                "), (name = \"__control\", service = \"tenantctl:control\")";
            auto it = c.model.namespaces.find(ns_name);
            if (it != c.model.namespaces.end())
                for (auto& key : it->second) {
                    const Script* t = c.model.find(key);
                    if (t && opt.tenant_ports.count(key))
                        inner += ", (name = " + capnp_string("s:" + t->name) + ", service = " + capnp_string(key) + ")";
                    if (t && t->assets) {  // the script's own assets, routed before it runs
                        c.asset_routes.insert(key);
                        inner += ", (name = " + capnp_string("a:" + t->name) +
                                 ", service = " + capnp_string("assets-route:" + key) + ")";
                    }
                }
            dispatch_outbound(c, s, b, ns_name, inner);
            c.uses_dispatch = true;
            add(n + "wrapped = (moduleName = \"tenantctl-internal:dispatch\", innerBindings = [" + inner + "]))");
        } else if (type == "durable_object_namespace") {
            std::string target = str_field(b, "script_name");
            // A version beside the script (a split deployment) uses the script's Durable Objects.
            const std::string& self = s.variant_of.empty() ? s.key : s.variant_of;
            std::string key = target.empty() || target == s.name ? self : account_key(target);
            if (c.outbound_copy) {
                g.warnings.push_back(s.key + ": durable object binding " + name +
                                     " is not reachable from the outbound worker's copy in a tenant's process");
                continue;
            }
            if (key != self && (c.tenant_process || !c.model.find(key) || opt.broken.count(key))) {
                g.warnings.push_back(s.key + ": durable object binding " + name + " names another worker (" + target +
                                     "), which is not supported here");
                continue;
            }
            add(n + "durableObjectNamespace = (className = " + capnp_string(str_field(b, "class_name")) +
                ", serviceName = " + capnp_string(key) + "))");
        } else if (type == "wasm_module" || type == "text_blob" || type == "data_blob") {
            auto it = module_files.find(str_field(b, "part"));
            if (it == module_files.end()) continue;
            const char* kind = type == "wasm_module" ? "wasmModule" : type == "text_blob" ? "text" : "data";
            add(n + kind + " = embed " + capnp_string(it->second) + ")");
        } else if (type == "assets") {
            // env.ASSETS: the script's own assets (a version beside the script serves the script's).
            const std::string& self = s.variant_of.empty() ? s.key : s.variant_of;
            const Script* owner = c.model.find(self);
            if (!owner || !owner->assets) {
                g.warnings.push_back(s.key + ": assets binding " + name + " but the upload has no assets");
                continue;
            }
            c.assets.insert(self);
            add(n + "service = " + capnp_string("assets:" + self) + ")");
        } else if (type == "version_metadata") {
            add(n + "json = " + capnp_string(nlohmann::json{{"id", s.etag}, {"tag", ""}, {"timestamp", ""}}.dump()) +
                ")");
        } else {
            g.warnings.push_back(s.key + ": " + (type.empty() ? std::string("untyped") : type) + " binding " + name +
                                 " is not supported " + (c.tenant_process ? "in a dispatched worker " : "") +
                                 "locally");
        }
    }
    cfg += ", bindings = [" + bindings + "]";
    // Per-invocation records: every worker is tailed by the runtime's own tail worker (tail_consumers the
    // upload names come on top).
    nlohmann::json props{{"script", s.name}};
    if (!s.ns.empty()) props["ns"] = s.ns;
    std::string tails = "(name = \"tenantctl:tail\", props = (json = " + capnp_string(props.dump()) + "))";
    for (auto& t : c.consumers_done ? std::vector<std::string>() : s.tail_consumers) {
        std::string key = account_key(t);
        const Script* consumer = c.model.find(key);
        if (t == s.name || !consumer || consumer->assets_only() || opt.broken.count(key)) {
            g.warnings.push_back(s.key + ": tail consumer " + t +
                                 (t == s.name               ? " is the worker itself"
                                  : consumer == nullptr     ? " names a worker that does not exist"
                                  : consumer->assets_only() ? " is an assets-only worker"
                                                            : " failed to start"));
            continue;
        }
        // In a tenant's process the consumer runs next to the tenant (a copy of the account worker: its
        // storage is the same, its Durable Objects are not reachable from there).
        if (c.tenant_process) c.local_copies.insert(key);
        tails += ", (name = " + capnp_string(key) + ", props = (json = " + capnp_string(props.dump()) + "))";
    }
    c.uses_tail = true;
    cfg += ", tails = [" + tails + "]";
    auto dc = c.do_classes.find(s.key);
    if (dc != c.do_classes.end() && !dc->second.empty() && !c.outbound_copy) {
        std::string ns;
        for (auto& cls : dc->second)
            ns += (ns.empty() ? "" : ", ") + std::string("(className = ") + capnp_string(cls) +
                  ", uniqueKey = " + capnp_string(s.key + ":" + cls) + ", enableSql = true)";
        cfg += ", durableObjectNamespaces = [" + ns + "], durableObjectStorage = (localDisk = \"tenantctl:do-disk\")";
        c.uses_do = true;
    }
    return cfg + ")";
}

// Durable Object classes each script defines: its own bindings without script_name, and other scripts'
// bindings that name it.
void collect_consumers(Ctx& c, const Script* only) {
    for (auto& s : c.model.scripts) {
        if (only ? &s != only : !s.ns.empty()) continue;
        for (auto& t : s.tail_consumers) c.consumers.insert(account_key(t));
    }
}

void collect_do_classes(Ctx& c) {
    for (auto& s : c.model.scripts)
        for (auto& b : s.variant_of.empty() ? s.bindings : nlohmann::json::array())
            if (str_field(b, "type") == "durable_object_namespace") {
                std::string target = str_field(b, "script_name");
                std::string key = target.empty() || target == s.name ? s.key : account_key(target);
                c.do_classes[key].insert(str_field(b, "class_name"));
            }
}

// Storage services, stubs, the Durable Object disk and the control service, then the closing lines.
void finish(Ctx& c, std::string& out) {
    const GenOptions& opt = c.opt;
    auto storage = [&](const std::string& name, const std::string& binding) {
        return "    (name = " + capnp_string(name) + ", external = (address = " + capnp_string(opt.storage_address) +
               ", http = (injectRequestHeaders = " +
               header_list({{"x-tenantctl-binding", binding}, {"x-tenantctl-token", opt.storage_token}}) + "))),\n";
    };
    for (auto& e : c.externals) out += storage(e, e);
    // Each script's assets through a service of its own: the key and its token are injected by workerd, so a
    // worker can name no other script's assets.
    auto assets = [&](const std::string& key, const char* mode) {
        return "    (name = " + capnp_string(std::string(mode) == "route" ? "assets-route:" + key : "assets:" + key) +
               ", external = (address = " + capnp_string(opt.assets_address) + ", http = (injectRequestHeaders = " +
               header_list({{"x-tenantctl-assets", key},
                            {"x-tenantctl-token", asset_token(opt.assets_secret, key)},
                            {"x-tenantctl-assets-mode", mode}}) +
               "))),\n";
    };
    for (auto& k : c.assets) out += assets(k, "serve");
    for (auto& k : c.asset_routes) out += assets(k, "route");
    if (c.uses_dispatch) out += storage("tenantctl:control", "control");
    if (c.uses_tail) {
        out += storage("tenantctl:tail-sink", "tail");
        out +=
            "    (name = \"tenantctl:tail\", worker = (modules = [(name = \"tail.js\", esModule = embed "
            "\"internal/tail.js\")], compatibilityDate = \"2024-09-01\", bindings = [(name = \"SINK\", service = "
            "\"tenantctl:tail-sink\")])),\n";
        c.g.files["internal/tail.js"] = k_tail_js;
    }

    for (auto& x : c.extra) out += x + "\n";
    if (c.uses_do)
        out += "    (name = \"tenantctl:do-disk\", disk = (path = " + capnp_string(opt.do_storage_dir) +
               ", writable = true)),\n";
}

// The socket "hold" and its worker (GenOptions::hold).
std::string hold_socket(const GenOptions& opt, Generated& g, std::string& services) {
    if (!opt.hold) return {};
    g.files["internal/hold.js"] = k_hold_js;
    services +=
        "    (name = \"tenantctl:hold\", worker = (modules = [(name = \"hold.js\", esModule = embed "
        "\"internal/hold.js\")], compatibilityDate = \"2024-09-01\")),\n";
    return ", (name = \"hold\", http = (), service = \"tenantctl:hold\")";
}

std::string egress_name(const Script& s) {
    return "tenantctl:egress:" + s.key;
}

// A tenant's egress worker (its globalOutbound, knowing only that tenant), a copy of each outbound worker its
// namespace's bindings name (`o:NAME`, reachable from egress workers alone; one copy for every tenant of the
// process), and the network those copies send out through.
std::string egress_services(Ctx& c, const Script& s, const std::set<std::string>& outbounds) {
    std::string out;
    std::string eb = "(name = \"TENANT\", text = " + capnp_string(s.key) +
                     "), (name = \"KEY\", text = " + capnp_string(c.opt.outbound_secret) + ")";
    c.outbound_copy = true;
    for (auto& name : outbounds) {
        const Script* o = outbound_script(c, name);
        if (!o) continue;  // the egress worker answers its requests with an error naming it
        if (c.outbound_copies.insert(name).second)
            out += "    (name = " + capnp_string("o:" + name) + ", worker = " + worker_block(*o, c) + "),\n";
        eb += ", (name = " + capnp_string("o:" + name) + ", service = " + capnp_string("o:" + name) + ")";
    }
    c.outbound_copy = false;
    out += "    (name = " + capnp_string(egress_name(s)) +
           ", worker = (modules = [(name = \"egress.js\", esModule = embed \"internal/egress.js\")], "
           "compatibilityDate = \"2024-09-01\", bindings = [" +
           eb + "])),\n";
    c.g.files["internal/egress.js"] = k_egress_js;
    return out;
}

}  // namespace

std::map<std::string, std::string> startup_culprits(const std::string& output, const Model& model) {
    std::map<std::string, std::string> out;
    auto lines = split(output, '\n');
    for (size_t i = 0; i < lines.size(); ++i) {
        const std::string& l = lines[i];
        if (l.rfind("service ", 0) != 0) continue;
        for (auto& s : model.scripts) {
            std::string p = "service " + s.key + ": ";
            if (l.rfind(p, 0) != 0) continue;
            std::string reason = l.substr(p.size());
            if (i + 1 < lines.size() && lines[i + 1].rfind("  at ", 0) == 0)
                reason += " (" + std::string(trim(lines[i + 1])) + ")";
            out[s.key] = reason;
        }
    }
    return out;
}

std::map<std::string, std::string> start_failures(std::map<std::string, std::string> named,
                                                  const std::vector<const Script*>& candidates,
                                                  const std::map<std::string, std::string>& last_good,
                                                  const std::string& reason, StartBlame blame) {
    if (!named.empty() || blame == StartBlame::Named) return named;
    for (const Script* s : candidates)
        if (auto it = last_good.find(s->key); it == last_good.end() || it->second != s->etag) named[s->key] = reason;
    if (named.empty() && blame == StartBlame::NamedElseChangedElseAll)
        for (const Script* s : candidates) named[s->key] = reason;
    return named;
}

std::string capnp_string(const std::string& s) {
    static const char* hex = "0123456789abcdef";
    std::string out = "\"";
    for (unsigned char ch : s) {
        switch (ch) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (ch < 0x20 || ch == 0x7f) {
                    out += "\\x";
                    out += hex[ch >> 4];
                    out += hex[ch & 15];
                } else {
                    out += static_cast<char>(ch);
                }
        }
    }
    return out + "\"";
}

bool route_matches(const std::string& pattern, const std::string& host, const std::string& path) {
    auto slash = pattern.find('/');
    std::string ph = slash == std::string::npos ? pattern : pattern.substr(0, slash);
    std::string pp = slash == std::string::npos ? "/*" : pattern.substr(slash);
    std::transform(ph.begin(), ph.end(), ph.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (!ph.empty() && ph[0] == '*') {
        std::string suffix = ph.substr(1);
        if (host.size() < suffix.size() || host.compare(host.size() - suffix.size(), suffix.size(), suffix) != 0)
            return false;
    } else if (ph != host) {
        return false;
    }
    if (!pp.empty() && pp.back() == '*') return path.compare(0, pp.size() - 1, pp, 0, pp.size() - 1) == 0;
    return path == pp;
}

Generated generate_front(const Model& model, const GenOptions& opt) {
    Generated g;
    Ctx c{.model = model, .opt = opt, .g = g};
    collect_do_classes(c);
    collect_consumers(c, nullptr);
    json routes = json::array();
    json splits = json::object();  // script name -> [[service key, percentage], …]
    std::vector<std::string> entry_bindings;
    std::vector<std::string> variant_keys;
    std::vector<std::string> asset_names;
    std::string out =
        "using Workerd = import \"/workerd/workerd.capnp\";\nconst config :Workerd.Config = (\n  services = [\n";
    for (auto& s : model.scripts) {
        if (!s.ns.empty()) {
            // A namespace script: its own process, on its own port (started on demand by the supervisor).
            auto port = opt.tenant_ports.find(s.key);
            if (port == opt.tenant_ports.end()) continue;
            out += "    (name = " + capnp_string(s.key) +
                   ", external = (address = " + capnp_string("127.0.0.1:" + std::to_string(port->second)) +
                   ", http = (capnpConnectHost = \"tenant\"))),\n";
            continue;
        }
        if (s.assets && s.variant_of.empty()) {
            c.asset_routes.insert(s.key);
            asset_names.push_back(s.name);
        }
        if (s.assets_only()) {  // no code: the asset service answers its requests (the entry worker routes them)
            for (auto& r : s.routes) routes.push_back({{"pattern", r}, {"script", s.name}});
            continue;
        }
        if (s.variant_of.empty())
            entry_bindings.push_back(s.name);
        else
            variant_keys.push_back(s.key);
        if (!s.shares.empty()) {
            json sh = json::array();
            for (auto& [k, p] : s.shares) sh.push_back(json::array({k, p}));
            splits[s.name] = sh;
        }
        if (opt.broken.count(s.key)) {
            auto it = opt.broken_reason.find(s.key);
            c.stub(s.key, 500,
                   "worker \"" + s.name + "\" failed to start: " +
                       (it != opt.broken_reason.end() ? it->second : std::string("see the tenantctl dev output")));
            continue;
        }
        g.loaded.push_back(s.key);
        for (auto& r : s.routes) routes.push_back({{"pattern", r}, {"script", s.name}});
        out += "    (name = " + capnp_string(s.key) + ", worker = " + worker_block(s, c) + "),\n";
    }
    finish(c, out);
    std::string eb = "(name = \"ROUTES\", json = " + capnp_string(routes.dump()) +
                     "), (name = \"SPLITS\", json = " + capnp_string(splits.dump()) + ")";
    for (auto& name : entry_bindings)
        eb += ", (name = " + capnp_string("w:" + name) + ", service = " + capnp_string(account_key(name)) + ")";
    for (auto& key : variant_keys) eb += ", (name = " + capnp_string(key) + ", service = " + capnp_string(key) + ")";
    for (auto& name : asset_names)
        eb += ", (name = " + capnp_string("a:" + name) + ", service = " + capnp_string("assets-route:w:" + name) + ")";
    out +=
        "    (name = \"tenantctl:entry\", worker = (modules = [(name = \"entry.js\", esModule = embed "
        "\"internal/entry.js\")], compatibilityDate = \"2024-01-01\", bindings = [" +
        eb + "])),\n";
    const std::string socket_target = opt.socket_service.empty()
                                          ? std::string("\"tenantctl:entry\"")
                                          : "(name = " + capnp_string(opt.socket_service) +
                                                ", entrypoint = " + capnp_string(opt.socket_entrypoint) + ")";
    std::string hold = hold_socket(opt, g, out);
    out += "  ],\n";
    out += "  sockets = [(name = \"http\", http = (capnpConnectHost = \"tenantctl\"), service = " + socket_target +
           ")" + hold + "],\n";
    out +=
        "  extensions = [(modules = [(name = \"tenantctl-internal:dispatch\", esModule = embed "
        "\"internal/dispatch.js\", internal = true)])],\n);\n";
    g.config = std::move(out);
    g.files["internal/dispatch.js"] = k_dispatch_js;
    g.files["internal/entry.js"] = k_entry_js;
    return g;
}

Generated generate_tenants(const Model& model, const std::vector<const Script*>& members, const GenOptions& opt) {
    Generated g;
    Ctx c{.model = model, .opt = opt, .g = g, .tenant_process = true};
    collect_do_classes(c);
    for (const Script* s : members) collect_consumers(c, s);
    std::string out =
        "using Workerd = import \"/workerd/workerd.capnp\";\nconst config :Workerd.Config = (\n  services = [\n";
    std::string sockets;
    std::vector<std::pair<const Script*, std::set<std::string>>> egress;  // tenants with outbound workers
    for (size_t i = 0; i < members.size(); ++i) {
        const Script& s = *members[i];
        std::string target = s.key;
        if (opt.broken.count(s.key)) {  // it failed to start: a stub answers with the reason
            auto it = opt.broken_reason.find(s.key);
            target = "stub:" + s.key;
            c.stub(target, 500,
                   "worker \"" + s.name + "\" failed to start: " +
                       (it != opt.broken_reason.end() ? it->second : std::string("see the tenantctl dev output")));
        } else {
            std::set<std::string> outbounds = model.outbounds(s.ns);
            c.egress = outbounds.empty() ? std::string() : egress_name(s);
            out += "    (name = " + capnp_string(s.key) + ", worker = " + worker_block(s, c) + "),\n";
            if (!outbounds.empty()) egress.emplace_back(&s, std::move(outbounds));
            g.loaded.push_back(s.key);
        }
        sockets += std::string(i ? ", " : "") + "(name = " + capnp_string(tenant_socket(i)) +
                   ", http = (capnpConnectHost = \"tenant\"), service = " + capnp_string(target) + ")";
    }
    c.egress.clear();
    c.consumers_done = true;
    // The copies, until their own service bindings name no new one.
    for (std::set<std::string> done;;) {
        std::vector<std::string> pending;
        for (auto& key : c.local_copies)
            if (!done.count(key)) pending.push_back(key);
        if (pending.empty()) break;
        for (auto& key : pending) {
            done.insert(key);
            if (const Script* t = model.find(key)) {
                out += "    (name = " + capnp_string(key) + ", worker = " + worker_block(*t, c) + "),\n";
                g.loaded.push_back(key);
            }
        }
    }
    for (auto& [s, outbounds] : egress) out += egress_services(c, *s, outbounds);
    if (!egress.empty())
        out += "    (name = \"tenantctl:outbound-net\", network = (allow = [\"public\", \"127.0.0.0/8\"])),\n";
    finish(c, out);
    std::string hold = hold_socket(opt, g, out);
    out += "  ],\n  sockets = [" + sockets + hold + "],\n);\n";
    g.config = std::move(out);
    return g;
}

std::string tenant_socket(size_t i) {
    return "t" + std::to_string(i);
}

}  // namespace tenantctl::runtime
