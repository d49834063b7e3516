// The single-tenant reports: create, list, get, tag, secret.
#include "render/tenants.hpp"

#include "core/json.hpp"
#include "core/strings.hpp"
#include "output/render.hpp"

namespace tenantctl::cli {

using nlohmann::json;

namespace {

json tenant_doc(const std::string& ns, const std::string& id) {
    return {{"namespace", ns}, {"id", id}};
}

std::string tags_text(const std::vector<std::string>& tags) {
    return tags.empty() ? "-" : join(tags, ",");
}

Rendered shown(json doc, std::string human) {
    Rendered r;
    r.doc = std::move(doc);
    r.human = std::move(human);
    return r;
}

}  // namespace

Rendered render_create(const tenants::CreateReport& r) {
    json doc = tenant_doc(r.ns, r.id);
    doc["ok"] = true;
    doc["plan"] = r.plan;
    doc["tags"] = r.tags;
    doc["limits"] = r.limits;
    doc["created_resources"] = r.created_resources;
    json res = json::object();
    for (const auto& [kind, name] : r.resources) res[kind] = name;
    doc["resources"] = res;
    std::string human = "Created tenant " + r.id + " in dispatch namespace " + r.ns;
    if (!r.plan.empty()) human += " (plan " + r.plan + ")";
    if (!r.created_resources.empty()) human += "; created " + join(r.created_resources, ", ");
    return shown(doc, human + "\n");
}

Rendered render_list(const tenants::ListReport& r) {
    json doc = json::array();
    output::Table t{{"id", "plan", "tags", "managed", "modified"}, {}};
    for (const auto& x : r.tenants) {
        doc.push_back(
            {{"id", x.id}, {"plan", x.plan}, {"tags", x.tags}, {"managed", x.managed}, {"modified_on", x.modified_on}});
        t.rows.push_back({x.id, x.plan, tags_text(x.tags), x.managed ? "yes" : "no", x.modified_on});
    }
    return shown(doc, r.tenants.empty()
                          ? "No tenants in dispatch namespace " + r.ns + (r.filtered ? " match the filter" : "") + "\n"
                          : output::render_table(t));
}

Rendered render_get(const tenants::GetReport& r) {
    json doc = tenant_doc(r.ns, r.id);
    doc["plan"] = r.plan;
    doc["tags"] = r.tags;
    doc["managed"] = r.managed;
    doc["digest"] = r.digest;
    doc["limits"] = r.limits;
    doc["bindings"] = r.bindings;
    doc["resources"] = r.resources;
    doc["secrets"] = r.secrets;
    doc["script"] = {{"etag", r.etag}, {"modified_on", r.modified_on}, {"compatibility_date", r.compatibility_date}};
    std::string container = "-";
    if (r.container) {
        json cj = {{"application", r.container->application}, {"state", r.container->state}};
        if (!r.container->instance_id.empty()) cj["instance_id"] = r.container->instance_id;
        container = r.container->state + " (" + r.container->application + ")";
        doc["container"] = cj;
    }
    std::vector<std::pair<std::string, std::string>> kv{
        {"id", r.id},
        {"namespace", r.ns},
        {"plan", r.plan.empty() ? "-" : r.plan},
        {"tags", tags_text(r.tags)},
        {"managed", r.managed ? "yes" : "no"},
        {"limits", r.limits.dump()},
        {"secrets", r.secrets.empty() ? "-" : join(r.secrets, ",")},
        {"modified", r.modified_on},
        {"container", container},
    };
    std::string human = output::render_kv(kv);
    output::Table bt{{"binding", "type", "target"}, {}};
    for (const auto& b : r.bindings) {
        std::string target = b.contains("namespace_id")  ? json_string(b, "namespace_id")
                             : b.contains("bucket_name") ? json_string(b, "bucket_name")
                             : b.contains("id")          ? json_string(b, "id")
                             : b.contains("text")        ? json_string(b, "text")
                                                         : std::string();
        bt.rows.push_back({json_string(b, "name"), json_string(b, "type"), target});
    }
    if (!bt.rows.empty()) human += "\n" + output::render_table(bt);
    return shown(doc, human);
}

Rendered render_tag(const tenants::TagReport& r) {
    json doc = tenant_doc(r.ns, r.id);
    doc["ok"] = true;
    doc["changed"] = r.changed;
    doc["tags"] = r.tags;
    return shown(doc, "Tags of tenant " + r.id + (r.changed ? ": " : " unchanged: ") + tags_text(r.tags) + "\n");
}

Rendered render_secret_put(const tenants::SecretReport& r) {
    if (r.bulk) return render_bulk({{"namespace", r.ns}, {"tags", r.tags}, {"name", r.name}}, *r.bulk);
    json doc = tenant_doc(r.ns, r.id);
    doc["ok"] = true;
    doc["name"] = r.name;
    return shown(doc, "Set secret " + r.name + " of tenant " + r.id + "\n");
}

Rendered render_secret_list(const tenants::SecretReport& r) {
    json doc = tenant_doc(r.ns, r.id);
    json names = json::array();
    output::Table t{{"name", "type"}, {}};
    for (const auto& [name, type] : r.secrets) {
        names.push_back({{"name", name}, {"type", type}});
        t.rows.push_back({name, type});
    }
    doc["secrets"] = names;
    return shown(doc, r.secrets.empty() ? "No secrets on tenant " + r.id + "\n" : output::render_table(t));
}

Rendered render_secret_delete(const tenants::SecretReport& r) {
    json doc = tenant_doc(r.ns, r.id);
    doc["ok"] = true;
    doc["deleted"] = r.name;
    return shown(doc, "Deleted secret " + r.name + " of tenant " + r.id + "\n");
}

}  // namespace tenantctl::cli
