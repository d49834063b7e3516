#include "runtime/workerd_config.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace tenantctl::runtime {

using json = nlohmann::json;

namespace {

// The dispatch namespace binding: `env.NS.get(name, args, options)` returns the script's service (so fetch
// and JS RPC both work); an unknown name returns a stub whose every call rejects as production does.
const char* k_dispatch_js = R"JS(
const notFound = () => Promise.reject(new Error("Worker not found."));
const missing = new Proxy({}, {
  get(_, prop) {
    if (prop === "then") return undefined;
    return notFound;
  },
});
export default function makeDispatchNamespace(env) {
  return {
    get(name, args, options) {
      if (typeof name !== "string" || name === "") throw new TypeError("get() needs a script name");
      return env["s:" + name] ?? missing;
    },
  };
}
)JS";

// Picks the account worker for a request: `<name>.localhost`, then the workers' route patterns.
const char* k_entry_js = R"JS(
function matches(pattern, host, path) {
  let slash = pattern.indexOf("/");
  let ph = slash < 0 ? pattern : pattern.slice(0, slash);
  let pp = slash < 0 ? "/*" : pattern.slice(slash);
  ph = ph.toLowerCase();
  if (ph.startsWith("*")) { if (!host.endsWith(ph.slice(1))) return false; }
  else if (ph !== host) return false;
  if (pp.endsWith("*")) return path.startsWith(pp.slice(0, -1));
  return path === pp;
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const host = (request.headers.get("host") || url.host).replace(/:\d+$/, "").toLowerCase();
    let name = host.endsWith(".localhost") ? host.slice(0, -".localhost".length) : "";
    if (!name || !env["w:" + name]) {
      name = "";
      for (const r of env.ROUTES) if (matches(r.pattern, host, url.pathname)) { name = r.script; break; }
    }
    const worker = name && env["w:" + name];
    if (!worker)
      return new Response(`no worker answers for host "${host}"\nhint: call an account worker as http://NAME.localhost:PORT/ or through one of its routes\n`, { status: 404, headers: { "content-type": "text/plain" } });
    return worker.fetch(request);
  },
};
)JS";

// Stands in for a script that could not start, or a service binding to a worker that does not exist.
const char* k_stub_js = R"JS(
export default {
  fetch(request, env) {
    return new Response(env.MESSAGE + "\n", { status: env.STATUS, headers: { "content-type": "text/plain" } });
  },
};
)JS";

bool is_ident_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

struct Writer {
    std::string out;
    void line(const std::string& s) { out += s + "\n"; }
};

std::string external_service(const std::string& name, const GenOptions& opt) {
    return "    (name = " + capnp_string(name) + ", external = (address = " + capnp_string(opt.storage_address) +
           ", http = (injectRequestHeaders = [(name = \"x-tenantctl-binding\", value = " + capnp_string(name) +
           "), (name = \"x-tenantctl-token\", value = " + capnp_string(opt.storage_token) + ")]))),";
}

