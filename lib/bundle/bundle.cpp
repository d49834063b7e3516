#include "bundle/bundle.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <set>

#include "bundle/esbuild.hpp"
#include "core/fs.hpp"
#include "core/json.hpp"
#include "core/lines.hpp"
#include "core/process.hpp"
#include "core/sha1.hpp"
#include "core/strings.hpp"

namespace tenantctl::bundle {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Node.js's built-in modules (require('node:module').builtinModules of Node 22, the bare names).
const char* const k_node_builtins[] = {"_http_agent",
                                       "_http_client",
                                       "_http_common",
                                       "_http_incoming",
                                       "_http_outgoing",
                                       "_http_server",
                                       "_stream_duplex",
                                       "_stream_passthrough",
                                       "_stream_readable",
                                       "_stream_transform",
                                       "_stream_wrap",
                                       "_stream_writable",
                                       "_tls_common",
                                       "_tls_wrap",
                                       "assert",
                                       "assert/strict",
                                       "async_hooks",
                                       "buffer",
                                       "child_process",
                                       "cluster",
                                       "console",
                                       "constants",
                                       "crypto",
                                       "dgram",
                                       "diagnostics_channel",
                                       "dns",
                                       "dns/promises",
                                       "domain",
                                       "events",
                                       "fs",
                                       "fs/promises",
                                       "http",
                                       "http2",
                                       "https",
                                       "inspector",
                                       "inspector/promises",
                                       "module",
                                       "net",
                                       "os",
                                       "path",
                                       "path/posix",
                                       "path/win32",
                                       "perf_hooks",
                                       "process",
                                       "punycode",
                                       "querystring",
                                       "readline",
                                       "readline/promises",
                                       "repl",
                                       "stream",
                                       "stream/consumers",
                                       "stream/promises",
                                       "stream/web",
                                       "string_decoder",
                                       "sys",
                                       "timers",
                                       "timers/promises",
                                       "tls",
                                       "trace_events",
                                       "tty",
                                       "url",
                                       "util",
                                       "util/types",
                                       "v8",
                                       "vm",
                                       "wasi",
                                       "worker_threads",
                                       "zlib"};

bool is_node_builtin(std::string_view name) {
    if (starts_with(name, "node:")) return true;
    return std::any_of(std::begin(k_node_builtins), std::end(k_node_builtins),
                       [&](const char* b) { return name == b; });
}

using Rule = config::ModuleRule;

bool is_js_rule(const Rule& r) {
    return r.type == "ESModule" || r.type == "CommonJS";
}

std::string content_type_for_rule(const std::string& type) {
    if (type == "ESModule") return "application/javascript+module";
    if (type == "CommonJS") return "application/javascript";
    if (type == "CompiledWasm") return "application/wasm";
    if (type == "Text") return "text/plain";
    if (type == "Data") return "application/octet-stream";
    if (type == "PythonModule") return "text/x-python";
    if (type == "PythonRequirement") return "text/x-python-requirement";
    return "application/octet-stream";
}

// The user's rules, then the defaults; a later rule of a type whose earlier rule does not fall through is
// removed (and a file it would match is an error), as wrangler's parseRules does.
void parse_rules(const config::BuildConfig& build, std::vector<Rule>& rules, std::vector<Rule>& removed) {
    std::vector<Rule> all = build.rules;
    all.push_back({"Text", {"**/*.txt", "**/*.html"}, std::nullopt});
    all.push_back({"Data", {"**/*.bin"}, std::nullopt});
    all.push_back({"CompiledWasm", {"**/*.wasm", "**/*.wasm?module"}, std::nullopt});
    std::map<std::string, size_t> completed;
    for (size_t i = 0; i < all.size(); ++i) {
        const Rule& r = all[i];
        bool done = completed.count(r.type) > 0;
        if (done)
            removed.push_back(r);
        else
            rules.push_back(r);
        if (!done && r.fallthrough != true) completed[r.type] = i;
    }
}

std::string display_path(const std::string& file, const std::string& project_dir) {
    if (file.empty()) return file;
    std::string abs = absolute_path(file, project_dir);
    std::string rel = relative_to(abs, current_dir());
    return starts_with(rel, "../../..") ? abs : rel;
}

Diagnostic to_diagnostic(const Message& m, const std::string& project_dir, Severity severity) {
    Diagnostic d;
    d.severity = severity;
    d.message = m.text;
    if (!m.plugin.empty() && m.plugin != "tenantctl") d.message = "[plugin " + m.plugin + "] " + d.message;
    if (!m.file.empty()) {
        d.file = display_path(m.file, project_dir);
        d.line = m.line;
        d.column = m.line > 0 ? m.column + 1 : 0;
        d.source_line = m.line_text;
    }
    if (!m.notes.empty()) d.hint = m.notes.front();
    return d;
}

struct FoundModule {
    std::string name;  // relative to the module root, '/'-separated
    std::string path;  // absolute
    std::string type;
};

void list_files(const std::string& root, const std::string& dir, const std::string& skip_dir,
                std::vector<std::string>& out) {
    std::error_code ec;
    std::vector<fs::directory_entry> entries;
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
        entries.push_back(*it);
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a.path().filename() < b.path().filename(); });
    for (const auto& e : entries) {
        std::string p = e.path().string();
        if (e.is_directory(ec)) {
            if (p != skip_dir) list_files(root, p, skip_dir, out);
        } else {
            out.push_back(fs::path(p).lexically_relative(root).generic_string());
        }
    }
}

}  // namespace

