#pragma once
// The worker upload: by default the worker bundled as wrangler bundles it (lib/bundle, esbuild); with
// `no_bundle` (or --no-bundle) the `main` module and the additional modules selected by `rules` /
// `find_additional_modules` are uploaded as they are. Metadata is built from the typed config (config/worker.hpp).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/multipart.hpp"
#include "config/worker.hpp"
#include "core/diagnostic.hpp"
#include "core/env.hpp"
#include "core/result.hpp"
#include "workers/assets.hpp"

namespace tenantctl::workers {

// Modules are named by their path relative to the base directory, '/'-separated.
using api::Module;

struct UploadOptions {
    std::string config_dir;                            // absolute; relative paths in the config resolve against it
    bool keep_vars = false;                            // --keep-vars (or keep_vars in config)
    std::optional<std::string> current_migration_tag;  // the deployed script's migration_tag, if any
    std::vector<std::string> tags;                     // script tags (dispatch-namespace scripts)
    std::string message;                               // annotation workers/message
    std::string version_tag;                           // annotation workers/tag
    std::optional<std::string> compatibility_date;     // --compatibility-date override
    bool no_bundle = false;                            // --no-bundle: upload the modules as they are
    std::string config_path;                           // absolute; never an additional module
    const Env* env = nullptr;                          // where esbuild is looked up (null: the process's)
    // `assets` in the config: read (manifest, _redirects/_headers) only when the caller uploads them (deploy);
    // otherwise a config with assets is refused, so that they are never dropped silently.
    bool assets = false;
};

// A worker's static assets, as the upload will carry them (see assets.hpp).
struct UploadAssets {
    AssetManifest manifest;
    AssetsConfigFiles files;
    bool assets_only = false;  // no `main`: the upload is metadata alone
    uint64_t total_bytes() const;
};

struct UploadBundle {
    nlohmann::json metadata;
    std::vector<Module> modules;
    // "sha256:…" over the worker's content: the metadata without the per-upload fields (tags, annotations,
    // migrations relative to the deployed tag), the config's migration list and every module. Equal digests
    // mean the same worker.
    std::string digest;
    std::vector<Diagnostic> warnings;  // from the bundler
    std::string bundler;               // "esbuild 0.28.2 (…)", or empty when not bundled
    // The config's assets (their manifest and config enter the digest); the metadata's `assets` field, which
    // needs the upload session's completion token, is set by the caller (set_assets_field).
    std::optional<UploadAssets> assets;
};

// The script tag that records the digest of the last upload: "tenantctl-upload-<16 hex>".
inline constexpr const char* k_upload_tag_prefix = "tenantctl-upload-";

// Builds the upload from a worker's config. Errors name the field and value.
Result<UploadBundle> build_upload(const config::WorkerConfig& worker, const UploadOptions& options);

// Sets the per-upload fields of a built upload from `options` (current_migration_tag, tags, message,
// version_tag), leaving its content and digest alone: one build serves any number of uploads.
Status apply_revision(UploadBundle& bundle, const config::WorkerConfig& worker, const UploadOptions& options);

// Sets metadata.assets = {jwt, config} for a bundle with assets (the completion token of the upload session).
void set_assets_field(UploadBundle& bundle, const config::WorkerConfig& worker, const std::string& completion_jwt);

// The config's `assets` checked as wrangler checks it (directory given, not empty, an existing directory; no
// binding or run_worker_first without `main`): its absolute directory, or nullopt when the config has none.
Result<std::optional<std::string>> assets_directory(const config::WorkerConfig& worker, const std::string& config_dir);

// Worker bindings as the upload API wants them (vars, KV, R2, D1, services, Durable Objects, dispatch namespaces,
// in that order).
nlohmann::json bindings_json(const config::Bindings& bindings);

// `migrations` for the upload relative to the script's current tag; null when nothing is to migrate.
Result<nlohmann::json> migrations_for_upload(const nlohmann::json& migrations,
                                             const std::optional<std::string>& current_tag);

// Content type for a module: the rule's type when one selected it, else by extension.
std::string module_content_type(const std::string& path, const std::string& rule_type = {});

// The multipart/form-data body for an upload: a `metadata` part and one part per module.
api::MultipartBody encode_upload(const UploadBundle& bundle);

}  // namespace tenantctl::workers
