// tenantctl deploy — build and push the container images, upload the worker (to the account, or with
// --dispatch-namespace into a namespace as a tenant worker), create or modify the container applications.
// The worker is bundled with esbuild as wrangler bundles it (--no-bundle: modules as they are).
#include <iostream>

#include "api_context.hpp"
#include "commands/commands.hpp"
#include "config/config.hpp"
#include "config_context.hpp"
#include "core/fs.hpp"
#include "core/limits.hpp"
#include "core/strings.hpp"
#include "deploy/deploy.hpp"
#include "events.hpp"

namespace tenantctl::cli {

namespace {

using nlohmann::json;

struct DeployFlags {
    std::string name, dispatch_namespace, message, tag, compatibility_date, secrets_file, outdir;
    std::string rollout = "gradual";
    std::string path_to_docker;
    bool keep_vars = false, dry_run = false, force = false, strict = false, no_bundle = false;
};

std::string human(const deploy::DeployReport& r) {
    std::string s = "worker " + r.worker;
    if (!r.dispatch_namespace.empty()) s += " (dispatch namespace " + r.dispatch_namespace + ")";
    s += r.dry_run    ? ": would upload (--dry-run reads no deployed state)"
         : r.uploaded ? ": uploaded"
                      : ": unchanged, not uploaded";
    s += " [upload " + r.upload_digest.substr(0, 16) + "]";
    if (!r.version_id.empty()) s += "\n  version " + r.version_id;
    s += "\n";
    if (r.assets) {
        const auto& a = *r.assets;
        s += "  assets: " + std::to_string(a.files) + " file" + (a.files == 1 ? "" : "s") + ", " +
             std::to_string(a.bytes) + " bytes";
        if (a.synced)
            s += "; uploaded " + std::to_string(a.uploaded_files) + " (" + std::to_string(a.uploaded_bytes) +
                 " bytes)" + (a.uploaded_files == 0 ? ": the platform had every one" : "");
        else if (r.dry_run)
            s += "; an upload session would send those the platform does not have";
        s += "\n";
    }
    for (const auto& t : r.triggers) s += "  " + t + "\n";
    if (!r.triggers_written.empty()) s += "  triggers updated: " + join(r.triggers_written, ", ") + "\n";
    for (const auto& m : r.messages) s += "  " + m + "\n";
    for (const auto& c : r.containers) {
        s += "container " + c.name + ": " + (c.action == "dry-run" ? "would build and create or update" : c.action);
        if (!c.application_id.empty()) s += " (application " + c.application_id + ")";
        s += "\n";
        if (!c.image.empty())
            s += "  image " + c.image + (c.built ? " (built" + std::string(c.pushed ? ", pushed)" : ")") : "") + "\n";
        for (const auto& f : c.changes)
            s += "  ~ " + f.path + ": " + (f.before.is_null() ? "(none)" : f.before.dump()) + " -> " + f.after.dump() +
                 "\n";
        if (!c.rollout_id.empty()) s += "  rollout " + c.rollout_id + "\n";
    }
    for (const auto& k : r.skipped) s += "skipped: " + k + "\n";
    return s;
}

int run(Context& ctx, const DeployFlags& f) {
    auto rollout = deploy::parse_rollout_mode(f.rollout);
    if (!rollout) return ctx.ui.fail(rollout.error());

    auto cfg = config::load_config_checked(config_load_options(ctx, f.strict, f.dispatch_namespace), true);
    if (!cfg) return ctx.ui.fail(cfg.error());
    for (const auto& w : cfg->warnings) ctx.ui.warn(w.message);

    deploy::DeployOptions o;
    o.dispatch_namespace = f.dispatch_namespace;
    o.name = f.name;
    o.keep_vars = f.keep_vars;
    o.message = f.message;
    o.version_tag = f.tag;
    if (!f.compatibility_date.empty()) o.compatibility_date = f.compatibility_date;
    o.rollout = *rollout;
    o.dry_run = f.dry_run;
    o.outdir = f.outdir.empty() ? std::string() : absolute_path(f.outdir, ctx.cwd());
    o.force = f.force;
    o.no_bundle = f.no_bundle;
    o.env = &ctx.env;
    o.managed_registry = ctx.env.get_or("CLOUDFLARE_CONTAINER_REGISTRY", "registry.cloudflare.com");
    if (!f.secrets_file.empty()) {
        std::string path = absolute_path(f.secrets_file, ctx.cwd());
        auto text = read_file_limited(path, limits::k_max_input_file_bytes,
                                      "--secrets-file " + tenantctl::quoted(f.secrets_file));
        if (!text && text.error().kind == ErrorKind::Input) return ctx.ui.fail(text.error());
        if (!text)
            return ctx.ui.fail(Error(
                ErrorKind::Input, "--secrets-file " + tenantctl::quoted(f.secrets_file) + ": " + text.error().message));
        auto patch = api::parse_secrets_input(*text, f.secrets_file);
        if (!patch) return ctx.ui.fail(patch.error());
        o.secrets = *patch;
    }
    if (auto n = deploy::worker_name(*cfg, o); !n) return ctx.ui.fail(n.error());

    std::optional<ApiSession> session;
    if (!f.dry_run) {
        auto s = open_api(ctx, true, cfg->account_id());
        if (!s) return ctx.ui.fail(s.error());
        session = std::move(*s);
        o.account_id = session->account_id;
    }
    auto docker = images::make_docker(images::DockerCli::from_env(ctx.env, f.path_to_docker));
    std::unique_ptr<Progress> progress = ctx.ui.progress();
    auto r = deploy::run_deploy(*cfg, session ? session->client.get() : nullptr, docker.get(), o,
                                deploy_events(ctx.ui, *progress));
    progress->finish();
    if (!r) return ctx.ui.fail(r.error());
    json doc = r->to_json();
    doc["ok"] = true;
    doc["dry_run"] = f.dry_run;
    if (!o.outdir.empty()) doc["outdir"] = o.outdir;
    std::string text = human(*r);
    if (f.dry_run)
        text += "--dry-run: nothing was sent" + (o.outdir.empty() ? std::string() : "; the upload is in " + o.outdir) +
                "\n";
    ctx.ui.emit(doc, text);
    return 0;
}

}  // namespace

void register_deploy(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand(
        "deploy",
        "Build and push the container images, upload the worker, create or update its container applications");
    cmd->footer(
        "The worker is bundled with esbuild as wrangler bundles it (TypeScript, npm imports, module rules, "
        "nodejs_compat; esbuild from the project's node_modules, $TENANTCTL_ESBUILD or PATH); `[build] command` "
        "runs first. --no-bundle uploads `main` and the modules `rules` / `find_additional_modules` select as "
        "they are. Nothing is built, pushed or written when nothing changed.");
    auto f = std::make_shared<DeployFlags>();
    cmd->add_option("--name", f->name,
                    "Worker name (overrides the config's name; the tenant id with --dispatch-namespace)");
    cmd->add_option("--dispatch-namespace", f->dispatch_namespace,
                    "Upload the worker into this dispatch namespace (a tenant worker)");
    cmd->add_option("--message", f->message,
                    "Deploy message (annotation workers/message; default: the git commit subject)");
    cmd->add_option("--tag", f->tag, "Version tag (annotation workers/tag; default: the short git commit)");
    cmd->add_option("--compatibility-date", f->compatibility_date, "Override the config's compatibility date");
    cmd->add_option("--secrets-file", f->secrets_file,
                    "JSON or .env file of secrets to upload with the worker (added, never deleted)");
    cmd->add_flag("--keep-vars", f->keep_vars, "Keep vars set in the dashboard/API that the config does not have");
    cmd->add_flag("--dry-run", f->dry_run,
                  "Build the upload and show what would happen; no API calls, no docker build, no push");
    cmd->add_option("--outdir", f->outdir,
                    "Write the upload (metadata.json, upload.multipart, modules/) here; secret values are masked");
    cmd->add_option("--containers-rollout", f->rollout, "How changed container applications roll out")
        ->check(CLI::IsMember({"immediate", "gradual", "none"}));
    cmd->add_option("--path-to-docker", f->path_to_docker,
                    "The docker CLI to use (default: $TENANTCTL_DOCKER or docker)");
    cmd->add_flag("--force", f->force, "Upload and roll out even when nothing changed");
    cmd->add_flag("--no-bundle", f->no_bundle, "Upload the modules as they are (no esbuild), like no_bundle = true");
    cmd->add_flag("--strict", f->strict, "Treat configuration warnings as errors");
    on_run(cmd, ctx, [&ctx, f] { return run(ctx, *f); });
}

}  // namespace tenantctl::cli
