// The single-tenant verbs: create, list, get, tag, secret (and what every verb shares: the target, the checks).
#include "tenants/service.hpp"

#include <algorithm>
#include <set>

#include "core/fs.hpp"
#include "core/json.hpp"
#include "core/limits.hpp"
#include "core/redact.hpp"
#include "core/strings.hpp"
#include "tenants/service_bulk.hpp"

namespace tenantctl::tenants {

using nlohmann::json;

Result<TenantsFile> load_target(const TargetOptions& o) {
    std::string path = o.file;
    if (path.empty() && file_exists(join_path(o.cwd, "tenants.yaml"))) path = "tenants.yaml";
    TenantsFile f;
    if (!path.empty()) {
        TRY_ASSIGN(f, load_tenants_file(path, o.cwd));
    }
    if (!o.ns.empty()) {
        if (f.prefix == f.ns) f.prefix.clear();  // the default prefix follows the namespace
        f.ns = o.ns;
    }
    if (f.ns.empty()) {
        return Error(ErrorKind::Usage, "no dispatch namespace was given",
                     "pass --namespace NS, or run where a tenants.yaml names it (or pass -f tenants.yaml)");
    }
    if (auto why = check_namespace_name(f.ns); !why.empty())
        return Error(ErrorKind::Usage, "invalid namespace " + quoted(f.ns) + ": " + why,
                     "a dispatch namespace name such as production");
    if (!o.prefix.empty()) f.prefix = o.prefix;
    if (f.prefix.empty()) f.prefix = f.ns;
    if (auto why = check_tenant_id(f.prefix); !why.empty()) {
        return Error(ErrorKind::Usage, "invalid resource prefix " + quoted(f.prefix) + ": " + why,
                     "pass --prefix with a-z, 0-9 and '-' (resources are named <prefix>-<id>)");
    }
    return f;
}

Status check_id(const std::string& id) {
    if (auto why = check_tenant_id(id); !why.empty()) {
        return Error(ErrorKind::Usage, "invalid tenant id " + quoted(id) + ": " + why,
                     "a tenant id is the script name: 1-63 of a-z, 0-9 and '-'");
    }
    return {};
}

Status check_tag_count(size_t n) {
    if (n <= limits::k_max_cli_tags) return {};
    return Error(ErrorKind::Usage,
                 std::to_string(n) + " tags given; at most " + std::to_string(limits::k_max_cli_tags) +
                     " are accepted (limit k_max_cli_tags)",
                 "the API allows 8 tags per script");
}

Status check_tag_filter(const std::vector<std::string>& tags, const std::string& hint) {
    for (const auto& t : tags) {
        if (t.empty() || t.find_first_of(",:&") != std::string::npos)
            return Error(ErrorKind::Usage, "invalid tag " + quoted(t) + " in --tag", hint);
    }
    return {};
}

Status check_concurrency(int n) {
    if (n >= 1 && n <= 256) return {};
    return Error(ErrorKind::Usage, "--concurrency must be between 1 and 256, got " + std::to_string(n));
}

namespace {

std::vector<std::string> string_tags(const json& list) {
    std::vector<std::string> tags;
    for (const auto& x : list)
        if (x.is_string()) tags.push_back(x.get<std::string>());
    return tags;
}

bool has_tag(const std::vector<std::string>& tags, const std::string& tag) {
    return std::find(tags.begin(), tags.end(), tag) != tags.end();
}

Result<Source> create_source(const CreateOptions& o, const TenantsFile& f) {
    std::optional<std::string> date;
    if (!o.compatibility_date.empty())
        date = o.compatibility_date;
    else
        date = f.compatibility_date;
    if (!o.script.empty()) {
        return source_from_script(absolute_path(o.script, o.target.cwd), date,
                                  f.compatibility_flags.value_or(std::vector<std::string>{}));
    }
    if (!f.script.empty() || !f.config.empty()) {
        TenantsFile g = f;
        if (date) g.compatibility_date = date;
        return source_for_file(g, o.env ? *o.env : Env::system());
    }
    config::LoadOptions lo = o.config;
    lo.dispatch_namespace = f.ns;
    auto cfg = config::load_config_checked(lo, true);
    if (!cfg.ok()) {
        Error e = std::move(cfg).error();
        if (e.hint.empty()) e.hint = "pass --script PATH, or run where a wrangler config with main = … exists";
        return e;
    }
    return source_from_config(cfg->worker(), cfg->dir, cfg->display_path, date);
}

Result<TenantSpec> spec_from_options(const CreateOptions& o, const TenantsFile& f) {
    TRY_STATUS(check_id(o.id));
    TenantSpec t;
    t.id = o.id;
    t.plan = o.plan.empty() ? f.defaults.plan : o.plan;  // the file's defaults (not its secrets) apply too
    t.tags = f.defaults.tags;
    t.vars = f.defaults.vars;
    if (!t.plan.empty() && !f.plans.count(t.plan)) {
        std::vector<std::string> names;
        for (auto& [k, _] : f.plans) names.push_back(k);
        return Error(ErrorKind::Usage, "unknown plan " + quoted(t.plan),
                     "plans: " + join(names, ", ") +
                         " (free, pro and enterprise are built in; a tenants file's plans: add more or replace them)");
    }
    TRY_STATUS(check_tag_count(o.tags.size()));
    for (const auto& tag : o.tags) {
        if (auto why = check_user_tag(tag, f.managed_tag); !why.empty())
            return Error(ErrorKind::Usage, "invalid tag " + quoted(tag) + ": " + why);
        if (!has_tag(t.tags, tag)) t.tags.push_back(tag);
    }
    if (t.tags.size() + k_reserved_tags > k_max_tags) {
        return Error(ErrorKind::Usage,
                     "too many tags: " + std::to_string(t.tags.size()) + " (defaults of the file included), at most " +
                         std::to_string(k_max_tags - k_reserved_tags) + " (the API allows 8 per script)",
                     "tenantctl keeps 3 tags for itself: the managed marker, plan-<plan> and the state digest");
    }
    std::set<Resource> iso;
    for (const auto& list : o.isolate) {
        for (const auto& k : split(list, ',')) {
            auto r = resource_from_string(std::string(trim(k)));
            if (!r)
                return Error(ErrorKind::Usage, "unknown resource kind " + quoted(k) + " in --isolate",
                             "use kv, r2 and d1");
            iso.insert(*r);
        }
    }
    t.isolate.assign(iso.begin(), iso.end());
    if (o.isolate.empty()) t.isolate = f.defaults.isolate;
    for (const auto& kv : o.vars) {
        auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) {
            return Error(ErrorKind::Usage, "invalid --var " + quoted(kv), "write --var NAME=value");
        }
        t.vars[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    return t;
}

}  // namespace

Result<CreateReport> create_tenant(const CreateOptions& o, const Connect& connect) {
    TRY_ASSIGN(TenantsFile f, load_target(o.target));
    TRY_ASSIGN(TenantSpec spec, spec_from_options(o, f));
    TRY_ASSIGN(Source src, create_source(o, f));
    f.tenants = {spec};
    TRY_ASSIGN(ApiHandle api, connect());
    std::set<Resource> kinds(spec.isolate.begin(), spec.isolate.end());
    TRY_ASSIGN(Observed obs, observe(*api.client, api.account, f.ns, kinds));
    if (obs.tenants.count(o.id)) {
        return Error(ErrorKind::Conflict,
                     "tenant " + quoted(o.id) + " already exists in dispatch namespace " + quoted(f.ns),
                     "change it with `tenants tag`/`tenants secret`, or describe it in tenants.yaml and run `tenants "
                     "apply`");
    }
    auto plan = make_plan(f, src, obs, {});
    ApplyOptions ao;
    ao.concurrency = 1;
    ao.cancel = o.cancel;
    auto results = apply_plan(*api.client, api.account, f, src, obs, plan, {}, ao);
    const auto& r = results.front();
    if (r.status != ItemResult::Status::Ok) {
        ErrorKind kind =
            r.interrupted || r.status == ItemResult::Status::Skipped ? ErrorKind::Interrupted : ErrorKind::Api;
        return Error(kind, "creating tenant " + quoted(o.id) + " failed: " + r.error,
                     r.created_resources.empty() ? "" : "resources created so far are reused by a rerun");
    }
    CreateReport rep;
    rep.ns = f.ns;
    rep.id = o.id;
    rep.plan = spec.plan;
    rep.tags = plan.front().desired.tags;
    rep.limits = plan.front().desired.limits;
    rep.created_resources = r.created_resources;
    for (auto k : spec.isolate) rep.resources.emplace_back(to_string(k), resource_name(f.prefix, o.id));
    return rep;
}

Result<ListReport> list_tenants(const ListOptions& o, const Connect& connect) {
    TRY_ASSIGN(TenantsFile f, load_target(o.target));
    TRY_STATUS(check_tag_count(o.tags.size()));
    TRY_STATUS(check_tag_filter(o.tags, "tags have no ',', ':' or '&'"));
    std::vector<std::string> filter;
    for (const auto& t : o.tags) filter.push_back(t + ":yes");
    if (!o.plan.empty()) filter.push_back(plan_tag(o.plan) + ":yes");
    TRY_ASSIGN(ApiHandle api, connect());
    TRY_ASSIGN(auto items, api.client->list_namespace_scripts(api.account, f.ns, join(filter, ",")));
    ListReport rep;
    rep.ns = f.ns;
    rep.filtered = !filter.empty();
    for (const auto& item : items) {
        const json& sc = item.contains("script") && item["script"].is_object() ? item["script"] : item;
        auto tags = string_tags(sc.value("tags", json::array()));
        ListedTenant t;
        t.id = json_string(sc, "id");
        t.plan = plan_of_tags(tags);
        t.tags = user_tags_of(tags, f.managed_tag);
        t.managed = has_tag(tags, f.managed_tag);
        t.modified_on = item.value("modified_on", json_string(sc, "modified_on"));
        rep.tenants.push_back(std::move(t));
    }
    return rep;
}

std::string wanted_application(const std::string& given, const config::LoadOptions& config) {
    if (!given.empty()) return given;
    auto cfg = config::load_config(config);
    if (!cfg.ok() || !cfg.found()) return {};
    const auto containers = cfg.worker().containers;
    if (containers.empty()) return {};
    const config::ContainerSpec& c = containers.front();
    return c.name.empty() ? cfg.name() + "-" + to_lower(c.class_name) : c.name;
}

Result<json> find_tenant_application(api::ApiClient& client, const std::string& account, const std::string& want) {
    auto app = client.find_application(account, want);
    if (!app.ok() && app.error().kind == ErrorKind::NotFound)
        return Error(ErrorKind::NotFound, "container application " + quoted(want) + " not found",
                     "list them with the API or create it first; --app takes a name or an id");
    return app;
}

Result<std::vector<json>> application_instances(api::ApiClient& client, const std::string& account, const json& app) {
    return client.list_instances(account, json_string(app, "id"));
}

std::optional<json> tenant_instance(const std::vector<json>& instances, const json& app, const std::string& id) {
    std::string qualified = json_string(app, "name") + "-" + id;
    for (const auto& i : instances) {
        if (!i.is_object()) continue;
        std::string name = json_string(i, "name");
        if (json_string(i, "tenant_id") == id || name == id || name == qualified) return i;
    }
    return std::nullopt;
}

Result<GetReport> get_tenant(const GetOptions& o, const Connect& connect) {
    TRY_STATUS(check_id(o.id));
    TRY_ASSIGN(TenantsFile f, load_target(o.target));
    const std::string want_app = wanted_application(o.app, o.config);
    TRY_ASSIGN(ApiHandle api, connect());
    auto& c = *api.client;
    TRY_ASSIGN(json script, c.get_namespace_script(api.account, f.ns, o.id));
    TRY_ASSIGN(json settings, c.get_script_settings(api.account, f.ns, o.id));
    TRY_ASSIGN(auto secrets, c.list_secrets({api.account, f.ns, o.id}));
    const json& sc = script.contains("script") ? script["script"] : script;
    auto tags = string_tags(sc.value("tags", json::array()));
    if (tags.empty()) tags = string_tags(settings.value("tags", json::array()));
    GetReport rep;
    for (const auto& b : settings.value("bindings", json::array())) {
        json v = b;
        v.erase("text");  // never show values of text bindings other than vars
        if (json_string(b, "type") == "plain_text") v["text"] = json_string(b, "text");
        rep.bindings.push_back(v);
        std::string type = json_string(b, "type"), name = json_string(b, "name");
        if (type == "kv_namespace" && name == f.bindings.kv)
            rep.resources["kv"] = {{"binding", name}, {"namespace_id", json_string(b, "namespace_id")}};
        if (type == "r2_bucket" && name == f.bindings.r2)
            rep.resources["r2"] = {{"binding", name}, {"bucket_name", json_string(b, "bucket_name")}};
        if (type == "d1" && name == f.bindings.d1)
            rep.resources["d1"] = {{"binding", name}, {"id", json_string(b, "id")}};
    }
    for (const auto& x : secrets) rep.secrets.push_back(x.name);
    rep.ns = f.ns;
    rep.id = o.id;
    rep.digest = digest_of_tags(tags);
    rep.plan = plan_of_tags(tags);
    rep.tags = user_tags_of(tags, f.managed_tag);
    rep.managed = has_tag(tags, f.managed_tag);
    rep.limits = settings.value("limits", json::object());
    rep.etag = json_string(sc, "etag");
    rep.modified_on = json_string(sc, "modified_on");
    rep.compatibility_date = json_string(sc, "compatibility_date");
    if (!want_app.empty()) {
        TRY_ASSIGN(json app, find_tenant_application(c, api.account, want_app));
        TRY_ASSIGN(auto instances, application_instances(c, api.account, app));
        auto inst = tenant_instance(instances, app, o.id);
        TenantContainer tc;
        tc.application = json_string(app, "name");
        if (inst) {
            tc.instance_id = inst->value("id", std::string());
            tc.state = json_string(json_at(*inst, "status"), "state");
        } else {
            tc.state = "not running";
        }
        rep.container = tc;
    }
    return rep;
}

Result<TagReport> tag_tenant(const TagOptions& o, const Connect& connect) {
    TRY_STATUS(check_id(o.id));
    TRY_ASSIGN(TenantsFile f, load_target(o.target));
    if (o.op != "set" && o.tags.empty())
        return Error(ErrorKind::Usage, "no tags were given to " + o.op, "tenants tag ID " + o.op + " TAG…");
    TRY_STATUS(check_tag_count(o.tags.size()));
    for (const auto& t : o.tags) {
        if (auto why = check_user_tag(t, f.managed_tag); !why.empty())
            return Error(ErrorKind::Usage, "invalid tag " + quoted(t) + ": " + why);
    }
    size_t user_max = k_max_tags - k_reserved_tags;
    if (o.op != "remove" && o.tags.size() > user_max) {
        return Error(ErrorKind::Usage, std::to_string(o.tags.size()) + " tags given; a tenant has at most " +
                                           std::to_string(user_max) +
                                           " of its own (the API allows 8 per script, tenantctl keeps 3)");
    }
    TRY_ASSIGN(ApiHandle api, connect());
    TRY_ASSIGN(auto cur, api.client->get_script_tags(api.account, f.ns, o.id));
    std::vector<std::string> user = user_tags_of(cur, f.managed_tag), reserved;
    for (const auto& t : cur)
        if (is_reserved_tag(t, f.managed_tag)) reserved.push_back(t);
    if (o.op == "set") user.clear();
    for (const auto& t : o.tags) {
        auto it = std::find(user.begin(), user.end(), t);
        if (o.op == "remove") {
            if (it != user.end()) user.erase(it);
        } else if (it == user.end()) {
            user.push_back(t);
        }
    }
    std::vector<std::string> all = user;
    all.insert(all.end(), reserved.begin(), reserved.end());
    if (all.size() > k_max_tags) {
        return Error(ErrorKind::Usage,
                     "tenant " + quoted(o.id) + " would have " + std::to_string(all.size()) + " tags; the API allows " +
                         std::to_string(k_max_tags),
                     "it has " + std::to_string(reserved.size()) + " reserved tag(s) (" + join(reserved, ", ") +
                         "); remove some of its own tags first. Nothing was sent");
    }
    TagReport rep{f.ns, o.id, all != cur, user};
    if (rep.changed) TRY_STATUS(api.client->put_script_tags(api.account, f.ns, o.id, all));
    return rep;
}

Status check_secret_name(const std::string& n) {
    if (trim(n).empty() || n.find_first_of("\r\n/ ") != std::string::npos)
        return Error(ErrorKind::Usage, "invalid secret name " + quoted(n), "use a name such as API_KEY");
    return {};
}

namespace {

// secret put NAME --tag T: the value to every tenant with the tags.
Result<SecretReport> put_secret_tagged(const SecretOptions& o, const Connect& connect) {
    if (!o.id.empty())
        return Error(ErrorKind::Usage, "give either a tenant id or --tag, not both",
                     "tenants secret put NAME --tag TAG (value on stdin)");
    TRY_STATUS(check_secret_name(o.name));
    TRY_ASSIGN(TenantsFile f, load_target(o.target));
    TRY_ASSIGN(std::string value, o.read_value("Enter the value of " + o.name + ": "));
    Redactor::global().add(value);
    TRY_ASSIGN(ApiHandle api, connect());
    TRY_ASSIGN(auto ids, tagged_ids(api, f.ns, o.tags));
    SecretReport rep;
    rep.ns = f.ns;
    rep.name = o.name;
    rep.tags = o.tags;
    rep.bulk = run_bulk(
        api, ids, "set",
        [&](const std::string& id, std::string& detail) -> Status {
            TRY_STATUS(api.client->put_secret({api.account, f.ns, id}, o.name, value));
            detail = "set " + o.name;
            return {};
        },
        o.bulk);
    return rep;
}

// The checks of the single-tenant secret verbs, then the file.
Result<TenantsFile> secret_target(const SecretOptions& o, bool named) {
    TRY_STATUS(check_id(o.id));
    if (named) TRY_STATUS(check_secret_name(o.name));
    return load_target(o.target);
}

}  // namespace

Result<SecretReport> put_secret(const SecretOptions& o, const Connect& connect) {
    if (!o.tags.empty()) return put_secret_tagged(o, connect);
    TRY_ASSIGN(TenantsFile f, secret_target(o, true));
    TRY_ASSIGN(std::string value, o.read_value("Enter the value of " + o.name + ": "));
    TRY_ASSIGN(ApiHandle api, connect());
    TRY_STATUS(api.client->put_secret({api.account, f.ns, o.id}, o.name, value));
    SecretReport rep;
    rep.ns = f.ns;
    rep.id = o.id;
    rep.name = o.name;
    return rep;
}

Result<SecretReport> list_secrets(const SecretOptions& o, const Connect& connect) {
    TRY_ASSIGN(TenantsFile f, secret_target(o, false));
    TRY_ASSIGN(ApiHandle api, connect());
    TRY_ASSIGN(auto list, api.client->list_secrets({api.account, f.ns, o.id}));
    SecretReport rep;
    rep.ns = f.ns;
    rep.id = o.id;
    for (const auto& x : list) rep.secrets.emplace_back(x.name, x.type);
    return rep;
}

Result<SecretReport> delete_secret(const SecretOptions& o, const Connect& connect) {
    TRY_ASSIGN(TenantsFile f, secret_target(o, true));
    TRY_STATUS(o.confirm("delete secret " + o.name + " of tenant " + o.id));
    TRY_ASSIGN(ApiHandle api, connect());
    TRY_STATUS(api.client->delete_secret({api.account, f.ns, o.id}, o.name));
    SecretReport rep;
    rep.ns = f.ns;
    rep.id = o.id;
    rep.name = o.name;
    return rep;
}

}  // namespace tenantctl::tenants
