#pragma once
// Container application requests built from a `containers[]` entry (config::ContainerSpec), and the diff that decides
// whether an existing application needs a modify + rollout.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/worker.hpp"

namespace tenantctl::deploy {

// The `configuration` object for an application (image pinned by digest, instance type or custom size).
nlohmann::json application_configuration(const config::ContainerSpec& container, const std::string& image_ref);

// POST /containers/applications body.
nlohmann::json create_application_request(const config::ContainerSpec& container, const std::string& image_ref);

// PATCH body: only the fields tenantctl owns, from the desired create request.
nlohmann::json modify_application_request(const nlohmann::json& desired_create);

struct FieldChange {
    std::string path;  // e.g. configuration.image
    nlohmann::json before;
    nlohmann::json after;
};
// What differs between an existing application and the desired create request, over the fields tenantctl owns.
std::vector<FieldChange> application_diff(const nlohmann::json& existing, const nlohmann::json& desired_create);

// POST …/rollouts body for the given target configuration and the container's rollout settings.
// `immediate` forces a single 100% step (--containers-rollout immediate).
nlohmann::json rollout_request(const config::ContainerSpec& container, const nlohmann::json& target_configuration,
                               bool immediate);

}  // namespace tenantctl::deploy
