// tenantctl containers — images (build, push, images list|delete), registries (configure, list, delete,
// credentials), container applications (list, info, instances, delete, restart) and their output (logs).
#include "api_context.hpp"
#include "commands/commands.hpp"
#include "commands/containers/containers.hpp"
#include "core/json.hpp"
#include "deploy/container_apps.hpp"

namespace tenantctl::cli {

namespace {

using nlohmann::json;

std::string app_image(const json& a) {
    return json_text(a.value("configuration", json::object()), "image");
}

std::string applications_text(const std::vector<json>& apps) {
    output::Table t{{"id", "name", "image", "running", "healthy", "max instances", "updated"}, {}};
    for (const auto& a : apps) {
        json h = a.contains("health") && a["health"].is_object() ? a["health"].value("instances", json::object())
                                                                 : json::object();
        t.rows.push_back({json_text(a, "id"), json_text(a, "name"), app_image(a), json_text(h, "active"),
                          json_text(h, "healthy"), json_text(a, "max_instances"), json_text(a, "updated_at")});
    }
    return t.rows.empty() ? std::string("No container applications.\n") : output::render_table(t);
}

std::string instances_text(const std::vector<json>& instances) {
    output::Table t{{"id", "name", "state", "image", "started"}, {}};
    for (const auto& i : instances)
        t.rows.push_back({json_text(i, "id"), json_text(i, "name"),
                          json_text(i.value("status", json::object()), "state"), json_text(i, "image"),
                          json_text(i, "created_at")});
    return t.rows.empty() ? std::string("No instances.\n") : output::render_table(t);
}

}  // namespace

void register_container_applications(CLI::App* cmd, Context& ctx) {
    auto* list = cmd->add_subcommand("list", "List container applications and how many instances run");
    on_run(list, ctx, [&ctx] {
        auto r = deploy::list_applications(account_opener(ctx));
        if (!r) return ctx.ui.fail(r.error());
        ctx.ui.emit(json(*r), applications_text(*r));
        return 0;
    });

    auto app = std::make_shared<std::string>();
    auto* info = cmd->add_subcommand("info", "Show one container application");
    info->add_option("application", *app, "Application id or name")->required();
    on_run(info, ctx, [&ctx, app] {
        auto a = deploy::application_info(*app, account_opener(ctx));
        if (!a) return ctx.ui.fail(a.error());
        ctx.ui.emit(*a, a->dump(2) + "\n");
        return 0;
    });

    auto iapp = std::make_shared<std::string>();
    auto* inst = cmd->add_subcommand("instances", "List the instances of an application");
    inst->add_option("application", *iapp, "Application id or name")->required();
    on_run(inst, ctx, [&ctx, iapp] {
        auto r = deploy::list_application_instances(*iapp, account_opener(ctx));
        if (!r) return ctx.ui.fail(r.error());
        ctx.ui.emit(json(*r), instances_text(*r));
        return 0;
    });

    auto dapp = std::make_shared<std::string>();
    auto dyes = std::make_shared<bool>(false);
    auto* del = cmd->add_subcommand("delete", "Delete a container application (its instances stop)");
    del->add_option("application", *dapp, "Application id or name")->required();
    del->add_flag("-y,--yes", *dyes, "Do not ask for confirmation");
    on_run(del, ctx, [&ctx, dapp, dyes] {
        auto r = deploy::delete_application(*dapp, confirmer(ctx, *dyes), account_opener(ctx));
        if (!r) return ctx.ui.fail(r.error());
        ctx.ui.emit(r->to_json(), "Deleted container application " + r->name + " (" + r->id + ")\n");
        return 0;
    });

    struct RestartFlags {
        std::string app, instance;
    };
    auto rf = std::make_shared<RestartFlags>();
    auto* restart = cmd->add_subcommand("restart", "Restart an application's instances (or one with --instance)");
    restart->add_option("application", rf->app, "Application id or name")->required();
    restart->add_option("--instance", rf->instance, "Only this instance (its id)");
    restart->footer(
        "One instance: deleting it stops it, and the next request starts a new one. All instances: a "
        "`new_instances` rollout of the current configuration.");
    on_run(restart, ctx, [&ctx, rf] {
        auto r = deploy::restart_application(rf->app, rf->instance, account_opener(ctx));
        if (!r) return ctx.ui.fail(r.error());
        ctx.ui.emit(r->to_json(), r->instance.empty()
                                      ? "Restarting every instance of " + r->name + " (rollout " + r->rollout_id + ")\n"
                                      : "Restarted instance " + r->instance + " of " + r->name + "\n");
        return 0;
    });
}

void register_containers(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("containers", "Build, push and manage container applications and images");
    cmd->require_subcommand(1);
    register_container_images(cmd, ctx);
    register_container_registries(cmd, ctx);
    register_container_applications(cmd, ctx);
    register_containers_logs(cmd, ctx);
}

}  // namespace tenantctl::cli
