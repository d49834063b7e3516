#include "tenants/engine.hpp"

#include <algorithm>
#include <atomic>

#include "config/config.hpp"
#include "core/fs.hpp"
#include "core/json.hpp"
#include "core/redact.hpp"
#include "core/sha256.hpp"
#include "core/strings.hpp"
#include "tenants/bulk.hpp"

namespace tenantctl::tenants {

using nlohmann::json;

// ---- sources --------------------------------------------------------------------------------------

Result<Source> source_from_script(const std::string& script_path, const std::optional<std::string>& compatibility_date,
                                  const std::vector<std::string>& compatibility_flags) {
    if (!file_exists(script_path)) {
        return Error(ErrorKind::Input, "the tenant script " + quoted(script_path) + " does not exist",
                     "build it first, or point script: at the module to upload");
    }
    config::WorkerConfig w;
    w.main = script_path;
    w.compatibility_date = compatibility_date;
    w.compatibility_flags = compatibility_flags;
    workers::UploadOptions o;
    o.config_dir = parent_dir(script_path);
    TRY_ASSIGN(auto bundle, workers::build_upload(w, o));
    return Source{std::move(bundle), "script " + script_path};
}

Result<Source> source_from_config(const config::WorkerConfig& worker, const std::string& config_dir,
                                  const std::string& display, const std::optional<std::string>& compatibility_date) {
    workers::UploadOptions o;
    o.config_dir = config_dir;
    o.compatibility_date = compatibility_date;
    TRY_ASSIGN(auto bundle, workers::build_upload(worker, o));
    return Source{std::move(bundle), "config " + display};
}

Result<Source> source_for_file(const TenantsFile& f, const Env& env) {
    if (!f.script.empty()) {
        return source_from_script(absolute_path(f.script, f.dir), f.compatibility_date,
                                  f.compatibility_flags.value_or(std::vector<std::string>{}));
    }
    config::LoadOptions lo;
    lo.cwd = f.dir;
    lo.config_path = f.config;
    lo.env = std::string();
    lo.environment = &env;
    lo.dispatch_namespace = f.ns;
    TRY_ASSIGN(auto cfg, config::load_config_checked(lo, true));
    TRY_ASSIGN(Source s, source_from_config(cfg.worker(), cfg.dir, cfg.display_path, f.compatibility_date));
    if (f.compatibility_flags) s.bundle.metadata["compatibility_flags"] = *f.compatibility_flags;
    return s;
}

// ---- tags and digests ----------------------------------------------------------------------------

std::string plan_tag(const std::string& plan) {
    return "plan-" + plan;
}

bool is_reserved_tag(const std::string& tag, const std::string& managed_tag) {
    // deploy's upload digest tag belongs to `tenantctl deploy --dispatch-namespace`, not to the tenant
    return tag == managed_tag || starts_with(tag, "plan-") || starts_with(tag, "tcd-") ||
           starts_with(tag, workers::k_upload_tag_prefix);
}

std::vector<std::string> user_tags_of(const std::vector<std::string>& tags, const std::string& managed_tag) {
    std::vector<std::string> out;
    for (const auto& t : tags)
        if (!is_reserved_tag(t, managed_tag)) out.push_back(t);
    return out;
}

std::string plan_of_tags(const std::vector<std::string>& tags) {
    for (const auto& t : tags)
        if (starts_with(t, "plan-")) return t.substr(5);
    return {};
}

std::string digest_of_tags(const std::vector<std::string>& tags) {
    for (const auto& t : tags)
        if (starts_with(t, "tcd-") && t.size() == 44) return t.substr(4);
    return {};
}

std::string resource_name(const std::string& prefix, const std::string& id) {
    return prefix + "-" + id;
}

// HMAC-SHA256 (RFC 2104) as lowercase hex.
std::string hmac_sha256_hex(const std::string& key, const std::string& message) {
    static constexpr char k_digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : hmac_sha256(key, message)) {
        out += k_digits[c >> 4];
        out += k_digits[c & 15];
    }
    return out;
}

