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
    for (const auto& f : array_at(c, "compatibility_flags"))
        if (f.is_string()) w.compatibility_flags.push_back(f.get<std::string>());
    w.bindings = bindings_of(c);
    for (const auto& ct : array_at(c, "containers")) w.containers.push_back(container_spec(ct));
    return w;
}

}  // namespace tenantctl::config
