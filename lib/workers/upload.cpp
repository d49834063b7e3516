#include "workers/upload.hpp"

#include "core/json.hpp"

#include <algorithm>
#include <filesystem>

#include "bundle/bundle.hpp"
#include "core/fs.hpp"
#include "core/sha256.hpp"
#include "core/strings.hpp"
#include "images/context.hpp"

namespace tenantctl::workers {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

void copy_if_present(json& out, const char* key, const json& v) {
    if (!v.is_null()) out[key] = v;
}

// The upload's compatibility date (the option wins over the config) and flags (always an array).
void set_compatibility(json& m, const config::WorkerConfig& w, const UploadOptions& o) {
    if (auto date = o.compatibility_date ? o.compatibility_date : w.compatibility_date) m["compatibility_date"] = *date;
    m["compatibility_flags"] = w.compatibility_flags;
}

// Default module rules wrangler applies when find_additional_modules is on.
std::vector<config::ModuleRule> default_rules() {
    return {{"ESModule", {"**/*.js", "**/*.mjs"}, std::nullopt},
            {"CommonJS", {"**/*.cjs"}, std::nullopt},
            {"CompiledWasm", {"**/*.wasm"}, std::nullopt},
            {"Text", {"**/*.txt", "**/*.html", "**/*.sql"}, std::nullopt},
            {"Data", {"**/*.bin"}, std::nullopt},
            {"PythonModule", {"**/*.py"}, std::nullopt}};
}

}  // namespace

std::string module_content_type(const std::string& path, const std::string& rule_type) {
    if (rule_type == "ESModule") return "application/javascript+module";
    if (rule_type == "CommonJS") return "application/javascript";
    if (rule_type == "CompiledWasm") return "application/wasm";
    if (rule_type == "Text") return "text/plain";
    if (rule_type == "Data") return "application/octet-stream";
    if (rule_type == "PythonModule") return "text/x-python";
    if (rule_type == "PythonRequirement") return "text/x-python-requirement";
    if (ends_with(path, ".sql")) return "text/plain";
    return api::module_content_type(path);
}

json bindings_json(const config::Bindings& in) {
    json b = json::array();
    auto put = [](json& x, const char* key, const std::optional<std::string>& v) {
        if (v) x[key] = *v;
    };
    for (const auto& [name, value] : in.vars) {
        if (value.is_string())
            b.push_back({{"name", name}, {"type", "plain_text"}, {"text", value}});
        else
            b.push_back({{"name", name}, {"type", "json"}, {"json", value}});
    }
    for (const auto& kv : in.kv_namespaces)
        b.push_back({{"name", kv.binding}, {"type", "kv_namespace"}, {"namespace_id", kv.id}});
    for (const auto& r2 : in.r2_buckets) {
        json x = {{"name", r2.binding}, {"type", "r2_bucket"}, {"bucket_name", r2.bucket_name}};
        put(x, "jurisdiction", r2.jurisdiction);
        b.push_back(x);
    }
    for (const auto& d1 : in.d1_databases) b.push_back({{"name", d1.binding}, {"type", "d1"}, {"id", d1.database_id}});
    for (const auto& s : in.services) {
        json x = {{"name", s.binding}, {"type", "service"}, {"service", s.service}};
        put(x, "environment", s.environment);
        put(x, "entrypoint", s.entrypoint);
        b.push_back(x);
    }
    for (const auto& d : in.durable_objects) {
        json x = {{"name", d.name}, {"type", "durable_object_namespace"}, {"class_name", d.class_name}};
        put(x, "script_name", d.script_name);
        put(x, "environment", d.environment);
        b.push_back(x);
    }
    for (const auto& d : in.dispatch_namespaces) {
        json x = {{"name", d.binding}, {"type", "dispatch_namespace"}, {"namespace", d.ns}};
        if (d.outbound) {
            json o = {{"worker", {{"service", d.outbound->service}}}};
            put(o["worker"], "environment", d.outbound->environment);
            if (d.outbound->parameters) {
                o["params"] = json::array();
                for (const auto& p : *d.outbound->parameters) o["params"].push_back({{"name", p}});
            }
            x["outbound"] = o;
        }
        b.push_back(x);
    }
    return b;
}

