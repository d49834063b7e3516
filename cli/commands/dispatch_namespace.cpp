// dispatch-namespace list|get|create|delete|rename (Workers for Platforms).
#include "api_context.hpp"
#include "commands/commands.hpp"
#include "core/strings.hpp"

namespace tenantctl::cli {

namespace {

using nlohmann::json;

json ns_json(const api::DispatchNamespace& n) {
    json j = n.raw.is_object() ? n.raw : json::object();
    j["namespace_id"] = n.id;
    j["namespace_name"] = n.name;
    return j;
}

std::string ns_human(const api::DispatchNamespace& n) {
    return output::render_kv({{"name", n.name},
                              {"id", n.id},
                              {"scripts", std::to_string(n.script_count)},
                              {"trusted workers", n.trusted_workers ? "yes" : "no"},
                              {"created", n.created_on},
                              {"modified", n.modified_on}});
}

Status check_name(const std::string& name, const char* what) {
    if (trim(name).empty()) {
        return Error(ErrorKind::Usage, std::string("the ") + what + " must not be empty",
                     "give a dispatch namespace name");
    }
    return {};
}

}  // namespace

void register_dispatch_namespace(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("dispatch-namespace", "Manage Workers for Platforms dispatch namespaces");
    cmd->require_subcommand(1);

    auto* list = cmd->add_subcommand("list", "List the dispatch namespaces of the account");
    on_run(list, ctx, [&ctx] {
        auto s = open_api(ctx);
        if (!s.ok()) return ctx.ui.fail(s.error());
        auto r = s->client->list_dispatch_namespaces(s->account_id);
        if (!r.ok()) return ctx.ui.fail(r.error());
        json doc = json::array();
        output::Table t{{"name", "id", "scripts", "created"}, {}};
        for (const auto& n : *r) {
            doc.push_back(ns_json(n));
            t.rows.push_back({n.name, n.id, std::to_string(n.script_count), n.created_on});
        }
        ctx.ui.emit(doc, r->empty() ? "No dispatch namespaces\n" : output::render_table(t));
        return 0;
    });

    auto name = std::make_shared<std::string>();
    auto* get = cmd->add_subcommand("get", "Show one dispatch namespace");
    get->add_option("name", *name, "Namespace name")->required();
    on_run(get, ctx, [&ctx, name] {
        if (auto st = check_name(*name, "namespace name"); !st.ok()) return ctx.ui.fail(st.error());
        auto s = open_api(ctx);
        if (!s.ok()) return ctx.ui.fail(s.error());
        auto r = s->client->get_dispatch_namespace(s->account_id, *name);
        if (!r.ok()) return ctx.ui.fail(r.error());
        ctx.ui.emit(ns_json(*r), ns_human(*r));
        return 0;
    });

    auto* create = cmd->add_subcommand("create", "Create a dispatch namespace");
    create->add_option("name", *name, "Namespace name")->required();
    on_run(create, ctx, [&ctx, name] {
        if (auto st = check_name(*name, "namespace name"); !st.ok()) return ctx.ui.fail(st.error());
        auto s = open_api(ctx);
        if (!s.ok()) return ctx.ui.fail(s.error());
        auto r = s->client->create_dispatch_namespace(s->account_id, *name);
        if (!r.ok()) return ctx.ui.fail(r.error());
        ctx.ui.emit(ns_json(*r), "Created dispatch namespace \"" + (r->name.empty() ? *name : r->name) +
                                     "\" with ID \"" + r->id + "\"\n");
        return 0;
    });

    auto yes = std::make_shared<bool>(false);
    auto* del = cmd->add_subcommand("delete", "Delete a dispatch namespace (and the tenant workers in it)");
    del->add_option("name", *name, "Namespace name")->required();
    del->add_flag("-y,--yes", *yes, "Do not ask for confirmation");
    on_run(del, ctx, [&ctx, name, yes] {
        if (auto st = check_name(*name, "namespace name"); !st.ok()) return ctx.ui.fail(st.error());
        if (auto c = ctx.ui.confirm("delete dispatch namespace \"" + *name + "\" and every worker in it", *yes);
            !c.ok()) {
            return ctx.ui.fail(c.error());
        }
        auto s = open_api(ctx);
        if (!s.ok()) return ctx.ui.fail(s.error());
        if (auto r = s->client->delete_dispatch_namespace(s->account_id, *name); !r.ok()) return ctx.ui.fail(r.error());
        ctx.ui.emit(json{{"ok", true}, {"deleted", *name}}, "Deleted dispatch namespace \"" + *name + "\"\n");
        return 0;
    });

    auto new_name = std::make_shared<std::string>();
    auto* rename = cmd->add_subcommand("rename", "Rename a dispatch namespace");
    rename->add_option("old", *name, "Current name")->required();
    rename->add_option("new", *new_name, "New name")->required();
    rename->add_flag("-y,--yes", *yes, "Do not ask for confirmation");
    rename->footer("Dispatchers that bind the namespace by its old name stop finding it, so this asks first.");
    on_run(rename, ctx, [&ctx, name, new_name, yes] {
        if (auto st = check_name(*name, "old name"); !st.ok()) return ctx.ui.fail(st.error());
        if (auto st = check_name(*new_name, "new name"); !st.ok()) return ctx.ui.fail(st.error());
        if (auto c = ctx.ui.confirm("rename dispatch namespace \"" + *name + "\" to \"" + *new_name + "\"", *yes);
            !c.ok()) {
            return ctx.ui.fail(c.error());
        }
        auto s = open_api(ctx);
        if (!s.ok()) return ctx.ui.fail(s.error());
        auto r = s->client->rename_dispatch_namespace(s->account_id, *name, *new_name);
        if (!r.ok()) return ctx.ui.fail(r.error());
        json doc = ns_json(*r);
        if (r->name.empty()) doc["namespace_name"] = *new_name;
        ctx.ui.emit(doc, "Renamed dispatch namespace \"" + *name + "\" to \"" + *new_name + "\"\n");
        return 0;
    });
}

}  // namespace tenantctl::cli
