// tenantctl config validate | show — read the wrangler configuration like wrangler 4.164 and explain it.
#include <iostream>

#include "commands/commands.hpp"
#include "config/config.hpp"
#include "config_context.hpp"
#include "core/redact.hpp"
#include "core/strings.hpp"
#include "render/rendered.hpp"

namespace tenantctl::cli {

namespace {

struct ConfigFlags {
    bool strict = false;
    std::string dispatch_namespace;
};

config::LoadedConfig load(Context& ctx, const ConfigFlags& f) {
    return config::load_config(config_load_options(ctx, f.strict, f.dispatch_namespace));
}

nlohmann::json diag_json(const Diagnostic& d) {
    const auto& r = Redactor::global();
    nlohmann::json j = {{"message", r.redact(d.message)}};
    if (!d.file.empty()) j["file"] = d.file;
    if (d.line > 0) j["line"] = d.line;
    if (d.column > 0) j["column"] = d.column;
    if (!d.path.empty()) j["path"] = d.path;
    if (!d.hint.empty()) j["hint"] = r.redact(d.hint);
    return j;
}

nlohmann::json diag_array(const std::vector<Diagnostic>& ds) {
    auto a = nlohmann::json::array();
    for (const auto& d : capped_diagnostics(ds)) a.push_back(diag_json(d));
    return a;
}

// `file:line:col: error: message` + source line + caret; continuation lines of wrangler's multi-line
// messages are indented under the first.
void print_diagnostics(const config::LoadedConfig& cfg) {
    const auto& r = Redactor::global();
    for (const auto* list : {&cfg.errors, &cfg.warnings}) {
        for (Diagnostic d : capped_diagnostics(*list)) {
            std::string msg;
            for (char c : d.message) {
                msg += c;
                if (c == '\n') msg += "  ";
            }
            d.message = msg;
            std::cerr << r.redact(render_diagnostic(d, nullptr));
        }
    }
}

std::string summary(const config::LoadedConfig& cfg) {
    std::string s = (cfg.display_path.empty() ? std::string("(no configuration file)") : cfg.display_path) + ": ";
    auto count = [](size_t n, const char* what) { return std::to_string(n) + " " + what + (n == 1 ? "" : "s"); };
    if (cfg.ok())
        s += "ok";
    else
        s += count(cfg.errors.size(), "error");
    if (!cfg.warnings.empty())
        s += (cfg.ok() ? " (" : ", ") + count(cfg.warnings.size(), "warning") + (cfg.ok() ? ")" : "");
    if (cfg.env && !cfg.env->empty()) s += " [env " + *cfg.env + "]";
    return s;
}

std::string value_text(const nlohmann::json& v) {
    if (v.is_string()) return v.get<std::string>();
    return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The human view of `config show`: the main fields, then one table of bindings and one of containers.
std::string human_view(const config::LoadedConfig& cfg) {
    const nlohmann::json& c = cfg.config;
    std::vector<std::pair<std::string, std::string>> kv;
    kv.emplace_back("file", cfg.display_path.empty() ? "(none found: defaults)" : cfg.display_path);
    for (const char* k : {"name", "topLevelName", "targetEnvironment", "main", "compatibility_date", "account_id",
                          "workers_dev", "route", "keep_vars"}) {
        if (c.contains(k)) kv.emplace_back(k, value_text(c[k]));
    }
    if (c.contains("compatibility_flags") && !c["compatibility_flags"].empty())
        kv.emplace_back("compatibility_flags", value_text(c["compatibility_flags"]));
    if (c.contains("routes")) {
        std::vector<std::string> rs;
        for (const auto& r : c["routes"])
            rs.push_back(r.is_object() ? value_text(r.value("pattern", nlohmann::json(""))) : value_text(r));
        kv.emplace_back("routes", join(rs, ", "));
    }
    if (c.contains("triggers") && c["triggers"].contains("crons"))
        kv.emplace_back("crons", value_text(c["triggers"]["crons"]));
    for (const char* k : {"limits", "observability", "placement"})
        if (c.contains(k)) kv.emplace_back(k, value_text(c[k]));
    if (!c["definedEnvironments"].empty()) kv.emplace_back("environments", join(cfg.defined_environments(), ", "));
    std::string out = output::render_kv(kv);

    output::Table b{{"binding", "type", "target"}, {}};
    auto add = [&b](const std::string& name, const std::string& type, const std::string& target) {
        b.rows.push_back({name, type, target});
    };
    for (auto& [k, v] : c["vars"].items()) add(k, "var", value_text(v));
    auto arr = [&](const char* field, const char* type, const char* name_key, const char* target_key) {
        if (!c.contains(field) || !c[field].is_array()) return;
        for (const auto& e : c[field]) {
            if (!e.is_object()) continue;
            add(value_text(e.value(name_key, nlohmann::json(""))), type,
                value_text(e.value(target_key, nlohmann::json(""))));
        }
    };
    arr("kv_namespaces", "kv", "binding", "id");
    arr("r2_buckets", "r2", "binding", "bucket_name");
    arr("d1_databases", "d1", "binding", "database_name");
    arr("services", "service", "binding", "service");
    arr("dispatch_namespaces", "dispatch namespace", "binding", "namespace");
    if (c["durable_objects"].contains("bindings"))
        for (const auto& e : c["durable_objects"]["bindings"])
            if (e.is_object())
                add(value_text(e.value("name", nlohmann::json(""))), "durable object",
                    value_text(e.value("class_name", nlohmann::json(""))));
    if (!b.rows.empty()) out += "\n" + output::render_table(b);

    if (c.contains("containers") && c["containers"].is_array() && !c["containers"].empty()) {
        output::Table t{{"container", "class", "image", "instance type", "max instances"}, {}};
        for (const auto& e : c["containers"]) {
            if (!e.is_object()) continue;
            auto s = [&e](const char* k, const char* dflt) {
                return e.contains(k) ? value_text(e[k]) : std::string(dflt);
            };
            t.rows.push_back({s("name", ""), s("class_name", ""), s("image", ""), s("instance_type", "lite (default)"),
                              s("max_instances", "20 (default)")});
        }
        out += "\n" + output::render_table(t);
    }
    if (!out.empty() && out.back() != '\n') out += '\n';
    return out;
}

void add_common_flags(CLI::App* cmd, ConfigFlags& f) {
    cmd->add_flag("--strict", f.strict, "Treat warnings as errors");
    cmd->add_option("--dispatch-namespace", f.dispatch_namespace,
                    "Read the config as a Workers for Platforms user worker of this namespace (relaxed name rule)");
}

}  // namespace

void register_config(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("config", "Validate and show the wrangler configuration");
    cmd->require_subcommand(1);

    static ConfigFlags validate_flags;
    auto* validate = cmd->add_subcommand("validate",
                                         "Check wrangler.json / wrangler.jsonc / wrangler.toml: every problem, with "
                                         "file:line:column (exit 0 ok, 1 errors)");
    add_common_flags(validate, validate_flags);
    on_run(validate, ctx, [&ctx] {
        config::LoadedConfig cfg = load(ctx, validate_flags);
        if (!cfg.found() && cfg.ok()) {
            Diagnostic d;
            d.severity = Severity::Error;
            d.message =
                "no wrangler.json, wrangler.jsonc or wrangler.toml found in " + cfg.dir + " or any parent directory";
            d.hint = "create one (see examples/hello/wrangler.toml) or pass --config PATH";
            cfg.errors.push_back(d);
        }
        print_diagnostics(cfg);
        nlohmann::json doc = {
            {"ok", cfg.ok()},
            {"file", cfg.display_path.empty() ? nlohmann::json(nullptr) : nlohmann::json(cfg.display_path)},
            {"warnings", diag_array(cfg.warnings)},
            {"errors", diag_array(cfg.errors)}};
        if (!cfg.ok()) doc["error"] = error_json(config::errors_as_error(cfg));
        if (ctx.ui.machine())
            ctx.ui.emit(doc, "");
        else
            ctx.ui.info(summary(cfg));
        return cfg.ok() ? 0 : 1;
    });

    static ConfigFlags show_flags;
    auto* show = cmd->add_subcommand(
        "show", "Print the normalized configuration for the selected environment (--json, -o yaml)");
    add_common_flags(show, show_flags);
    on_run(show, ctx, [&ctx] {
        config::LoadedConfig cfg = load(ctx, show_flags);
        if (!cfg.found() && cfg.ok()) {
            Diagnostic d;
            d.severity = Severity::Warning;
            d.message = "no wrangler.json, wrangler.jsonc or wrangler.toml found in " + cfg.dir +
                        " or any parent directory: showing defaults";
            cfg.warnings.push_back(d);
        }
        print_diagnostics(cfg);
        if (ctx.ui.machine()) {
            nlohmann::json doc = {{"ok", cfg.ok()},
                                  {"config", cfg.ok() ? cfg.config : nlohmann::json(nullptr)},
                                  {"warnings", diag_array(cfg.warnings)},
                                  {"errors", diag_array(cfg.errors)}};
            if (!cfg.ok()) doc["error"] = error_json(config::errors_as_error(cfg));
            ctx.ui.emit(doc, "");
        } else if (cfg.ok()) {
            ctx.ui.out(human_view(cfg));
        } else {
            std::cerr << "error: " << summary(cfg) << '\n';
        }
        return cfg.ok() ? 0 : 1;
    });
}

}  // namespace tenantctl::cli
