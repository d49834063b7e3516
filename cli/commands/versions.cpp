// versions upload|list|view|deploy, deployments list|status, rollback: versions and deployments of an account
// worker (not dispatch-namespace scripts), as wrangler has them. The worker is --name, else the config's name.
#include <cmath>
#include <iostream>

#include "api_context.hpp"
#include "commands/commands.hpp"
#include "config/config.hpp"
#include "config_context.hpp"
#include "core/strings.hpp"
#include "deploy/versions.hpp"
#include "events.hpp"
#include "output/render.hpp"

namespace tenantctl::cli {

namespace {

using nlohmann::json;

struct VersionsFlags {
    std::string name, message, tag, compatibility_date, version_id;
    std::vector<std::string> specs;
    bool yes = false, keep_vars = false, no_bundle = false, strict = false;
};

// The config (for its name and account id), the client and the worker: --name wins over the config's name.
struct Target {
    std::optional<config::LoadedConfig> cfg;
    ApiSession session;
    deploy::VersionsTarget target;
};

Result<Target> open_target(Context& ctx, const VersionsFlags& f, bool need_config) {
    Target t;
    auto cfg = config::load_config_checked(config_load_options(ctx, f.strict), need_config);
    if (!cfg) return std::move(cfg).error();
    for (const auto& w : cfg->warnings) ctx.ui.warn(w.message);
    t.cfg = std::move(*cfg);
    TRY_ASSIGN(t.target.worker, deploy::versions_worker(f.name, t.cfg->name()));
    TRY_ASSIGN(t.session, open_api(ctx, true, t.cfg->account_id()));
    t.target.account_id = t.session.account_id;
    return t;
}

std::string pct(double p) {
    json j = std::fabs(p - std::round(p)) < 1e-9 ? json(std::llround(p)) : json(p);
    return j.dump() + "%";
}

std::string deployment_text(const json& d) {
    std::string s = "deployment " + d["id"].get<std::string>() + " (" + d["created_on"].get<std::string>() +
                    (d["source"].get<std::string>().empty() ? "" : ", " + d["source"].get<std::string>()) + ")\n";
    for (const auto& v : d["versions"])
        s += "  " + pct(v["percentage"].get<double>()) + " " + v["version_id"].get<std::string>() + "\n";
    if (!d["message"].get<std::string>().empty()) s += "  message: " + d["message"].get<std::string>() + "\n";
    return s;
}

void add_common(CLI::App* c, VersionsFlags& f) {
    c->add_option("--name", f.name, "Worker name (default: the name in the wrangler config)");
}

// A report's document with "ok": true.
json ok(json doc) {
    doc["ok"] = true;
    return doc;
}

int run_upload(Context& ctx, const VersionsFlags& f) {
    auto t = open_target(ctx, f, true);
    if (!t) return ctx.ui.fail(t.error());
    deploy::VersionUploadOptions o;
    o.target = t->target;
    o.message = f.message;
    o.version_tag = f.tag;
    if (!f.compatibility_date.empty()) o.compatibility_date = f.compatibility_date;
    o.keep_vars = f.keep_vars;
    o.no_bundle = f.no_bundle;
    o.env = &ctx.env;
    std::unique_ptr<Progress> progress = ctx.ui.progress();
    auto r = deploy::run_versions_upload(*t->cfg, *t->session.client, o, deploy_events(ctx.ui, *progress));
    progress->finish();
    if (!r) return ctx.ui.fail(r.error());
    json doc = ok(r->to_json());
    std::string text = "worker " + r->worker + ": uploaded version " + r->version.id + " (number " +
                       std::to_string(r->version.number) + "), not deployed\n";
    for (const auto& m : r->messages) text += "  " + m + "\n";
    text += "deploy it with: tenantctl versions deploy " + r->version.id + " --name " + r->worker + "\n";
    ctx.ui.emit(doc, text);
    return 0;
}

int run_list(Context& ctx, const VersionsFlags& f) {
    auto t = open_target(ctx, f, false);
    if (!t) return ctx.ui.fail(t.error());
    auto r = deploy::list_versions(*t->session.client, t->target);
    if (!r) return ctx.ui.fail(r.error());
    output::Table tab{{"id", "number", "created", "source", "tag", "message"}, {}};
    for (const auto& v : r->versions)
        tab.rows.push_back({v.id, std::to_string(v.number), v.created_on, v.source, v.tag, v.message});
    ctx.ui.emit(ok(r->to_json()),
                r->versions.empty() ? "worker " + r->worker + " has no versions\n" : output::render_table(tab));
    return 0;
}

int run_view(Context& ctx, const VersionsFlags& f) {
    auto t = open_target(ctx, f, false);
    if (!t) return ctx.ui.fail(t.error());
    auto r = deploy::view_version(*t->session.client, t->target, f.version_id);
    if (!r) return ctx.ui.fail(r.error());
    const auto& v = r->version;
    ctx.ui.emit(ok(r->to_json()), output::render_kv({{"id", v.id},
                                                     {"number", std::to_string(v.number)},
                                                     {"created", v.created_on},
                                                     {"author", v.author_email},
                                                     {"source", v.source},
                                                     {"tag", v.tag},
                                                     {"message", v.message}}));
    return 0;
}

// Opens the target, makes the deployment with `make` and prints it.
template <class Make>
int deploy_and_emit(Context& ctx, const VersionsFlags& f, const std::string& verb, Make make) {
    auto t = open_target(ctx, f, false);
    if (!t) return ctx.ui.fail(t.error());
    auto r = make(*t->session.client, t->target, confirmer(ctx, f.yes));
    if (!r) return ctx.ui.fail(r.error());
    json doc = ok(r->to_json());
    ctx.ui.emit(doc, "worker " + r->worker + ": " + verb + "\n" + deployment_text(doc["deployment"]));
    return 0;
}

int run_deploy_versions(Context& ctx, const VersionsFlags& f) {
    // The specs are checked before anything is read or sent.
    if (auto s = deploy::deployment_shares(f.specs); !s) return ctx.ui.fail(s.error());
    return deploy_and_emit(ctx, f, "deployed", [&f](api::ApiClient& c, const deploy::VersionsTarget& t, auto confirm) {
        return deploy::run_versions_deploy(c, {t, f.specs, f.message, confirm});
    });
}

int run_rollback(Context& ctx, const VersionsFlags& f) {
    return deploy_and_emit(ctx, f, "rolled back",
                           [&f](api::ApiClient& c, const deploy::VersionsTarget& t, auto confirm) {
                               return deploy::run_rollback(c, {t, f.version_id, f.message, confirm});
                           });
}

int run_deployments_list(Context& ctx, const VersionsFlags& f) {
    auto t = open_target(ctx, f, false);
    if (!t) return ctx.ui.fail(t.error());
    auto r = deploy::list_deployments(*t->session.client, t->target);
    if (!r) return ctx.ui.fail(r.error());
    json doc = ok(r->to_json());
    std::string text;
    for (const auto& d : doc["deployments"]) text += deployment_text(d);
    ctx.ui.emit(doc, r->deployments.empty() ? "worker " + r->worker + " has no deployments\n" : text);
    return 0;
}

int run_status(Context& ctx, const VersionsFlags& f) {
    auto t = open_target(ctx, f, false);
    if (!t) return ctx.ui.fail(t.error());
    auto r = deploy::deployment_status(*t->session.client, t->target);
    if (!r) return ctx.ui.fail(r.error());
    json doc = ok(r->to_json());
    std::string text = "worker " + r->worker + ": current " + deployment_text(doc["deployment"]);
    for (const auto& v : doc["versions"])
        text += "  version " + v["version_id"].get<std::string>() + " (" + pct(v["percentage"].get<double>()) +
                (v.contains("number") ? ", number " + v["number"].dump() : std::string()) + ")\n";
    ctx.ui.emit(doc, text);
    return 0;
}

const char* k_split_note =
    "On `tenantctl dev` a deployment of two versions splits the requests: each request to the worker goes to one "
    "of them, chosen at random with the deployment's percentages. Service bindings from other workers and the "
    "worker's Durable Objects run the version with the larger share.";

}  // namespace

void register_versions(CLI::App& app, Context& ctx) {
    auto f = std::make_shared<VersionsFlags>();
    auto* versions = app.add_subcommand("versions", "Versions of an account worker: upload, list, view, deploy");
    versions->require_subcommand(1);
    versions->footer(k_split_note);

    auto* up = versions->add_subcommand(
        "upload", "Build the worker as deploy does and upload it as a new version, without deploying it");
    add_common(up, *f);
    up->add_option("--message", f->message,
                   "Version message (annotation workers/message, at most 50 characters; default: the git commit "
                   "subject)");
    up->add_option("--tag", f->tag, "Version tag (annotation workers/tag; default: the short git commit)");
    up->add_option("--compatibility-date", f->compatibility_date, "Override the config's compatibility date");
    up->add_flag("--keep-vars", f->keep_vars, "Keep vars set in the dashboard/API that the config does not have");
    up->add_flag("--no-bundle", f->no_bundle, "Upload the modules as they are (no esbuild), like no_bundle = true");
    up->add_flag("--strict", f->strict, "Treat configuration warnings as errors");
    up->footer(
        "The worker must exist (deploy it first). Static assets and containers are not part of a version "
        "upload: a config with `assets` is refused; containers are left as they are. Not implemented: "
        "--preview-alias, `versions secret …`.");
    on_run(up, ctx, [&ctx, f] { return run_upload(ctx, *f); });

    auto* ls = versions->add_subcommand("list", "List the worker's versions, newest first");
    add_common(ls, *f);
    on_run(ls, ctx, [&ctx, f] { return run_list(ctx, *f); });

    auto* view = versions->add_subcommand("view", "Show one version of the worker");
    add_common(view, *f);
    view->add_option("VERSION_ID", f->version_id, "The version")->required();
    on_run(view, ctx, [&ctx, f] { return run_view(ctx, *f); });

    auto* dep = versions->add_subcommand(
        "deploy", "Deploy one version at 100%, or split the requests between two (ID1@PCT ID2@PCT, adding up to 100)");
    add_common(dep, *f);
    dep->add_option("VERSION_SPECS", f->specs, "VERSION_ID, or VERSION_ID@PERCENT (e.g. 5f2c…@50%; the % is optional)")
        ->required();
    dep->add_option("--message", f->message, "Deployment message (annotation workers/message, at most 50 characters)");
    dep->add_flag("-y,--yes", f->yes, "Do not ask for confirmation (required when not on a terminal)");
    dep->footer(std::string(k_split_note) +
                "\nNot implemented: wrangler's --version-id/--percentage/--version-tag flags and --dry-run; give the "
                "versions as VERSION_ID@PERCENT.");
    on_run(dep, ctx, [&ctx, f] { return run_deploy_versions(ctx, *f); });

    auto* deployments = app.add_subcommand("deployments", "Deployments of an account worker: list, status");
    deployments->require_subcommand(1);
    auto* dls = deployments->add_subcommand("list", "List the worker's deployments, newest (the current one) first");
    add_common(dls, *f);
    on_run(dls, ctx, [&ctx, f] { return run_deployments_list(ctx, *f); });
    auto* st = deployments->add_subcommand("status", "Show the current deployment: its versions and their shares");
    add_common(st, *f);
    on_run(st, ctx, [&ctx, f] { return run_status(ctx, *f); });

    auto* rb = app.add_subcommand(
        "rollback",
        "Deploy an earlier version at 100% (default: the version of the previous single-version deployment)");
    add_common(rb, *f);
    rb->add_option("VERSION_ID", f->version_id, "The version to roll back to");
    rb->add_option("-m,--message", f->message,
                   "Deployment message (annotation workers/message, at most 50 characters)");
    rb->add_flag("-y,--yes", f->yes, "Do not ask for confirmation (required when not on a terminal)");
    on_run(rb, ctx, [&ctx, f] { return run_rollback(ctx, *f); });
}

}  // namespace tenantctl::cli
