// tenants apply -f tenants.yaml: the plan (and a dry run's end), then the staged rollout.
#include "commands/tenants/common.hpp"
#include "commands/tenants/verbs.hpp"
#include "core/cancel.hpp"

namespace tenantctl::cli::tenants_cli {

namespace {

struct ApplyFlags {
    tn::ApplyCommandOptions opts;
    bool dry_run = false;
    bool yes = false;
};

int run_apply(Context& ctx, const ApplyFlags& f) {
    tn::ApplyCommandOptions opts = f.opts;
    opts.cwd = ctx.cwd();
    opts.env = &ctx.env;
    Api api(ctx);
    auto plan = tn::plan_apply(opts, api.connect());
    if (!plan.ok()) return ctx.ui.fail(plan.error());
    const tn::ApplyPlan& p = **plan;
    const std::string note = apply_unlisted_note(p);
    if (f.dry_run) {
        if (!note.empty()) ctx.ui.info(note);
        return ctx.ui.show(render_apply_dry_run(p, ctx.ui.verbosity()));
    }
    if (!ctx.ui.machine()) ctx.ui.out(render_apply_plan(p, ctx.ui.verbosity()));
    if (!note.empty()) ctx.ui.info(note);
    std::unique_ptr<Progress> progress = ctx.ui.progress();
    tn::ApplyRunOptions ro;
    ro.records_dir = records_dir(ctx);
    ro.cancel = &CancelToken::global();
    ro.progress = progress.get();
    ro.confirm = confirm(ctx, f.yes);
    auto report = tn::run_apply(**plan, ro, api.connect());
    if (!report.ok()) return ctx.ui.fail(report.error());
    return ctx.ui.show(render_apply(p, *report));
}

}  // namespace

void register_apply(CLI::App* cmd, Context& ctx) {
    auto f = std::make_shared<ApplyFlags>();
    auto& o = f->opts;
    auto* c = cmd->add_subcommand("apply", "Plan and apply tenants.yaml");
    c->add_option("-f,--file", o.file, "The tenants file (see docs/tenants.yaml.example)")->required();
    c->add_option("--namespace", o.ns, "Override the file's namespace");
    c->add_flag("--dry-run", f->dry_run, "Print the plan and change nothing");
    c->add_flag("--prune", o.prune, "Delete managed tenants of the namespace that the file does not list");
    c->add_flag("--purge", o.purge, "With --prune: also delete the pruned tenants' <prefix>-<id> resources");
    c->add_flag("--force", o.force, "Re-upload every listed tenant (e.g. after changing a secret's value)");
    add_yes_flag(c, f->yes, "Do not ask before deleting tenants (--prune)");
    add_concurrency_option(c, o.concurrency,
                           "Tenants worked on at once (default 8); all requests share one rate limiter");
    c->add_option("--selector", o.selector,
                  "Only tenants matching tag=T,plan=P,id=I (as the file gives them; all conditions must hold)");
    c->add_option("--canary", o.canary,
                  "Change a first batch of N tenants (or P% of those to change), then stop (or see "
                  "--continue-after)");
    c->add_option("--continue-after", o.continue_after,
                  "With --canary: wait DURATION (30s, 5m, 1h) after the canary batch, then read its tenants' "
                  "requests and errors over the wait (GraphQL Analytics API) and go on if neither their upload "
                  "failure rate nor their request error rate is above --max-error-rate (a failed read stops)");
    c->add_option("--max-error-rate", o.max_error_rate,
                  "The canary's largest error rate that lets it go on (default 0%): both its failed uploads and "
                  "its tenants' failed requests during --continue-after (no requests: uploads alone) must be at "
                  "most this");
    c->add_option("--max-failures", o.max_failures,
                  "Never more than N failed tenants: nothing new starts once N failed (exit 3; a rerun continues)");
    c->add_flag("--no-record", o.no_record,
                "Do not record the replaced uploads (saves three reads per changed tenant; no rollback)");
    c->footer(
        "Reads the namespace's scripts (one list request) and the resource lists it needs, prints the plan "
        "(+ create, ~ update with the changed fields, - delete, = unchanged) and applies it. Re-applying an "
        "unchanged file sends no write. Before an existing tenant is changed its current content, settings and tags "
        "are recorded under $XDG_DATA_HOME/tenantctl/applies, so `tenants rollback` can restore them. Requests are "
        "paced by the API's rate-limit headers (shared by all concurrent requests). Exit 2 for a selector that "
        "matches nothing or a canary larger than the selection (nothing changed), 3 when some tenants failed, the "
        "failure budget was spent or the canary's error rate was too high, 130 on Ctrl-C (in-flight requests are "
        "abandoned, nothing new starts); a rerun converges.");
    on_run(c, ctx, [&ctx, f] { return run_apply(ctx, *f); });
}

}  // namespace tenantctl::cli::tenants_cli
