#pragma once
// Versions and deployments of an account worker (wrangler's `versions upload|list|view|deploy`,
// `deployments list|status`, `rollback`): a version is an upload that serves nothing until a deployment gives
// it a share of the requests; a deployment is one version at 100% or two whose percentages add up to 100.
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/client.hpp"
#include "config/config.hpp"
#include "core/result.hpp"
#include "deploy/account.hpp"
#include "deploy/deploy.hpp"

namespace tenantctl::deploy {

// The longest deployment message the API takes (annotation workers/message).
inline constexpr size_t k_max_deployment_message = 50;
// The most versions one deployment can split requests between.
inline constexpr size_t k_max_deployment_versions = 2;

// One `VERSION_ID[@PCT[%]]` argument of `versions deploy`.
struct VersionSpec {
    std::string version_id;
    std::optional<double> percentage;
};
Result<VersionSpec> parse_version_spec(const std::string& text);
// The shares a deployment of `specs` gives: one version (100%, or an explicit 100), or two whose percentages
// add up to 100 (one of them may omit its percentage: it gets the rest). Usage errors name the value.
Result<std::vector<api::DeploymentShare>> deployment_shares(const std::vector<std::string>& specs);

// The version `rollback` without an id goes to: the newest deployment before the current one that serves a
// single version at 100% which the current deployment does not already serve alone (deployments newest first,
// as the API lists them). NotFound when there is none.
Result<std::string> rollback_target(const std::vector<api::Deployment>& deployments);

struct VersionsTarget {
    std::string account_id;
    std::string worker;
};

// The worker the commands act on: `name` (--name), else the config's name; a usage error when neither is set.
Result<std::string> versions_worker(const std::string& name, const std::string& config_name);

struct VersionUploadOptions {
    VersionsTarget target;
    std::string message;  // annotation workers/message (default: the git commit subject)
    std::string version_tag;
    std::optional<std::string> compatibility_date;
    bool keep_vars = false;
    bool no_bundle = false;
    const Env* env = nullptr;
};

struct VersionUploadReport {
    std::string worker;
    api::WorkerVersion version;
    std::string upload_digest;
    std::string bundler;
    std::vector<std::string> messages;
    nlohmann::json to_json() const;
};

// Builds the worker as `deploy` does (custom build, bundle) and uploads it as a new version, deployed nowhere.
// The worker must exist (deploy it first); a config with static assets is refused.
Result<VersionUploadReport> run_versions_upload(const config::LoadedConfig& cfg, api::ApiClient& client,
                                                const VersionUploadOptions& options, const DeployEvents& events);

struct VersionsDeployOptions {
    VersionsTarget target;
    std::vector<std::string> specs;  // VERSION_ID[@PCT]
    std::string message;
    ConfirmFn confirm;  // null: no question
};

struct DeploymentReport {
    std::string worker;
    api::Deployment deployment;
    std::optional<api::Deployment> previous;  // the deployment it replaced
    nlohmann::json to_json() const;
};

// Checks the specs (usage errors before anything is sent) and that every version exists, then creates the
// deployment.
Result<DeploymentReport> run_versions_deploy(api::ApiClient& client, const VersionsDeployOptions& options);

struct RollbackOptions {
    VersionsTarget target;
    std::string version_id;  // empty: rollback_target of the worker's deployments
    std::string message;
    ConfirmFn confirm;
};
Result<DeploymentReport> run_rollback(api::ApiClient& client, const RollbackOptions& options);

// The worker's versions, newest first.
struct VersionList {
    std::string worker;
    std::vector<api::WorkerVersion> versions;
    nlohmann::json to_json() const;  // {"worker","versions":[{id,number,created_on,source,tag,message,raw}…]}
};
Result<VersionList> list_versions(api::ApiClient& client, const VersionsTarget& target);

// One version of the worker.
struct VersionView {
    std::string worker;
    api::WorkerVersion version;
    nlohmann::json to_json() const;  // {"worker","version": the API's object}
};
Result<VersionView> view_version(api::ApiClient& client, const VersionsTarget& target, const std::string& version_id);

// The worker's deployments, newest (the current one) first.
struct DeploymentList {
    std::string worker;
    std::vector<api::Deployment> deployments;
    nlohmann::json to_json() const;  // {"worker","deployments":[deployment_json…]}
};
Result<DeploymentList> list_deployments(api::ApiClient& client, const VersionsTarget& target);

// The current deployment and its versions' details.
struct DeploymentStatus {
    std::string worker;
    api::Deployment deployment;
    std::vector<api::WorkerVersion> versions;  // in the deployment's order
    nlohmann::json to_json() const;
};
Result<DeploymentStatus> deployment_status(api::ApiClient& client, const VersionsTarget& target);

nlohmann::json deployment_json(const api::Deployment& d);

}  // namespace tenantctl::deploy
