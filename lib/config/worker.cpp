#include "config/worker.hpp"

#include <cmath>

#include "core/json.hpp"

namespace tenantctl::config {

using nlohmann::json;

namespace {

std::optional<std::string> optional_string(const json& o, std::string_view key) {
    const json& v = json_at(o, key);
    if (!v.is_string()) return std::nullopt;
    return v.get<std::string>();
}

std::optional<double> optional_number(const json& o, std::string_view key) {
    const json& v = json_at(o, key);
    if (!v.is_number()) return std::nullopt;
    return v.get<double>();
}

const json& array_at(const json& o, std::string_view key) {
    static const json empty = json::array();
    const json& v = json_at(o, key);
    return v.is_array() ? v : empty;
}

std::vector<std::string> strings_of(const json& list) {
    std::vector<std::string> out;
    if (list.is_array())
        for (const auto& x : list)
            if (x.is_string()) out.push_back(x.get<std::string>());
    return out;
}

// An object's members as text (strings as they are, anything else as its JSON), in the object's order.
std::vector<std::pair<std::string, std::string>> texts_of(const json& o, bool strings_only = false) {
    std::vector<std::pair<std::string, std::string>> out;
    if (o.is_object())
        for (auto it = o.begin(); it != o.end(); ++it) {
            if (it->is_string())
                out.emplace_back(it.key(), it->get<std::string>());
            else if (!strings_only)
                out.emplace_back(it.key(), it->dump());
        }
    return out;
}

Route route_of(const json& r) {
    if (r.is_string()) return Route{r.get<std::string>(), std::nullopt, std::nullopt, false};
    return Route{json_string(r, "pattern"), optional_string(r, "zone_id"), optional_string(r, "zone_name"),
                 json_bool(r, "custom_domain", false)};
}

BuildConfig build_config(const json& c) {
    BuildConfig b;
    const json& custom = json_at(c, "build");
    b.command = json_string(custom, "command");
    b.cwd = json_string(custom, "cwd");
    b.no_bundle = json_bool(c, "no_bundle", false);
    b.base_dir = json_string(c, "base_dir");
    b.find_additional_modules = json_bool(c, "find_additional_modules", false);
    b.preserve_file_names = json_bool(c, "preserve_file_names", false);
    for (const auto& r : array_at(c, "rules")) {
        ModuleRule rule{json_string(r, "type"), strings_of(json_at(r, "globs")), std::nullopt};
        if (const json& f = json_at(r, "fallthrough"); f.is_boolean()) rule.fallthrough = f.get<bool>();
        b.rules.push_back(std::move(rule));
    }
    b.minify = json_bool(c, "minify", false);
    b.keep_names = json_bool(c, "keep_names", true);
    b.source_maps = json_bool(c, "upload_source_maps", true);
    b.tsconfig = json_string(c, "tsconfig");
    b.jsx_factory = json_string(c, "jsx_factory");
    b.jsx_fragment = json_string(c, "jsx_fragment");
    b.define = texts_of(json_at(c, "define"));
    b.alias = texts_of(json_at(c, "alias"), true);
    return b;
}

Triggers triggers_of(const json& c) {
    Triggers t;
    if (const json& rs = json_at(c, "routes"); rs.is_array()) {
        t.routes.emplace();
        for (const auto& r : rs)
            if (r.is_string() || r.is_object()) t.routes->push_back(route_of(r));
    }
    if (const json& r = json_at(c, "route"); r.is_string() || r.is_object()) t.route = route_of(r);
    const json& triggers = json_at(c, "triggers");
    if (const json& crons = json_at(triggers, "crons"); crons.is_array()) t.crons = strings_of(crons);
    t.has_events = !array_at(triggers, "events").empty();
    if (const json& wd = json_at(c, "workers_dev"); wd.is_boolean()) t.workers_dev = wd.get<bool>();
    if (const json& pu = json_at(c, "preview_urls"); pu.is_boolean()) t.preview_urls = pu.get<bool>();
    return t;
}

}  // namespace

json number_json(double value) {
    if (std::isfinite(value) && std::trunc(value) == value && std::fabs(value) < 9.0e15)
        return static_cast<int64_t>(value);
    return value;
}

Bindings bindings_of(const json& c) {
    Bindings b;
    if (const json& vars = json_at(c, "vars"); vars.is_object())
        for (auto it = vars.begin(); it != vars.end(); ++it) b.vars.emplace_back(it.key(), it.value());
    for (const auto& kv : array_at(c, "kv_namespaces"))
        b.kv_namespaces.push_back({json_string(kv, "binding"), json_string(kv, "id")});
    for (const auto& r2 : array_at(c, "r2_buckets"))
        b.r2_buckets.push_back(
            {json_string(r2, "binding"), json_string(r2, "bucket_name"), optional_string(r2, "jurisdiction")});
    for (const auto& d1 : array_at(c, "d1_databases"))
        b.d1_databases.push_back({json_string(d1, "binding"), json_string(d1, "database_id"),
                                  json_string(d1, "database_name"), json_string(d1, "migrations_dir"),
                                  json_string(d1, "migrations_table")});
    for (const auto& s : array_at(c, "services"))
        b.services.push_back({json_string(s, "binding"), json_string(s, "service"), optional_string(s, "environment"),
                              optional_string(s, "entrypoint")});
    for (const auto& d : array_at(json_at(c, "durable_objects"), "bindings"))
        b.durable_objects.push_back({json_string(d, "name"), json_string(d, "class_name"),
                                     optional_string(d, "script_name"), optional_string(d, "environment")});
    for (const auto& d : array_at(c, "dispatch_namespaces")) {
        DispatchNamespaceBinding ns{json_string(d, "binding"), json_string(d, "namespace"), std::nullopt};
        if (const json& out = json_at(d, "outbound"); out.is_object()) {
            OutboundWorker o{json_string(out, "service"), optional_string(out, "environment"), std::nullopt};
            if (const json& params = json_at(out, "parameters"); params.is_array()) {
                o.parameters.emplace();
                for (const auto& p : params) o.parameters->push_back(p.is_string() ? p.get<std::string>() : p.dump());
            }
            ns.outbound = std::move(o);
        }
        b.dispatch_namespaces.push_back(std::move(ns));
    }
    return b;
}

ContainerSpec container_spec(const json& c) {
    ContainerSpec s;
    s.name = json_string(c, "name");
    s.class_name = json_string(c, "class_name");
    s.image = json_string(c, "image");
    s.image_build_context = optional_string(c, "image_build_context");
    if (const json& vars = json_at(c, "image_vars"); vars.is_object())
        for (auto it = vars.begin(); it != vars.end(); ++it)
            s.image_vars.emplace_back(it.key(), it->is_string() ? it->get<std::string>() : it->dump());
    if (const json& it = json_at(c, "instance_type"); it.is_object())
        s.custom_size = ContainerSize{optional_number(it, "vcpu"), optional_number(it, "memory_mib"),
                                      optional_number(it, "disk_mb")};
    else if (it.is_string())
        s.instance_type = it.get<std::string>();
    if (auto n = optional_number(c, "max_instances")) s.max_instances = *n;
    if (auto p = optional_string(c, "scheduling_policy")) s.scheduling_policy = *p;
    if (const json& k = json_at(c, "constraints"); k.is_object()) s.constraints = k;
    if (auto g = optional_number(c, "rollout_active_grace_period")) s.rollout_active_grace_period = *g;
    s.rollout_full_manual = json_string(c, "rollout_kind") == "full_manual";
    if (const json& steps = json_at(c, "rollout_step_percentage"); steps.is_number()) {
        s.rollout_step_percentage = steps.get<double>();
    } else if (steps.is_array()) {
        s.rollout_steps.emplace();
        for (const auto& p : steps)
            if (p.is_number()) s.rollout_steps->push_back(p.get<double>());
    }
    const json& obs = json_at(c, "observability");
    s.logs_enabled = json_bool(json_at(obs, "logs"), "enabled", false) || json_bool(obs, "enabled", false);
    if (const json& u = json_at(c, "unsafe"); u.is_object()) s.unsafe = u;
    s.wrangler_ssh = json_at(c, "wrangler_ssh");
    s.authorized_keys = json_at(c, "authorized_keys");
    s.trusted_user_ca_keys = json_at(c, "trusted_user_ca_keys");
    return s;
}

WorkerConfig worker_config(const json& c) {
    WorkerConfig w;
    w.name = json_string(c, "name");
    w.main = json_string(c, "main");
    w.compatibility_date = optional_string(c, "compatibility_date");
    w.compatibility_flags = strings_of(json_at(c, "compatibility_flags"));
    w.bindings = bindings_of(c);
    for (const auto& ct : array_at(c, "containers")) w.containers.push_back(container_spec(ct));
    w.build = build_config(c);
    if (const json& a = json_at(c, "assets"); a.is_object()) {
        AssetsConfig ac;
        ac.directory = optional_string(a, "directory");
        ac.binding = json_string(a, "binding");
        ac.html_handling = optional_string(a, "html_handling");
        ac.not_found_handling = optional_string(a, "not_found_handling");
        ac.base_path = optional_string(a, "base_path");
        ac.run_worker_first = json_at(a, "run_worker_first");
        w.assets = std::move(ac);
    }
    w.has_site = !json_at(c, "site").is_null();
    w.keep_vars = json_bool(c, "keep_vars", false);
    w.triggers = triggers_of(c);
    w.migrations = json_at(c, "migrations");
    w.tail_consumers = json_at(c, "tail_consumers");
    w.limits = json_at(c, "limits");
    w.observability = json_at(c, "observability");
    w.placement = json_at(c, "placement");
    w.logpush = json_at(c, "logpush");
    return w;
}

std::vector<Route> Triggers::effective_routes() const {
    if (routes) return *routes;
    if (route) return {*route};
    return {};
}

}  // namespace tenantctl::config