namespace {

std::string seg(const std::string& data) {
    return sha256_hex(data).substr(0, 8);
}

std::string binding_name(const TenantsFile& f, Resource r) {
    switch (r) {
        case Resource::Kv:
            return f.bindings.kv;
        case Resource::R2:
            return f.bindings.r2;
        case Resource::D1:
            return f.bindings.d1;
    }
    return {};
}

json limits_for(const TenantsFile& f, const Source& src, const TenantSpec& t) {
    json limits = src.bundle.metadata.value("limits", json::object());
    if (!limits.is_object()) limits = json::object();
    if (auto it = f.plans.find(t.plan); it != f.plans.end()) limits.update(it->second.limits());
    return limits;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}

}  // namespace

Desired desire(const TenantsFile& f, const Source& src, const TenantSpec& t,
               const std::map<std::string, std::string>* secret_values, const std::string& digest_key) {
    Desired d;
    d.limits = limits_for(f, src, t);
    std::string secrets = t.manage_secrets ? "managed:" : "kept:";
    for (const auto& [name, _] : t.secrets) secrets += name + "\n";
    if (secret_values && !digest_key.empty()) {
        std::string values;
        for (const auto& [name, value] : *secret_values)
            values += name + "=" + std::to_string(value.size()) + ":" + value + "\n";
        secrets += "hmac:" + hmac_sha256_hex(digest_key, t.id + "\n" + values);
    }
    json iso = json::array();
    for (auto r : t.isolate) iso.push_back({to_string(r), binding_name(f, r), resource_name(f.prefix, t.id)});
    d.digest = seg(src.bundle.digest) + seg(t.vars.dump()) + seg(secrets) + seg(iso.dump()) + seg(d.limits.dump());
    d.tags = t.tags;
    d.tags.push_back(f.managed_tag);
    if (!t.plan.empty()) d.tags.push_back(plan_tag(t.plan));
    d.tags.push_back("tcd-" + d.digest);
    return d;
}

// ---- observing ------------------------------------------------------------------------------------

Result<Observed> observe(api::ApiClient& client, const std::string& account, const std::string& ns,
                         const std::set<Resource>& kinds) {
    Observed o;
    auto listed = client.list_namespace_scripts(account, ns);
    if (!listed.ok()) {
        Error e = std::move(listed).error();
        if (e.kind == ErrorKind::NotFound)
            e.hint = "check the namespace, or create it: tenantctl dispatch-namespace create " + ns;
        return e;
    }
    auto& scripts = *listed;
    for (const auto& item : scripts) {
        const json& sc = item.contains("script") && item["script"].is_object() ? item["script"] : item;
        ObservedTenant t;
        t.id = json_string(sc, "id");
        if (t.id.empty()) continue;
        if (sc.contains("tags") && sc["tags"].is_array())
            for (const auto& tag : sc["tags"])
                if (tag.is_string()) t.tags.push_back(tag.get<std::string>());
        t.modified_on = item.value("modified_on", json_string(sc, "modified_on"));
        o.tenants[t.id] = t;
    }
    if (kinds.count(Resource::Kv)) {
        TRY_ASSIGN(auto kvs, client.list_kv_namespaces(account));
        for (const auto& k : kvs) o.kv_by_title[k.title] = k.id;
    }
    if (kinds.count(Resource::R2)) {
        TRY_ASSIGN(auto buckets, client.list_r2_buckets(account));
        for (const auto& b : buckets) o.r2_buckets.insert(b.name);
    }
    if (kinds.count(Resource::D1)) {
        TRY_ASSIGN(auto dbs, client.list_d1_databases(account));
        for (const auto& db : dbs) o.d1_by_name[db.name] = db.uuid;
    }
    return o;
}

// ---- planning -------------------------------------------------------------------------------------