Result<json> migrations_for_upload(const json& migrations, const std::optional<std::string>& current_tag) {
    if (!migrations.is_array() || migrations.empty()) return json();
    size_t start = 0;
    if (current_tag) {
        auto it = std::find_if(migrations.begin(), migrations.end(),
                               [&](const json& m) { return json_string(m, "tag") == *current_tag; });
        if (it == migrations.end()) {
            return Error(ErrorKind::Config,
                         "the deployed script's migration tag " + quoted(*current_tag) + " is not in migrations",
                         "keep every applied migration in the config; append new ones at the end");
        }
        start = static_cast<size_t>(it - migrations.begin()) + 1;
    }
    if (start >= migrations.size()) return json();  // already at the newest tag
    json steps = json::array();
    for (size_t i = start; i < migrations.size(); ++i) {
        json step = migrations[i];
        step.erase("tag");
        steps.push_back(step);
    }
    json out = {{"new_tag", json_string(migrations.back(), "tag")}, {"steps", steps}};
    if (current_tag) out["old_tag"] = *current_tag;
    return out;
}

namespace {

// The modules as they are on disk (no_bundle): main, then what rules select with find_additional_modules.
Status collect_unbundled(const config::WorkerConfig& w, const UploadOptions& o, UploadBundle& bundle) {
    const std::string& main = w.main;
    if (main.empty()) {
        return Error(ErrorKind::Config, "no entry point: the config has no \"main\" field",
                     "add main = \"./src/index.js\"");
    }
    std::string main_path = absolute_path(main, o.config_dir);
    if (!file_exists(main_path)) {
        return Error(ErrorKind::Config, "\"main\" points at " + quoted(main) + ", which does not exist",
                     "check the path; it is relative to the directory of the configuration file");
    }
    std::string base_dir =
        w.build.base_dir.empty() ? parent_dir(main_path) : absolute_path(w.build.base_dir, o.config_dir);

    auto add_module = [&](const std::string& path, const std::string& rule_type) -> Status {
        std::string name = fs::path(path).lexically_relative(base_dir).generic_string();
        if (name.empty() || starts_with(name, "..")) {
            return Error(ErrorKind::Config,
                         "module " + quoted(path) + " is outside the base directory " + quoted(base_dir));
        }
        for (const auto& m : bundle.modules) {
            if (m.name == name) return {};
        }
        TRY_ASSIGN(auto content, read_file(path));
        bundle.modules.push_back({name, module_content_type(path, rule_type), std::move(content)});
        return {};
    };
    TRY_STATUS(add_module(main_path, ""));

    if (w.build.find_additional_modules) {
        std::vector<config::ModuleRule> rules = w.build.rules;
        for (auto& r : default_rules()) rules.push_back(r);
        std::vector<std::string> files;
        std::error_code ec;
        for (auto it = fs::recursive_directory_iterator(base_dir, ec); !ec && it != fs::recursive_directory_iterator();
             it.increment(ec)) {
            if (it->is_regular_file()) files.push_back(it->path().string());
        }
        std::sort(files.begin(), files.end());
        for (const auto& f : files) {
            std::string rel = fs::path(f).lexically_relative(base_dir).generic_string();
            for (const auto& rule : rules) {
                bool hit = std::any_of(rule.globs.begin(), rule.globs.end(),
                                       [&](const std::string& g) { return images::glob_match(g, rel); });
                if (hit) {
                    TRY_STATUS(add_module(f, rule.type));
                    break;
                }
            }
        }
    }

    return {};
}

}  // namespace

