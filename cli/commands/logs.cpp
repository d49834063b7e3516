// containers logs APP [--instance ID] [--follow] [--since] [--tail] and tenants logs ID --app APP: the output of
// an application's container instances (the local platform reads it from the Docker Engine; Cloudflare's API
// has none, which the command says).
#include <chrono>

#include "api_context.hpp"
#include "commands/commands.hpp"
#include "core/cancel.hpp"
#include "core/strings.hpp"
#include "observe/container_logs.hpp"

namespace tenantctl::cli {

namespace {

using nlohmann::json;

struct LogsFlags {
    std::string app;
    std::string instance;
    std::string tenant;
    std::string since;
    int tail = 100;
    bool follow = false;
    std::string format;  // pretty | json
};

void add_common(CLI::App* c, LogsFlags& f) {
    c->add_option("--since", f.since, "Only output since then: a duration back (90s, 10m, 2h, 7d) or an RFC 3339 time");
    c->add_option("--tail", f.tail, "Without --since: the last N lines of each instance (-1 = all)")
        ->check(CLI::Range(-1, 100000))
        ->capture_default_str();
    c->add_flag("-f,--follow", f.follow, "Keep printing new output (and instances that start) until Ctrl-C");
    c->add_option("--format", f.format, "Output: pretty (default on a terminal) or json (one line per object)")
        ->check(CLI::IsMember({"pretty", "json"}));
    c->footer(
        "Against `tenantctl dev`: each instance's stdout and stderr as the Docker daemon timestamps them; a stopped\n"
        "instance's container is removed, and its output with it. Against Cloudflare: not available (exit 1) —\n"
        "Cloudflare's v4 API has no container-logs endpoint; container output goes to Workers Logs when the\n"
        "worker's observability is enabled, read in the dashboard or exported with Logpush.\n"
        "Exit codes: 0 ok (Ctrl-C ends --follow), 1 error (unknown application, instance or tenant), 2 usage.");
}

int run_logs(Context& ctx, const LogsFlags& f, bool labelled) {
    int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    observe::ContainerLogsOptions o;
    if (!f.since.empty()) {
        auto t = observe::since_time(f.since, now);
        if (!t.ok()) return ctx.ui.fail(t.error());
        o.since = *t;
    }
    auto s = open_api(ctx);
    if (!s.ok()) return ctx.ui.fail(s.error());
    o.account_id = s->account_id;
    o.application = f.app;
    o.instance = f.instance;
    o.tenant = f.tenant;
    o.tail = f.tail;
    o.follow = f.follow;
    o.cancel = &CancelToken::global();
    bool as_json = f.format == "json" || (f.format.empty() && (ctx.ui.machine() || !ctx.ui.stderr_tty()));
    o.on_line = [&ctx, as_json, labelled](const observe::ContainerLogLine& l) {
        if (as_json) {
            ctx.ui.out(json{{"instance_id", l.instance_id},
                            {"instance", l.label},
                            {"time", l.time},
                            {"stream", l.stream},
                            {"message", l.message}}
                           .dump() +
                       "\n");
        } else {
            ctx.ui.out(l.time + (labelled ? " [" + l.label + "]" : std::string()) +
                       (l.stream == "stderr" ? " (stderr) " : " ") + l.message + "\n");
        }
    };
    o.on_status = [&ctx](const std::string& line) { ctx.ui.warn(line); };
    auto r = observe::run_container_logs(*s->client, o);
    if (!r.ok()) return ctx.ui.fail(r.error());
    // Ctrl-C is how --follow ends: handled, not an interruption of unfinished work.
    if (r->interrupted) CancelToken::global().reset();
    ctx.ui.debug(1, "logs: " + std::to_string(r->lines) + " lines from " + std::to_string(r->instances) +
                        " instance(s) of " + r->application_name);
    return 0;
}

}  // namespace

void register_containers_logs(CLI::App* containers, Context& ctx) {
    auto f = std::make_shared<LogsFlags>();
    auto* cmd = containers->add_subcommand("logs", "Print the output of an application's container instances");
    cmd->add_option("application", f->app, "Application id or name")->required();
    cmd->add_option("--instance", f->instance, "Only this instance (id or name; default: every instance)");
    add_common(cmd, *f);
    on_run(cmd, ctx, [&ctx, f] { return run_logs(ctx, *f, f->instance.empty()); });
}

void register_tenants_logs(CLI::App* tenants, Context& ctx) {
    auto f = std::make_shared<LogsFlags>();
    auto* cmd = tenants->add_subcommand("logs", "Print the output of the container instance serving a tenant");
    cmd->add_option("tenant", f->tenant, "Tenant id")->required();
    cmd->add_option("--app", f->app, "The container application (id or name)")->required();
    add_common(cmd, *f);
    on_run(cmd, ctx, [&ctx, f] { return run_logs(ctx, *f, false); });
}

}  // namespace tenantctl::cli