const char* to_string(Action a) {
    switch (a) {
        case Action::Create:
            return "create";
        case Action::Update:
            return "update";
        case Action::Delete:
            return "delete";
        case Action::Unchanged:
            return "unchanged";
    }
    return "?";
}

const char* to_string(ItemResult::Status s) {
    switch (s) {
        case ItemResult::Status::Ok:
            return "ok";
        case ItemResult::Status::Failed:
            return "failed";
        case ItemResult::Status::Skipped:
            return "skipped";
    }
    return "?";
}

namespace {

bool resource_exists(const Observed& obs, Resource r, const std::string& name) {
    switch (r) {
        case Resource::Kv:
            return obs.kv_by_title.count(name) > 0;
        case Resource::R2:
            return obs.r2_buckets.count(name) > 0;
        case Resource::D1:
            return obs.d1_by_name.count(name) > 0;
    }
    return false;
}

}  // namespace

std::vector<std::string> unlisted_managed(const TenantsFile& f, const Observed& obs) {
    std::set<std::string> listed;
    for (const auto& t : f.tenants) listed.insert(t.id);
    std::vector<std::string> out;
    for (const auto& [id, t] : obs.tenants) {
        if (listed.count(id)) continue;
        if (std::find(t.tags.begin(), t.tags.end(), f.managed_tag) != t.tags.end()) out.push_back(id);
    }
    return out;
}

std::vector<PlanItem> make_plan(const TenantsFile& f, const Source& src, const Observed& obs, const PlanOptions& o) {
    std::vector<PlanItem> plan;
    for (const auto& t : f.tenants) {
        PlanItem item;
        item.id = t.id;
        item.spec = &t;
        const std::map<std::string, std::string>* values = nullptr;
        if (o.secret_values)
            if (auto it = o.secret_values->find(t.id); it != o.secret_values->end()) values = &it->second;
        item.desired = desire(f, src, t, values, o.digest_key);
        auto it = obs.tenants.find(t.id);
        if (it == obs.tenants.end()) {
            item.action = Action::Create;
            item.upload = true;
            plan.push_back(std::move(item));
            continue;
        }
        const auto& cur = it->second;
        item.tags_before = cur.tags;
        std::string have = digest_of_tags(cur.tags);
        bool managed = std::find(cur.tags.begin(), cur.tags.end(), f.managed_tag) != cur.tags.end();
        if (!managed) item.changes.push_back("adopt");  // an existing script tenantctl did not write
        for (size_t i = 0; i < 5; ++i) {
            if (have.size() != 40 || have.substr(i * 8, 8) != item.desired.digest.substr(i * 8, 8)) {
                item.changes.push_back(k_digest_fields[i]);
                item.upload = true;
            }
        }
        if (plan_of_tags(cur.tags) != t.plan) item.changes.push_back("plan");
        if (sorted(user_tags_of(cur.tags, f.managed_tag)) != sorted(t.tags) || !managed) item.changes.push_back("tags");
        for (auto r : t.isolate) {
            if (!resource_exists(obs, r, resource_name(f.prefix, t.id))) {
                item.changes.push_back("resources");
                item.upload = true;
                break;
            }
        }
        if (o.force && !item.upload) {
            item.upload = true;
            item.changes.push_back("forced");
        }
        item.action = item.changes.empty() ? Action::Unchanged : Action::Update;
        plan.push_back(std::move(item));
    }
    if (o.prune) {
        for (const auto& id : unlisted_managed(f, obs)) {
            PlanItem item;
            item.action = Action::Delete;
            item.id = id;
            item.tags_before = obs.tenants.at(id).tags;
            plan.push_back(std::move(item));
        }
    }
    return plan;
}

// ---- uploads --------------------------------------------------------------------------------------

