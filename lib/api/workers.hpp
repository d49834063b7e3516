#pragma once
// Workers results of the API client (api/client.hpp): dispatch namespaces, secrets, tails, versions and
// deployments, and the script a call is about.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tenantctl::api {

struct DispatchNamespace {
    std::string id;
    std::string name;
    int script_count = 0;
    bool trusted_workers = false;
    std::string created_on;
    std::string modified_on;
    nlohmann::json raw;
};
struct SecretInfo {
    std::string name;
    std::string type;
    nlohmann::json raw;
};
struct BulkDeleteResult {
    std::vector<std::string> deleted;
    int deleted_count = 0;
    bool has_more = false;
};

// The worker a secret belongs to: an account worker, or a tenant worker in a dispatch namespace.
struct ScriptRef {
    std::string account_id;
    std::string dispatch_namespace;  // empty = account-level worker
    std::string script;
};

struct TailInfo {
    std::string id;
    std::string url;  // the WebSocket to read (wss://… on Cloudflare); the id in it is its only credential
    std::string expires_at;
    nlohmann::json raw;
};

// An account worker's version (GET/POST …/workers/scripts/NAME/versions[/ID]).
struct WorkerVersion {
    std::string id;
    long long number = 0;
    std::string created_on;
    std::string source;
    std::string author_email;
    std::string message;  // annotation workers/message
    std::string tag;      // annotation workers/tag
    nlohmann::json raw;
};
// One version of a deployment and its share of the requests.
struct DeploymentShare {
    std::string version_id;
    double percentage = 0;
};
// A deployment of an account worker (strategy "percentage": its versions' shares add up to 100).
struct Deployment {
    std::string id;
    std::string created_on;
    std::string source;
    std::string author_email;
    std::string message;  // annotation workers/message
    std::vector<DeploymentShare> versions;
    nlohmann::json raw;
};

}  // namespace tenantctl::api
