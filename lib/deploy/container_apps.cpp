#include "deploy/container_apps.hpp"

#include "core/json.hpp"
#include "core/strings.hpp"

namespace tenantctl::deploy {

using nlohmann::json;

namespace {

Result<json> find_application(const AccountClient& account, const std::string& id_or_name) {
    if (trim(id_or_name).empty())
        return Error(ErrorKind::Usage, "no application was given",
                     "pass an application id or name (see `tenantctl containers list`)");
    return account.client->find_application(account.account_id, id_or_name);
}

}  // namespace

Result<std::vector<json>> list_applications(const OpenAccount& open) {
    TRY_ASSIGN(auto account, open());
    return account.client->list_applications_with_health(account.account_id);
}

Result<json> application_info(const std::string& id_or_name, const OpenAccount& open) {
    TRY_ASSIGN(auto account, open());
    return find_application(account, id_or_name);
}

Result<std::vector<json>> list_application_instances(const std::string& id_or_name, const OpenAccount& open) {
    TRY_ASSIGN(auto account, open());
    TRY_ASSIGN(auto app, find_application(account, id_or_name));
    return account.client->list_instances(account.account_id, json_text(app, "id"));
}

json ApplicationDeleteReport::to_json() const {
    return {{"ok", true}, {"deleted", id}, {"name", name}};
}

Result<ApplicationDeleteReport> delete_application(const std::string& id_or_name, const ConfirmFn& confirm,
                                                   const OpenAccount& open) {
    if (confirm) TRY_STATUS(confirm("delete container application " + quoted(id_or_name)));
    TRY_ASSIGN(auto account, open());
    TRY_ASSIGN(auto app, find_application(account, id_or_name));
    TRY_STATUS(account.client->delete_application(account.account_id, json_text(app, "id")));
    return ApplicationDeleteReport{json_text(app, "id"), json_text(app, "name")};
}

json ApplicationRestartReport::to_json() const {
    if (!instance.empty()) return {{"ok", true}, {"application_id", id}, {"restarted", json::array({instance})}};
    return {{"ok", true}, {"application_id", id}, {"rollout_id", rollout_id}};
}

Result<ApplicationRestartReport> restart_application(const std::string& id_or_name, const std::string& instance,
                                                     const OpenAccount& open) {
    TRY_ASSIGN(auto account, open());
    TRY_ASSIGN(auto app, find_application(account, id_or_name));
    ApplicationRestartReport report{json_text(app, "id"), json_text(app, "name"), instance, {}};
    if (!instance.empty()) {
        TRY_STATUS(account.client->delete_instance(account.account_id, report.id, instance));
        return report;
    }
    json body = {{"description", "tenantctl containers restart"},
                 {"strategy", "new_instances"},
                 {"kind", "full_auto"},
                 {"step_percentage", 100},
                 {"target_configuration", app.value("configuration", json::object())}};
    TRY_ASSIGN(json rollout, account.client->create_rollout(account.account_id, report.id, body));
    report.rollout_id = json_text(rollout, "id");
    return report;
}

}  // namespace tenantctl::deploy
