#pragma once
// Bundling a worker as wrangler does: esbuild (ESM, es2022, TypeScript/JSX, node_modules resolved with the
// workerd/worker/browser conditions), module rules (Text, Data, CompiledWasm and the defaults) kept as separate
// modules named by content, find_additional_modules, `cloudflare:*` external, node built-ins according to the
// nodejs_compat mode, define, alias, minify, keep_names, tsconfig, source maps. Also the custom build
// (`[build] command`) that runs before it.
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/multipart.hpp"
#include "config/worker.hpp"
#include "core/diagnostic.hpp"
#include "core/env.hpp"
#include "core/result.hpp"

namespace tenantctl::bundle {

using OutputFn = std::function<void(std::string_view)>;

struct BundleOptions {
    std::string project_dir;                        // absolute: the config's directory (esbuild's working directory)
    std::string config_path;                        // absolute; never picked up as an additional module
    const Env* env = nullptr;                       // TENANTCTL_ESBUILD and PATH (null: the process environment)
    std::optional<std::string> compatibility_date;  // --compatibility-date override
};

struct BundleOutput {
    std::string main_module;
    std::vector<api::Module> modules;  // the main module first
    std::vector<Diagnostic> warnings;
    std::string esbuild;  // "esbuild 0.28.2 (node_modules: /path)"
};

// How node built-ins are handled, from compatibility_date and compatibility_flags (as wrangler decides).
enum class NodeCompat { None, Als, V1, V2 };
NodeCompat node_compat_mode(const std::string& compatibility_date, const std::vector<std::string>& flags);

// Bundles the worker of a config (its `main`, compatibility and `build` settings). Build errors come back as
// one Error (kind Input) with a diagnostic per esbuild error: file:line:col, message, the source line.
Result<BundleOutput> bundle_worker(const config::WorkerConfig& worker, const BundleOptions& options);

// Whether deploy bundles this config: not with no_bundle, not for a Python main module.
bool wants_bundle(const config::WorkerConfig& worker);

// Runs `[build] command` through `sh -c` in `[build] cwd` (default: the config's directory), streaming its
// output to `output`. A failure (kind Input) carries the command's last lines. Nothing to do without a
// command.
Status run_custom_build(const config::BuildConfig& build, const std::string& project_dir, const OutputFn& output);

// A wrangler-style module glob as a Go/RE2 regular expression. `globstar` = glob-to-regexp's globstar mode
// (used to match file paths); without it `*` matches anything, '/' included (used for import specifiers).
std::string glob_to_regex(std::string_view glob, bool globstar);

}  // namespace tenantctl::bundle
