// r2 bucket list|create|delete (with --jurisdiction sent as cf-r2-jurisdiction).
#include "api_context.hpp"
#include "commands/commands.hpp"
#include "core/strings.hpp"

namespace tenantctl::cli {

namespace {

using nlohmann::json;

struct R2Cli {
    std::string name;
    api::R2Options options;
    bool yes = false;
};

json bucket_json(const api::R2Bucket& b) {
    json j = b.raw.is_object() ? b.raw : json::object();
    j["name"] = b.name;
    return j;
}

// ^[a-z0-9][a-z0-9-]*[a-z0-9]$, 3-64 characters.
Status check_bucket(const std::string& name) {
    bool ok = name.size() >= 3 && name.size() <= 64 && name.front() != '-' && name.back() != '-';
    for (unsigned char c : name) {
        if (!(std::islower(c) || std::isdigit(c) || c == '-')) ok = false;
    }
    if (!ok) {
        return Error(ErrorKind::Usage, "invalid bucket name " + tenantctl::quoted(name),
                     "use 3-64 lower-case letters, digits and '-', not starting or ending with '-'");
    }
    return {};
}

void add_jurisdiction(CLI::App* c, R2Cli& o) {
    c->add_option("-J,--jurisdiction", o.options.jurisdiction, "Jurisdiction (eu, fedramp); sent as cf-r2-jurisdiction")
        ->check(CLI::IsMember({"eu", "fedramp", "default"}));
}

}  // namespace

void register_r2(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("r2", "Manage R2 buckets");
    cmd->require_subcommand(1);
    auto* bucket = cmd->add_subcommand("bucket", "Manage R2 buckets");
    bucket->require_subcommand(1);
    auto o = std::make_shared<R2Cli>();

    auto* list = bucket->add_subcommand("list", "List buckets (all pages)");
    add_jurisdiction(list, *o);
    on_run(list, ctx, [&ctx, o] {
        auto s = open_api(ctx);
        if (!s.ok()) return ctx.ui.fail(s.error());
        auto r = s->client->list_r2_buckets(s->account_id, o->options);
        if (!r.ok()) return ctx.ui.fail(r.error());
        json doc = json::array();
        output::Table t{{"name", "created", "location", "storage class"}, {}};
        for (const auto& b : *r) {
            doc.push_back(bucket_json(b));
            t.rows.push_back({b.name, b.creation_date, b.location, b.storage_class});
        }
        ctx.ui.emit(doc, r->empty() ? "No buckets\n" : output::render_table(t));
        return 0;
    });

    auto* create = bucket->add_subcommand("create", "Create a bucket");
    create->add_option("name", o->name, "Bucket name")->required();
    add_jurisdiction(create, *o);
    create->add_option("--location", o->options.location_hint, "Location hint")
        ->check(CLI::IsMember({"apac", "eeur", "enam", "weur", "wnam", "oc"}));
    create->add_option("-s,--storage-class", o->options.storage_class, "Default storage class")
        ->check(CLI::IsMember({"Standard", "InfrequentAccess"}));
    on_run(create, ctx, [&ctx, o] {
        if (auto st = check_bucket(o->name); !st.ok()) return ctx.ui.fail(st.error());
        auto s = open_api(ctx);
        if (!s.ok()) return ctx.ui.fail(s.error());
        auto r = s->client->create_r2_bucket(s->account_id, o->name, o->options);
        if (!r.ok()) return ctx.ui.fail(r.error());
        ctx.ui.emit(bucket_json(*r), "Created bucket \"" + o->name + "\"\n");
        return 0;
    });

    auto* del = bucket->add_subcommand("delete", "Delete an (empty) bucket");
    del->add_option("name", o->name, "Bucket name")->required();
    add_jurisdiction(del, *o);
    del->add_flag("-y,--yes", o->yes, "Do not ask for confirmation");
    on_run(del, ctx, [&ctx, o] {
        if (auto st = check_bucket(o->name); !st.ok()) return ctx.ui.fail(st.error());
        if (auto c = ctx.ui.confirm("delete bucket \"" + o->name + "\"", o->yes); !c.ok())
            return ctx.ui.fail(c.error());
        auto s = open_api(ctx);
        if (!s.ok()) return ctx.ui.fail(s.error());
        if (auto r = s->client->delete_r2_bucket(s->account_id, o->name, o->options); !r.ok())
            return ctx.ui.fail(r.error());
        ctx.ui.emit(json{{"ok", true}, {"deleted", o->name}}, "Deleted bucket \"" + o->name + "\"\n");
        return 0;
    });
}

}  // namespace tenantctl::cli