std::string glob_to_regex(std::string_view glob, bool globstar) {
    std::string re = "^";
    for (size_t i = 0; i < glob.size(); ++i) {
        char c = glob[i];
        if (c == '*') {
            char prev = i > 0 ? glob[i - 1] : '\0';
            size_t stars = 1;
            while (i + 1 < glob.size() && glob[i + 1] == '*') ++stars, ++i;
            char next = i + 1 < glob.size() ? glob[i + 1] : '\0';
            if (!globstar) {
                re += ".*";
            } else if (stars > 1 && (prev == '/' || prev == '\0') && (next == '/' || next == '\0')) {
                re += "((?:[^/]*(?:/|$))*)";
                ++i;  // the '/' after the globstar is part of it
            } else {
                re += "([^/]*)";
            }
        } else if (std::string_view("\\^$.|?+()[]{},/=!").find(c) != std::string_view::npos) {
            if (c == '/') {
                re += '/';
            } else {
                re += '\\';
                re += c;
            }
        } else {
            re += c;
        }
    }
    return re + "$";
}

NodeCompat node_compat_mode(const std::string& date, const std::vector<std::string>& flags) {
    auto has = [&](const char* f) { return std::find(flags.begin(), flags.end(), f) != flags.end(); };
    bool compat = has("nodejs_compat");
    bool v2 = has("nodejs_compat_v2") || (compat && !date.empty() && date >= "2024-09-23");
    if (has("no_nodejs_compat_v2")) v2 = false;
    if (v2) return NodeCompat::V2;
    if (compat) return NodeCompat::V1;
    if (has("nodejs_als")) return NodeCompat::Als;
    return NodeCompat::None;
}

bool wants_bundle(const config::WorkerConfig& w) {
    if (w.build.no_bundle) return false;
    return !ends_with(w.main, ".py");
}

Status run_custom_build(const config::BuildConfig& build, const std::string& project_dir, const OutputFn& output) {
    const std::string& command = build.command;
    if (command.empty()) return {};
    std::string cwd = build.cwd.empty() ? project_dir : absolute_path(build.cwd, project_dir);
    if (!dir_exists(cwd)) return Error(ErrorKind::Config, "build.cwd " + quoted(build.cwd) + " is not a directory");
    ProcessOptions po;
    po.cwd = cwd;
    std::string tail;
    auto keep = [&](std::string_view s) {
        if (output) output(s);
        tail.append(s);
        if (tail.size() > 16384) tail.erase(0, tail.size() - 8192);
    };
    po.on_stdout = keep;
    po.on_stderr = keep;
    auto r = run_process({"sh", "-c", command}, po);
    if (!r) return Error(ErrorKind::Input, "the custom build could not be started: " + r.error().message);
    if (r->exit_code != 0) {
        std::string lines = last_lines(tail, 10);
        return Error(ErrorKind::Input,
                     "the custom build failed (exit " + std::to_string(r->exit_code) + "): `" + command + "`" +
                         (lines.empty() ? std::string() : "\n" + lines),
                     "fix the build; nothing was sent");
    }
    return {};
}

