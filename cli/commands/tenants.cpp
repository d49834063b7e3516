// tenants create|list|get|tag|restart|delete|secret|apply: the tenants of a multi-tenant platform. A tenant is a
// user worker in a dispatch namespace (script name = tenant id) with tags, secrets, plan limits, optional
// isolated resources (<prefix>-<id>) and its container instance. The logic lives in lib/tenants; this file
// wires flags, prints and maps results to exit codes.
#include <iostream>
#include <mutex>

#include "api_context.hpp"
#include "commands/commands.hpp"
#include "config/config.hpp"
#include "core/cancel.hpp"
#include "core/fs.hpp"
#include "core/limits.hpp"
#include "core/redact.hpp"
#include "core/strings.hpp"
#include "tenants/bulk.hpp"
#include "tenants/d1_migrate.hpp"
#include "tenants/engine.hpp"
#include "tenants/rollout.hpp"

namespace tenantctl::cli {

namespace {

using nlohmann::json;
namespace tn = tenantctl::tenants;

struct TenantsOptions {
    std::string file;                  // -f/--file
    std::string ns;                    // --namespace
    std::string prefix;                // --prefix
    std::string id;                    // positional ID
    std::string script;                // --script
    std::string plan;                  // --plan
    std::vector<std::string> tags;     // --tag (repeatable)
    std::vector<std::string> isolate;  // --isolate kv,r2,d1
    std::vector<std::string> vars;     // --var K=V
    std::string compatibility_date;    // --compatibility-date
    std::string op;                    // tag: add|remove|set
    std::vector<std::string> tag_args;
    std::string app;  // --app
    std::string secret_name;
    bool purge = false;
    bool yes = false;
    bool dry_run = false;
    bool prune = false;
    bool force = false;
    int concurrency = 8;
    std::string selector;        // --selector tag=T,plan=P
    std::string canary;          // --canary N|P%
    std::string continue_after;  // --continue-after DURATION
    std::string max_error_rate = "0%";
    int max_failures = 0;                 // --max-failures N
    bool no_record = false;               // --no-record
    std::string to;                       // rollback --to APPLY_ID
    bool list_records = false;            // rollback --list
    std::string dir;                      // d1 migrate --dir
    std::string table = "d1_migrations";  // d1 migrate --migrations-table
};

// Where apply records live: $XDG_DATA_HOME/tenantctl/applies/<account>/<namespace>/<id>/.
std::string applies_dir(Context& ctx) {
    return join_path(ctx.env.data_home(), "tenantctl/applies");
}

std::string duration_text(std::chrono::milliseconds d) {
    long long s = (d.count() + 999) / 1000;
    if (s < 60) return std::to_string(s) + " s";
    std::string out = std::to_string(s / 60) + " min";
    if (s % 60) out += " " + std::to_string(s % 60) + " s";
    return out;
}

// ---- shared helpers ------------------------------------------------------------------------------

void print_diagnostics_with_source(const Error& e, const std::string& text) {
    if (e.diagnostics.empty()) return;
    SourceText src(e.diagnostics.front().file, text);
    const auto& r = Redactor::global();
    for (const auto& d : capped_diagnostics(e.diagnostics)) std::cerr << r.redact(render_diagnostic(d, &src));
}

// Fails with the error; diagnostics of a tenants file are shown with their source line and caret.
int fail_file(Context& ctx, Error e, const std::string& path) {
    if (e.diagnostics.empty() || ctx.ui.machine()) return ctx.ui.fail(e);
    auto text = read_file(path);
    if (!text.ok()) return ctx.ui.fail(e);
    print_diagnostics_with_source(e, *text);
    e.diagnostics.clear();
    return ctx.ui.fail(e);
}

// The tenants file for a command: -f, else ./tenants.yaml when it exists, else an empty description.
Result<tn::TenantsFile> base_file(Context& ctx, const TenantsOptions& o, std::string& used_path) {
    std::string path = o.file;
    if (path.empty() && file_exists(join_path(ctx.cwd(), "tenants.yaml"))) path = "tenants.yaml";
    tn::TenantsFile f;
    if (!path.empty()) {
        used_path = absolute_path(path, ctx.cwd());
        TRY_ASSIGN(f, tn::load_tenants_file(path, ctx.cwd()));
    }
    if (!o.ns.empty()) {
        if (f.prefix == f.ns) f.prefix.clear();  // the default prefix follows the namespace
        f.ns = o.ns;
    }
    if (f.ns.empty()) {
        return Error(ErrorKind::Usage, "no dispatch namespace was given",
                     "pass --namespace NS, or run where a tenants.yaml names it (or pass -f tenants.yaml)");
    }
    if (auto why = tn::check_namespace_name(f.ns); !why.empty())
        return Error(ErrorKind::Usage, "invalid namespace " + tenantctl::quoted(f.ns) + ": " + why,
                     "a dispatch namespace name such as production");
    if (!o.prefix.empty()) f.prefix = o.prefix;
    if (f.prefix.empty()) f.prefix = f.ns;
    if (auto why = tn::check_tenant_id(f.prefix); !why.empty()) {
        return Error(ErrorKind::Usage, "invalid resource prefix " + tenantctl::quoted(f.prefix) + ": " + why,
                     "pass --prefix with a-z, 0-9 and '-' (resources are named <prefix>-<id>)");
    }
    return f;
}

Result<tn::TenantsFile> file_for(Context& ctx, const TenantsOptions& o) {
    std::string used;
    auto f = base_file(ctx, o, used);
    if (!f.ok() && !used.empty() && !f.error().diagnostics.empty() && !ctx.ui.machine()) {
        auto text = read_file(used);
        if (text.ok()) {
            print_diagnostics_with_source(f.error(), *text);
            f.error().diagnostics.clear();
        }
    }
    return f;
}

Status check_id(const std::string& id) {
    if (auto why = tn::check_tenant_id(id); !why.empty()) {
        return Error(ErrorKind::Usage, "invalid tenant id " + tenantctl::quoted(id) + ": " + why,
                     "a tenant id is the script name: 1-63 of a-z, 0-9 and '-'");
    }
    return {};
}

json tenant_doc(const std::string& ns, const std::string& id) {
    return {{"namespace", ns}, {"id", id}};
}

std::string tags_text(const std::vector<std::string>& tags) {
    return tags.empty() ? "-" : join(tags, ",");
}

// ---- create ---------------------------------------------------------------------------------------

Result<tn::Source> create_source(Context& ctx, const TenantsOptions& o, const tn::TenantsFile& f) {
    std::optional<std::string> date;
    if (!o.compatibility_date.empty())
        date = o.compatibility_date;
    else
        date = f.compatibility_date;
    if (!o.script.empty()) {
        return tn::source_from_script(absolute_path(o.script, ctx.cwd()), date,
                                      f.compatibility_flags.value_or(std::vector<std::string>{}));
    }
    if (!f.script.empty() || !f.config.empty()) {
        tn::TenantsFile g = f;
        if (date) g.compatibility_date = date;
        return tn::source_for_file(g, ctx.env);
    }
    config::LoadOptions lo;
    lo.cwd = ctx.cwd();
    lo.config_path = ctx.g.config_path;
    lo.env = ctx.g.env;
    lo.environment = &ctx.env;
    lo.dispatch_namespace = f.ns;
    auto cfg = config::load_config_checked(lo, true);
    if (!cfg.ok()) {
        Error e = std::move(cfg).error();
        if (e.hint.empty()) e.hint = "pass --script PATH, or run where a wrangler config with main = … exists";
        return e;
    }
    return tn::source_from_config(cfg->config, cfg->dir, cfg->display_path, date);
}

// More tags than any tenant can carry are refused before any other work (limit k_max_cli_tags).
Status check_tag_count(size_t n) {
    if (n <= limits::k_max_cli_tags) return {};
    return Error(ErrorKind::Usage,
                 std::to_string(n) + " tags given; at most " + std::to_string(limits::k_max_cli_tags) +
                     " are accepted (limit k_max_cli_tags)",
                 "the API allows 8 tags per script");
}

Result<tn::TenantSpec> spec_from_flags(const TenantsOptions& o, const tn::TenantsFile& f) {
    TRY_STATUS(check_id(o.id));
    tn::TenantSpec t;
    t.id = o.id;
    t.plan = o.plan.empty() ? f.defaults.plan : o.plan;  // the file's defaults (not its secrets) apply too
    t.tags = f.defaults.tags;
    t.vars = f.defaults.vars;
    if (!t.plan.empty() && !f.plans.count(t.plan)) {
        std::vector<std::string> names;
        for (auto& [k, _] : f.plans) names.push_back(k);
        return Error(ErrorKind::Usage, "unknown plan " + tenantctl::quoted(t.plan),
                     "plans: " + join(names, ", ") +
                         " (free, pro and enterprise are built in; a tenants file's plans: add more or replace them)");
    }
    TRY_STATUS(check_tag_count(o.tags.size()));
    for (const auto& tag : o.tags) {
        if (auto why = tn::check_user_tag(tag, f.managed_tag); !why.empty())
            return Error(ErrorKind::Usage, "invalid tag " + tenantctl::quoted(tag) + ": " + why);
        if (std::find(t.tags.begin(), t.tags.end(), tag) == t.tags.end()) t.tags.push_back(tag);
    }
    if (t.tags.size() + tn::k_reserved_tags > tn::k_max_tags) {
        return Error(ErrorKind::Usage,
                     "too many tags: " + std::to_string(t.tags.size()) + " (defaults of the file included), at most " +
                         std::to_string(tn::k_max_tags - tn::k_reserved_tags) + " (the API allows 8 per script)",
                     "tenantctl keeps 3 tags for itself: the managed marker, plan-<plan> and the state digest");
    }
    std::set<tn::Resource> iso;
    for (const auto& list : o.isolate) {
        for (const auto& k : split(list, ',')) {
            auto r = tn::resource_from_string(std::string(trim(k)));
            if (!r)
                return Error(ErrorKind::Usage, "unknown resource kind " + tenantctl::quoted(k) + " in --isolate",
                             "use kv, r2 and d1");
            iso.insert(*r);
        }
    }
    t.isolate.assign(iso.begin(), iso.end());
    if (o.isolate.empty()) t.isolate = f.defaults.isolate;
    for (const auto& kv : o.vars) {
        auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) {
            return Error(ErrorKind::Usage, "invalid --var " + tenantctl::quoted(kv), "write --var NAME=value");
        }
        t.vars[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    return t;
}

json resources_json(const std::vector<std::string>& list) {
    json a = json::array();
    for (const auto& s : list) a.push_back(s);
    return a;
}

int run_create(Context& ctx, const TenantsOptions& o) {
    auto fr = file_for(ctx, o);
    if (!fr.ok()) return ctx.ui.fail(fr.error());
    tn::TenantsFile f = std::move(fr).value();
    auto spec = spec_from_flags(o, f);
    if (!spec.ok()) return ctx.ui.fail(spec.error());
    auto src = create_source(ctx, o, f);
    if (!src.ok()) return ctx.ui.fail(src.error());
    f.tenants = {*spec};
    auto s = open_api(ctx);
    if (!s.ok()) return ctx.ui.fail(s.error());
    std::set<tn::Resource> kinds(spec->isolate.begin(), spec->isolate.end());
    auto obs = tn::observe(*s->client, s->account_id, f.ns, kinds);
    if (!obs.ok()) return ctx.ui.fail(obs.error());
    if (obs->tenants.count(o.id)) {
        return ctx.ui.fail(Error(
            ErrorKind::Conflict,
            "tenant " + tenantctl::quoted(o.id) + " already exists in dispatch namespace " + tenantctl::quoted(f.ns),
            "change it with `tenants tag`/`tenants secret`, or describe it in tenants.yaml and run `tenants apply`"));
    }
    auto plan = tn::make_plan(f, *src, *obs, {});
    tn::ApplyOptions ao;
    ao.concurrency = 1;
    ao.cancel = &CancelToken::global();
    auto results = tn::apply_plan(*s->client, s->account_id, f, *src, *obs, plan, {}, ao);
    const auto& r = results.front();
    if (r.status != tn::ItemResult::Status::Ok) {
        ErrorKind kind =
            r.interrupted || r.status == tn::ItemResult::Status::Skipped ? ErrorKind::Interrupted : ErrorKind::Api;
        return ctx.ui.fail(Error(kind, "creating tenant " + tenantctl::quoted(o.id) + " failed: " + r.error,
                                 r.created_resources.empty() ? "" : "resources created so far are reused by a rerun"));
    }
    json doc = tenant_doc(f.ns, o.id);
    doc["ok"] = true;
    doc["plan"] = spec->plan;
    doc["tags"] = plan.front().desired.tags;
    doc["limits"] = plan.front().desired.limits;
    doc["created_resources"] = resources_json(r.created_resources);
    json res = json::object();
    for (auto k : spec->isolate) res[tn::to_string(k)] = tn::resource_name(f.prefix, o.id);
    doc["resources"] = res;
    std::string human = "Created tenant " + o.id + " in dispatch namespace " + f.ns;
    if (!spec->plan.empty()) human += " (plan " + spec->plan + ")";
    if (!r.created_resources.empty()) human += "; created " + join(r.created_resources, ", ");
    ctx.ui.emit(doc, human + "\n");
    return 0;
}

// ---- list / get -----------------------------------------------------------------------------------

int run_list(Context& ctx, const TenantsOptions& o) {
    auto fr = file_for(ctx, o);
    if (!fr.ok()) return ctx.ui.fail(fr.error());
    const auto& f = *fr;
    if (auto st = check_tag_count(o.tags.size()); !st.ok()) return ctx.ui.fail(st.error());
    std::vector<std::string> filter;
    for (const auto& t : o.tags) {
        if (t.empty() || t.find_first_of(",:&") != std::string::npos)
            return ctx.ui.fail(Error(ErrorKind::Usage, "invalid tag " + tenantctl::quoted(t) + " in --tag",
                                     "tags have no ',', ':' or '&'"));
        filter.push_back(t + ":yes");
    }
    if (!o.plan.empty()) filter.push_back(tn::plan_tag(o.plan) + ":yes");
    auto s = open_api(ctx);
    if (!s.ok()) return ctx.ui.fail(s.error());
    auto r = s->client->list_namespace_scripts(s->account_id, f.ns, join(filter, ","));
    if (!r.ok()) return ctx.ui.fail(r.error());
    json doc = json::array();
    output::Table t{{"id", "plan", "tags", "managed", "modified"}, {}};
    for (const auto& item : *r) {
        const json& sc = item.contains("script") && item["script"].is_object() ? item["script"] : item;
        std::vector<std::string> tags;
        for (const auto& x : sc.value("tags", json::array()))
            if (x.is_string()) tags.push_back(x.get<std::string>());
        std::string id = sc.value("id", std::string());
        bool managed = std::find(tags.begin(), tags.end(), f.managed_tag) != tags.end();
        auto user = tn::user_tags_of(tags, f.managed_tag);
        std::string modified = item.value("modified_on", sc.value("modified_on", std::string()));
        doc.push_back({{"id", id},
                       {"plan", tn::plan_of_tags(tags)},
                       {"tags", user},
                       {"managed", managed},
                       {"modified_on", modified}});
        t.rows.push_back({id, tn::plan_of_tags(tags), tags_text(user), managed ? "yes" : "no", modified});
    }
    ctx.ui.emit(doc, r->empty() ? "No tenants in dispatch namespace " + f.ns +
                                      (filter.empty() ? "" : " match the filter") + "\n"
                                : output::render_table(t));
    return 0;
}

// The container application's name: --app (name or id), else the first container of the wrangler config
// (empty when neither exists).
std::string wanted_app(Context& ctx, const std::string& app_flag) {
    if (!app_flag.empty()) return app_flag;
    config::LoadOptions lo;
    lo.cwd = ctx.cwd();
    lo.config_path = ctx.g.config_path;
    lo.env = ctx.g.env;
    lo.environment = &ctx.env;
    auto cfg = config::load_config(lo);
    if (!cfg.ok() || !cfg.found() || cfg.containers().empty()) return {};
    const json& c = cfg.containers().front();
    std::string want = c.value("name", std::string());
    if (want.empty()) want = cfg.name() + "-" + to_lower(c.value("class_name", std::string()));
    return want;
}

Status need_app(const std::string& want) {
    if (!want.empty()) return {};
    return Error(ErrorKind::Usage, "no container application was given",
                 "pass --app NAME (or run where the wrangler config declares a container)");
}

Result<json> find_app(ApiSession& s, const std::string& want) {
    auto app = s.client->find_application(s.account_id, want);
    if (!app.ok() && app.error().kind == ErrorKind::NotFound)
        return Error(ErrorKind::NotFound, "container application " + tenantctl::quoted(want) + " not found",
                     "list them with the API or create it first; --app takes a name or an id");
    return app;
}

// The instance of `app` that belongs to the tenant (nullopt when none runs): its `tenant_id` is the id, or its
// name is the id or `<application name>-<id>` (the local platform's container runtime names them so).
Result<std::optional<json>> find_instance(ApiSession& s, const json& app, const std::string& id) {
    api::ListOptions lo;
    lo.style = api::PageStyle::PageToken;
    std::string app_id = app.value("id", std::string());
    std::string qualified = app.value("name", std::string()) + "-" + id;
    auto list =
        s.client->list_all(api::applications_path(s.account_id) + "/" + url_encode(app_id) + "/instances-v2", {}, lo);
    if (!list.ok()) return std::move(list).error();
    for (const auto& i : *list) {
        if (!i.is_object()) continue;
        std::string name = i.value("name", std::string());
        if (i.value("tenant_id", std::string()) == id || name == id || name == qualified) return std::optional<json>(i);
    }
    return std::optional<json>();
}

int run_get(Context& ctx, const TenantsOptions& o) {
    if (auto st = check_id(o.id); !st.ok()) return ctx.ui.fail(st.error());
    auto fr = file_for(ctx, o);
    if (!fr.ok()) return ctx.ui.fail(fr.error());
    const auto& f = *fr;
    const std::string want_app = wanted_app(ctx, o.app);
    auto s = open_api(ctx);
    if (!s.ok()) return ctx.ui.fail(s.error());
    auto& c = *s->client;
    auto script = c.get_namespace_script(s->account_id, f.ns, o.id);
    if (!script.ok()) return ctx.ui.fail(script.error());
    auto settings = c.get_script_settings(s->account_id, f.ns, o.id);
    if (!settings.ok()) return ctx.ui.fail(settings.error());
    auto secrets = c.list_secrets({s->account_id, f.ns, o.id});
    if (!secrets.ok()) return ctx.ui.fail(secrets.error());
    const json& sc = script->contains("script") ? (*script)["script"] : *script;
    std::vector<std::string> tags;
    for (const auto& x : sc.value("tags", json::array()))
        if (x.is_string()) tags.push_back(x.get<std::string>());
    if (tags.empty())
        for (const auto& x : settings->value("tags", json::array()))
            if (x.is_string()) tags.push_back(x.get<std::string>());
    json bindings = json::array(), resources = json::object();
    for (const auto& b : settings->value("bindings", json::array())) {
        json v = b;
        v.erase("text");  // never print values of text bindings other than vars
        if (b.value("type", std::string()) == "plain_text") v["text"] = b.value("text", std::string());
        bindings.push_back(v);
        std::string type = b.value("type", std::string()), name = b.value("name", std::string());
        if (type == "kv_namespace" && name == f.bindings.kv)
            resources["kv"] = {{"binding", name}, {"namespace_id", b.value("namespace_id", std::string())}};
        if (type == "r2_bucket" && name == f.bindings.r2)
            resources["r2"] = {{"binding", name}, {"bucket_name", b.value("bucket_name", std::string())}};
        if (type == "d1" && name == f.bindings.d1)
            resources["d1"] = {{"binding", name}, {"id", b.value("id", std::string())}};
    }
    json secret_names = json::array();
    for (const auto& x : *secrets) secret_names.push_back(x.name);
    json doc = tenant_doc(f.ns, o.id);
    std::string digest = tn::digest_of_tags(tags);
    doc["plan"] = tn::plan_of_tags(tags);
    doc["tags"] = tn::user_tags_of(tags, f.managed_tag);
    doc["managed"] = std::find(tags.begin(), tags.end(), f.managed_tag) != tags.end();
    doc["digest"] = digest;
    doc["limits"] = settings->value("limits", json::object());
    doc["bindings"] = bindings;
    doc["resources"] = resources;
    doc["secrets"] = secret_names;
    doc["script"] = {{"etag", sc.value("etag", std::string())},
                     {"modified_on", sc.value("modified_on", std::string())},
                     {"compatibility_date", sc.value("compatibility_date", std::string())}};
    std::string container = "-";
    if (!want_app.empty()) {
        auto app = find_app(*s, want_app);
        if (!app.ok()) return ctx.ui.fail(app.error());
        auto inst = find_instance(*s, *app, o.id);
        if (!inst.ok()) return ctx.ui.fail(inst.error());
        json cj = {{"application", app->value("name", std::string())}};
        if (*inst) {
            cj["instance_id"] = (**inst).value("id", std::string());
            cj["state"] =
                (**inst).contains("status") ? (**inst)["status"].value("state", std::string()) : std::string();
        } else {
            cj["state"] = "not running";
        }
        container = cj["state"].get<std::string>() + " (" + cj["application"].get<std::string>() + ")";
        doc["container"] = cj;
    }
    std::vector<std::pair<std::string, std::string>> kv{
        {"id", o.id},
        {"namespace", f.ns},
        {"plan", doc["plan"].get<std::string>().empty() ? "-" : doc["plan"].get<std::string>()},
        {"tags", tags_text(doc["tags"].get<std::vector<std::string>>())},
        {"managed", doc["managed"].get<bool>() ? "yes" : "no"},
        {"limits", doc["limits"].dump()},
        {"secrets", secret_names.empty() ? "-" : join(secret_names.get<std::vector<std::string>>(), ",")},
        {"modified", sc.value("modified_on", std::string())},
        {"container", container},
    };
    std::string human = output::render_kv(kv);
    output::Table bt{{"binding", "type", "target"}, {}};
    for (const auto& b : bindings) {
        std::string type = b.value("type", std::string());
        std::string target = b.contains("namespace_id")  ? b.value("namespace_id", std::string())
                             : b.contains("bucket_name") ? b.value("bucket_name", std::string())
                             : b.contains("id")          ? b.value("id", std::string())
                             : b.contains("text")        ? b.value("text", std::string())
                                                         : std::string();
        bt.rows.push_back({b.value("name", std::string()), type, target});
    }
    if (!bt.rows.empty()) human += "\n" + output::render_table(bt);
    ctx.ui.emit(doc, human);
    return 0;
}

// ---- tag ------------------------------------------------------------------------------------------

int run_tag(Context& ctx, const TenantsOptions& o) {
    if (auto st = check_id(o.id); !st.ok()) return ctx.ui.fail(st.error());
    auto fr = file_for(ctx, o);
    if (!fr.ok()) return ctx.ui.fail(fr.error());
    const auto& f = *fr;
    if (o.op != "set" && o.tag_args.empty())
        return ctx.ui.fail(
            Error(ErrorKind::Usage, "no tags were given to " + o.op, "tenants tag ID " + o.op + " TAG…"));
    if (auto st = check_tag_count(o.tag_args.size()); !st.ok()) return ctx.ui.fail(st.error());
    for (const auto& t : o.tag_args) {
        if (auto why = tn::check_user_tag(t, f.managed_tag); !why.empty())
            return ctx.ui.fail(Error(ErrorKind::Usage, "invalid tag " + tenantctl::quoted(t) + ": " + why));
    }
    size_t user_max = tn::k_max_tags - tn::k_reserved_tags;
    if (o.op != "remove" && o.tag_args.size() > user_max) {
        return ctx.ui.fail(Error(ErrorKind::Usage, std::to_string(o.tag_args.size()) +
                                                       " tags given; a tenant has at most " + std::to_string(user_max) +
                                                       " of its own (the API allows 8 per script, tenantctl keeps 3)"));
    }
    auto s = open_api(ctx);
    if (!s.ok()) return ctx.ui.fail(s.error());
    auto cur = s->client->get_script_tags(s->account_id, f.ns, o.id);
    if (!cur.ok()) return ctx.ui.fail(cur.error());
    std::vector<std::string> user = tn::user_tags_of(*cur, f.managed_tag), reserved;
    for (const auto& t : *cur)
        if (tn::is_reserved_tag(t, f.managed_tag)) reserved.push_back(t);
    if (o.op == "set") user.clear();
    for (const auto& t : o.tag_args) {
        auto it = std::find(user.begin(), user.end(), t);
        if (o.op == "remove") {
            if (it != user.end()) user.erase(it);
        } else if (it == user.end()) {
            user.push_back(t);
        }
    }
    std::vector<std::string> all = user;
    all.insert(all.end(), reserved.begin(), reserved.end());
    if (all.size() > tn::k_max_tags) {
        return ctx.ui.fail(Error(ErrorKind::Usage,
                                 "tenant " + tenantctl::quoted(o.id) + " would have " + std::to_string(all.size()) +
                                     " tags; the API allows " + std::to_string(tn::k_max_tags),
                                 "it has " + std::to_string(reserved.size()) + " reserved tag(s) (" +
                                     join(reserved, ", ") + "); remove some of its own tags first. Nothing was sent"));
    }
    json doc = tenant_doc(f.ns, o.id);
    if (all == *cur) {
        doc["ok"] = true;
        doc["changed"] = false;
        doc["tags"] = user;
        ctx.ui.emit(doc, "Tags of tenant " + o.id + " unchanged: " + tags_text(user) + "\n");
        return 0;
    }
    auto r = s->client->put_script_tags(s->account_id, f.ns, o.id, all);
    if (!r.ok()) return ctx.ui.fail(r.error());
    doc["ok"] = true;
    doc["changed"] = true;
    doc["tags"] = user;
    ctx.ui.emit(doc, "Tags of tenant " + o.id + ": " + tags_text(user) + "\n");
    return 0;
}

// ---- bulk by tag -----------------------------------------------------------------------------------

// The tenants carrying every --tag (one filtered list request); an empty match is an error (exit 1).
Result<std::vector<std::string>> tagged_ids(Context& ctx, ApiSession& s, const tn::TenantsFile& f,
                                            const std::vector<std::string>& tags) {
    TRY_STATUS(check_tag_count(tags.size()));
    TRY_ASSIGN(auto list, tn::tenants_tagged(*s.client, s.account_id, f.ns, tags));
    (void)ctx;
    if (list.empty())
        return Error(ErrorKind::NotFound,
                     "no tenant of dispatch namespace " + f.ns + " is tagged " + join(tags, " and "),
                     "list them with `tenants list --namespace " + f.ns + " --tag TAG`");
    std::vector<std::string> ids;
    for (const auto& t : list) ids.push_back(t.id);
    return ids;
}

// Runs `fn` on every id with the progress on stderr; emits the per-tenant results; exit 3 when some failed.
int run_bulk(Context& ctx, const TenantsOptions& o, api::Pacer* pacer, json doc, const std::vector<std::string>& ids,
             const std::string& verb, const std::function<Status(const std::string&, std::string&)>& fn) {
    tn::BulkOptions bo;
    bo.concurrency = o.concurrency;
    bo.cancel = &CancelToken::global();
    bo.on_done = [&](const tn::BulkItem& it, size_t done, size_t total) {
        if (it.ok)
            ctx.ui.info(it.id + ": " + (it.detail.empty() ? verb : it.detail) + " (" + std::to_string(done) + "/" +
                        std::to_string(total) + ")");
        else
            ctx.ui.info("failed: " + it.id + ": " + it.error);
    };
    // The API's rate limit: each wait is shown with the estimate for the rest.
    std::mutex wait_mutex;
    size_t finished = 0;
    if (pacer) {
        pacer->set_observer([&](const api::PaceEvent& e) {
            std::lock_guard lock(wait_mutex);
            size_t left = ids.size() - std::min(ids.size(), finished);
            auto rest = pacer->estimate(static_cast<long long>(left));
            if (e.wait >= std::chrono::seconds(2))
                ctx.ui.info("waiting " + duration_text(e.wait) + " for the API's rate limit; about " +
                            duration_text(std::max(rest, e.wait)) + " for the remaining " + std::to_string(left));
        });
    }
    auto done_cb = bo.on_done;
    bo.on_done = [&](const tn::BulkItem& it, size_t done, size_t total) {
        {
            std::lock_guard lock(wait_mutex);
            finished = done;
        }
        done_cb(it, done, total);
    };
    auto items = tn::for_each_tenant(ids, fn, bo);
    if (pacer) pacer->set_observer({});
    json res = json::array();
    size_t ok = 0, failed = 0, skipped = 0;
    for (const auto& it : items) {
        json j = {{"id", it.id}, {"status", !it.started ? "skipped" : it.ok ? "ok" : "failed"}};
        if (!it.detail.empty()) j["detail"] = it.detail;
        if (!it.error.empty()) j["error"] = it.error;
        res.push_back(j);
        if (!it.started)
            ++skipped;
        else if (it.ok)
            ++ok;
        else
            ++failed;
    }
    bool interrupted = CancelToken::global().cancelled();
    doc["results"] = res;
    doc["ok"] = failed == 0 && skipped == 0 && !interrupted;
    doc["done"] = ok;
    doc["failed"] = failed;
    doc["skipped"] = skipped;
    ctx.ui.emit(doc, std::to_string(ok) + " of " + std::to_string(items.size()) + " tenant(s) " + verb +
                         (failed ? ", " + std::to_string(failed) + " failed" : "") +
                         (skipped ? ", " + std::to_string(skipped) + " not started" : "") + "\n");
    if (interrupted) return exit_code_for(ErrorKind::Interrupted);
    if (failed || skipped) {
        std::cerr << "error: " << failed << " of " << items.size() << " tenant(s) failed\n"
                  << "  hint: the lines above say why; run the same command again to retry\n";
        return exit_code_for(ErrorKind::Partial);
    }
    return 0;
}

// ---- d1 migrate -----------------------------------------------------------------------------------

int run_d1_migrate(Context& ctx, const TenantsOptions& o) {
    auto fr = file_for(ctx, o);
    if (!fr.ok()) return ctx.ui.fail(fr.error());
    if (auto st = check_tag_count(o.tags.size()); !st.ok()) return ctx.ui.fail(st.error());
    auto s = open_api(ctx);
    if (!s.ok()) return ctx.ui.fail(s.error());
    tn::D1MigrateOptions mo;
    mo.ns = fr->ns;
    mo.prefix = fr->prefix;
    mo.tags = o.tags;
    mo.dir = absolute_path(o.dir, ctx.cwd());
    mo.display_dir = o.dir;
    mo.table = o.table;
    mo.concurrency = o.concurrency;
    mo.max_failures = o.max_failures;
    mo.cancel = &CancelToken::global();
    mo.on_done = [&](const tn::D1MigrateItem& it, size_t done, size_t total) {
        std::string n = " (" + std::to_string(done) + "/" + std::to_string(total) + ")";
        if (it.status == tn::ItemResult::Status::Ok)
            ctx.ui.info(it.id + ": " + (it.applied.empty() ? "up to date" : "applied " + join(it.applied, ", ")) + n);
        else
            ctx.ui.info("failed: " + it.id + ": " + it.error + n);
    };
    auto r = tn::migrate_tenant_databases(*s->client, s->account_id, mo);
    if (!r.ok()) return ctx.ui.fail(r.error());
    json res = json::array();
    size_t ok = 0, failed = 0, skipped = 0;
    std::vector<std::string> failed_lines;
    for (const auto& it : r->items) {
        json j = {{"id", it.id},
                  {"database", it.database},
                  {"status", tn::to_string(it.status)},
                  {"applied", it.applied},
                  {"already_applied", it.already}};
        if (!it.failed_at.empty()) j["failed_at"] = it.failed_at;
        if (!it.error.empty()) j["error"] = it.error;
        res.push_back(j);
        if (it.status == tn::ItemResult::Status::Ok) ++ok;
        if (it.status == tn::ItemResult::Status::Skipped) ++skipped;
        if (it.status == tn::ItemResult::Status::Failed) {
            ++failed;
            failed_lines.push_back("  " + it.id + ": " + it.error);
        }
    }
    bool interrupted = CancelToken::global().cancelled();
    json doc{{"namespace", fr->ns}, {"migrations", r->migrations},
             {"results", res},      {"ok", failed == 0 && skipped == 0 && !interrupted},
             {"done", ok},          {"failed", failed},
             {"skipped", skipped}};
    std::string summary = std::to_string(ok) + " of " + std::to_string(r->items.size()) +
                          " tenant database(s) migrated" + (failed ? ", " + std::to_string(failed) + " failed" : "") +
                          (skipped ? ", " + std::to_string(skipped) + " not started" : "");
    if (r->file_error && !interrupted) {  // the command's error (one JSON document with --json)
        ctx.ui.info(summary);
        Error e = *r->file_error;
        e.hint = "the file does not parse, so no database applied it (nor later files); fix it and run again";
        return ctx.ui.fail(e);
    }
    ctx.ui.emit(doc, summary + "\n");
    if (interrupted) return exit_code_for(ErrorKind::Interrupted);
    if (failed || skipped) {
        std::cerr << "error: " << failed << " of " << r->items.size() << " tenant database(s) failed"
                  << (skipped ? ", " + std::to_string(skipped) + " not started" : "") << "\n";
        for (const auto& l : failed_lines) std::cerr << l << "\n";
        std::cerr << "  hint: fix what failed and run the same command again: applied migrations are not applied "
                     "twice\n";
        return exit_code_for(ErrorKind::Partial);
    }
    return 0;
}

// ---- restart --------------------------------------------------------------------------------------

int run_restart_tagged(Context& ctx, const TenantsOptions& o) {
    auto fr = file_for(ctx, o);
    if (!fr.ok()) return ctx.ui.fail(fr.error());
    const std::string want = wanted_app(ctx, o.app);
    if (auto st = need_app(want); !st.ok()) return ctx.ui.fail(st.error());
    auto s = open_api(ctx);
    if (!s.ok()) return ctx.ui.fail(s.error());
    auto ids = tagged_ids(ctx, *s, *fr, o.tags);
    if (!ids.ok()) return ctx.ui.fail(ids.error());
    auto app = find_app(*s, want);
    if (!app.ok()) return ctx.ui.fail(app.error());
    api::ListOptions lo;
    lo.style = api::PageStyle::PageToken;
    const std::string app_id = app->value("id", std::string()), app_name = app->value("name", std::string());
    auto base = api::applications_path(s->account_id) + "/" + url_encode(app_id);
    auto instances = s->client->list_all(base + "/instances-v2", {}, lo);
    if (!instances.ok()) return ctx.ui.fail(instances.error());
    auto instance_of = [&](const std::string& id) -> std::string {
        for (const auto& i : *instances) {
            if (!i.is_object()) continue;
            std::string name = i.value("name", std::string());
            if (i.value("tenant_id", std::string()) == id || name == id || name == app_name + "-" + id)
                return i.value("id", std::string());
        }
        return {};
    };
    json doc = {{"namespace", fr->ns}, {"tags", o.tags}, {"application", app_name}};
    return run_bulk(ctx, o, s->client->pacer(), doc, *ids, "restarted",
                    [&](const std::string& id, std::string& detail) -> Status {
                        std::string iid = instance_of(id);
                        if (iid.empty()) {
                            detail = "no instance: nothing to restart";
                            return {};
                        }
                        auto r = s->client->call(api::Method::Delete, base + "/instances/" + url_encode(iid));
                        if (!r.ok() && r.error().kind != ErrorKind::NotFound) return std::move(r).error();
                        detail = "stopped instance " + iid;
                        return {};
                    });
}

int run_restart(Context& ctx, const TenantsOptions& o) {
    if (!o.tags.empty()) {
        if (!o.id.empty()) return ctx.ui.fail(Error(ErrorKind::Usage, "give either a tenant id or --tag, not both"));
        return run_restart_tagged(ctx, o);
    }
    if (o.id.empty())
        return ctx.ui.fail(Error(ErrorKind::Usage, "no tenant id and no --tag were given",
                                 "tenants restart ID, or tenants restart --tag TAG --namespace NS"));
    if (auto st = check_id(o.id); !st.ok()) return ctx.ui.fail(st.error());
    const std::string want = wanted_app(ctx, o.app);
    if (auto st = need_app(want); !st.ok()) return ctx.ui.fail(st.error());
    auto s = open_api(ctx);
    if (!s.ok()) return ctx.ui.fail(s.error());
    auto app = find_app(*s, want);
    if (!app.ok()) return ctx.ui.fail(app.error());
    auto inst = find_instance(*s, *app, o.id);
    if (!inst.ok()) return ctx.ui.fail(inst.error());
    json doc = {{"id", o.id},
                {"application", app->value("name", std::string())},
                {"application_id", app->value("id", std::string())}};
    if (!*inst) {
        doc["ok"] = true;
        doc["restarted"] = false;
        ctx.ui.emit(doc, "Tenant " + o.id + " has no instance in application " + app->value("name", std::string()) +
                             ": nothing to restart (one starts on its next request)\n");
        return 0;
    }
    std::string iid = (**inst).value("id", std::string());
    auto r = s->client->call(api::Method::Delete, api::applications_path(s->account_id) + "/" +
                                                      url_encode(app->value("id", std::string())) + "/instances/" +
                                                      url_encode(iid));
    if (!r.ok()) return ctx.ui.fail(r.error());
    doc["ok"] = true;
    doc["restarted"] = true;
    doc["instance_id"] = iid;
    ctx.ui.emit(doc, "Restarted tenant " + o.id + ": stopped instance " + iid + " of application " +
                         app->value("name", std::string()) + " (a fresh one starts on the next request)\n");
    return 0;
}

// ---- delete ---------------------------------------------------------------------------------------

// delete --tag T --purge: the tenants and their resources are listed first (the plan), then confirmed.
int run_delete_tagged_purge(Context& ctx, const TenantsOptions& o) {
    auto fr = file_for(ctx, o);
    if (!fr.ok()) return ctx.ui.fail(fr.error());
    const auto& f = *fr;
    auto s = open_api(ctx);
    if (!s.ok()) return ctx.ui.fail(s.error());
    auto ids = tagged_ids(ctx, *s, f, o.tags);
    if (!ids.ok()) return ctx.ui.fail(ids.error());
    auto obs = tn::observe(*s->client, s->account_id, f.ns, {tn::Resource::Kv, tn::Resource::R2, tn::Resource::D1});
    if (!obs.ok()) return ctx.ui.fail(obs.error());
    std::string plan;
    json plan_json = json::array();
    size_t n_resources = 0;
    for (const auto& id : *ids) {
        std::string name = tn::resource_name(f.prefix, id);
        std::vector<std::string> res;
        if (obs->kv_by_title.count(name)) res.push_back("kv:" + name);
        if (obs->r2_buckets.count(name)) res.push_back("r2:" + name);
        if (obs->d1_by_name.count(name)) res.push_back("d1:" + name);
        n_resources += res.size();
        plan += "  - delete " + id + (res.empty() ? "" : " and " + join(res, ", ")) + "\n";
        plan_json.push_back({{"id", id}, {"resources", resources_json(res)}});
    }
    if (!ctx.ui.machine())
        ctx.ui.out("Plan for dispatch namespace " + f.ns + ": delete " + std::to_string(ids->size()) +
                   " tenant(s) tagged " + join(o.tags, " and ") + " and " + std::to_string(n_resources) +
                   " isolated resource(s)\n" + plan);
    std::string what = "delete " + std::to_string(ids->size()) + " tenant(s) tagged " + join(o.tags, " and ") +
                       " from dispatch namespace " + f.ns + " and " + std::to_string(n_resources) + " resource(s)";
    if (auto c = ctx.ui.confirm(what, o.yes); !c.ok()) return ctx.ui.fail(c.error());
    json doc = {{"namespace", f.ns}, {"tags", o.tags}, {"plan", plan_json}};
    return run_bulk(ctx, o, s->client->pacer(), doc, *ids, "deleted",
                    [&](const std::string& id, std::string& detail) -> Status {
                        auto st = s->client->delete_namespace_script(s->account_id, f.ns, id, true);
                        if (!st.ok() && st.error().kind != ErrorKind::NotFound) return st;
                        TRY_ASSIGN(auto gone, tn::purge_resources(*s->client, s->account_id, f.prefix, id, *obs));
                        detail = gone.empty() ? "deleted" : "deleted, purged " + join(gone, ", ");
                        return {};
                    });
}

int run_delete(Context& ctx, const TenantsOptions& o) {
    bool by_tag = !o.tags.empty();
    if (by_tag == !o.id.empty()) {
        return ctx.ui.fail(
            Error(ErrorKind::Usage,
                  by_tag ? "give either a tenant id or --tag, not both" : "no tenant id and no --tag were given",
                  "tenants delete ID [--purge], or tenants delete --tag TAG (every tenant with the tag)"));
    }
    if (by_tag && o.purge) return run_delete_tagged_purge(ctx, o);
    if (!by_tag)
        if (auto st = check_id(o.id); !st.ok()) return ctx.ui.fail(st.error());
    auto fr = file_for(ctx, o);
    if (!fr.ok()) return ctx.ui.fail(fr.error());
    const auto& f = *fr;
    if (auto st = check_tag_count(o.tags.size()); !st.ok()) return ctx.ui.fail(st.error());
    std::vector<std::string> filter;
    for (const auto& t : o.tags) {
        if (t.empty() || t.find_first_of(",:&") != std::string::npos)
            return ctx.ui.fail(Error(ErrorKind::Usage, "invalid tag " + tenantctl::quoted(t) + " in --tag"));
        filter.push_back(t + ":yes");
    }
    std::string what = by_tag ? "delete every tenant tagged " + join(o.tags, " and ") + " in dispatch namespace " + f.ns
                              : "delete tenant " + o.id + " from dispatch namespace " + f.ns +
                                    (o.purge ? " and its resources (" + tn::resource_name(f.prefix, o.id) + ")" : "");
    if (auto c = ctx.ui.confirm(what, o.yes); !c.ok()) return ctx.ui.fail(c.error());
    auto s = open_api(ctx);
    if (!s.ok()) return ctx.ui.fail(s.error());
    json doc = {{"namespace", f.ns}};
    if (by_tag) {
        json deleted = json::array();
        for (int round = 0; round < 10000; ++round) {
            auto r = s->client->delete_namespace_scripts_by_tags(s->account_id, f.ns, join(filter, ","), 1000);
            if (!r.ok()) {
                if (deleted.empty()) return ctx.ui.fail(r.error());
                Error e(ErrorKind::Partial,
                        "deleted " + std::to_string(deleted.size()) + " tenant(s), then: " + r.error().message,
                        "run the same command again to delete the rest");
                return ctx.ui.fail(e);
            }
            for (const auto& id : r->deleted) deleted.push_back(id);
            if (!r->has_more || r->deleted_count == 0) break;
        }
        doc["ok"] = true;
        doc["tags"] = o.tags;
        doc["deleted"] = deleted;
        doc["deleted_count"] = deleted.size();
        ctx.ui.emit(doc, "Deleted " + std::to_string(deleted.size()) + " tenant(s) tagged " + join(o.tags, ",") + "\n");
        return 0;
    }
    auto r = s->client->delete_namespace_script(s->account_id, f.ns, o.id, true);
    if (!r.ok()) return ctx.ui.fail(r.error());
    doc["ok"] = true;
    doc["id"] = o.id;
    doc["deleted"] = true;
    std::string human = "Deleted tenant " + o.id + " from dispatch namespace " + f.ns;
    if (o.purge) {
        auto obs = tn::observe(*s->client, s->account_id, f.ns, {tn::Resource::Kv, tn::Resource::R2, tn::Resource::D1});
        if (!obs.ok()) return ctx.ui.fail(obs.error());
        auto gone = tn::purge_resources(*s->client, s->account_id, f.prefix, o.id, *obs);
        if (!gone.ok()) {
            Error e = std::move(gone).error();
            e.message = "tenant " + o.id + " was deleted, but purging its resources failed: " + e.message;
            e.kind = ErrorKind::Partial;
            e.hint = "run the same command again to purge the rest";
            return ctx.ui.fail(e);
        }
        doc["purged"] = resources_json(*gone);
        human += gone->empty() ? "; it had no resources named " + tn::resource_name(f.prefix, o.id)
                               : "; purged " + join(*gone, ", ");
    }
    ctx.ui.emit(doc, human + "\n");
    return 0;
}

// ---- secret ---------------------------------------------------------------------------------------

Status check_secret_name(const std::string& n) {
    if (trim(n).empty() || n.find_first_of("\r\n/ ") != std::string::npos)
        return Error(ErrorKind::Usage, "invalid secret name " + tenantctl::quoted(n), "use a name such as API_KEY");
    return {};
}

// secret put NAME --tag T: the value (stdin or a masked prompt) to every tenant with the tags.
int run_secret_tagged(Context& ctx, const TenantsOptions& o) {
    // With --tag the one positional given is the secret's name.
    std::string name = o.secret_name.empty() ? o.id : o.secret_name;
    if (!o.secret_name.empty() && !o.id.empty())
        return ctx.ui.fail(Error(ErrorKind::Usage, "give either a tenant id or --tag, not both",
                                 "tenants secret put NAME --tag TAG (value on stdin)"));
    if (auto st = check_secret_name(name); !st.ok()) return ctx.ui.fail(st.error());
    auto fr = file_for(ctx, o);
    if (!fr.ok()) return ctx.ui.fail(fr.error());
    const auto& f = *fr;
    auto v = ctx.ui.read_secret("Enter the value of " + name + ": ");
    if (!v.ok()) return ctx.ui.fail(v.error());
    std::string value = *v;
    Redactor::global().add(value);
    auto s = open_api(ctx);
    if (!s.ok()) return ctx.ui.fail(s.error());
    auto ids = tagged_ids(ctx, *s, f, o.tags);
    if (!ids.ok()) return ctx.ui.fail(ids.error());
    json doc = {{"namespace", f.ns}, {"tags", o.tags}, {"name", name}};
    return run_bulk(ctx, o, s->client->pacer(), doc, *ids, "set",
                    [&](const std::string& id, std::string& detail) -> Status {
                        TRY_STATUS(s->client->put_secret({s->account_id, f.ns, id}, name, value));
                        detail = "set " + name;
                        return {};
                    });
}

int run_secret(Context& ctx, const TenantsOptions& o, const std::string& op) {
    if (op == "put" && !o.tags.empty()) return run_secret_tagged(ctx, o);
    if (auto st = check_id(o.id); !st.ok()) return ctx.ui.fail(st.error());
    if (op != "list")
        if (auto st = check_secret_name(o.secret_name); !st.ok()) return ctx.ui.fail(st.error());
    auto fr = file_for(ctx, o);
    if (!fr.ok()) return ctx.ui.fail(fr.error());
    const auto& f = *fr;
    std::string value;
    if (op == "put") {
        auto v = ctx.ui.read_secret("Enter the value of " + o.secret_name + ": ");
        if (!v.ok()) return ctx.ui.fail(v.error());
        value = *v;
    }
    if (op == "delete") {
        if (auto c = ctx.ui.confirm("delete secret " + o.secret_name + " of tenant " + o.id, o.yes); !c.ok())
            return ctx.ui.fail(c.error());
    }
    auto s = open_api(ctx);
    if (!s.ok()) return ctx.ui.fail(s.error());
    api::ScriptRef ref{s->account_id, f.ns, o.id};
    json doc = tenant_doc(f.ns, o.id);
    if (op == "put") {
        auto r = s->client->put_secret(ref, o.secret_name, value);
        if (!r.ok()) return ctx.ui.fail(r.error());
        doc["ok"] = true;
        doc["name"] = o.secret_name;
        ctx.ui.emit(doc, "Set secret " + o.secret_name + " of tenant " + o.id + "\n");
    } else if (op == "list") {
        auto r = s->client->list_secrets(ref);
        if (!r.ok()) return ctx.ui.fail(r.error());
        json names = json::array();
        output::Table t{{"name", "type"}, {}};
        for (const auto& x : *r) {
            names.push_back({{"name", x.name}, {"type", x.type}});
            t.rows.push_back({x.name, x.type});
        }
        doc["secrets"] = names;
        ctx.ui.emit(doc, r->empty() ? "No secrets on tenant " + o.id + "\n" : output::render_table(t));
    } else {
        auto r = s->client->delete_secret(ref, o.secret_name);
        if (!r.ok()) return ctx.ui.fail(r.error());
        doc["ok"] = true;
        doc["deleted"] = o.secret_name;
        ctx.ui.emit(doc, "Deleted secret " + o.secret_name + " of tenant " + o.id + "\n");
    }
    return 0;
}

// ---- apply ----------------------------------------------------------------------------------------

std::string plan_line(const tn::PlanItem& p) {
    const char* mark = p.action == tn::Action::Create   ? "+"
                       : p.action == tn::Action::Update ? "~"
                       : p.action == tn::Action::Delete ? "-"
                                                        : "=";
    std::string line = std::string("  ") + mark + " " + tn::to_string(p.action) + " " + p.id;
    if (!p.changes.empty()) line += " (" + join(p.changes, ", ") + ")";
    return line;
}

int run_apply(Context& ctx, const TenantsOptions& o) {
    if (o.file.empty())
        return ctx.ui.fail(Error(ErrorKind::Usage, "no tenants file was given", "pass -f tenants.yaml"));
    if (o.concurrency < 1 || o.concurrency > 256)
        return ctx.ui.fail(
            Error(ErrorKind::Usage, "--concurrency must be between 1 and 256, got " + std::to_string(o.concurrency)));
    std::string path = absolute_path(o.file, ctx.cwd());
    auto fr = tn::load_tenants_file(o.file, ctx.cwd());
    if (!fr.ok()) return fail_file(ctx, std::move(fr).error(), path);
    tn::TenantsFile f = std::move(fr).value();
    if (!o.ns.empty()) {
        if (f.prefix == f.ns) f.prefix = o.ns;  // the default prefix follows the namespace
        f.ns = o.ns;
    }
    auto secrets = tn::resolve_secrets(f, ctx.env);
    if (!secrets.ok()) return fail_file(ctx, std::move(secrets).error(), path);
    auto digest_key = tn::resolve_digest_key(f, ctx.env);
    if (!digest_key.ok()) return fail_file(ctx, std::move(digest_key).error(), path);
    auto src = tn::source_for_file(f, ctx.env);
    if (!src.ok()) return ctx.ui.fail(src.error());

    auto s = open_api(ctx);
    if (!s.ok()) return ctx.ui.fail(s.error());
    std::set<tn::Resource> kinds;
    for (const auto& t : f.tenants) kinds.insert(t.isolate.begin(), t.isolate.end());
    if (o.purge && o.prune) kinds = {tn::Resource::Kv, tn::Resource::R2, tn::Resource::D1};
    auto obs = tn::observe(*s->client, s->account_id, f.ns, kinds);
    if (!obs.ok()) return ctx.ui.fail(obs.error());
    tn::PlanOptions po;
    po.prune = o.prune;
    po.force = o.force;
    po.secret_values = &*secrets;
    po.digest_key = *digest_key;
    auto full_plan = tn::make_plan(f, *src, *obs, po);
    // Staged apply: the selection, the canary batch and the stop rules are checked before anything is sent.
    tn::Selector selector;
    if (!o.selector.empty()) {
        auto sel = tn::parse_selector(o.selector);
        if (!sel.ok()) return ctx.ui.fail(sel.error());
        selector = std::move(sel).value();
    }
    auto selected = tn::select_plan(full_plan, *obs, selector);
    if (!selected.ok()) return ctx.ui.fail(selected.error());
    auto plan = std::move(selected).value();
    if (o.max_failures < 0) return ctx.ui.fail(Error(ErrorKind::Usage, "--max-failures must be 0 (no limit) or more"));
    std::optional<tn::CanarySpec> canary;
    if (!o.canary.empty()) {
        auto c = tn::parse_canary(o.canary);
        if (!c.ok()) return ctx.ui.fail(c.error());
        canary = *c;
        if (!c->is_percent && static_cast<size_t>(c->count) > plan.size()) {
            return ctx.ui.fail(Error(
                ErrorKind::Usage,
                "--canary " + c->text + " is larger than the selection: " + std::to_string(plan.size()) + " tenant(s)" +
                    (selector.empty() ? "" : " match --selector " + selector.text) + "; nothing was changed",
                "give a smaller canary, or a percentage (e.g. --canary 10%)"));
        }
    } else if (!o.continue_after.empty()) {
        return ctx.ui.fail(
            Error(ErrorKind::Usage, "--continue-after needs --canary", "e.g. --canary 10 --continue-after 5m"));
    }
    std::optional<std::chrono::milliseconds> continue_after;
    if (!o.continue_after.empty()) {
        auto d = tn::parse_duration(o.continue_after, "--continue-after");
        if (!d.ok()) return ctx.ui.fail(d.error());
        continue_after = *d;
    }
    auto max_error_rate = tn::parse_rate(o.max_error_rate, "--max-error-rate");
    if (!max_error_rate.ok()) return ctx.ui.fail(max_error_rate.error());

    json plan_json = json::array();
    size_t n_create = 0, n_update = 0, n_delete = 0, n_same = 0;
    std::string human_plan;
    for (const auto& p : plan) {
        plan_json.push_back({{"id", p.id}, {"action", tn::to_string(p.action)}, {"changes", p.changes}});
        switch (p.action) {
            case tn::Action::Create:
                ++n_create;
                break;
            case tn::Action::Update:
                ++n_update;
                break;
            case tn::Action::Delete:
                ++n_delete;
                break;
            case tn::Action::Unchanged:
                ++n_same;
                break;
        }
        if (p.action != tn::Action::Unchanged || ctx.ui.verbosity() > 0 || plan.size() <= 50)
            human_plan += plan_line(p) + "\n";
    }
    std::string summary = "Plan for dispatch namespace " + f.ns + " (" + src->description +
                          "): " + std::to_string(n_create) + " to create, " + std::to_string(n_update) +
                          " to update, " + std::to_string(n_delete) + " to delete, " + std::to_string(n_same) +
                          " unchanged";
    auto unlisted = tn::unlisted_managed(f, *obs);
    std::string note;
    if (!o.prune && !unlisted.empty())
        note = std::to_string(unlisted.size()) + " managed tenant(s) are not in " + f.display_path + " (" +
               join(std::vector<std::string>(unlisted.begin(), unlisted.begin() + std::min<size_t>(unlisted.size(), 5)),
                    ", ") +
               (unlisted.size() > 5 ? ", …" : "") + "); --prune deletes them";

    if (!selector.empty())
        summary += " (--selector " + selector.text + ": " + std::to_string(plan.size()) + " of " +
                   std::to_string(full_plan.size()) + " tenants)";
    size_t canary_n =
        canary ? std::min(tn::canary_size(*canary, n_create + n_update + n_delete), n_create + n_update + n_delete) : 0;
    json doc = {{"namespace", f.ns}, {"file", f.display_path}, {"dry_run", o.dry_run}, {"plan", plan_json}};
    if (!selector.empty()) doc["selector"] = selector.text;
    if (canary) doc["canary"] = canary_n;
    if (o.dry_run) {
        doc["ok"] = true;
        doc["created"] = 0;
        doc["updated"] = 0;
        doc["deleted"] = 0;
        doc["unchanged"] = n_same;
        doc["failed"] = 0;
        doc["would"] = {{"create", n_create}, {"update", n_update}, {"delete", n_delete}, {"unchanged", n_same}};
        if (!note.empty()) ctx.ui.info(note);
        ctx.ui.emit(doc, summary + "\n" + human_plan + "Dry run: nothing was changed\n");
        return 0;
    }
    if (!ctx.ui.machine()) {
        ctx.ui.out(summary + "\n" + human_plan);
    }
    if (!note.empty()) ctx.ui.info(note);
    if (n_delete > 0) {
        std::vector<std::string> doomed;
        for (const auto& p : plan)
            if (p.action == tn::Action::Delete && doomed.size() < 5) doomed.push_back(p.id);
        std::string what = "delete " + std::to_string(n_delete) + " tenant(s) from dispatch namespace " + f.ns + " (" +
                           join(doomed, ", ") + (n_delete > doomed.size() ? ", …" : "") + ")" +
                           (o.purge ? " and their resources" : "");
        if (auto c = ctx.ui.confirm(what, o.yes); !c.ok()) return ctx.ui.fail(c.error());
    }

    size_t work = n_create + n_update + n_delete;
    // Each tenant change is about one write request, plus two reads to record an update or delete.
    api::Pacer* pacer = s->client->pacer();
    const long long requests = static_cast<long long>(work + (o.no_record ? 0 : 2 * (n_update + n_delete)));
    const double per_change = work ? static_cast<double>(requests) / static_cast<double>(work) : 1.0;
    if (pacer && work > 0) {
        auto est = pacer->estimate(requests);
        if (est > std::chrono::seconds(30)) {
            auto snap = pacer->snapshot();
            std::string limit = snap.informed ? "the API's rate limit (" + std::to_string(snap.quota) +
                                                    " requests per " + std::to_string(snap.window_s) + " s)"
                                              : "the documented rate limit (the API sent no rate-limit headers)";
            ctx.ui.info("note: " + limit + " paces these " + std::to_string(work) + " change(s): about " +
                        duration_text(est) + " of waiting");
        }
    }
    std::unique_ptr<tn::ApplyRecorder> recorder;
    if (work > 0 && !o.no_record) {
        auto rec =
            tn::ApplyRecorder::start(applies_dir(ctx), s->account_id, f.ns, f.display_path, SystemClock::instance());
        if (!rec.ok()) return ctx.ui.fail(rec.error());
        recorder = std::move(rec).value();
    }
    bool bar = ctx.ui.stderr_tty() && work > 0;
    std::mutex print_mutex;
    size_t failed_so_far = 0, done_so_far = 0;
    std::string wait_note;  // shown after the bar while the rate limit holds requests back
    auto draw_bar = [&](size_t done, size_t total) {
        const int width = 30;
        int filled = static_cast<int>(width * done / std::max<size_t>(total, 1));
        std::string line = "\r\x1b[K[" + std::string(static_cast<size_t>(filled), '#') +
                           std::string(static_cast<size_t>(width - filled), ' ') + "] " + std::to_string(done) + "/" +
                           std::to_string(total);
        if (failed_so_far) line += " (" + std::to_string(failed_so_far) + " failed)";
        if (!wait_note.empty() && done < total) line += "  " + wait_note;
        std::cerr << line << (done == total ? "\n" : "") << std::flush;
    };
    if (pacer && work > 0) {
        pacer->set_observer([&, work](const api::PaceEvent& e) {
            std::lock_guard lock(print_mutex);
            size_t left = work - std::min(work, done_so_far);
            auto rest = pacer->estimate(static_cast<long long>(static_cast<double>(left) * per_change + 0.5));
            std::string why =
                e.reason == api::PaceReason::RetryAfter ? "the API answered 429 (Retry-After)"
                : e.reason == api::PaceReason::Window
                    ? "the API's rate limit window" + (e.quota ? " (" + std::to_string(e.quota) + " requests per " +
                                                                     std::to_string(e.window_s) + " s)"
                                                               : std::string())
                    : "the client's rate limit (" + std::to_string(e.quota) + " requests per " +
                          std::to_string(e.window_s) + " s)";
            std::string note = "waiting " + duration_text(e.wait) + " for " + why + "; about " +
                               duration_text(std::max(rest, e.wait)) + " for the remaining " + std::to_string(left);
            if (bar) {
                wait_note = note;
                draw_bar(done_so_far, work);
            } else if (e.wait >= std::chrono::seconds(2)) {
                ctx.ui.info(note);
            }
        });
    }
    tn::ApplyOptions ao;
    ao.concurrency = o.concurrency;
    ao.cancel = &CancelToken::global();
    ao.purge = o.purge;
    ao.on_done = [&](const tn::ItemResult& r, size_t done, size_t total) {
        std::lock_guard lock(print_mutex);
        bool ok = r.status == tn::ItemResult::Status::Ok;
        if (!ok) ++failed_so_far;
        done_so_far = done;
        if (bar) {
            wait_note.clear();
            draw_bar(done, total);
            if (!ok) std::cerr << "\n" << Redactor::global().redact("failed " + r.id + ": " + r.error) << "\n";
        } else {
            std::string verb = r.action == tn::Action::Create   ? "created"
                               : r.action == tn::Action::Update ? "updated"
                                                                : "deleted";
            if (ok)
                ctx.ui.info(verb + " " + r.id + " (" + std::to_string(done) + "/" + std::to_string(total) + ")");
            else
                ctx.ui.info("failed to " + std::string(tn::to_string(r.action)) + " " + r.id + ": " + r.error);
        }
    };
    tn::RolloutOptions ro;
    ro.apply = ao;
    ro.max_failures = o.max_failures;
    ro.canary = canary_n;
    ro.continue_after = continue_after;
    ro.max_error_rate = *max_error_rate;
    ro.read_traffic = tn::analytics_traffic_reader(*s->client, s->account_id, f.ns);
    ro.recorder = recorder.get();
    ro.on_watch = [&](std::chrono::milliseconds wait, size_t n, size_t failed) {
        std::lock_guard lock(print_mutex);
        if (bar) std::cerr << "\n";
        ctx.ui.info("canary: " + std::to_string(n) + " tenant(s) changed, " + std::to_string(failed) +
                    " failed; watching for " + duration_text(wait) + " before going on");
    };
    auto ro_result = tn::rollout(*s->client, s->account_id, f, *src, *obs, plan, *secrets, ro);
    if (pacer) pacer->set_observer({});
    auto& results = ro_result.results;
    if (recorder) {
        if (auto st = recorder->finish(); !st.ok())
            ctx.ui.warn("the apply record was not written: " + st.error().message);
    }
    bool interrupted = CancelToken::global().cancelled();
    if (bar && (interrupted || ro_result.stop != tn::RolloutStop::Done)) std::cerr << "\n";

    size_t created = 0, updated = 0, deleted = 0, unchanged = 0, failed = 0, skipped = 0;
    json res = json::array();
    for (const auto& r : results) {
        json j = {{"id", r.id},
                  {"action", tn::to_string(r.action)},
                  {"status", tn::to_string(r.status)},
                  {"writes", r.writes}};
        if (!r.error.empty()) j["error"] = r.error;
        if (r.interrupted) j["interrupted"] = true;
        if (!r.created_resources.empty()) j["created_resources"] = resources_json(r.created_resources);
        res.push_back(j);
        if (r.status == tn::ItemResult::Status::Failed)
            ++failed;
        else if (r.status == tn::ItemResult::Status::Skipped)
            ++skipped;
        else if (r.action == tn::Action::Create)
            ++created;
        else if (r.action == tn::Action::Update)
            ++updated;
        else if (r.action == tn::Action::Delete)
            ++deleted;
        else
            ++unchanged;
    }
    json changed = json::array();
    for (const auto& r : results)
        if (r.status == tn::ItemResult::Status::Ok && r.action != tn::Action::Unchanged) changed.push_back(r.id);
    doc["changed"] = changed;
    doc["stopped"] = tn::to_string(ro_result.stop);
    if (canary) {
        doc["canary_failed"] = ro_result.canary_failed;
    }
    if (const auto& v = ro_result.verdict) {
        json traffic = nullptr;
        if (v->traffic_read)
            traffic = {
                {"requests", v->traffic.requests}, {"errors", v->traffic.errors}, {"error_rate", v->request_rate}};
        doc["canary_verdict"] = {{"pass", v->pass},
                                 {"uploads", v->uploads},
                                 {"upload_failures", v->upload_failures},
                                 {"upload_failure_rate", v->upload_rate},
                                 {"traffic", traffic},
                                 {"no_traffic", v->traffic_read && v->traffic.requests == 0},
                                 {"reason", v->reason}};
        if (!v->read_error.empty()) doc["canary_verdict"]["read_error"] = v->read_error;
    }
    if (recorder) doc["apply_id"] = recorder->id();
    doc["results"] = res;
    doc["created"] = created;
    doc["updated"] = updated;
    doc["deleted"] = deleted;
    doc["unchanged"] = unchanged;
    doc["failed"] = failed;
    doc["skipped"] = skipped;
    doc["interrupted"] = interrupted;
    doc["ok"] = failed == 0 && !interrupted && (skipped == 0 || ro_result.stop == tn::RolloutStop::Canary);
    std::string done_line = "Applied: " + std::to_string(created) + " created, " + std::to_string(updated) +
                            " updated, " + std::to_string(deleted) + " deleted, " + std::to_string(unchanged) +
                            " unchanged, " + std::to_string(failed) + " failed" +
                            (skipped ? ", " + std::to_string(skipped) + " not started" : "") + "\n";
    if (!changed.empty()) {
        std::vector<std::string> ids;
        for (const auto& c : changed)
            if (ids.size() < 100) ids.push_back(c.get<std::string>());
        done_line +=
            "Changed: " + join(ids, ", ") + (changed.size() > ids.size() ? ", … (all with --json)" : "") + "\n";
    }
    if (recorder && !changed.empty())
        done_line += "Apply " + recorder->id() + " recorded; undo it with: tenantctl tenants rollback --namespace " +
                     f.ns + " --to " + recorder->id() + "\n";
    if (ro_result.verdict && ro_result.verdict->pass) ctx.ui.info("canary: " + ro_result.verdict->reason + "; went on");
    ctx.ui.emit(doc, ctx.ui.machine() ? std::string() : done_line);
    if (ro_result.stop == tn::RolloutStop::Canary && !interrupted && failed == 0) {
        ctx.ui.info("canary: stopped after " + std::to_string(ro_result.canary_size) + " tenant(s) as asked; " +
                    std::to_string(skipped) +
                    " not started (rerun to go on: the changed ones are unchanged now; --continue-after DURATION goes "
                    "on by itself)");
        return 0;
    }
    if (ro_result.stop == tn::RolloutStop::CanaryFailed) {
        std::string why = ro_result.verdict ? ro_result.verdict->reason : std::string();
        std::cerr << "error: the canary batch failed: " << Redactor::global().redact(why) << "; " << skipped
                  << " not started\n  hint: fix the cause, then rerun `tenants apply` (or `tenants rollback`)\n";
        return exit_code_for(ErrorKind::Partial);
    }
    if (ro_result.stop == tn::RolloutStop::MaxFailures) {
        std::cerr << "error: stopped after " << failed << " failure(s) (--max-failures " << o.max_failures << "); "
                  << skipped << " not started\n  hint: the results above say why; a rerun continues with what is "
                  << "still different\n";
        return exit_code_for(ErrorKind::Partial);
    }
    if (interrupted) {
        std::cerr << "error: interrupted: " << (created + updated + deleted) << " change(s) done, " << skipped
                  << " not started\n  hint: run the same command again; it converges to the file\n";
        return exit_code_for(ErrorKind::Interrupted);
    }
    if (failed || skipped) {
        std::cerr << "error: " << failed << " of " << work << " tenant change(s) failed\n"
                  << "  hint: the results above say why; rerun `tenants apply` to retry only what is still different\n";
        return exit_code_for(ErrorKind::Partial);
    }
    return 0;
}

// ---- rollback -------------------------------------------------------------------------------------

int run_rollback(Context& ctx, const TenantsOptions& o) {
    auto fr = file_for(ctx, o);
    if (!fr.ok()) return ctx.ui.fail(fr.error());
    const auto& f = *fr;
    if (o.concurrency < 1 || o.concurrency > 256)
        return ctx.ui.fail(
            Error(ErrorKind::Usage, "--concurrency must be between 1 and 256, got " + std::to_string(o.concurrency)));
    auto s = open_api(ctx);
    if (!s.ok()) return ctx.ui.fail(s.error());
    auto records = tn::list_apply_records(applies_dir(ctx), s->account_id, f.ns);
    if (!records.ok()) return ctx.ui.fail(records.error());
    auto changed_count = [](const json& rec) {
        size_t n = 0;
        for (const auto& it : rec.value("items", json::array()))
            if (it.value("status", std::string()) == "ok") ++n;
        return n;
    };
    if (o.list_records) {
        json doc = json::array();
        output::Table t{{"apply", "created", "changed", "rolled back"}, {}};
        for (const auto& r : *records) {
            std::string rb = r.record.value("rolled_back_at", std::string());
            doc.push_back({{"id", r.id},
                           {"created_at", r.record.value("created_at", std::string())},
                           {"changed", changed_count(r.record)},
                           {"rolled_back_at", rb}});
            t.rows.push_back({r.id, r.record.value("created_at", std::string()),
                              std::to_string(changed_count(r.record)), rb.empty() ? "-" : rb});
        }
        ctx.ui.emit(
            doc, records->empty() ? "No apply records for dispatch namespace " + f.ns + "\n" : output::render_table(t));
        return 0;
    }
    const tn::ApplyRecordInfo* pick = nullptr;
    for (const auto& r : *records) {
        if (!o.to.empty() ? r.id == o.to
                          : r.record.value("rolled_back_at", std::string()).empty() && changed_count(r.record) > 0) {
            pick = &r;
            break;
        }
    }
    if (!pick) {
        return ctx.ui.fail(Error(
            ErrorKind::NotFound,
            o.to.empty() ? "no apply of dispatch namespace " + f.ns + " is left to roll back (records in " +
                               applies_dir(ctx) + ")"
                         : "apply " + tenantctl::quoted(o.to) + " of dispatch namespace " + f.ns + " is not recorded",
            "list the recorded applies with `tenants rollback --namespace " + f.ns + " --list`"));
    }
    size_t restore = 0, remove = 0;
    for (const auto& it : pick->record.value("items", json::array())) {
        if (it.value("status", std::string()) != "ok") continue;
        if (it.value("action", std::string()) == "create")
            ++remove;
        else if (it.contains("prior"))
            ++restore;
    }
    std::string what = "roll back apply " + pick->id + " of dispatch namespace " + f.ns +
                       ": restore the previous "
                       "upload of " +
                       std::to_string(restore) + " tenant(s), delete " + std::to_string(remove) +
                       " tenant(s) it created";
    if (auto c = ctx.ui.confirm(what, o.yes); !c.ok()) return ctx.ui.fail(c.error());
    tn::ApplyOptions ao;
    ao.concurrency = o.concurrency;
    ao.cancel = &CancelToken::global();
    ao.on_done = [&](const tn::ItemResult& r, size_t done, size_t total) {
        if (r.status != tn::ItemResult::Status::Ok)
            ctx.ui.info("failed to roll back " + r.id + ": " + r.error);
        else
            ctx.ui.info((r.action == tn::Action::Delete ? "deleted " : "restored ") + r.id + " (" +
                        std::to_string(done) + "/" + std::to_string(total) + ")");
    };
    auto rb = tn::rollback(*s->client, s->account_id, *pick, ao, SystemClock::instance());
    if (!rb.ok()) return ctx.ui.fail(rb.error());
    json items = json::array();
    size_t ok = 0, bad = 0;
    std::vector<std::string> ids;
    for (const auto& it : rb->items) {
        json j = {{"id", it.id}, {"action", it.action}, {"ok", it.ok}};
        if (!it.error.empty()) j["error"] = it.error;
        items.push_back(j);
        (it.ok ? ok : bad)++;
        if (it.ok) ids.push_back(it.id);
    }
    bool interrupted = CancelToken::global().cancelled();
    json doc = {{"namespace", f.ns}, {"apply_id", pick->id}, {"items", items}, {"ok", bad == 0 && !interrupted}};
    std::string human = "Rolled back apply " + pick->id + ": " + std::to_string(ok) + " tenant(s) restored or removed" +
                        (bad ? ", " + std::to_string(bad) + " failed" : "") + "\n";
    if (!ids.empty()) human += "Changed: " + join(ids, ", ") + "\n";
    ctx.ui.emit(doc, ctx.ui.machine() ? std::string() : human);
    if (interrupted) return exit_code_for(ErrorKind::Interrupted);
    if (bad || ok + bad < restore + remove) {
        std::cerr << "error: " << bad << " tenant(s) could not be rolled back\n  hint: rerun the same command\n";
        return exit_code_for(ErrorKind::Partial);
    }
    return 0;
}

// ---- registration ---------------------------------------------------------------------------------

void add_ns_options(CLI::App* c, TenantsOptions& o) {
    c->add_option("--namespace", o.ns, "Dispatch namespace (default: namespace of ./tenants.yaml or -f)");
    c->add_option("-f,--file", o.file,
                  "tenants.yaml with namespace, plans, prefix, binding names (default ./tenants.yaml if present)");
    c->add_option("--prefix", o.prefix,
                  "Resource name prefix: resources are <prefix>-<id> (default: the file's prefix or the namespace)");
}

}  // namespace

void register_tenants(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand(
        "tenants", "Create, list, tag, restart and delete tenants; apply tenants.yaml (staged) and roll it back");
    cmd->require_subcommand(1);
    cmd->footer(
        "A tenant is a user worker in a dispatch namespace (script name = tenant id) with tags, secrets, plan limits, "
        "optional isolated resources named <prefix>-<id> and its container instance. tenantctl keeps three tags "
        "on each tenant: the managed marker (default \"tenantctl\"), plan-<plan> and tcd-<digest> (the digest of "
        "the desired upload, which lets `apply` decide \"unchanged\" from reads alone).");
    auto o = std::make_shared<TenantsOptions>();

    auto* create = cmd->add_subcommand(
        "create", "Create a tenant: its worker in a dispatch namespace, tags, plan and isolated resources");
    create->add_option("id", o->id, "Tenant id (the script name)")->required();
    add_ns_options(create, *o);
    create->add_option("--script", o->script,
                       "Module to upload (default: the file's script/config, else the wrangler config's main)");
    create->add_option("--plan", o->plan,
                       "Plan: free, pro, enterprise (built in) or one of the tenants file's plans: (sets limits "
                       "cpu_ms/subrequests and the tag plan-<plan>); default: the file's defaults.plan");
    create->footer(
        "With a tenants file (-f, or ./tenants.yaml) its namespace, prefix, binding names, plans and defaults (plan, "
        "tags, vars, isolate; not secrets) apply; flags add to the tags and vars and replace the rest.");
    create->add_option("--tag", o->tags, "Tag (repeatable; at most 5 of your own)");
    create->add_option("--isolate", o->isolate, "Isolated resources to provision and bind: kv,r2,d1");
    create->add_option("--var", o->vars, "Plain-text variable NAME=value (repeatable)");
    create->add_option("--compatibility-date", o->compatibility_date, "Compatibility date of the upload");
    on_run(create, ctx, [&ctx, o] { return run_create(ctx, *o); });

    auto* list = cmd->add_subcommand("list", "List tenants (server-side tag filter)");
    add_ns_options(list, *o);
    list->add_option("--tag", o->tags, "Only tenants with this tag (repeatable: all must match)");
    list->add_option("--plan", o->plan, "Only tenants on this plan (the tag plan-<plan>)");
    on_run(list, ctx, [&ctx, o] { return run_list(ctx, *o); });

    auto* get =
        cmd->add_subcommand("get", "Show one tenant: script, tags, plan, bindings, resources, secret names, container");
    get->add_option("id", o->id, "Tenant id")->required();
    add_ns_options(get, *o);
    get->add_option("--app", o->app,
                    "Container application (name or id) whose instance named ID to show (default: the wrangler "
                    "config's first container, if any)");
    on_run(get, ctx, [&ctx, o] { return run_get(ctx, *o); });

    auto* tag = cmd->add_subcommand("tag", "Add, remove or set a tenant's tags");
    tag->add_option("id", o->id, "Tenant id")->required();
    tag->add_option("op", o->op, "add | remove | set")->required()->check(CLI::IsMember({"add", "remove", "set"}));
    tag->add_option("tags", o->tag_args, "Tags (set with none clears the tenant's own tags)");
    add_ns_options(tag, *o);
    tag->footer(
        "Reserved tags (managed marker, plan-*, tcd-*) are kept; a tenant has at most 5 tags of its own, checked "
        "before "
        "anything is sent.");
    on_run(tag, ctx, [&ctx, o] { return run_tag(ctx, *o); });

    auto* restart = cmd->add_subcommand("restart", "Restart a tenant's container instance (or every tagged tenant's)");
    restart->add_option("id", o->id, "Tenant id (the instance's name)");
    add_ns_options(restart, *o);
    restart->add_option("--tag", o->tags,
                        "Restart every tenant of the namespace with this tag (repeatable: all must match)");
    restart->add_option("--concurrency", o->concurrency, "With --tag: tenants worked on at once (default 8)");
    restart->add_option("--app", o->app,
                        "Container application, name or id (default: the wrangler config's first container)");
    restart->footer(
        "Stops the instance named by the tenant id in the application; the platform starts a fresh one on the "
        "tenant's next request. With no such instance it says so and exits 0.");
    on_run(restart, ctx, [&ctx, o] { return run_restart(ctx, *o); });

    auto* del = cmd->add_subcommand("delete", "Delete a tenant (or every tenant with a tag)");
    del->add_option("id", o->id, "Tenant id");
    add_ns_options(del, *o);
    del->add_option("--tag", o->tags, "Delete every tenant with this tag, server-side (repeatable: all must match)");
    del->add_flag("--purge", o->purge,
                  "Also delete its isolated resources <prefix>-<id> (KV namespace, R2 bucket, D1 database); with "
                  "--tag the tenants and resources are listed first");
    del->add_option("--concurrency", o->concurrency, "With --tag --purge: tenants worked on at once (default 8)");
    del->add_flag("-y,--yes", o->yes, "Do not ask for confirmation");
    on_run(del, ctx, [&ctx, o] { return run_delete(ctx, *o); });

    auto* secret = cmd->add_subcommand("secret", "Manage a tenant's secrets");
    secret->require_subcommand(1);
    auto* sput = secret->add_subcommand("put", "Set a secret (value from stdin or a masked prompt)");
    sput->add_option("id", o->id, "Tenant id (with --tag: the secret name)")->required();
    sput->add_option("name", o->secret_name, "Secret name");
    add_ns_options(sput, *o);
    sput->add_option(
        "--tag", o->tags,
        "Set it on every tenant with this tag (repeatable: all must match): tenants secret put NAME --tag T");
    sput->add_option("--concurrency", o->concurrency, "With --tag: tenants worked on at once (default 8)");
    on_run(sput, ctx, [&ctx, o] { return run_secret(ctx, *o, "put"); });
    auto* slist = secret->add_subcommand("list", "List a tenant's secret names");
    slist->add_option("id", o->id, "Tenant id")->required();
    add_ns_options(slist, *o);
    on_run(slist, ctx, [&ctx, o] { return run_secret(ctx, *o, "list"); });
    auto* sdel = secret->add_subcommand("delete", "Delete a secret");
    sdel->add_option("id", o->id, "Tenant id")->required();
    sdel->add_option("name", o->secret_name, "Secret name")->required();
    add_ns_options(sdel, *o);
    sdel->add_flag("-y,--yes", o->yes, "Do not ask for confirmation");
    on_run(sdel, ctx, [&ctx, o] { return run_secret(ctx, *o, "delete"); });

    auto* d1 = cmd->add_subcommand("d1", "D1 work on every tenant's isolated database");
    d1->require_subcommand(1);
    auto* migrate =
        d1->add_subcommand("migrate", "Apply a migrations folder to the isolated D1 database of every matching tenant");
    add_ns_options(migrate, *o);
    migrate->add_option("--tag", o->tags, "Only tenants with this tag (repeatable: all must match)");
    migrate->add_option("--dir", o->dir, "The migrations folder (files NNNN_name.sql)")->required();
    migrate->add_option("--migrations-table", o->table,
                        "The table each database records its applied migrations in (default d1_migrations)");
    migrate->add_option("--concurrency", o->concurrency,
                        "Databases worked on at once (default 8); all requests share one rate limiter");
    migrate->add_option("--max-failures", o->max_failures,
                        "Never more than N failed databases: nothing new starts once N failed (exit 3)");
    migrate->footer(
        "Each tenant's database is <prefix>-<id> (tenants.yaml `isolate: [d1]`). Each migration is one batch "
        "with its record in the database's d1_migrations table (wrangler's), so a rerun after a failure or Ctrl-C "
        "applies only what is missing. A database stops at its first failing migration (FILE:LINE:COLUMN and "
        "SQLite's message). Exit 3 when some failed or were not started (the summary names them), 1 when a migration "
        "file does not parse (the run stops; no database applied it), 130 on Ctrl-C.");
    on_run(migrate, ctx, [&ctx, o] { return run_d1_migrate(ctx, *o); });

    register_tenants_tail(cmd, ctx);
    register_tenants_top(cmd, ctx);
    register_tenants_logs(cmd, ctx);
    auto* apply = cmd->add_subcommand("apply", "Plan and apply tenants.yaml");
    apply->add_option("-f,--file", o->file, "The tenants file (see docs/tenants.yaml.example)")->required();
    apply->add_option("--namespace", o->ns, "Override the file's namespace");
    apply->add_flag("--dry-run", o->dry_run, "Print the plan and change nothing");
    apply->add_flag("--prune", o->prune, "Delete managed tenants of the namespace that the file does not list");
    apply->add_flag("--purge", o->purge, "With --prune: also delete the pruned tenants' <prefix>-<id> resources");
    apply->add_flag("--force", o->force, "Re-upload every listed tenant (e.g. after changing a secret's value)");
    apply->add_flag("-y,--yes", o->yes, "Do not ask before deleting tenants (--prune)");
    apply->add_option("--concurrency", o->concurrency,
                      "Tenants worked on at once (default 8); all requests share one rate limiter");
    apply->add_option("--selector", o->selector,
                      "Only tenants matching tag=T,plan=P,id=I (as the file gives them; all conditions must hold)");
    apply->add_option("--canary", o->canary,
                      "Change a first batch of N tenants (or P% of those to change), then stop (or see "
                      "--continue-after)");
    apply->add_option("--continue-after", o->continue_after,
                      "With --canary: wait DURATION (30s, 5m, 1h) after the canary batch, then read its tenants' "
                      "requests and errors over the wait (GraphQL Analytics API) and go on if neither their upload "
                      "failure rate nor their request error rate is above --max-error-rate (a failed read stops)");
    apply->add_option("--max-error-rate", o->max_error_rate,
                      "The canary's largest error rate that lets it go on (default 0%): both its failed uploads and "
                      "its tenants' failed requests during --continue-after (no requests: uploads alone) must be at "
                      "most this");
    apply->add_option("--max-failures", o->max_failures,
                      "Never more than N failed tenants: nothing new starts once N failed (exit 3; a rerun continues)");
    apply->add_flag("--no-record", o->no_record,
                    "Do not record the replaced uploads (saves three reads per changed tenant; no rollback)");
    apply->footer(
        "Reads the namespace's scripts (one list request) and the resource lists it needs, prints the plan "
        "(+ create, ~ update with the changed fields, - delete, = unchanged) and applies it. Re-applying an "
        "unchanged file sends no write. Before an existing tenant is changed its current content, settings and tags "
        "are recorded under $XDG_DATA_HOME/tenantctl/applies, so `tenants rollback` can restore them. Requests are "
        "paced by the API's rate-limit headers (shared by all concurrent requests). Exit 2 for a selector that "
        "matches nothing or a canary larger than the selection (nothing changed), 3 when some tenants failed, the "
        "failure budget was spent or the canary's error rate was too high, 130 on Ctrl-C (in-flight requests are "
        "abandoned, nothing new starts); a rerun converges.");
    on_run(apply, ctx, [&ctx, o] { return run_apply(ctx, *o); });

    auto* rollback = cmd->add_subcommand("rollback", "Undo one recorded `tenants apply`: restore what it replaced");
    add_ns_options(rollback, *o);
    rollback->add_option("--to", o->to, "The apply id to roll back (default: the latest not rolled back)");
    rollback->add_flag("--list", o->list_records, "List the recorded applies of the namespace");
    rollback->add_option("--concurrency", o->concurrency, "Tenants worked on at once (default 8)");
    rollback->add_flag("-y,--yes", o->yes, "Do not ask for confirmation");
    rollback->footer(
        "Tenants the apply updated (or pruned) get their previous upload back: content, settings (bindings, "
        "compatibility date and flags, limits) and tags. Their secrets stay as they are now: a secret value the "
        "apply changed cannot be restored (values are never readable). Tenants the apply created are deleted (their "
        "isolated resources are kept). Only changes that succeeded are undone. Exit 3 when some could not be "
        "rolled back; a rerun retries them.");
    on_run(rollback, ctx, [&ctx, o] { return run_rollback(ctx, *o); });
}

}  // namespace tenantctl::cli
