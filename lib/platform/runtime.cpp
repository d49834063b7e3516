#include "platform/runtime.hpp"

#include <algorithm>

namespace tenantctl::platform {

std::vector<nlohmann::json> StateOnlyRuntime::list_instances(const nlohmann::json& app) {
    std::vector<nlohmann::json> out;
    if (!app.is_object() || !app.contains("id") || !app["id"].is_string()) return out;
    int n = 0;
    if (app.contains("instances") && app["instances"].is_number_integer()) n = app["instances"].get<int>();
    n = std::max(0, std::min(n, 1000));
    const std::string id = app["id"].get<std::string>();
    std::string image;
    if (app.contains("configuration") && app["configuration"].is_object() && app["configuration"].contains("image") &&
        app["configuration"]["image"].is_string())
        image = app["configuration"]["image"].get<std::string>();
    std::string updated = app.value("updated_at", std::string("1970-01-01T00:00:00Z"));
    for (int i = 0; i < n; ++i) {
        out.push_back({{"id", id.substr(0, 24) + "-" + std::to_string(i)},
                       {"application_id", id},
                       {"image", image},
                       {"name", app.value("name", std::string()) + "-" + std::to_string(i)},
                       {"status", {{"state", "inactive"}, {"updated_at", updated}}}});
    }
    return out;
}

Status StateOnlyRuntime::stop_instance(const nlohmann::json& app, const std::string& instance_id) {
    for (auto& inst : list_instances(app))
        if (inst["id"] == instance_id) return ok_status();
    return Error(ErrorKind::NotFound, "no instance " + instance_id);
}

}  // namespace tenantctl::platform
