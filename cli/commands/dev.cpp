// `tenantctl dev`: the local platform (Cloudflare API v4 control-plane on 127.0.0.1, state in SQLite).
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>

#include "commands/commands.hpp"
#include "core/fs.hpp"
#include "core/net.hpp"
#include "core/strings.hpp"
#include "platform/dev.hpp"
#include "platform/server.hpp"
#include "platform/store.hpp"
#include "platform/tail_server.hpp"
#include "router/dev_integration.hpp"
#include "runtime/supervisor.hpp"
#include "runtime/workerd_process.hpp"

namespace tenantctl::cli {

namespace {

struct DevOptions {
    std::string listen = "127.0.0.1:8787";
    std::string state_dir;
    bool test_hooks = false;
    int threads = 4;
    std::string registry;
    bool containers = false;     // --containers: required (an error when docker is not there)
    bool no_containers = false;  // --no-containers: API only
    std::string router_listen = "127.0.0.1:8788";
    std::string network = "bridge";
    std::string app;
    std::string router_pin_key_file;
    std::string workers_listen = "127.0.0.1:8789";
    bool no_workers = false;
    bool workers_listen_given = false;
    int workers_idle = 120;
    std::string account_id;
    std::string rate_limit;  // --rate-limit N/SECONDS
};

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
their routes (the Host header), dispatch-namespace scripts through dispatch namespace bindings, each in a
workerd process of its own started on its first request and stopped when idle (--workers-idle). KV, R2 and D1
bindings use this platform's own storage (what `tenantctl kv|r2` and the API see); storage a binding names that
does not exist is created. Uploads and secret changes take effect without a restart. The subrequest limit
passed to get() is enforced; a tenant busy for 2 s without a pause is stopped ("Worker exceeded CPU time
limit."). workerd's output (console.*) goes to STATE_DIR/workers.log; -v prints it too.
Not yet: tail consumers and outbound workers, per-invocation records, upload-time validation of scripts.

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

int run_dev(Context& ctx, const DevOptions& o) {
    using namespace tenantctl::platform;
    auto listen = parse_listen(o.listen);
    if (!listen.ok()) return ctx.ui.fail(listen.error());
    std::string state_dir =
        o.state_dir.empty() ? join_path(ctx.env.data_home(), "tenantctl/dev") : absolute_path(o.state_dir, ctx.cwd());
    if (auto st = make_dirs(state_dir, 0700); !st.ok()) return ctx.ui.fail(st.error());
    auto state_lock = lock_state_dir(state_dir);  // held (fd open) until the process ends
    if (!state_lock.ok()) return ctx.ui.fail(state_lock.error());
    if (is_wildcard_address(listen->first))
        ctx.ui.warn("--listen " + o.listen +
                    " binds every network interface: anyone who can reach this machine can call the API (the "
                    "local profile still points at loopback)");
    else if (!is_loopback_host(listen->first))
        ctx.ui.warn("--listen " + o.listen + " is not a loopback address: other machines can reach the API");
    auto creds = load_or_create_credentials(state_dir, o.account_id);
    if (!creds.ok()) return ctx.ui.fail(creds.error());
    auto store = Store::open(join_path(state_dir, "state.db"));
    if (!store.ok()) return ctx.ui.fail(store.error());

    RegistryInfo registry;
    std::shared_ptr<ContainerRuntime> runtime;
    std::unique_ptr<router::DevRouter> containers;
    // Containers are on by default when a docker daemon answers; --containers makes them required.
    if (o.containers && o.no_containers)
        return ctx.ui.fail(Error(ErrorKind::Usage, "--containers and --no-containers contradict each other"));
    if (!o.no_containers) {
        // The registry, the container engine and the tenant router (lib/router) behind the API's seams.
        router::DevRouterOptions ro;
        ro.router_listen = o.router_listen;
        ro.registry = o.registry;
        ro.network = o.network;
        ro.default_app = o.app;
        if (!o.router_pin_key_file.empty()) {
            auto key = read_file_limited(absolute_path(o.router_pin_key_file, ctx.cwd()), 4096,
                                         "--router-pin-key-file " + tenantctl::quoted(o.router_pin_key_file));
            if (!key.ok()) return ctx.ui.fail(key.error());
            ro.pin_key = std::string(trim(*key));
            if (ro.pin_key.size() < 16)
                return ctx.ui.fail(Error(ErrorKind::Usage, "the router pin key is shorter than 16 characters",
                                         "put a long random string in the file"));
        }
        ro.state_dir = state_dir;
        Store* db = store->get();
        std::string account = creds->account_id;
        auto apps = [db, account] {
            std::vector<nlohmann::json> out;
            db->transaction(false, [&] {
                for (auto& obj : db->list("app", account)) out.push_back(obj.doc);
                return true;
            });
            return out;
        };
        std::string log_path = join_path(state_dir, "containers.log");
        auto log = [log_path](const std::string& line) {
            static std::mutex m;
            std::lock_guard lock(m);
            if (FILE* f = std::fopen(log_path.c_str(), "a")) {
                std::fprintf(f, "%s\n", line.c_str());
                std::fclose(f);
            }
        };
        auto dev = router::DevRouter::start(ctx.env, ro, apps, log);
        if (!dev.ok() && o.containers) return ctx.ui.fail(dev.error());
        if (!dev.ok()) {
            ctx.ui.warn("containers are off: " + dev.error().message +
                        " (the API works without them; pass --containers to make this an error, --no-containers to "
                        "skip the attempt)");
        }
        if (dev.ok()) {
            containers = std::move(dev.value());
            registry = containers->registry_info();
            runtime = containers->runtime();
        }
    }
    if (!containers && !o.registry.empty()) {
        registry.host = o.registry;
        registry.placeholder = false;
    }
    ApiOptions api_opt;
    api_opt.test_hooks = o.test_hooks;
    if (!o.rate_limit.empty()) {
        auto rl = parse_rate_limit_option(o.rate_limit);
        if (!rl.ok()) return ctx.ui.fail(rl.error());
        api_opt.rate_limit = *rl;
    }
    api_opt.request_log_path = join_path(state_dir, "requests.log");
    api_opt.state_dir = state_dir;
    auto tails = std::make_shared<TailHub>();
    api_opt.tails = tails;
    Api api(**store, creds.value(), api_opt, runtime, registry);

    // Block SIGINT/SIGTERM before the pool starts so only sigwait below sees them.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);

    ServerOptions so;
    so.host = listen->first;
    so.port = listen->second;
    so.threads = std::max(1, std::min(o.threads, 64));
    Server server(api, so);
    if (auto st = server.start(); !st.ok()) return ctx.ui.fail(st.error());

    // Clients on this machine reach a wildcard listener through loopback: the profile never holds 0.0.0.0.
    std::string connect_host = so.host;
    if (is_wildcard_address(connect_host))
        connect_host = connect_host.find(':') != std::string::npos ? "::1" : "127.0.0.1";
    std::string host = connect_host.find(':') != std::string::npos ? "[" + connect_host + "]" : connect_host;
    std::string api_url = "http://" + host + ":" + std::to_string(server.port()) + "/client/v4";
    // Live tails are read over a WebSocket server of their own (as Cloudflare's tail URLs are on a host of
    // their own), on a free port of the API's loopback address.
    TailServer tail_server(*tails, connect_host, 0, o.test_hooks);
    if (auto st = tail_server.start(); !st.ok()) {
        server.stop();
        return ctx.ui.fail(st.error());
    }
    tails->set_url_base("ws://" + host + ":" + std::to_string(tail_server.port()) + "/");
    // The workers runtime (workerd), after the API so that the account id is known.
    std::unique_ptr<runtime::WorkerRuntime> workers;
    std::string workers_url;
    if (!o.no_workers) {
        auto wl = parse_listen(o.workers_listen);
        if (!wl.ok()) {
            server.stop();
            return ctx.ui.fail(wl.error());
        }
        // An API on an ephemeral port (tests, several platforms side by side) gets ephemeral workers too,
        // unless --workers-listen says otherwise.
        if (!o.workers_listen_given && listen->second == 0) wl->second = 0;
        std::string wd =
            runtime::find_workerd(ctx.cwd(), ctx.env.get_or("TENANTCTL_WORKERD", ""), ctx.env.get_or("PATH", ""));
        if (wd.empty()) {
            ctx.ui.warn("workers will not run: workerd was not found (the API and containers work without it)");
            ctx.ui.info(
                "  hint: scripts/setup.sh installs it; or `npm install workerd` in the project, or set "
                "TENANTCTL_WORKERD to a workerd binary");
        } else {
            runtime::RuntimeOptions ro;
            ro.workerd = wd;
            ro.host = wl->first;
            ro.port = wl->second;
            ro.state_dir = state_dir;
            ro.account_id = creds->account_id;
            ro.workerd_date = runtime::workerd_version_date(wd);
            ro.idle_ms = o.workers_idle * 1000;
            std::string wlog = join_path(state_dir, "workers.log");
            bool verbose = ctx.ui.verbosity() > 0;
            auto write = std::make_shared<std::function<void(const std::string&, bool)>>(
                [&ctx, wlog](const std::string& line, bool show) {
                    static std::mutex m;
                    std::lock_guard lock(m);
                    if (FILE* f = std::fopen(wlog.c_str(), "a")) {
                        std::fprintf(f, "%s\n", line.c_str());
                        std::fclose(f);
                    }
                    if (show) ctx.ui.info(line);
                });
            // Failures and created storage always; generations and the workers' own output with -v.
            ro.log = [write, verbose](const std::string& line) {
                (*write)(line, verbose || line.find("failed") != std::string::npos ||
                                   line.find("created") != std::string::npos ||
                                   line.find("CPU time limit") != std::string::npos);
            };
            ro.output = [write, verbose](const std::string& line) { (*write)(line, verbose); };
            ro.records = [tails](const std::string& batch) { tails->publish(batch); };
            auto rt = runtime::WorkerRuntime::start(**store, ro);
            if (!rt.ok()) {
                server.stop();
                return ctx.ui.fail(rt.error());
            }
            workers = std::move(rt.value());
            workers->settle(120000);
            workers_url = "http://" + wl->first + ":" + std::to_string(workers->port());
        }
    }

    std::string profile = join_path(ctx.env.config_home(), "tenantctl/profiles/local.json");
    if (auto st = write_local_profile(profile, api_url, creds.value()); !st.ok()) {
        server.stop();
        return ctx.ui.fail(st.error());
    }
    if (auto st = write_dev_json(state_dir, api_url, static_cast<long>(::getpid()), server.port(), workers_url);
        !st.ok()) {
        server.stop();
        return ctx.ui.fail(st.error());
    }
    ctx.ui.info("tenantctl dev: serving the control-plane API on " + api_url);
    ctx.ui.info("  state: " + state_dir + "  profile: " + profile + (o.test_hooks ? "  (test hooks on)" : ""));
    if (api_opt.rate_limit.enforce)
        ctx.ui.info("  rate limit: " + std::to_string(api_opt.rate_limit.quota) + " requests per " +
                    std::to_string(api_opt.rate_limit.window_s) + " s, enforced (429 + Retry-After)");
    if (containers) {
        ctx.ui.info("  tenant router: " + containers->router_url() + "  registry: " + registry.host +
                    "  container log: " + join_path(state_dir, "containers.log"));
    } else if (registry.placeholder) {
        ctx.ui.info("  container registry: placeholder " + registry.host + " (no containers; start with --containers)");
    }
    if (workers)
        ctx.ui.info("  workers: " + workers_url + " (account workers: http://NAME.localhost:" +
                    std::to_string(workers->port()) + "/)  log: " + join_path(state_dir, "workers.log"));
    if (ctx.ui.machine()) {
        nlohmann::json info = {{"api_url", api_url},
                               {"pid", static_cast<long>(::getpid())},
                               {"port", server.port()},
                               {"state_dir", state_dir},
                               {"profile", profile}};
        if (containers) info["router_url"] = containers->router_url();
        if (workers) info["workers_url"] = workers_url;
        ctx.ui.emit(info, "");
    }
    int sig = 0;
    sigwait(&set, &sig);
    ctx.ui.info(std::string("tenantctl dev: ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") + ", shutting down");
    if (workers) workers->stop();
    tail_server.stop();
    server.stop();
    if (containers) containers->stop();
    std::remove(join_path(state_dir, "dev.json").c_str());
    return 0;
}

}  // namespace

void register_dev(CLI::App& app, Context& ctx) {
    auto* cmd =
        app.add_subcommand("dev", "Run the local platform: control-plane API on 127.0.0.1 with state in SQLite");
    auto o = std::make_shared<DevOptions>();
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
    cmd->add_option("--account-id", o->account_id,
                    "Account id of a new state directory (32 hex digits; default: derived from the state directory, "
                    "the same after a wipe)");
    cmd->footer(k_dev_footer);
    on_run(cmd, ctx, [&ctx, o] { return run_dev(ctx, *o); });
}

}  // namespace tenantctl::cli
