#pragma once
// tenantctl::config — reads wrangler configuration files exactly like wrangler 4.164 does, and explains every
// mistake with a position.
//
//   config::LoadOptions opts;
//   opts.cwd = ctx.cwd();                 // discovery start (and base of a relative --config)
//   opts.config_path = ctx.g.config_path; // --config; empty = discover
//   opts.env = ctx.g.env;                 // --env; nullopt = $CLOUDFLARE_ENV via opts.environment
//   opts.environment = &ctx.env;
//   config::LoadedConfig cfg = config::load_config(opts);
//   if (!cfg.ok()) ... cfg.errors ...     // every problem of the file, each with file/line/column/path
//   cfg.config["name"], cfg.config["containers"], ...   // wrangler's normalized Config, wrangler's key names
//
// Discovery (no --config): from the working directory upward, the NEAREST directory holding a
// wrangler.json / wrangler.jsonc / wrangler.toml wins, and inside one directory json > jsonc > toml.
// This deliberately differs from wrangler 4.164, which runs three separate upward searches (all json first,
// then jsonc, then toml), so a wrangler.json in any parent directory beats a wrangler.toml next to you
// (workers-sdk issue #15663).
//
// Normalization follows wrangler's normalizeAndValidateConfig: top-level-only, inheritable and
// non-inheritable fields, `[env.NAME]` selection, defaults, paths. Paths inside the config's directory are
// written "./relative" ("./" for the directory itself); join them with `dir` to get absolute paths.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "config/node.hpp"
#include "config/worker.hpp"
#include "core/diagnostic.hpp"
#include "core/env.hpp"
#include "core/result.hpp"

namespace tenantctl::config {

enum class Format { Toml, Json, Jsonc, Other };

// Format by file extension, like wrangler: .toml, .json, .jsonc; anything else is read as an empty config.
Format format_for_path(const std::string& path);

struct LoadOptions {
    std::string cwd;                                // working directory (--cwd applied); empty = process cwd
    std::string config_path;                        // --config (relative to cwd); empty = discover
    std::optional<std::string> env;                 // --env NAME; "" = top level; nullopt = CLOUDFLARE_ENV
    const Env* environment = nullptr;               // where CLOUDFLARE_ENV is looked up (nullptr = not at all)
    std::optional<std::string> dispatch_namespace;  // relaxes the worker name rule (WfP script names)
    bool strict = false;                            // warnings become errors
};

struct LoadedConfig {
    // wrangler's normalized Config for the selected environment (wrangler's key names and shapes), or null
    // when there are errors. Always an object when ok().
    nlohmann::json config;
    std::vector<Diagnostic> warnings;
    std::vector<Diagnostic> errors;

    std::string path;          // absolute path of the config file; empty when none was found
    std::string display_path;  // as shown in diagnostics (relative to cwd when below it)
    std::string dir;           // absolute directory of the config file (cwd when none was found)
    Format format = Format::Other;
    std::optional<std::string> env;   // the selected environment, if any ("" = top level explicitly)
    std::vector<SourceText> sources;  // the file's text (empty when it could not be read)

    bool ok() const { return errors.empty(); }
    bool found() const { return !path.empty(); }
    const SourceText* source() const { return sources.empty() ? nullptr : &sources.front(); }

    // Typed helpers over `config` (empty / nullopt when unset).
    std::string name() const;
    std::string top_level_name() const;
    std::string compatibility_date() const;
    std::string account_id() const;
    std::optional<std::string> main_path() const;                    // absolute path of `main`
    std::string absolute(const std::string& config_relative) const;  // "./x" -> dir + "/x"
    WorkerConfig worker() const;                                     // the typed view (config/worker.hpp)
    std::vector<std::string> defined_environments() const;
};

// Discovery only: the config file for `start_dir` (nearest directory wins), or "" when none exists.
std::string find_config(const std::string& start_dir);

// Reads, parses, normalizes and validates. Never fails: every problem is in `errors`/`warnings`.
LoadedConfig load_config(const LoadOptions& options);

// Like load_config, but an Error (kind Config, diagnostics attached) when the config has errors or when
// `require_file` is set and no config file exists.
Result<LoadedConfig> load_config_checked(const LoadOptions& options, bool require_file = false);

// The configuration's errors as one Error (kind Config, the diagnostics attached): what load_config_checked
// returns, and the `error` of `config validate --json`.
Error errors_as_error(const LoadedConfig& cfg);

// Lower-level pieces (used by tests and the fuzzer).
struct NormalizeOptions {
    std::string config_path;   // absolute path of the file (for configPath and diagnostics)
    std::string display_path;  // shown in diagnostics
    std::string dir;           // directory paths are resolved against
    Format format = Format::Toml;
    std::optional<std::string> env;
    std::optional<std::string> dispatch_namespace;
    bool check_files = true;  // look at the filesystem for container images (Dockerfile vs registry)
};
struct Normalized {
    nlohmann::json config;  // always the normalized object (even with errors)
    std::vector<Diagnostic> warnings;
    std::vector<Diagnostic> errors;
};
Normalized normalize(const Node& root, const NormalizeOptions& options);

// Parses `text` by format (BOM handling included); Format::Other gives an empty object.
Result<Node> parse_config_text(std::string_view text, Format format, const std::string& display_path);

// Strips a UTF-8 BOM; an error for UTF-16/UTF-32 byte order marks.
Result<std::string> strip_bom(std::string text, const std::string& display_path);

// JavaScript `new Date(value)` validity (V8's ISO and legacy parsers), which is what wrangler checks.
bool js_date_is_valid(std::string_view value);

}  // namespace tenantctl::config