json upload_metadata(const TenantsFile& f, const Source& src, const TenantSpec& t, const Desired& d,
                     const std::map<std::string, std::string>& resource_ids,
                     const std::map<std::string, std::string>& secrets) {
    json m = src.bundle.metadata;
    // Tenant bindings replace base bindings of the same name.
    config::Bindings per;
    std::set<std::string> names;
    for (auto it = t.vars.begin(); it != t.vars.end(); ++it) {
        per.vars.emplace_back(it.key(), it.value());
        names.insert(it.key());
    }
    for (auto r : t.isolate) {
        std::string b = binding_name(f, r);
        std::string name = resource_name(f.prefix, t.id);
        names.insert(b);
        auto id = resource_ids.count(to_string(r)) ? resource_ids.at(to_string(r)) : std::string();
        switch (r) {
            case Resource::Kv:
                per.kv_namespaces.push_back({b, id});
                break;
            case Resource::R2:
                per.r2_buckets.push_back({b, name, std::nullopt});
                break;
            case Resource::D1:
                per.d1_databases.push_back({b, id, {}, {}, {}});
                break;
        }
    }
    for (const auto& [name, _] : secrets) names.insert(name);
    json bindings = json::array();
    for (const auto& b : m.value("bindings", json::array()))
        if (!names.count(json_string(b, "name"))) bindings.push_back(b);
    for (const auto& b : workers::bindings_json(per)) bindings.push_back(b);
    for (const auto& [name, value] : secrets)
        bindings.push_back({{"type", "secret_text"}, {"name", name}, {"text", value}});
    m["bindings"] = bindings;
    if (!d.limits.empty())
        m["limits"] = d.limits;
    else
        m.erase("limits");
    m["tags"] = d.tags;
    if (t.manage_secrets) {
        json keep = json::array();
        for (const auto& k : m.value("keep_bindings", json::array()))
            if (k != "secret_text" && k != "secret_key") keep.push_back(k);
        m["keep_bindings"] = keep;
    }
    return m;
}

namespace {

struct Runner {
    api::ApiClient& client;
    const std::string& account;
    const TenantsFile& f;
    const Source& src;
    const Observed& obs;
    const std::map<std::string, std::map<std::string, std::string>>& secrets;
    const ApplyOptions& o;

    Status ensure_resources(const TenantSpec& t, std::map<std::string, std::string>& ids, ItemResult& r) {
        std::string name = resource_name(f.prefix, t.id);
        // A resource with an id (KV namespace, D1 database): the one observed by that name, else a new one.
        auto ensure = [&](const std::string& kind, const std::map<std::string, std::string>& observed,
                          auto create) -> Status {
            if (auto it = observed.find(name); it != observed.end()) {
                ids[kind] = it->second;
                return {};
            }
            TRY_ASSIGN(std::string id, create());
            ++r.writes;
            ids[kind] = id;
            r.created_resources.push_back(kind + ":" + name);
            return {};
        };
        for (auto res : t.isolate) {
            switch (res) {
                case Resource::Kv: {
                    TRY_STATUS(ensure("kv", obs.kv_by_title, [&]() -> Result<std::string> {
                        TRY_ASSIGN(auto ns, client.create_kv_namespace(account, name));
                        return ns.id;
                    }));
                    break;
                }
                case Resource::R2: {
                    if (obs.r2_buckets.count(name)) break;
                    auto b = client.create_r2_bucket(account, name);
                    ++r.writes;
                    if (!b.ok() && b.error().kind != ErrorKind::Conflict) return std::move(b).error();
                    r.created_resources.push_back("r2:" + name);
                    break;
                }
                case Resource::D1: {
                    TRY_STATUS(ensure("d1", obs.d1_by_name, [&]() -> Result<std::string> {
                        TRY_ASSIGN(auto db, client.create_d1_database(account, name));
                        return db.uuid;
                    }));
                    break;
                }
            }
        }
        return {};
    }

