#pragma once
// The typed view of a normalized configuration: what tenantctl acts on (the worker's entry and compatibility,
// its bindings, its containers), read once from the normalized JSON that `config show` prints. The JSON stays
// the source of truth for wrangler's full model; these types carry only what deploy and tenants use, with
// wrangler's defaults applied.
//
//   config::WorkerConfig w = config::worker_config(cfg.config);
//   for (const config::ContainerSpec& c : w.containers) ... c.name, c.max_instances ...
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tenantctl::config {

struct KvNamespaceBinding {
    std::string binding;
    std::string id;
};

struct R2BucketBinding {
    std::string binding;
    std::string bucket_name;
    std::optional<std::string> jurisdiction;
};

struct D1DatabaseBinding {
    std::string binding;
    std::string database_id;
    std::string database_name;
    std::string migrations_dir;    // as written (config-relative); empty = wrangler's default
    std::string migrations_table;  // empty = wrangler's default
};

struct ServiceBinding {
    std::string binding;
    std::string service;
    std::optional<std::string> environment;
    std::optional<std::string> entrypoint;
};

struct DurableObjectBinding {
    std::string name;
    std::string class_name;
    std::optional<std::string> script_name;
    std::optional<std::string> environment;
};

struct OutboundWorker {
    std::string service;
    std::optional<std::string> environment;
    std::optional<std::vector<std::string>> parameters;  // nullopt = not given (an empty list is sent as given)
};

struct DispatchNamespaceBinding {
    std::string binding;
    std::string ns;
    std::optional<OutboundWorker> outbound;
};

// The bindings tenantctl uploads, in wrangler's order (vars first).
struct Bindings {
    // name -> value, in the config's order; a string is plain text, anything else a JSON binding.
    std::vector<std::pair<std::string, nlohmann::json>> vars;
    std::vector<KvNamespaceBinding> kv_namespaces;
    std::vector<R2BucketBinding> r2_buckets;
    std::vector<D1DatabaseBinding> d1_databases;
    std::vector<ServiceBinding> services;
    std::vector<DurableObjectBinding> durable_objects;
    std::vector<DispatchNamespaceBinding> dispatch_namespaces;
};

// Custom container sizes (instead of a named instance type).
struct ContainerSize {
    std::optional<double> vcpu;
    std::optional<double> memory_mib;
    std::optional<double> disk_mb;
};

// One `containers[]` entry with wrangler's defaults applied.
struct ContainerSpec {
    std::string name;
    std::string class_name;
    std::string image;                               // a registry reference, or the Dockerfile (config-relative)
    std::optional<std::string> image_build_context;  // set = `image` is a Dockerfile to build here
    std::vector<std::pair<std::string, std::string>> image_vars;  // build args (non-strings as their JSON text)
    std::string instance_type = "lite";                           // when no custom size is given
    std::optional<ContainerSize> custom_size;
    double max_instances = 20;
    std::string scheduling_policy = "default";
    nlohmann::json constraints = {{"tiers", {1, 2}}};
    double rollout_active_grace_period = 0;
    bool rollout_full_manual = false;                  // rollout_kind "full_manual" (else full_auto)
    std::optional<double> rollout_step_percentage;     // one percentage for every step
    std::optional<std::vector<double>> rollout_steps;  // explicit steps (when no single percentage is given)
    bool logs_enabled = false;                         // observability.logs.enabled or observability.enabled
    nlohmann::json unsafe;                             // merged last into the application request (null = none)
    nlohmann::json wrangler_ssh, authorized_keys, trusted_user_ca_keys;  // passed through (null = unset)

    bool builds_image() const { return image_build_context.has_value(); }
};

// A module rule (`rules[]`): files matching one of `globs` are modules of `type` ("ESModule", "Text", …).
struct ModuleRule {
    std::string type;
    std::vector<std::string> globs;
    std::optional<bool> fallthrough;
};

// How the worker's code becomes its modules: a custom build first (`[build]`), then esbuild (the default) or the
// files as they are (`no_bundle`). Paths are as written (config-relative).
struct BuildConfig {
    std::string command;  // [build] command; empty = no custom build
    std::string cwd;      // [build] cwd; empty = the config's directory
    bool no_bundle = false;
    std::string base_dir;  // empty = main's directory
    bool find_additional_modules = false;
    bool preserve_file_names = false;
    std::vector<ModuleRule> rules;  // the config's own, before wrangler's defaults
    bool minify = false;
    bool keep_names = true;   // esbuild --keep-names unless keep_names = false
    bool source_maps = true;  // esbuild --sourcemap unless upload_source_maps = false
    std::string tsconfig, jsx_factory, jsx_fragment;
    std::vector<std::pair<std::string, std::string>> define;  // esbuild's text (non-strings as their JSON)
    std::vector<std::pair<std::string, std::string>> alias;
};

// `assets`: the static files served with (or instead of) the worker.
struct AssetsConfig {
    std::optional<std::string> directory;  // as written; nullopt = missing (an error deploy reports)
    std::string binding;                   // empty = no binding
    std::optional<std::string> html_handling, not_found_handling, base_path;
    nlohmann::json run_worker_first;  // true/false or a list of patterns, sent as written; null = unset

    bool runs_worker_first() const {
        return (run_worker_first.is_boolean() && run_worker_first.get<bool>()) ||
               (run_worker_first.is_array() && !run_worker_first.empty());
    }
};

// A route (`routes[]` or `route`): a pattern, with the zone it belongs to when given.
struct Route {
    std::string pattern;
    std::optional<std::string> zone_id, zone_name;
    bool custom_domain = false;
};

// What an account worker is reachable by, besides its upload.
struct Triggers {
    std::optional<std::vector<Route>> routes;       // `routes` (nullopt = not given)
    std::optional<Route> route;                     // `route` (one)
    std::optional<std::vector<std::string>> crons;  // `triggers.crons` (nullopt = leave the schedules alone)
    bool has_events = false;                        // `triggers.events` non-empty
    std::optional<bool> workers_dev, preview_urls;

    // `routes` when given, else the one `route`.
    std::vector<Route> effective_routes() const;
};

struct WorkerConfig {
    std::string name;
    std::string main;  // as normalized ("./src/index.ts"); empty for an assets-only worker
    std::optional<std::string> compatibility_date;
    std::vector<std::string> compatibility_flags;
    Bindings bindings;
    std::vector<ContainerSpec> containers;
    BuildConfig build;
    std::optional<AssetsConfig> assets;
    bool has_site = false;  // Workers Sites (`site`), which tenantctl does not upload
    bool keep_vars = false;
    Triggers triggers;
    // Passed to the upload as written: their shapes are the API's, and tenantctl only carries them (null = unset).
    // `migrations` is the Durable Object migration list ([{tag, new_classes, …}]); the upload sends the steps
    // after the deployed tag (workers::migrations_for_upload).
    nlohmann::json migrations, tail_consumers, limits, observability, placement, logpush;
};

// From wrangler's normalized Config (what load_config returns in `config`): never fails, since normalization
// has validated the shapes; an absent or mistyped field reads as unset.
WorkerConfig worker_config(const nlohmann::json& normalized);
Bindings bindings_of(const nlohmann::json& normalized);
ContainerSpec container_spec(const nlohmann::json& container);

// A JSON number for a config number: integral values as integers (20, not 20.0), as the config wrote them.
nlohmann::json number_json(double value);

}  // namespace tenantctl::config
