// `tenantctl dev`: the local platform (Cloudflare API v4 control-plane on 127.0.0.1, state in SQLite).
// The platform is lib/platform's DevPlatform, with lib/router's containers and lib/runtime's workers plugged in.
#include "platform/dev.hpp"
#include "commands/commands.hpp"
#include "router/dev_integration.hpp"
#include "runtime/supervisor.hpp"

namespace tenantctl::cli {

namespace {

const char* k_dev_footer =
    R"(The API is served under http://HOST:PORT/client/v4 with the same paths, bodies and envelopes as
api.cloudflare.com. State lives in STATE_DIR/state.db (SQLite, WAL); a restart keeps everything.
On first start an account id (derived from STATE_DIR's path, so a wiped STATE_DIR gets the same one; or
--account-id) and an API token are created (STATE_DIR/credentials.json, mode 0600) and
the profile $XDG_CONFIG_HOME/tenantctl/profiles/local.json is written, so `tenantctl --local …` works.
Once listening, STATE_DIR/dev.json holds {"api_url","pid","port"}; every request is logged (method,
path without query, status; never bodies or headers) to STATE_DIR/requests.log.
Containers: when a docker daemon answers (or with --containers), a docker-registry with its storage in
STATE_DIR/registry (the same port across restarts), the container engine and the tenant router
(--router-listen) run too. With --no-containers, or without docker, the credentials endpoint hands out
the placeholder 127.0.0.1:5000 unless --registry HOST:PORT names a real registry.

Workers: every uploaded worker runs in workerd (the project's node_modules, TENANTCTL_WORKERD or PATH;
scripts/setup.sh installs it): account workers at http://NAME.localhost:PORT/ on --workers-listen and through
their routes (the Host header), dispatch-namespace scripts through dispatch namespace bindings. A tenant's script is loaded on its first
request into a workerd process with room for it (up to --workers-per-process tenants, 8 by default; joining
restarts the process without failing a request), stopped when idle (--workers-idle). A CPU loop stalls the
other tenants of its process until the watchdog stops it; --workers-per-process 1 gives each tenant a process of
its own (no stall, more memory). KV, R2 and D1
bindings use this platform's own storage (what `tenantctl kv|r2` and the API see); storage a binding names that
does not exist is created. Uploads and secret changes take effect without a restart. The subrequest limit
passed to get() is enforced; a process busy for 2 s without a pause is stopped ("Worker exceeded CPU time
limit."; a packed process's tenants then run alone for 10 minutes). A binding's outbound worker gets every fetch() of the tenants it dispatches, with get()'s parameters
in its env. workerd's output (console.*) goes to STATE_DIR/workers.log; -v prints it too.

Rate limit: every API response carries Cloudflare's headers, Ratelimit: "default";r=REMAINING;t=SECONDS and
Ratelimit-Policy: "burst";q=QUOTA;w=WINDOW. Without --rate-limit nothing is enforced and a quota of 1000000000
per 300 s is advertised (clients pacing by the headers run at full speed); with --rate-limit N/SECONDS a window
of N requests opens with the first request after the previous one ended, and requests beyond N get 429 with
Retry-After (error code 971) until it does.

Test hooks (--test-hooks only):
  POST   /__dev/faults  {"method":"PUT","path_regex":"/scripts/","status":503,"count":2,"delay_ms":0}
         makes the next COUNT matching requests fail with STATUS (0 = do not fail, only delay)
  GET    /__dev/faults  lists armed faults;  DELETE /__dev/faults clears them
  POST   TAIL_URL/__dev/drop  cuts every open tail connection (no close frame)
  POST   TAIL_URL/__dev/publish?ns=NS&prefix=t&scripts=100&records=N&logs=L  publishes N synthetic records
         (scripts t000…, round robin) as the runtime's are: counted and sent to open tails
Stop with Ctrl-C or SIGTERM (exit 0).)";

int run_dev(Context& ctx, platform::DevOptions o) {
    o.cwd = ctx.cwd();
    o.verbose = ctx.ui.verbosity() > 0;
    o.start_containers = router::start_dev_containers;
    o.start_workers = runtime::start_dev_workers;
    platform::DevEvents ev;
    ev.warning = [&ctx](const std::string& message, const std::string& hint) {
        ctx.ui.warn(message);
        if (!hint.empty()) ctx.ui.info("  hint: " + hint);
    };
    ev.worker_line = [&ctx](const std::string& line) { ctx.ui.info(line); };
    auto dev = platform::DevPlatform::start(ctx.env, o, ev);
    if (!dev.ok()) return ctx.ui.fail(dev.error());
    const platform::DevReport& r = (*dev)->report();
    ctx.ui.info("tenantctl dev: serving the control-plane API on " + r.api_url);
    ctx.ui.info("  state: " + r.state_dir + "  profile: " + r.profile + (r.test_hooks ? "  (test hooks on)" : ""));
    if (r.rate_limit.enforce)
        ctx.ui.info("  rate limit: " + std::to_string(r.rate_limit.quota) + " requests per " +
                    std::to_string(r.rate_limit.window_s) + " s, enforced (429 + Retry-After)");
    if (r.containers) {
        ctx.ui.info("  tenant router: " + r.router_url + "  registry: " + r.registry.host +
                    "  container log: " + r.containers_log);
    } else if (r.registry.placeholder) {
        ctx.ui.info("  container registry: placeholder " + r.registry.host +
                    " (no containers; start with --containers)");
    }
    if (r.workers)
        ctx.ui.info("  workers: " + r.workers_url + " (account workers: http://NAME.localhost:" +
                    std::to_string(r.workers_port) + "/)  log: " + r.workers_log);
    if (ctx.ui.machine()) ctx.ui.emit(r.to_json(), "");
    std::string sig = (*dev)->wait_for_signal();
    ctx.ui.info("tenantctl dev: " + sig + ", shutting down");
    (*dev)->stop();
    return 0;
}

}  // namespace

void register_dev(CLI::App& app, Context& ctx) {
    auto* cmd =
        app.add_subcommand("dev", "Run the local platform: control-plane API on 127.0.0.1 with state in SQLite");
    auto o = std::make_shared<platform::DevOptions>();
    cmd->add_option("--listen", o->listen, "Address to listen on, HOST:PORT (port 0 = any free port)")
        ->capture_default_str();
    cmd->add_option("--state-dir", o->state_dir, "Where state lives (default $XDG_DATA_HOME/tenantctl/dev)");
    cmd->add_flag("--test-hooks", o->test_hooks, "Enable /__dev/faults fault injection (for tests)");
    cmd->add_option("--rate-limit", o->rate_limit,
                    "Enforce N requests per SECONDS like Cloudflare's API (429 + Retry-After), e.g. 1200/300 "
                    "(default: not enforced, a large quota is advertised)");
    cmd->add_option("--threads", o->threads, "Worker threads serving requests")->capture_default_str();
    cmd->add_option("--registry", o->registry,
                    "Container registry: without --containers the HOST:PORT handed out by the credentials endpoint; "
                    "with --containers an existing registry URL to attach to instead of starting one");
    cmd->add_flag(
        "--containers", o->containers,
        "Require the registry, container engine and tenant router (default: on when a docker daemon answers)");
    cmd->add_flag("--no-containers", o->no_containers, "Serve the API only: no registry, containers or tenant router");
    cmd->add_option("--router-listen", o->router_listen, "Tenant router address, HOST:PORT (with --containers)")
        ->capture_default_str();
    cmd->add_option("--router-pin-key-file", o->router_pin_key_file,
                    "Serve only a trusted front worker: requests must carry X-Tenantctl-Pin with this file's key and "
                    "name the tenant in X-Tenantctl-Tenant, which nothing else in the request can override");
    cmd->add_option("--network", o->network,
                    "Container networking: host ($PORT on the host) or bridge (127.0.0.1 publish)")
        ->check(CLI::IsMember({"host", "bridge"}))
        ->capture_default_str();
    cmd->add_option("--app", o->app,
                    "Application a tenant's requests go to when several exist and the host names none");
    cmd->add_option_function<std::string>(
        "--workers-listen",
        [o](const std::string& v) {
            o->workers_listen = v;
            o->workers_listen_given = true;
        },
        "Where uploaded workers answer, HOST:PORT (IPv4; port 0 = any free port; default 127.0.0.1:8789, or "
        "any free port when --listen has port 0)");
    cmd->add_flag("--no-workers", o->no_workers, "Do not run uploaded workers (no workerd)");
    cmd->add_option("--workers-idle", o->workers_idle,
                    "Seconds without CPU use after which a tenant worker's process is stopped (started again on its "
                    "next request)")
        ->check(CLI::Range(1, 86400))
        ->capture_default_str();
    cmd->add_option("--workers-per-process", o->workers_per_process,
                    "Tenant workers one workerd process runs at most: more saves memory (each process maps workerd "
                    "anew); 1 keeps a tenant's CPU loop from stalling any other tenant and never restarts a "
                    "process for another tenant's first request")
        ->check(CLI::Range(1, 64))
        ->capture_default_str();
    cmd->add_option("--account-id", o->account_id,
                    "Account id of a new state directory (32 hex digits; default: derived from the state directory, "
                    "the same after a wipe)");
    cmd->footer(k_dev_footer);
    on_run(cmd, ctx, [&ctx, o] { return run_dev(ctx, *o); });
}

}  // namespace tenantctl::cli