    Status run(const PlanItem& item, ItemResult& r) {
        if (o.before_change && (item.action == Action::Update || item.action == Action::Delete))
            TRY_STATUS(o.before_change(item));
        switch (item.action) {
            case Action::Unchanged:
                return {};
            case Action::Delete: {
                TRY_STATUS(client.delete_namespace_script(account, f.ns, item.id, true));
                ++r.writes;
                if (o.purge) {
                    TRY_ASSIGN(auto gone, purge_resources(client, account, f.prefix, item.id, obs));
                    r.writes += static_cast<int>(gone.size());
                }
                return {};
            }
            case Action::Create:
            case Action::Update: {
                const TenantSpec& t = *item.spec;
                if (!item.upload) {
                    TRY_STATUS(client.put_script_tags(account, f.ns, t.id, item.desired.tags));
                    ++r.writes;
                    return {};
                }
                std::map<std::string, std::string> ids;
                TRY_STATUS(ensure_resources(t, ids, r));
                static const std::map<std::string, std::string> none;
                auto sit = secrets.find(t.id);
                json m = upload_metadata(f, src, t, item.desired, ids, sit == secrets.end() ? none : sit->second);
                workers::UploadBundle b{m, src.bundle.modules, {}, {}, {}, {}};
                TRY_STATUS(client.put_namespace_script(account, f.ns, t.id, workers::encode_upload(b)));
                ++r.writes;
                return {};
            }
        }
        return {};
    }
};

}  // namespace

std::vector<ItemResult> apply_plan(api::ApiClient& client, const std::string& account, const TenantsFile& f,
                                   const Source& src, const Observed& obs, const std::vector<PlanItem>& plan,
                                   const std::map<std::string, std::map<std::string, std::string>>& secrets,
                                   const ApplyOptions& o) {
    std::vector<ItemResult> results(plan.size());
    for (size_t i = 0; i < plan.size(); ++i) {
        results[i].id = plan[i].id;
        results[i].action = plan[i].action;
        results[i].status = plan[i].action == Action::Unchanged ? ItemResult::Status::Ok : ItemResult::Status::Skipped;
    }
    // The changes run in the bulk pool (bulk.hpp), keyed by tenant id (unique in a plan).
    std::vector<std::string> ids;
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < plan.size(); ++i) {
        if (plan[i].action == Action::Unchanged) continue;
        ids.push_back(plan[i].id);
        index[plan[i].id] = i;
    }
    Runner runner{client, account, f, src, obs, secrets, o};
    BulkOptions bo;
    bo.concurrency = o.concurrency;
    bo.cancel = o.cancel;
    bo.max_failures = o.max_failures;
    if (o.on_done)
        bo.on_done = [&](const BulkItem& it, size_t done, size_t total) {
            o.on_done(results[index.at(it.id)], done, total);
        };
    for_each_tenant(
        ids,
        [&](const std::string& id, std::string&) -> Status {
            size_t i = index.at(id);
            ItemResult& r = results[i];
            auto st = runner.run(plan[i], r);
            if (st.ok()) {
                r.status = ItemResult::Status::Ok;
            } else {
                r.status = ItemResult::Status::Failed;
                r.interrupted = st.error().kind == ErrorKind::Interrupted;
                r.error = Redactor::global().redact(st.error().message);
            }
            return st;
        },
        bo);
    return results;
}

Result<std::vector<std::string>> purge_resources(api::ApiClient& client, const std::string& account,
                                                 const std::string& prefix, const std::string& id,
                                                 const Observed& obs) {
    std::vector<std::string> gone;
    std::string name = resource_name(prefix, id);
    if (auto it = obs.kv_by_title.find(name); it != obs.kv_by_title.end()) {
        TRY_STATUS(client.delete_kv_namespace(account, it->second));
        gone.push_back("kv:" + name);
    }
    if (obs.r2_buckets.count(name)) {
        TRY_STATUS(client.delete_r2_bucket(account, name));
        gone.push_back("r2:" + name);
    }
    if (auto it = obs.d1_by_name.find(name); it != obs.d1_by_name.end()) {
        TRY_STATUS(client.delete_d1_database(account, it->second));
        gone.push_back("d1:" + name);
    }
    return gone;
}

}  // namespace tenantctl::tenants