Result<BundleOutput> bundle_worker(const config::WorkerConfig& w, const BundleOptions& o) {
    const Env env = o.env ? *o.env : Env::system();
    const config::BuildConfig& build = w.build;
    const std::string& main = w.main;
    if (main.empty())
        return Error(ErrorKind::Config, "no entry point: the config has no \"main\" field",
                     "add main = \"./src/index.ts\"");
    const std::string entry = absolute_path(main, o.project_dir);
    if (!file_exists(entry))
        return Error(ErrorKind::Config, "\"main\" points at " + quoted(main) + ", which does not exist",
                     "check the path; it is relative to the directory of the configuration file");
    const std::string module_root =
        build.base_dir.empty() ? parent_dir(entry) : absolute_path(build.base_dir, o.project_dir);
    TRY_ASSIGN(EsbuildBinary esbuild, find_esbuild(o.project_dir, env));

    BundleOutput out;
    out.esbuild = "esbuild " + esbuild.version + " (" + esbuild.source + ": " + esbuild.path + ")";
    std::vector<Rule> rules, removed;
    parse_rules(build, rules, removed);
    const bool find_additional = build.find_additional_modules;
    const bool preserve_names = build.preserve_file_names;

    // find_additional_modules: every file under the module root a rule selects, uploaded as it is.
    std::vector<FoundModule> found;
    std::set<std::string> found_paths;
    if (find_additional) {
        std::vector<std::string> files;
        list_files(module_root, module_root, join_path(o.project_dir, ".wrangler"), files);
        const std::string entry_rel = fs::path(entry).lexically_relative(module_root).generic_string();
        std::set<std::string> names;
        for (const auto& f : files) {
            std::string abs = join_path(module_root, f);
            if (f == entry_rel || abs == o.config_path) continue;
            for (const auto& r : removed)
                for (const auto& g : r.globs)
                    if (std::regex_search(f, std::regex(glob_to_regex(g, false))))
                        return Error(ErrorKind::Config,
                                     "the file " + f + " matched a module rule of type " + r.type +
                                         " that is ignored because an earlier " + r.type +
                                         " rule is not marked fallthrough = true",
                                     "add fallthrough = true to the earlier rule, or remove this one");
            for (const auto& r : rules) {
                bool hit = std::any_of(r.globs.begin(), r.globs.end(), [&](const std::string& g) {
                    return std::regex_search(f, std::regex(glob_to_regex(g, true)));
                });
                if (hit && names.insert(f).second) {
                    found.push_back({f, abs, r.type});
                    found_paths.insert(abs);
                }
            }
        }
    }

    // Modules selected by rules through imports (Text, Data, CompiledWasm; JS only with
    // find_additional_modules), in the order esbuild finds them.
    std::vector<api::Module> rule_modules;
    std::set<std::string> rule_module_names;
    std::vector<std::string> warned_node;
    BuildRequest req;
    req.working_dir = o.project_dir;
    req.entry_points = {entry};

    auto resolve_file = [&](const ResolveArgs& a) -> std::string {
        if (starts_with(a.path, "/")) return a.path;
        if (starts_with(a.path, ".")) return fs::path(join_path(a.resolve_dir, a.path)).lexically_normal().string();
        // A file inside a package: node_modules from the importer's directory upwards.
        std::string spec = a.path.substr(0, a.path.find('?'));
        for (std::string dir = a.resolve_dir; !dir.empty();) {
            std::string p = join_path(join_path(dir, "node_modules"), spec);
            if (file_exists(p)) return p;
            std::string up = parent_dir(dir);
            if (up == dir) break;
            dir = up;
        }
        return join_path(a.resolve_dir, spec);
    };

    for (const auto& r : rules) {
        if (!find_additional && is_js_rule(r)) continue;
        for (const auto& g : r.globs) {
            req.on_resolve.push_back(
                {glob_to_regex(g, false), "", [&, r](const ResolveArgs& a) -> std::optional<ResolveResult> {
                     std::string file = resolve_file(a);
                     if (found_paths.count(file)) return ResolveResult{a.path, true, "", ""};
                     if (is_js_rule(r)) return std::nullopt;
                     std::string disk = file;
                     if (auto q = disk.find('?'); q != std::string::npos) disk.resize(q);
                     auto content = read_file(disk);
                     if (!content)
                         return ResolveResult{"", false, "",
                                              "could not read " + quoted(a.path) + " (" + r.type +
                                                  " module): " + content.error().message};
                     std::string name = preserve_names
                                            ? a.path
                                            : "./" + sha1_hex(*content) + "-" + fs::path(a.path).filename().string();
                     if (rule_module_names.insert(name).second)
                         rule_modules.push_back({name, content_type_for_rule(r.type), *content});
                     return ResolveResult{name, true, "wrangler-module-" + r.type, ""};
                 }});
        }
    }
    for (const auto& r : removed)
        for (const auto& g : r.globs)
            req.on_resolve.push_back(
                {glob_to_regex(g, false), "", [r](const ResolveArgs& a) -> std::optional<ResolveResult> {
                     return ResolveResult{"", false, "",
                                          "the file " + a.path + " matched a module rule of type " + r.type +
                                              " that is ignored because an earlier " + r.type +
                                              " rule is not marked fallthrough = true"};
                 }});
    // Runtime modules.
    req.on_resolve.push_back({"^cloudflare:.*", "", [](const ResolveArgs& a) -> std::optional<ResolveResult> {
                                  return ResolveResult{a.path, true, "", ""};
                              }});
    const std::string date = o.compatibility_date ? *o.compatibility_date : w.compatibility_date.value_or("");
    const NodeCompat mode = node_compat_mode(date, w.compatibility_flags);
    if (mode == NodeCompat::V2) {
        std::string alt;
        for (const char* b : k_node_builtins) alt += (alt.empty() ? "" : "|") + std::string(b);
        // Built-ins are the runtime's (node:NAME); require() of one goes through a small ES module.
        req.on_resolve.push_back(
            {"^(node:)?(" + alt + ")$", "", [](const ResolveArgs& a) -> std::optional<ResolveResult> {
                 std::string name = starts_with(a.path, "node:") ? a.path : "node:" + a.path;
                 if (a.kind == "require-call") return ResolveResult{name, false, "node-built-in-modules", ""};
                 return ResolveResult{name, true, "", ""};
             }});
        req.on_load.push_back({".*", "node-built-in-modules", [](const LoadArgs& a) -> std::optional<LoadResult> {
                                   return LoadResult{
                                       "import libDefault from '" + a.path + "';\nmodule.exports = libDefault;\n", "js",
                                       ""};
                               }});
    } else if (mode == NodeCompat::Als) {
        req.on_resolve.push_back(
            {"^node:async_hooks(/|$)", "", [](const ResolveArgs& a) -> std::optional<ResolveResult> {
                 return ResolveResult{a.path, true, "", ""};
             }});
    } else {
        req.on_resolve.push_back({"node:.*", "", [&, mode](const ResolveArgs& a) -> std::optional<ResolveResult> {
                                      if (mode == NodeCompat::None && std::find(warned_node.begin(), warned_node.end(),
                                                                                a.path) == warned_node.end())
                                          warned_node.push_back(a.path);
                                      return ResolveResult{a.path, true, "", ""};
                                  }});
    }

    // Flags, as wrangler sets esbuild's options for a deploy.
    const std::string entry_name = fs::path(entry).stem().string();
    std::vector<std::string>& f = req.flags;
    f = {"--bundle",
         "--format=esm",
         "--target=es2022",
         "--metafile",
         "--log-level=silent",
         "--color=false",
         "--conditions=workerd,worker,browser",
         "--external:__STATIC_CONTENT_MANIFEST",
         "--loader:.js=jsx",
         "--loader:.mjs=jsx",
         "--loader:.cjs=jsx",
         "--outdir=" + o.project_dir,
         "--entry-names=" + entry_name};
    if (build.source_maps) f.push_back("--sourcemap");
    if (build.keep_names) f.push_back("--keep-names");
    if (build.minify) f.push_back("--minify");
    if (!build.tsconfig.empty()) f.push_back("--tsconfig=" + absolute_path(build.tsconfig, o.project_dir));
    if (!build.jsx_factory.empty()) f.push_back("--jsx-factory=" + build.jsx_factory);
    if (!build.jsx_fragment.empty()) f.push_back("--jsx-fragment=" + build.jsx_fragment);
    for (const auto& [name, value] : build.define) f.push_back("--define:" + name + "=" + value);
    for (const auto& [name, value] : build.alias) f.push_back("--alias:" + name + "=" + value);

    TRY_ASSIGN(BuildResult built, run_build(esbuild, req));
    for (const auto& w : built.warnings) out.warnings.push_back(to_diagnostic(w, o.project_dir, Severity::Warning));
    for (const auto& p : warned_node) {
        Diagnostic d;
        d.severity = Severity::Warning;
        d.message = "the package " + quoted(p) +
                    " wasn't found on the file system but is built into node: the worker may throw errors at runtime "
                    "unless the \"nodejs_compat\" compatibility flag is on";
        d.hint = "add compatibility_flags = [\"nodejs_compat\"]";
        out.warnings.push_back(d);
    }
    if (!built.errors.empty()) {
        Error e(ErrorKind::Input,
                "build failed: " + std::to_string(built.errors.size()) + " error" +
                    (built.errors.size() == 1 ? "" : "s") + " bundling " + quoted(main),
                "nothing was sent");
        for (const auto& m : built.errors) {
            Diagnostic d = to_diagnostic(m, o.project_dir, Severity::Error);
            // esbuild's own hint for a Node.js built-in speaks of platform=node; the worker's answer is
            // the compatibility flag.
            std::string spec;
            if (starts_with(m.text, "Could not resolve \"")) {
                spec = m.text.substr(19);
                spec = spec.substr(0, spec.find('"'));
            }
            if (!spec.empty() && is_node_builtin(spec))
                d.hint = "\"" + spec + "\" is a Node.js built-in module: add compatibility_flags = [\"nodejs_compat\"]";
            else if (!spec.empty() && !starts_with(spec, "."))
                d.hint = "is the package installed? run `npm install " +
                         spec.substr(0, spec.find('/', spec[0] == '@' ? spec.find('/') + 1 : 0)) + "` in " +
                         o.project_dir;
            e.diagnostics.push_back(d);
        }
        return e;
    }

    // The outputs: <entry>.js (and its map).
    std::string main_js, map;
    for (auto& of : built.outputs) {
        if (ends_with(of.path, ".js.map"))
            map = std::move(of.contents);
        else if (ends_with(of.path, ".js"))
            main_js = std::move(of.contents);
    }
    // A worker in the modules format has a default export; wrangler would upload anything else as a
    // service worker, which tenantctl does not.
    bool has_default = false;
    for (const auto& [name, info] : json_at(built.metafile, "outputs").items()) {
        if (!ends_with(name, ".js")) continue;
        for (const auto& e : json_at(info, "exports"))
            if (e == "default") has_default = true;
    }
    if (!has_default)
        return Error(ErrorKind::Input,
                     quoted(main) +
                         " has no default export: tenantctl deploys workers in the ES modules format only "
                         "(service-worker format is not supported)",
                     "export default { async fetch(request, env, ctx) { … } }");
    out.main_module = entry_name + ".js";
    out.modules.push_back({out.main_module, "application/javascript+module", std::move(main_js)});
    for (auto& m : rule_modules) out.modules.push_back(std::move(m));
    for (const auto& fm : found) {
        if (rule_module_names.count(fm.name)) continue;
        auto content = read_file(fm.path);
        if (!content) return content.error();
        out.modules.push_back({fm.name, content_type_for_rule(fm.type), std::move(*content)});
    }
    if (build.source_maps && !map.empty())
        out.modules.push_back({out.main_module + ".map", "application/source-map", map});
    return out;
}

}  // namespace tenantctl::bundle
