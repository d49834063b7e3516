// tenantctl init [DIR] [--template NAME|GIT_URL[#subdir]] [--name NAME] [--force], init --list.
#include "scaffold/init.hpp"
#include "commands/commands.hpp"
#include "core/fs.hpp"
#include "core/redact.hpp"
#include "core/strings.hpp"
#include "scaffold/templates.hpp"

namespace tenantctl::cli {

namespace {

using nlohmann::json;

int list_templates(Context& ctx) {
    auto dir = scaffold::find_templates_dir(ctx.env, scaffold::self_exe_path());
    if (!dir.ok()) return ctx.ui.fail(dir.error());
    auto list = scaffold::list_templates(*dir);
    if (!list.ok()) return ctx.ui.fail(list.error());
    json doc = json::array();
    output::Table t{{"name", "description"}, {}};
    for (const auto& tpl : *list) {
        doc.push_back({{"name", tpl.name}, {"description", tpl.description}, {"path", tpl.path}});
        t.rows.push_back({tpl.name, tpl.description});
    }
    std::string human =
        list->empty()
            ? "No templates in " + *dir + "\n"
            : output::render_table(t) + "\nUse: tenantctl init DIR --template NAME (or --template GIT_URL[#subdir])\n";
    ctx.ui.emit(doc, human);
    return 0;
}

}  // namespace

void register_init(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("init", "Create a project from a template");
    struct Opts {
        std::string dir, template_spec, name;
        bool force = false, list = false;
    };
    auto o = std::make_shared<Opts>();
    cmd->add_option("DIR", o->dir, "Directory for the new project (default: the current directory)");
    cmd->add_option("--template,-t", o->template_spec,
                    "A bundled template (see --list; default: " + std::string(scaffold::k_default_template) +
                        "), or a git URL or local repository path, with an optional #subdir");
    cmd->add_option("--name", o->name, "Project name put into the files (default: from the directory name)");
    cmd->add_flag("--force", o->force, "Write into a directory that is not empty (its other files are kept)");
    cmd->add_flag("--list", o->list, "List the bundled templates");
    cmd->footer(
        "Examples:\n"
        "  tenantctl init --list\n"
        "  tenantctl init my-platform --template container-platform\n"
        "  tenantctl init api --template https://github.com/OWNER/REPO.git#templates/api\n"
        "  tenantctl init tenants --template ./my-templates#tenant-worker --name acme-tenants");
    on_run(cmd, ctx, [&ctx, o] {
        if (o->list) {
            if (!o->dir.empty() || !o->template_spec.empty() || !o->name.empty() || o->force)
                return ctx.ui.fail(
                    Error(ErrorKind::Usage, "--list takes no directory or other options", "tenantctl init --list"));
            return list_templates(ctx);
        }
        scaffold::InitOptions in;
        in.target_dir = o->dir;
        in.base_dir = ctx.cwd();
        in.template_spec = o->template_spec;
        in.name = o->name;
        in.force = o->force;
        in.exe_path = scaffold::self_exe_path();
        auto spec = scaffold::parse_template_source(o->template_spec);
        if (!spec.bundled) ctx.ui.info("Fetching template " + redact_url(spec.url) + " …");
        auto r = scaffold::init_project(in, ctx.env);
        if (!r.ok()) return ctx.ui.fail(r.error());
        json doc = {{"dir", r->dir},       {"name", r->name},     {"template", r->template_name},
                    {"source", r->source}, {"origin", r->origin}, {"files", r->files}};
        std::string rel = relative_to(r->dir, ctx.cwd());
        std::string human = "Created " + r->name + " in " + r->dir + " from the " + r->template_name + " template (" +
                            std::to_string(r->files.size()) + " files)\n\nNext:\n";
        if (rel != "." && rel != "./" && !rel.empty()) human += "  cd " + rel + "\n";
        human += "  tenantctl config validate\n  tenantctl deploy            # see README.md\n";
        ctx.ui.emit(doc, human);
        return 0;
    });
}

}  // namespace tenantctl::cli