namespace {

// The content digest: everything the worker runs, before the per-upload fields (tags, annotations and the
// migrations relative to the deployed tag; the config's own migration list stands in for the latter), and its
// static assets (the manifest: names, content hashes and sizes; and their config, without the session token).
std::string content_digest(const UploadBundle& bundle, const config::WorkerConfig& w) {
    Sha256 h;
    h.update(bundle.metadata.dump()).update(std::string(1, '\0')).update(w.migrations.dump());
    for (const auto& mod : bundle.modules) {
        h.update(std::string(1, '\0')).update(mod.name).update(std::string(1, '\0')).update(mod.content_type);
        h.update(std::string(1, '\0'))
            .update(std::to_string(mod.data.size()))
            .update(std::string(1, '\0'))
            .update(mod.data);
    }
    if (bundle.assets) {
        h.update(std::string(1, '\0')).update("assets").update(std::string(1, '\0'));
        h.update(assets_upload_field(*w.assets, "", bundle.assets->files).dump());
        h.update(std::string(1, '\0')).update(asset_manifest_json(bundle.assets->manifest));
    }
    return h.hex();
}

}  // namespace

uint64_t UploadAssets::total_bytes() const {
    uint64_t n = 0;
    for (const auto& e : manifest.entries) n += e.size;
    return n;
}

Result<std::optional<std::string>> assets_directory(const config::WorkerConfig& w, const std::string& config_dir) {
    if (!w.assets) return std::optional<std::string>();
    const config::AssetsConfig& a = *w.assets;
    if (!a.directory)
        return Error(ErrorKind::Config,
                     "the `assets` property in your configuration is missing the required `directory` property",
                     "add directory = \"./public\" to [assets]");
    if (a.directory->empty())
        return Error(ErrorKind::Config, "the assets directory cannot be an empty string",
                     "set assets.directory to the folder of your static files");
    std::string dir = absolute_path(*a.directory, config_dir);
    std::error_code ec;
    if (!fs::exists(dir, ec))
        return Error(ErrorKind::Config,
                     "the directory specified by the \"assets.directory\" field in your configuration file does not "
                     "exist: " +
                         dir,
                     "create it, or fix the path (it is relative to the configuration file)");
    if (!fs::is_directory(dir, ec))
        return Error(ErrorKind::Config,
                     "the path specified by the \"assets.directory\" field in your configuration file doesn't point "
                     "to a directory: " +
                         dir);
    if (w.has_site)
        return Error(ErrorKind::Config, "cannot use assets and Workers Sites in the same Worker",
                     "remove either the `site` or the `assets` field from the configuration");
    if (w.main.empty()) {
        if (!a.binding.empty())
            return Error(ErrorKind::Config,
                         "cannot use assets with a binding in an assets-only Worker (assets.binding " +
                             quoted(a.binding) + " without \"main\")",
                         "remove the asset binding, or give the Worker a script (`main`)");
        if (a.runs_worker_first())
            return Error(ErrorKind::Config, "cannot set assets.run_worker_first without a Worker script",
                         "remove run_worker_first, or give the Worker a script (`main`)");
    }
    return std::optional<std::string>(dir);
}

void set_assets_field(UploadBundle& bundle, const config::WorkerConfig& w, const std::string& completion_jwt) {
    if (bundle.assets && w.assets)
        bundle.metadata["assets"] = assets_upload_field(*w.assets, completion_jwt, bundle.assets->files);
}

