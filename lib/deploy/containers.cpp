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

json application_configuration(const json& c, const std::string& image_ref) {
    json cfg = {{"image", image_ref}};
    const json& it = json_at(c, "instance_type");
    if (it.is_object()) {
        // Custom instance type: sizes instead of a named type.
        if (!json_at(it, "vcpu").is_null()) cfg["vcpu"] = it["vcpu"];
        if (!json_at(it, "memory_mib").is_null()) cfg["memory_mib"] = it["memory_mib"];
        if (!json_at(it, "disk_mb").is_null()) cfg["disk"] = {{"size_mb", it["disk_mb"]}};
    } else {
        cfg["instance_type"] = it.is_string() ? it.get<std::string>() : std::string("lite");
    }
    if (const json& ssh = json_at(c, "wrangler_ssh"); !ssh.is_null()) cfg["wrangler_ssh"] = ssh;
    if (const json& keys = json_at(c, "authorized_keys"); !keys.is_null()) cfg["authorized_keys"] = keys;
    if (const json& ca = json_at(c, "trusted_user_ca_keys"); !ca.is_null()) cfg["trusted_user_ca_keys"] = ca;
    return cfg;
}

json create_application_request(const json& c, const std::string& image_ref) {
    json req = {
        {"name", json_at(c, "name")},
        {"scheduling_policy",
         json_at(c, "scheduling_policy").is_string() ? json_at(c, "scheduling_policy") : json("default")},
        {"configuration", application_configuration(c, image_ref)},
        {"instances", 0},
        {"max_instances", json_at(c, "max_instances").is_number() ? json_at(c, "max_instances") : json(20)},
        {"constraints", json_at(c, "constraints").is_object() ? json_at(c, "constraints") : json{{"tiers", {1, 2}}}},
        {"rollout_active_grace_period",
         json_at(c, "rollout_active_grace_period").is_number() ? json_at(c, "rollout_active_grace_period") : json(0)}};
    const json& obs = json_at(c, "observability");
    bool logs = (json_at(json_at(obs, "logs"), "enabled").is_boolean() &&
                 json_at(json_at(obs, "logs"), "enabled").get<bool>()) ||
                (json_at(obs, "enabled").is_boolean() && json_at(obs, "enabled").get<bool>());
    req["observability"] = {{"logs", {{"enabled", logs}}}};
    if (const json& unsafe = json_at(c, "unsafe"); unsafe.is_object()) deep_merge(req, unsafe);
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

json rollout_request(const json& c, const json& target, bool immediate) {
    json req = {{"description", "Progressive update"}, {"strategy", "rolling"}, {"target_configuration", target}};
    const json& kind = json_at(c, "rollout_kind");
    req["kind"] = (kind.is_string() && kind.get<std::string>() == "full_manual") ? "full_manual" : "full_auto";
    const json& steps = json_at(c, "rollout_step_percentage");
    int max_instances = json_at(c, "max_instances").is_number() ? json_at(c, "max_instances").get<int>() : 20;
    if (immediate) {
        req["step_percentage"] = 100;
    } else if (steps.is_number()) {
        req["step_percentage"] = steps;
    } else {
        json list = steps.is_array() ? steps : (max_instances < 2 ? json::array({100}) : json::array({10, 100}));
        req["steps"] = json::array();
        for (size_t i = 0; i < list.size(); ++i) {
            req["steps"].push_back(
                {{"step_size", {{"percentage", list[i]}}},
                 {"description", "Step " + std::to_string(i + 1) + " of " + std::to_string(list.size()) +
                                     " - rollout at " + list[i].dump() + "% of instances"}});
        }
    }
    return req;
}

}  // namespace tenantctl::deploy
