// tail [WORKER] (an account worker, or --dispatch-namespace NS --name ID) and tenants tail ID… | --tag T |
// --namespace NS: live records (console output, exceptions, outcome, request) through the Tail API.
#include "observe/tail.hpp"
#include "api_context.hpp"
#include "commands/commands.hpp"
#include "commands/tenant_select.hpp"
#include "config_context.hpp"
#include "core/cancel.hpp"
#include "core/json.hpp"
#include "core/strings.hpp"
#include "tenants/engine.hpp"

namespace tenantctl::cli {

namespace {

using nlohmann::json;

struct TailFlags {
    std::string worker;  // positional
    std::string dispatch;
    std::string name;
    std::string format;  // pretty | json (default: json when stdout is not a terminal? wrangler: pretty on a TTY)
    observe::TailFilters filters;
    // tenants tail
    std::vector<std::string> ids;
    std::vector<std::string> tags;
    std::string ns;
};

void add_filter_flags(CLI::App* c, TailFlags& f) {
    c->add_option("--format", f.format, "Output: pretty (default on a terminal) or json (one record per line)")
        ->check(CLI::IsMember({"pretty", "json"}));
    c->add_option("--status", f.filters.status, "Only invocations that ended so: ok, error, canceled (repeatable)")
        ->check(CLI::IsMember({"ok", "error", "canceled"}));
    c->add_option("--method", f.filters.methods, "Only requests with this HTTP method (repeatable)");
    c->add_option("--search", f.filters.search, "Only records whose console output or exceptions contain this text");
    c->add_option("--header", f.filters.header, "Only requests with this header, KEY or KEY:VALUE");
    c->add_option("--ip", f.filters.ips, "Only requests from this client address, or \"self\" (repeatable)");
    c->add_option("--sampling-rate", f.filters.sampling_rate, "Share of records to receive, 0 to 1")
        ->check(CLI::Range(0.0, 1.0));
}

std::string time_of(const json& ms) {
    if (!ms.is_number()) return "";
    std::time_t t = static_cast<std::time_t>(ms.get<double>() / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
    return buf;
}

std::string message_text(const json& m) {
    if (m.is_string()) return m.get<std::string>();
    if (!m.is_array()) return m.dump();
    std::string s;
    for (auto& part : m) s += (s.empty() ? "" : " ") + (part.is_string() ? part.get<std::string>() : part.dump());
    return s;
}

// wrangler tail's pretty form: the request and outcome, then each log line and exception, indented.
std::string pretty(const std::string& label, const std::string& text) {
    json e = json::parse(text, nullptr, false);
    std::string pre = label.empty() ? "" : "[" + label + "] ";
    if (!e.is_object()) return pre + text + "\n";
    std::string outcome = e.value("outcome", std::string("unknown"));
    std::string head;
    const json ev = e.value("event", json::object());
    if (ev.is_object() && ev.contains("request") && ev["request"].is_object()) {
        const json& rq = ev["request"];
        head = rq.value("method", std::string("?")) + " " + json_string(rq, "url");
        if (ev.contains("response") && ev["response"].is_object() && ev["response"].contains("status"))
            head += " " + ev["response"]["status"].dump();
    } else if (ev.is_object() && ev.contains("cron")) {
        head = "cron " + json_string(ev, "cron");
    } else {
        head = "event";
    }
    std::string out = pre + head + " - " + outcome + " @ " + time_of(e.value("eventTimestamp", json())) + "\n";
    for (auto& l : e.value("logs", json::array()))
        if (l.is_object())
            out += pre + "  (" + l.value("level", std::string("log")) + ") " +
                   message_text(l.value("message", json())) + "\n";
    for (auto& x : e.value("exceptions", json::array()))
        if (x.is_object())
            out += pre + "  (exception) " + x.value("name", std::string("Error")) + ": " + json_string(x, "message") +
                   "\n";
    return out;
}

int run_tail(Context& ctx, ApiSession& s, std::vector<observe::TailTarget> targets, const TailFlags& f, bool labelled) {
    observe::TailOptions o;
    o.account_id = s.account_id;
    o.targets = std::move(targets);
    o.filters = f.filters;
    o.ws.subprotocol = "trace-v1";
    o.ws.user_agent = "tenantctl";
    o.ws.ca_bundle = s.connection.ca_bundle;
    o.cancel = &CancelToken::global();
    api::ClientOptions co = api::client_options_for(s.connection);
    co.http.honour_cancel = false;
    api::ApiClient cleanup(co);
    o.cleanup_client = &cleanup;
    bool as_json = f.format == "json" || (f.format.empty() && (ctx.ui.machine() || !ctx.ui.stderr_tty()));
    o.on_event = [&ctx, as_json, labelled](const observe::TailTarget& t, const std::string& text) {
        if (as_json) {
            ctx.ui.out(text + "\n");
        } else {
            ctx.ui.out(pretty(labelled ? t.label : std::string(), text));
        }
    };
    o.on_status = [&ctx](const std::string& line) { ctx.ui.warn(line); };
    o.on_url = [&ctx](const std::string& url) { ctx.ui.debug(1, "tail: opening " + url); };
    if (auto m = observe::tail_filter_message(f.filters); !m.ok()) return ctx.ui.fail(m.error());
    ctx.ui.info("Tailing " +
                (o.targets.size() == 1 ? o.targets.front().label : std::to_string(o.targets.size()) + " workers") +
                "; Ctrl-C stops (the tails are deleted)");
    auto r = observe::run_tail(*s.client, o);
    if (!r.ok()) return ctx.ui.fail(r.error());
    // Ctrl-C is how a tail ends: handled (the tails were deleted), not an interruption of unfinished work.
    if (r->interrupted) CancelToken::global().reset();
    ctx.ui.info("Tail ended: " + std::to_string(r->events) + " records; " + std::to_string(r->tails_deleted) + " of " +
                std::to_string(r->tails_created) + " tails deleted");
    return 0;
}

}  // namespace

Result<std::string> tenants_namespace(Context& ctx, const std::string& flag) {
    std::string ns = flag;
    if (ns.empty()) {
        auto file = tenants::load_tenants_file("tenants.yaml", ctx.cwd());
        if (file.ok()) ns = file->ns;
    }
    if (ns.empty())
        return Error(ErrorKind::Usage, "no dispatch namespace was given",
                     "pass --namespace NS, or run where a tenants.yaml names it");
    return ns;
}

Status check_tag_flags(const std::vector<std::string>& tags) {
    for (auto& t : tags)
        if (t.empty() || t.find_first_of(",:") != std::string::npos)
            return Error(ErrorKind::Usage, "invalid tag " + quoted(t) + " in --tag");
    return ok_status();
}

Result<std::vector<std::string>> tenants_with_tags(ApiSession& s, const std::string& ns,
                                                   const std::vector<std::string>& tags) {
    std::string filter;
    for (auto& t : tags) filter += (filter.empty() ? "" : ",") + t + ":yes";
    TRY_ASSIGN(auto list, s.client->list_namespace_scripts(s.account_id, ns, filter));
    std::vector<std::string> ids;
    for (auto& item : list) {
        const json& sc = item.contains("script") && item["script"].is_object() ? item["script"] : item;
        std::string id = json_string(sc, "id");
        if (!id.empty()) ids.push_back(id);
    }
    if (ids.empty())
        return Error(ErrorKind::NotFound,
                     tags.empty() ? "namespace " + quoted(ns) + " has no tenants"
                                  : "no tenant in namespace " + quoted(ns) + " has tag " + quoted(join(tags, "+")),
                     "tenantctl tenants list --namespace " + ns);
    return ids;
}

void register_tail(CLI::App& app, Context& ctx) {
    auto f = std::make_shared<TailFlags>();
    auto* cmd = app.add_subcommand("tail", "Stream a worker's live records: console output, exceptions, outcome");
    cmd->add_option("worker", f->worker, "Worker name (default: the name in the wrangler config)");
    cmd->add_option("--dispatch-namespace", f->dispatch,
                    "Tail a tenant worker of this dispatch namespace (with --name; the local platform only)");
    cmd->add_option("--name", f->name, "Worker name (same as WORKER)");
    add_filter_flags(cmd, *f);
    cmd->footer(
        "Against Cloudflare, only account workers can be tailed live; for a dispatch-namespace script add a tail\n"
        "consumer (tail_consumers) to its upload. `tenantctl dev` tails both.\n"
        "Exit codes: 0 ended by Ctrl-C, 1 the tail could not start or the server ended it, 2 usage.");
    on_run(cmd, ctx, [&ctx, f] {
        std::string name = !f->name.empty() ? f->name : f->worker;
        if (!f->name.empty() && !f->worker.empty() && f->name != f->worker)
            return ctx.ui.fail(Error(ErrorKind::Usage, "give the worker either as WORKER or with --name, not both"));
        if (name.empty()) {
            if (!f->dispatch.empty())
                return ctx.ui.fail(Error(ErrorKind::Usage, "--dispatch-namespace needs --name TENANT"));
            auto cfg = config::load_config_checked(config_load_options(ctx), false);
            if (!cfg) return ctx.ui.fail(cfg.error());
            if (cfg->config.is_object() && cfg->config.contains("name") && cfg->config["name"].is_string())
                name = cfg->config["name"].get<std::string>();
            if (name.empty())
                return ctx.ui.fail(Error(ErrorKind::Usage, "no worker to tail",
                                         "tenantctl tail WORKER, or run where a wrangler config names the worker"));
        }
        auto s = open_api(ctx);
        if (!s.ok()) return ctx.ui.fail(s.error());
        std::string label = f->dispatch.empty() ? name : f->dispatch + "/" + name;
        return run_tail(ctx, *s, {{f->dispatch, name, label}}, *f, false);
    });
}

void register_tenants_tail(CLI::App* tenants, Context& ctx) {
    auto f = std::make_shared<TailFlags>();
    auto* cmd = tenants->add_subcommand(
        "tail", "Stream the live records of tenants (by id, by --tag, or the whole namespace), each line labelled");
    cmd->add_option("id", f->ids, "Tenant ids");
    cmd->add_option("--tag", f->tags, "Every tenant with this tag (repeatable: all must match)");
    cmd->add_option("--namespace", f->ns, "Dispatch namespace (default: the one tenants.yaml names)");
    add_filter_flags(cmd, *f);
    cmd->footer(
        "Without ids or --tag every tenant of the namespace is tailed. Live tails of dispatch-namespace scripts\n"
        "exist on the local platform (`tenantctl dev`); Cloudflare's API has none (use a tail consumer there).\n"
        "Exit codes: 0 ended by Ctrl-C; 1 an unknown tenant, a tag that matches no tenant, a tail that could not\n"
        "start or that the server ended; 2 usage.");
    on_run(cmd, ctx, [&ctx, f] {
        auto nsr = tenants_namespace(ctx, f->ns);
        if (!nsr.ok()) return ctx.ui.fail(nsr.error());
        const std::string ns = *nsr;
        if (!f->ids.empty() && !f->tags.empty())
            return ctx.ui.fail(Error(ErrorKind::Usage, "give tenant ids or --tag, not both"));
        for (auto& id : f->ids)
            if (auto why = tenants::check_tenant_id(id); !why.empty())
                return ctx.ui.fail(Error(ErrorKind::Usage, "invalid tenant id " + quoted(id) + ": " + why));
        if (auto st = check_tag_flags(f->tags); !st.ok()) return ctx.ui.fail(st.error());
        auto s = open_api(ctx);
        if (!s.ok()) return ctx.ui.fail(s.error());
        std::vector<observe::TailTarget> targets;
        if (!f->ids.empty()) {
            for (auto& id : f->ids) {
                auto got = s->client->get_namespace_script(s->account_id, ns, id);
                if (!got.ok()) {
                    Error e = got.error();
                    if (e.kind == ErrorKind::NotFound)
                        e = Error(ErrorKind::NotFound,
                                  "tenant " + quoted(id) + " does not exist in namespace " + quoted(ns),
                                  "tenantctl tenants list --namespace " + ns);
                    return ctx.ui.fail(e);
                }
                targets.push_back({ns, id, id});
            }
        } else {
            auto ids = tenants_with_tags(*s, ns, f->tags);
            if (!ids.ok()) return ctx.ui.fail(ids.error());
            for (auto& id : *ids) targets.push_back({ns, id, id});
        }
        return run_tail(ctx, *s, std::move(targets), *f, true);
    });
}

}  // namespace tenantctl::cli