std::string str_field(const json& b, const char* k) {
    auto it = b.find(k);
    return it != b.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string capnp_string(const std::string& s) {
    static const char* hex = "0123456789abcdef";
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    out += "\\x";
                    out += hex[c >> 4];
                    out += hex[c & 15];
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    return out + "\"";
}

bool route_matches(const std::string& pattern, const std::string& host, const std::string& path) {
    auto slash = pattern.find('/');
    std::string ph = slash == std::string::npos ? pattern : pattern.substr(0, slash);
    std::string pp = slash == std::string::npos ? "/*" : pattern.substr(slash);
    std::transform(ph.begin(), ph.end(), ph.begin(), [](unsigned char c) { return std::tolower(c); });
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

Generated generate_config(const Model& model, const GenOptions& opt) {
    Generated g;
    Writer w;
    std::set<std::string> externals;  // kv:/r2:/d1: services to declare
    std::vector<std::string> stubs;   // stub services to declare
    std::map<std::string, std::set<std::string>> do_classes;  // script key -> Durable Object classes it defines
    json routes = json::array();

    auto stub = [&](const std::string& name, int status, const std::string& message) {
        stubs.push_back("    (name = " + capnp_string(name) +
                        ", worker = (modules = [(name = \"stub.js\", esModule = embed \"internal/stub.js\")], "
                        "compatibilityDate = \"2024-01-01\", bindings = [(name = \"MESSAGE\", text = " +
                        capnp_string(message) + "), (name = \"STATUS\", json = \"" + std::to_string(status) +
                        "\")])),");
    };
    auto account_key = [&](const std::string& name) { return "w:" + name; };
    auto loadable = [&](const std::string& key) { return model.find(key) && !opt.broken.count(key); };

    // Durable Object classes each script defines: its own bindings without script_name, and other scripts'
    // bindings that name it.
    for (auto& s : model.scripts)
        for (auto& b : s.bindings)
            if (str_field(b, "type") == "durable_object_namespace") {
                std::string target = str_field(b, "script_name");
                std::string key = target.empty() || target == s.name ? s.key : account_key(target);
                do_classes[key].insert(str_field(b, "class_name"));
            }

    w.line("using Workerd = import \"/workerd/workerd.capnp\";");
    w.line("const config :Workerd.Config = (");
    w.line("  services = [");
    std::vector<std::string> entry_bindings;
    for (auto& s : model.scripts) {
        if (opt.broken.count(s.key)) {
            auto it = opt.broken_reason.find(s.key);
            stub(s.key, 500,
                 "worker \"" + s.name + "\" failed to start: " +
                     (it != opt.broken_reason.end() ? it->second : std::string("see the tenantctl dev output")));
            if (s.ns.empty()) entry_bindings.push_back(s.name);
            continue;
        }
        g.loaded.push_back(s.key);
        if (s.ns.empty()) {
            entry_bindings.push_back(s.name);
            for (auto& r : s.routes) routes.push_back({{"pattern", r}, {"script", s.name}});
        }
        std::string dir = "scripts/" + s.etag + "/";
        std::string modules;
        std::map<std::string, std::string> module_files;  // module name -> file
        for (size_t i = 0; i < s.modules.size(); ++i) {
            const Module& m = s.modules[i];
            std::string file = dir + std::to_string(i);
            g.files[file] = m.body;
            module_files[m.name] = file;
            if (s.service_worker) continue;
            if (!modules.empty()) modules += ", ";
            modules += "(name = " + capnp_string(m.name) + ", " + m.kind + " = embed " + capnp_string(file) + ")";
        }
        // The main module first: workerd takes the first module as the entry point.
        std::string cfg = "(";
        if (s.service_worker) {
            auto it = module_files.find(s.main);
            std::string file = it != module_files.end() ? it->second
                                                        : (s.modules.empty() ? std::string() : dir + "0");
            cfg += "serviceWorkerScript = embed " + capnp_string(file);
        } else {
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
            cfg += "modules = [" + main_entry + (main_entry.empty() || rest.empty() ? "" : ", ") + rest + "]";
        }
        std::string date = s.compatibility_date.empty() ? opt.max_compat_date : s.compatibility_date;
        if (!opt.max_compat_date.empty() && date > opt.max_compat_date) date = opt.max_compat_date;
        cfg += ", compatibilityDate = " + capnp_string(date);
        std::string flags;
        for (auto& f : s.compatibility_flags) flags += (flags.empty() ? "" : ", ") + capnp_string(f);
        cfg += ", compatibilityFlags = [" + flags + "]";

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
                externals.insert(svc);
                add(n + "kvNamespace = " + capnp_string(svc) + ")");
            } else if (type == "r2_bucket") {
                std::string svc = "r2:" + str_field(b, "bucket_name");
                externals.insert(svc);
                add(n + "r2Bucket = " + capnp_string(svc) + ")");
            } else if (type == "d1") {
                std::string id = str_field(b, "id");
                if (id.empty()) id = str_field(b, "database_id");
                std::string svc = "d1:" + id;
                externals.insert(svc);
                add(n + "wrapped = (moduleName = \"cloudflare-internal:d1-api\", innerBindings = [(name = "
                        "\"fetcher\", service = " +
                    capnp_string(svc) + ")]))");
            } else if (type == "service") {
                std::string target = account_key(str_field(b, "service"));
                std::string entrypoint = str_field(b, "entrypoint");
                if (!loadable(target) && !model.find(target)) {
                    std::string stub_name = "missing:" + target;
                    stub(stub_name, 500,
                         "service binding " + name + " refers to the worker \"" + str_field(b, "service") +
                             "\", which does not exist on this platform");
                    target = stub_name;
                    entrypoint.clear();
                    g.warnings.push_back(s.key + ": service binding " + name + " names a worker that does not exist");
                }
                add(n + "service = (name = " + capnp_string(target) +
                    (entrypoint.empty() ? "" : ", entrypoint = " + capnp_string(entrypoint)) + "))");
            } else if (type == "dispatch_namespace") {
                std::string inner = "(name = \"__namespace\", text = " + capnp_string(str_field(b, "namespace")) + ")";
                auto it = model.namespaces.find(str_field(b, "namespace"));
                if (it != model.namespaces.end())
                    for (auto& key : it->second) {
                        const Script* t = model.find(key);
                        if (!t) continue;
                        inner += ", (name = " + capnp_string("s:" + t->name) + ", service = " + capnp_string(key) + ")";
                    }
                add(n + "wrapped = (moduleName = \"tenantctl-internal:dispatch\", innerBindings = [" + inner + "]))");
            } else if (type == "durable_object_namespace") {
                std::string target = str_field(b, "script_name");
                std::string key = target.empty() || target == s.name ? s.key : account_key(target);
                if (!loadable(key)) {
                    g.warnings.push_back(s.key + ": durable object binding " + name + " names a worker that is not running");
                    continue;
                }
                add(n + "durableObjectNamespace = (className = " + capnp_string(str_field(b, "class_name")) +
                    ", serviceName = " + capnp_string(key) + "))");
            } else if (type == "wasm_module" || type == "text_blob" || type == "data_blob") {
                auto it = module_files.find(str_field(b, "part"));
                if (it == module_files.end()) continue;
                const char* kind = type == "wasm_module" ? "wasmModule" : type == "text_blob" ? "text" : "data";
                add(n + kind + " = embed " + capnp_string(it->second) + ")");
            } else if (type == "version_metadata") {
                add(n + "json = " + capnp_string(json{{"id", s.etag}, {"tag", ""}, {"timestamp", ""}}.dump()) + ")");
            } else if (type == "secret_key") {
                g.warnings.push_back(s.key + ": secret_key binding " + name + " is not supported locally");
            } else {
                g.warnings.push_back(s.key + ": " + (type.empty() ? std::string("untyped") : type) + " binding " +
                                     name + " is not supported locally");
            }
        }
        cfg += ", bindings = [" + bindings + "]";
        auto dc = do_classes.find(s.key);
        if (dc != do_classes.end() && !dc->second.empty()) {
            std::string ns;
            for (auto& c : dc->second)
                ns += (ns.empty() ? "" : ", ") + std::string("(className = ") + capnp_string(c) +
                      ", uniqueKey = " + capnp_string(s.key + ":" + c) + ", enableSql = true)";
            cfg += ", durableObjectNamespaces = [" + ns + "], durableObjectStorage = (localDisk = \"tenantctl:do-disk\")";
        }
        cfg += ")";
        w.line("    (name = " + capnp_string(s.key) + ", worker = " + cfg + "),");
    }
    for (auto& e : externals) w.line(external_service(e, opt));
    for (auto& s : stubs) w.line(s);
    w.line("    (name = \"tenantctl:do-disk\", disk = (path = " + capnp_string(opt.do_storage_dir) +
           ", writable = true)),");
    // The entry worker.
    std::string eb = "(name = \"ROUTES\", json = " + capnp_string(routes.dump()) + ")";
    for (auto& name : entry_bindings)
        eb += ", (name = " + capnp_string("w:" + name) + ", service = " + capnp_string(account_key(name)) + ")";
    w.line("    (name = \"tenantctl:entry\", worker = (modules = [(name = \"entry.js\", esModule = embed "
           "\"internal/entry.js\")], compatibilityDate = \"2024-01-01\", bindings = [" +
           eb + "])),");
    w.line("  ],");
    w.line("  sockets = [(name = \"http\", http = (capnpConnectHost = \"tenantctl\"), service = \"tenantctl:entry\")],");
    w.line("  extensions = [(modules = [(name = \"tenantctl-internal:dispatch\", esModule = embed "
           "\"internal/dispatch.js\", internal = true)])],");
    w.line(");");
    g.config = std::move(w.out);
    g.files["internal/dispatch.js"] = k_dispatch_js;
    g.files["internal/entry.js"] = k_entry_js;
    g.files["internal/stub.js"] = k_stub_js;
    (void)is_ident_char;
    return g;
}

}  // namespace tenantctl::runtime
