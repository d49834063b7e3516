#pragma once
// `containers list|info|instances|delete|restart`: the account's container applications (the API's objects),
// an application named by id or by name (names are unique per account).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "deploy/account.hpp"

namespace tenantctl::deploy {

// Every application, each with its `health` (instances running, healthy).
Result<std::vector<nlohmann::json>> list_applications(const OpenAccount& open);
// One application by id, or by name when no id matches.
Result<nlohmann::json> application_info(const std::string& id_or_name, const OpenAccount& open);
// The instances of an application.
Result<std::vector<nlohmann::json>> list_application_instances(const std::string& id_or_name, const OpenAccount& open);

struct ApplicationDeleteReport {
    std::string id;
    std::string name;
    nlohmann::json to_json() const;
};
// Deletes an application (its instances stop), after `confirm`.
Result<ApplicationDeleteReport> delete_application(const std::string& id_or_name, const ConfirmFn& confirm,
                                                   const OpenAccount& open);

struct ApplicationRestartReport {
    std::string id;
    std::string name;
    std::string instance;    // the instance restarted, or empty: every instance
    std::string rollout_id;  // every instance: the `new_instances` rollout started
    nlohmann::json to_json() const;
};
// One instance (deleting it stops it; the next request starts a new one), or every instance: a `new_instances`
// rollout of the current configuration.
Result<ApplicationRestartReport> restart_application(const std::string& id_or_name, const std::string& instance,
                                                     const OpenAccount& open);

}  // namespace tenantctl::deploy
