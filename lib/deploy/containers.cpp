#include "deploy/containers.hpp"

#include "core/json.hpp"

namespace tenantctl::deploy {

using nlohmann::json;

namespace {

// Deep merge: objects merge key by key, anything else replaces (container `unsafe` is merged last).
void deep_merge(json& into, const json& from) {
    if (!into.is_object() || !from.is_object()) {
        into = from;
        return;
    }
    for (auto it = from.begin(); it != from.end(); ++it) deep_merge(into[it.key()], it.value());
}

void collect_diff(const std::string& path, const json& before, const json& after, std::vector<FieldChange>& out) {
    if (after.is_object() && before.is_object()) {
        for (auto it = after.begin(); it != after.end(); ++it) {
            collect_diff(path.empty() ? it.key() : path + "." + it.key(), json_at(before, it.key().c_str()), it.value(),
                         out);
        }
        return;
    }
    if (before != after) out.push_back({path, before, after});
}

}  // namespace

json application_configuration(const config::ContainerSpec& c, const std::string& image_ref) {
    json cfg = {{"image", image_ref}};
    if (c.custom_size) {
        // Custom instance type: sizes instead of a named type.
        if (c.custom_size->vcpu) cfg["vcpu"] = config::number_json(*c.custom_size->vcpu);
        if (c.custom_size->memory_mib) cfg["memory_mib"] = config::number_json(*c.custom_size->memory_mib);
        if (c.custom_size->disk_mb) cfg["disk"] = {{"size_mb", config::number_json(*c.custom_size->disk_mb)}};
    } else {
        cfg["instance_type"] = c.instance_type;
    }
    if (!c.wrangler_ssh.is_null()) cfg["wrangler_ssh"] = c.wrangler_ssh;
    if (!c.authorized_keys.is_null()) cfg["authorized_keys"] = c.authorized_keys;
    if (!c.trusted_user_ca_keys.is_null()) cfg["trusted_user_ca_keys"] = c.trusted_user_ca_keys;
    return cfg;
}

json create_application_request(const config::ContainerSpec& c, const std::string& image_ref) {
    json req = {{"name", c.name},
                {"scheduling_policy", c.scheduling_policy},
                {"configuration", application_configuration(c, image_ref)},
                {"instances", 0},
                {"max_instances", config::number_json(c.max_instances)},
                {"constraints", c.constraints},
                {"rollout_active_grace_period", config::number_json(c.rollout_active_grace_period)}};
    req["observability"] = {{"logs", {{"enabled", c.logs_enabled}}}};
    if (c.unsafe.is_object()) deep_merge(req, c.unsafe);
    return req;
}

json modify_application_request(const json& desired) {
    json patch = json::object();
    for (const char* k : {"configuration", "observability", "max_instances", "constraints", "scheduling_policy",
                          "rollout_active_grace_period"}) {
        if (!json_at(desired, k).is_null()) patch[k] = desired[k];
    }
    return patch;
}

std::vector<FieldChange> application_diff(const json& existing, const json& desired) {
    std::vector<FieldChange> out;
    collect_diff("", existing, modify_application_request(desired), out);
    return out;
}

json rollout_request(const config::ContainerSpec& c, const json& target, bool immediate) {
    json req = {{"description", "Progressive update"}, {"strategy", "rolling"}, {"target_configuration", target}};
    req["kind"] = c.rollout_full_manual ? "full_manual" : "full_auto";
    if (immediate) {
        req["step_percentage"] = 100;
    } else if (c.rollout_step_percentage) {
        req["step_percentage"] = config::number_json(*c.rollout_step_percentage);
    } else {
        std::vector<double> list =
            c.rollout_steps ? *c.rollout_steps
                            : (c.max_instances < 2 ? std::vector<double>{100} : std::vector<double>{10, 100});
        req["steps"] = json::array();
        for (size_t i = 0; i < list.size(); ++i) {
            json pct = config::number_json(list[i]);
            req["steps"].push_back(
                {{"step_size", {{"percentage", pct}}},
                 {"description", "Step " + std::to_string(i + 1) + " of " + std::to_string(list.size()) +
                                     " - rollout at " + pct.dump() + "% of instances"}});
        }
    }
    return req;
}

}  // namespace tenantctl::deploy