Result<UploadBundle> build_upload(const config::WorkerConfig& w, const UploadOptions& o) {
    UploadBundle bundle;
    TRY_ASSIGN(std::optional<std::string> assets_dir, assets_directory(w, o.config_dir));
    if (assets_dir && !o.assets)
        return Error(ErrorKind::Config,
                     "\"assets\" is deployed by `tenantctl deploy` only: this upload would not carry the static assets",
                     "deploy this worker with `tenantctl deploy`, or remove \"assets\" from its configuration");
    if (assets_dir) {
        UploadAssets ua;
        TRY_ASSIGN(ua.manifest, build_asset_manifest(*assets_dir));
        TRY_ASSIGN(ua.files, read_assets_config_files(*assets_dir));
        ua.assets_only = w.main.empty();
        bundle.assets = std::move(ua);
    }
    if (bundle.assets && bundle.assets->assets_only) {
        // An assets-only Worker (as wrangler uploads one): metadata alone, no modules and no bindings.
        json m = json::object();
        set_compatibility(m, w, o);
        bundle.metadata = m;
        bundle.digest = "sha256:" + content_digest(bundle, w);
        TRY_STATUS(apply_revision(bundle, w, o));
        return bundle;
    }
    if (!o.no_bundle && bundle::wants_bundle(w)) {
        bundle::BundleOptions bo;
        bo.project_dir = o.config_dir;
        bo.config_path = o.config_path;
        bo.env = o.env;
        bo.compatibility_date = o.compatibility_date;
        TRY_ASSIGN(bundle::BundleOutput b, bundle::bundle_worker(w, bo));
        bundle.modules = std::move(b.modules);
        bundle.warnings = std::move(b.warnings);
        bundle.bundler = std::move(b.esbuild);
    } else {
        TRY_STATUS(collect_unbundled(w, o, bundle));
    }
    const std::string main_module = bundle.modules.front().name;

    json m;
    bool python = ends_with(main_module, ".py");
    m["main_module"] = main_module;
    m["bindings"] = bindings_json(w.bindings);
    set_compatibility(m, w, o);
    if (python && std::find(m["compatibility_flags"].begin(), m["compatibility_flags"].end(), "python_workers") ==
                      m["compatibility_flags"].end()) {
        return Error(ErrorKind::Config, "a Python main module needs the \"python_workers\" compatibility flag",
                     "add compatibility_flags = [\"python_workers\"]");
    }
    json keep = {"secret_text", "secret_key"};
    if (o.keep_vars || w.keep_vars) {
        keep.push_back("plain_text");
        keep.push_back("json");
    }
    m["keep_bindings"] = keep;
    if (!w.containers.empty()) {
        m["containers"] = json::array();
        for (const auto& ct : w.containers) m["containers"].push_back({{"class_name", ct.class_name}});
    }
    copy_if_present(m, "tail_consumers", w.tail_consumers);
    copy_if_present(m, "limits", w.limits);
    copy_if_present(m, "observability", w.observability);
    copy_if_present(m, "placement", w.placement);
    copy_if_present(m, "logpush", w.logpush);
    // The assets binding: wrangler puts it after version_metadata and before text_blob bindings, neither of
    // which deploy produces, so last.
    if (bundle.assets && w.assets)
        if (auto b = assets_binding(*w.assets)) m["bindings"].push_back(*b);
    bundle.metadata = m;
    bundle.digest = "sha256:" + content_digest(bundle, w);
    TRY_STATUS(apply_revision(bundle, w, o));
    return bundle;
}

Status apply_revision(UploadBundle& bundle, const config::WorkerConfig& w, const UploadOptions& o) {
    json& m = bundle.metadata;
    TRY_ASSIGN(json mig, migrations_for_upload(w.migrations, o.current_migration_tag));
    if (mig.is_null())
        m.erase("migrations");
    else
        m["migrations"] = mig;
    if (o.tags.empty())
        m.erase("tags");
    else
        m["tags"] = o.tags;
    json annotations = json::object();
    if (!o.message.empty()) annotations["workers/message"] = o.message;
    if (!o.version_tag.empty()) annotations["workers/tag"] = o.version_tag;
    if (annotations.empty())
        m.erase("annotations");
    else
        m["annotations"] = annotations;
    return {};
}

api::MultipartBody encode_upload(const UploadBundle& bundle) {
    return api::build_worker_upload(bundle.metadata.dump(), bundle.modules);
}

}  // namespace tenantctl::workers
