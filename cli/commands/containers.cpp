// tenantctl containers — images (build, push, images list|delete), registries (configure, list, delete,
// credentials) and container applications (list, info, instances, delete, restart).
#include <filesystem>
#include <iostream>
#include <regex>

#include "api_context.hpp"
#include "commands/commands.hpp"
#include "core/fs.hpp"
#include "core/redact.hpp"
#include "core/strings.hpp"
#include "images/docker.hpp"
#include "images/registry.hpp"

namespace tenantctl::cli {

namespace {

using nlohmann::json;

std::string s_of(const json& o, const char* k) {
    if (!o.is_object() || !o.contains(k)) return {};
    const json& v = o[k];
    return v.is_string() ? v.get<std::string>() : v.is_null() ? std::string() : v.dump();
}

std::string apps_path(const ApiSession& s) {
    return api::applications_path(s.account_id);
}

// An application by id, or by name when no id matches (names are unique per account).
Result<json> find_application(ApiSession& s, const std::string& id_or_name) {
    if (trim(id_or_name).empty())
        return Error(ErrorKind::Usage, "no application was given",
                     "pass an application id or name (see `tenantctl containers list`)");
    return s.client->find_application(s.account_id, id_or_name);
}

std::string managed_registry(const Context& ctx) {
    return ctx.env.get_or("CLOUDFLARE_CONTAINER_REGISTRY", "registry.cloudflare.com");
}

Result<images::RegistryCredentials> registry_credentials(ApiSession& s, const std::string& domain, int minutes,
                                                         const std::vector<std::string>& permissions) {
    return images::request_registry_credentials(*s.client, s.account_id, domain, minutes, permissions);
}

// Pushes a local image: resolve the remote name, check the platform, tag, login, push.
Result<json> push_image(Context& ctx, ApiSession& s, images::Docker& docker, const std::string& local) {
    TRY_ASSIGN(auto platform, docker.image_platform(local));
    if (platform != "linux/amd64")
        return Error(ErrorKind::Input, "image " + tenantctl::quoted(local) + " is " + platform + ", not linux/amd64",
                     "rebuild it with `tenantctl containers build` (it always builds linux/amd64)");
    TRY_ASSIGN(auto creds, registry_credentials(s, managed_registry(ctx), 15, {"push", "pull"}));
    images::ImageRef ref = images::parse_image_ref(local);
    std::string remote;
    if (ref.registry.empty() || ref.registry == managed_registry(ctx) || ref.registry == creds.host) {
        ref.registry.clear();
        TRY_ASSIGN(remote, images::resolve_image_name(ref.str(), creds.host, s.account_id));
    } else {
        return Error(ErrorKind::Usage,
                     "image " + tenantctl::quoted(local) + " names another registry (" + ref.registry + ")",
                     "push images to the account's registry: name them NAME:TAG");
    }
    if (images::parse_image_ref(remote).tag.empty()) remote += ":latest";
    if (remote != local) TRY_STATUS(docker.tag(local, remote));
    PrivateTempDir dir("tenantctl-docker");
    if (dir.path().empty()) return Error(ErrorKind::Io, "cannot create a temporary directory for docker");
    TRY_STATUS(docker.login(dir.path(), creds.host, creds.username, creds.password));
    ctx.ui.info("- pushing " + remote);
    images::OutputFn out;
    if (ctx.ui.verbosity() >= 1) out = [](std::string_view c) { std::cerr << c; };
    TRY_ASSIGN(auto digest, docker.push(dir.path(), remote, out));
    images::ImageRef pinned = images::parse_image_ref(remote);
    pinned.tag.clear();
    pinned.digest = digest;
    return json{{"ok", true}, {"image", remote}, {"digest", digest}, {"pinned", pinned.str()}};
}

void register_images(CLI::App* cmd, Context& ctx) {
    // build
    struct BuildFlags {
        std::string path, tag, docker;
        bool push = false;
    };
    auto bf = std::make_shared<BuildFlags>();
    auto* build = cmd->add_subcommand("build", "Build a linux/amd64 image from a directory with a Dockerfile");
    build->add_option("path", bf->path, "Directory holding the Dockerfile (the build context)")->required();
    build->add_option("-t,--tag", bf->tag, "Image name and tag, e.g. my-app:v1")->required();
    build->add_flag("-p,--push", bf->push, "Push the image to the account's registry after building");
    build->add_option("--path-to-docker", bf->docker, "The docker CLI to use (default: $TENANTCTL_DOCKER or docker)");
    on_run(build, ctx, [&ctx, bf] {
        std::string dir = absolute_path(bf->path, ctx.cwd());
        std::string dockerfile = join_path(dir, "Dockerfile");
        auto text = read_file(dockerfile);
        if (!text)
            return ctx.ui.fail(Error(ErrorKind::Input, "there is no Dockerfile in " + tenantctl::quoted(bf->path),
                                     "PATH must be a directory that contains a Dockerfile"));
        auto docker = images::make_docker(images::DockerCli::from_env(ctx.env, bf->docker));
        auto info = docker->info();
        if (!info) return ctx.ui.fail(info.error());
        images::BuildSpec spec;
        spec.dockerfile_path = dockerfile;
        spec.context_dir = dir;
        spec.tag = bf->tag;
        ctx.ui.info("- building " + bf->tag + " (linux/amd64)");
        images::OutputFn out;
        if (!ctx.ui.machine() || ctx.ui.verbosity() >= 1) out = [](std::string_view c) { std::cerr << c; };
        if (auto st = docker->build(*info, spec, *text, out); !st) return ctx.ui.fail(st.error());
        json doc = {{"ok", true}, {"image", bf->tag}, {"pushed", false}};
        if (bf->push) {
            auto s = open_api(ctx);
            if (!s) return ctx.ui.fail(s.error());
            auto r = push_image(ctx, *s, *docker, bf->tag);
            if (!r) return ctx.ui.fail(r.error());
            doc = *r;
            doc["pushed"] = true;
        }
        ctx.ui.emit(doc, "Built " + bf->tag + (bf->push ? "; pushed " + s_of(doc, "pinned") : std::string()) + "\n");
        return 0;
    });

    // push
    auto pf = std::make_shared<BuildFlags>();
    auto* push =
        cmd->add_subcommand("push", "Push a local image to the account's registry with short-lived credentials");
    push->add_option("tag", pf->tag, "Local image NAME:TAG")->required();
    push->add_option("--path-to-docker", pf->docker, "The docker CLI to use (default: $TENANTCTL_DOCKER or docker)");
    on_run(push, ctx, [&ctx, pf] {
        auto docker = images::make_docker(images::DockerCli::from_env(ctx.env, pf->docker));
        if (auto info = docker->info(); !info) return ctx.ui.fail(info.error());
        auto s = open_api(ctx);
        if (!s) return ctx.ui.fail(s.error());
        auto r = push_image(ctx, *s, *docker, pf->tag);
        if (!r) return ctx.ui.fail(r.error());
        ctx.ui.emit(*r, "Pushed image: " + s_of(*r, "pinned") + "\n");
        return 0;
    });

    // images list|delete (the registry's own HTTP API)
    auto* img = cmd->add_subcommand("images", "List or delete images in the account's registry");
    img->require_subcommand(1);
    auto filter = std::make_shared<std::string>();
    auto* il = img->add_subcommand("list", "List the images (repositories and tags) in the account's registry");
    il->add_option("--filter", *filter, "Only repositories matching this regular expression");
    on_run(il, ctx, [&ctx, filter] {
        std::optional<std::regex> re;
        try {
            if (!filter->empty()) re.emplace(*filter);
        } catch (const std::regex_error& e) {
            return ctx.ui.fail(Error(ErrorKind::Usage, "--filter " + tenantctl::quoted(*filter) +
                                                           " is not a regular expression: " + e.what()));
        }
        auto s = open_api(ctx);
        if (!s) return ctx.ui.fail(s.error());
        auto creds = registry_credentials(*s, managed_registry(ctx), 5, {"pull"});
        if (!creds) return ctx.ui.fail(creds.error());
        images::RegistryClient reg(*creds);
        auto cat = reg.catalog();
        if (!cat) return ctx.ui.fail(cat.error());
        json arr = json::array();
        output::Table t{{"repository", "tags"}, {}};
        const std::string prefix = s->account_id + "/";
        for (const auto& [repo, tags] : *cat) {
            if (!starts_with(repo, prefix)) continue;
            std::string name = repo.substr(prefix.size());
            if (re && !std::regex_search(name, *re)) continue;
            arr.push_back({{"name", name}, {"repository", creds->host + "/" + repo}, {"tags", tags}});
            t.rows.push_back({name, join(tags, ", ")});
        }
        ctx.ui.emit(arr, t.rows.empty() ? std::string("No images.\n") : output::render_table(t));
        return 0;
    });
    auto image = std::make_shared<std::string>();
    auto yes = std::make_shared<bool>(false);
    auto* id = img->add_subcommand("delete", "Delete an image tag from the account's registry");
    id->add_option("image", *image, "NAME:TAG")->required();
    id->add_flag("-y,--yes", *yes, "Do not ask for confirmation");
    on_run(id, ctx, [&ctx, image, yes] {
        images::ImageRef ref = images::parse_image_ref(*image);
        if (ref.tag.empty() || !ref.digest.empty())
            return ctx.ui.fail(
                Error(ErrorKind::Usage, "image " + tenantctl::quoted(*image) + " has no tag", "pass NAME:TAG"));
        if (auto c = ctx.ui.confirm("delete image " + tenantctl::quoted(*image), *yes); !c)
            return ctx.ui.fail(c.error());
        auto s = open_api(ctx);
        if (!s) return ctx.ui.fail(s.error());
        auto creds = registry_credentials(*s, managed_registry(ctx), 5, {"push", "pull"});
        if (!creds) return ctx.ui.fail(creds.error());
        std::string repo = ref.repository;
        if (!starts_with(repo, s->account_id + "/")) repo = s->account_id + "/" + repo;
        images::RegistryClient reg(*creds);
        auto d = reg.delete_tag(repo, ref.tag);
        if (!d) return ctx.ui.fail(d.error());
        ctx.ui.emit(json{{"ok", true}, {"deleted", *image}, {"digest", *d}}, "Deleted " + *image + " (" + *d + ")\n");
        return 0;
    });
}

void register_registries(CLI::App* cmd, Context& ctx) {
    auto* reg =
        cmd->add_subcommand("registries", "Configure, list and delete image registries; get registry credentials");
    reg->require_subcommand(1);

    auto* list = reg->add_subcommand("list", "List the registries the account can pull from");
    on_run(list, ctx, [&ctx] {
        auto s = open_api(ctx);
        if (!s) return ctx.ui.fail(s.error());
        auto r =
            s->client->list_all(api::account_path(s->account_id) + "/containers/registries", {}, api::ListOptions{});
        if (!r) return ctx.ui.fail(r.error());
        output::Table t{{"domain", "kind", "public", "created"}, {}};
        json arr = json::array();
        for (const auto& x : *r) {
            arr.push_back(x);
            t.rows.push_back({s_of(x, "domain"), s_of(x, "kind"), s_of(x, "is_public"), s_of(x, "created_at")});
        }
        ctx.ui.emit(arr, output::render_table(t));
        return 0;
    });

    struct ConfigureFlags {
        std::string domain, kind;
        bool is_public = false, yes = false;
    };
    auto cf = std::make_shared<ConfigureFlags>();
    auto* conf = reg->add_subcommand("configure", "Allow the account's applications to pull from an external registry");
    conf->add_option("domain", cf->domain, "Registry domain, e.g. docker.io")->required();
    conf->add_option("--kind", cf->kind, "Registry kind")->check(CLI::IsMember({"ECR", "DockerHub", "GAR"}));
    conf->add_flag("--public", cf->is_public, "The registry is public (no credentials)");
    conf->footer("Private registry credentials are not supported by tenantctl yet: configure public registries here.");
    on_run(conf, ctx, [&ctx, cf] {
        if (trim(cf->domain).empty() || cf->domain.find('/') != std::string::npos)
            return ctx.ui.fail(Error(ErrorKind::Usage,
                                     "registry domain " + tenantctl::quoted(cf->domain) + " is not a host name",
                                     "pass a domain such as docker.io"));
        if (!cf->is_public)
            return ctx.ui.fail(Error(ErrorKind::NotImplemented,
                                     "private registry credentials are not supported by tenantctl yet",
                                     "pass --public for a public registry"));
        auto s = open_api(ctx);
        if (!s) return ctx.ui.fail(s.error());
        json body = {{"domain", cf->domain}, {"is_public", true}};
        if (!cf->kind.empty()) body["kind"] = cf->kind;
        auto r = s->client->call(api::Method::Post, api::account_path(s->account_id) + "/containers/registries", {},
                                 api::json_body(body));
        if (!r) return ctx.ui.fail(r.error());
        ctx.ui.emit(r->result, "Configured registry " + cf->domain + "\n");
        return 0;
    });

    auto dd = std::make_shared<ConfigureFlags>();
    auto* del = reg->add_subcommand("delete", "Remove a configured registry");
    del->add_option("domain", dd->domain, "Registry domain")->required();
    del->add_flag("-y,--yes", dd->yes, "Do not ask for confirmation");
    on_run(del, ctx, [&ctx, dd] {
        if (auto c = ctx.ui.confirm("remove registry " + tenantctl::quoted(dd->domain), dd->yes); !c)
            return ctx.ui.fail(c.error());
        auto s = open_api(ctx);
        if (!s) return ctx.ui.fail(s.error());
        auto r = s->client->call(api::Method::Delete,
                                 api::account_path(s->account_id) + "/containers/registries/" + url_encode(dd->domain));
        if (!r) return ctx.ui.fail(r.error());
        ctx.ui.emit(json{{"ok", true}, {"deleted", dd->domain}}, "Removed registry " + dd->domain + "\n");
        return 0;
    });

    struct CredFlags {
        std::string domain;
        int minutes = 15;
        bool push = false, pull = false, password_stdout = false;
    };
    auto crf = std::make_shared<CredFlags>();
    auto* cred = reg->add_subcommand("credentials", "Get short-lived credentials for a registry");
    cred->add_option("domain", crf->domain, "Registry domain (default: the account's registry)");
    cred->add_option("--expiration-minutes", crf->minutes, "Lifetime of the credentials")->check(CLI::Range(1, 1440));
    cred->add_flag("--push", crf->push, "Allow pushing");
    cred->add_flag("--pull", crf->pull, "Allow pulling (the default when neither is given)");
    cred->add_flag("--password-stdout", crf->password_stdout,
                   "Print only the password on stdout, for `docker login --password-stdin`");
    cred->footer("The password is never part of the table or the --json output: use --password-stdout and pipe it.");
    on_run(cred, ctx, [&ctx, crf] {
        std::vector<std::string> perms;
        if (crf->push) perms.push_back("push");
        if (crf->pull || perms.empty()) perms.push_back("pull");
        auto s = open_api(ctx);
        if (!s) return ctx.ui.fail(s.error());
        std::string domain = crf->domain.empty() ? managed_registry(ctx) : crf->domain;
        auto c = registry_credentials(*s, domain, crf->minutes, perms);
        if (!c) return ctx.ui.fail(c.error());
        if (crf->password_stdout) {
            if (ctx.ui.stdin_tty() && isatty(1))
                return ctx.ui.fail(Error(ErrorKind::Usage, "refusing to print a password to a terminal",
                                         "pipe it: tenantctl containers registries credentials --password-stdout | "
                                         "docker login --password-stdin ..."));
            std::cout << c->password << std::flush;
            return 0;
        }
        json doc = {{"registry_host", c->host},
                    {"username", c->username},
                    {"expiration_minutes", crf->minutes},
                    {"permissions", perms}};
        ctx.ui.emit(doc, output::render_kv({{"registry", c->host},
                                            {"username", c->username},
                                            {"expires in", std::to_string(crf->minutes) + " minutes"},
                                            {"password", "(not shown: use --password-stdout)"}}));
        return 0;
    });
}

std::string app_image(const json& a) {
    return s_of(a.value("configuration", json::object()), "image");
}

void register_applications(CLI::App* cmd, Context& ctx) {
    auto* list = cmd->add_subcommand("list", "List container applications and how many instances run");
    on_run(list, ctx, [&ctx] {
        auto s = open_api(ctx);
        if (!s) return ctx.ui.fail(s.error());
        auto r = s->client->list_applications_with_health(s->account_id);
        if (!r) return ctx.ui.fail(r.error());
        output::Table t{{"id", "name", "image", "running", "healthy", "max instances", "updated"}, {}};
        json arr = json::array();
        for (const auto& a : *r) {
            arr.push_back(a);
            json h = a.contains("health") && a["health"].is_object() ? a["health"].value("instances", json::object())
                                                                     : json::object();
            t.rows.push_back({s_of(a, "id"), s_of(a, "name"), app_image(a), s_of(h, "active"), s_of(h, "healthy"),
                              s_of(a, "max_instances"), s_of(a, "updated_at")});
        }
        ctx.ui.emit(arr, t.rows.empty() ? std::string("No container applications.\n") : output::render_table(t));
        return 0;
    });

    auto app = std::make_shared<std::string>();
    auto* info = cmd->add_subcommand("info", "Show one container application");
    info->add_option("application", *app, "Application id or name")->required();
    on_run(info, ctx, [&ctx, app] {
        auto s = open_api(ctx);
        if (!s) return ctx.ui.fail(s.error());
        auto a = find_application(*s, *app);
        if (!a) return ctx.ui.fail(a.error());
        ctx.ui.emit(*a, a->dump(2) + "\n");
        return 0;
    });

    auto iapp = std::make_shared<std::string>();
    auto* inst = cmd->add_subcommand("instances", "List the instances of an application");
    inst->add_option("application", *iapp, "Application id or name")->required();
    on_run(inst, ctx, [&ctx, iapp] {
        auto s = open_api(ctx);
        if (!s) return ctx.ui.fail(s.error());
        auto a = find_application(*s, *iapp);
        if (!a) return ctx.ui.fail(a.error());
        auto r = s->client->list_instances(s->account_id, s_of(*a, "id"));
        if (!r) return ctx.ui.fail(r.error());
        output::Table t{{"id", "name", "state", "image", "started"}, {}};
        json arr = json::array();
        for (const auto& i : *r) {
            arr.push_back(i);
            json st = i.value("status", json::object());
            t.rows.push_back(
                {s_of(i, "id"), s_of(i, "name"), s_of(st, "state"), s_of(i, "image"), s_of(i, "created_at")});
        }
        ctx.ui.emit(arr, t.rows.empty() ? std::string("No instances.\n") : output::render_table(t));
        return 0;
    });

    auto dapp = std::make_shared<std::string>();
    auto dyes = std::make_shared<bool>(false);
    auto* del = cmd->add_subcommand("delete", "Delete a container application (its instances stop)");
    del->add_option("application", *dapp, "Application id or name")->required();
    del->add_flag("-y,--yes", *dyes, "Do not ask for confirmation");
    on_run(del, ctx, [&ctx, dapp, dyes] {
        if (auto c = ctx.ui.confirm("delete container application " + tenantctl::quoted(*dapp), *dyes); !c)
            return ctx.ui.fail(c.error());
        auto s = open_api(ctx);
        if (!s) return ctx.ui.fail(s.error());
        auto a = find_application(*s, *dapp);
        if (!a) return ctx.ui.fail(a.error());
        auto r = s->client->call(api::Method::Delete, apps_path(*s) + "/" + url_encode(s_of(*a, "id")));
        if (!r) return ctx.ui.fail(r.error());
        ctx.ui.emit(json{{"ok", true}, {"deleted", s_of(*a, "id")}, {"name", s_of(*a, "name")}},
                    "Deleted container application " + s_of(*a, "name") + " (" + s_of(*a, "id") + ")\n");
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
        auto s = open_api(ctx);
        if (!s) return ctx.ui.fail(s.error());
        auto a = find_application(*s, rf->app);
        if (!a) return ctx.ui.fail(a.error());
        const std::string base = apps_path(*s) + "/" + url_encode(s_of(*a, "id"));
        if (!rf->instance.empty()) {
            auto r = s->client->call(api::Method::Delete, base + "/instances/" + url_encode(rf->instance));
            if (!r) return ctx.ui.fail(r.error());
            ctx.ui.emit(
                json{{"ok", true}, {"application_id", s_of(*a, "id")}, {"restarted", json::array({rf->instance})}},
                "Restarted instance " + rf->instance + " of " + s_of(*a, "name") + "\n");
            return 0;
        }
        json body = {{"description", "tenantctl containers restart"},
                     {"strategy", "new_instances"},
                     {"kind", "full_auto"},
                     {"step_percentage", 100},
                     {"target_configuration", a->value("configuration", json::object())}};
        auto r = s->client->call(api::Method::Post, base + "/rollouts", {}, api::json_body(body));
        if (!r) return ctx.ui.fail(r.error());
        ctx.ui.emit(json{{"ok", true}, {"application_id", s_of(*a, "id")}, {"rollout_id", s_of(r->result, "id")}},
                    "Restarting every instance of " + s_of(*a, "name") + " (rollout " + s_of(r->result, "id") + ")\n");
        return 0;
    });
}

}  // namespace

void register_containers(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("containers", "Build, push and manage container applications and images");
    cmd->require_subcommand(1);
    register_images(cmd, ctx);
    register_registries(cmd, ctx);
    register_applications(cmd, ctx);
    register_containers_logs(cmd, ctx);
}

}  // namespace tenantctl::cli
