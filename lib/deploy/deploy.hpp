#pragma once
// `tenantctl deploy`: from a loaded wrangler config, build and push the container images (content-addressed:
// nothing is built or pushed when the registry or the application already has the content), upload the
// worker (skipped when the recorded upload digest matches), then create or modify the container applications
// and start their rollouts. Reads first, writes only what changed: a second deploy of an unchanged project
// sends only GET requests.
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/client.hpp"
#include "config/config.hpp"
#include "core/result.hpp"
#include "deploy/containers.hpp"
#include "images/docker.hpp"
#include "workers/upload.hpp"

namespace tenantctl::deploy {

enum class RolloutMode { Gradual, Immediate, None };
Result<RolloutMode> parse_rollout_mode(const std::string& text);

// The application label that records the build-context digest its image was built from.
inline constexpr const char* k_context_label = "tenantctl.context";

struct DeployOptions {
    std::string account_id;
    std::string dispatch_namespace;  // --dispatch-namespace: the worker goes into this namespace
    std::string name;                // --name overrides the config's name
    bool keep_vars = false;
    std::string message;      // --message (default: the git commit subject)
    std::string version_tag;  // --tag
    std::optional<std::string> compatibility_date;
    api::SecretsPatch secrets;  // --secrets-file (values never leave this process except in the upload)
    RolloutMode rollout = RolloutMode::Gradual;
    bool dry_run = false;
    std::string outdir;  // --outdir (dry run or not): metadata.json + upload.multipart, secrets masked
    std::string managed_registry = "registry.cloudflare.com";  // CLOUDFLARE_CONTAINER_REGISTRY
    bool force = false;                                        // upload and roll out even when nothing changed
    bool no_bundle = false;                                    // --no-bundle: upload the modules as they are
    const Env* env = nullptr;  // where esbuild is looked up (TENANTCTL_ESBUILD, PATH); null: the process's
};

// Progress for the user; `docker_output` receives build/push output as it arrives.
struct DeployEvents {
    std::function<void(const std::string&)> step;
    images::OutputFn docker_output;
    images::OutputFn build_output;                   // the custom build's output, as it arrives
    std::function<void(const Diagnostic&)> warning;  // bundler warnings
};

struct ContainerOutcome {
    std::string name;
    std::string application_id;
    std::string action;  // created | modified | unchanged | skipped (rollout none) | dry-run
    std::string image;   // the reference the application runs (digest-pinned for built images)
    std::string context_digest;
    bool built = false;
    bool pushed = false;
    std::string rollout_id;
    std::vector<FieldChange> changes;
};

struct AssetsOutcome {
    size_t files = 0;  // in the manifest
    uint64_t bytes = 0;
    bool synced = false;  // an upload session was opened (false: dry run, or the worker was unchanged)
    size_t uploaded_files = 0;
    uint64_t uploaded_bytes = 0;
    size_t upload_requests = 0;
};

struct DeployReport {
    std::string worker;
    std::string dispatch_namespace;
    bool uploaded = false;  // false: the recorded digest matched (or dry run)
    bool dry_run = false;
    std::string bundler;                        // "esbuild 0.28.2 (…)" when the worker was bundled
    std::vector<std::string> triggers;          // workers.dev URL, routes, schedules (account workers)
    std::vector<std::string> triggers_written;  // which of subdomain/routes/schedules were changed
    std::string upload_digest;
    std::string version_id;               // account workers: the version the upload created
    std::optional<AssetsOutcome> assets;  // when the config has `assets`
    std::vector<ContainerOutcome> containers;
    std::vector<std::string> skipped;   // human-readable notes on what was skipped and why
    std::vector<std::string> messages;  // what the API said about the upload (e.g. storage it created)
    nlohmann::json to_json() const;
};

// The worker as deploy builds it: the custom build (`[build] command`), then build_upload with the options'
// keep_vars, compatibility_date, no_bundle and env (bundler warnings to `events.warning`). With `assets` false a
// config with static assets is refused. Shared by deploy and `versions upload`.
Result<workers::UploadBundle> build_worker(const config::LoadedConfig& cfg, const config::WorkerConfig& worker,
                                           const DeployOptions& options, bool assets, const DeployEvents& events);

// `client` may be null only for a dry run. `docker` may be null when no container needs a build.
Result<DeployReport> run_deploy(const config::LoadedConfig& cfg, api::ApiClient* client, images::Docker* docker,
                                const DeployOptions& options, const DeployEvents& events);

// The worker name a deploy would use, or an error naming what is missing.
Result<std::string> worker_name(const config::LoadedConfig& cfg, const DeployOptions& options);

}  // namespace tenantctl::deploy
