// containers build|push|images list|delete: linux/amd64 images and the account's registry.
#include <iostream>

#include "api_context.hpp"
#include "commands/containers/containers.hpp"
#include "core/strings.hpp"
#include "deploy/container_images.hpp"
#include "events.hpp"

namespace tenantctl::cli {

namespace {

struct ImageFlags {
    std::string path, tag, docker;
    bool push = false;
};

void register_build_push(CLI::App* cmd, Context& ctx) {
    auto bf = std::make_shared<ImageFlags>();
    auto* build = cmd->add_subcommand("build", "Build a linux/amd64 image from a directory with a Dockerfile");
    build->add_option("path", bf->path, "Directory holding the Dockerfile (the build context)")->required();
    build->add_option("-t,--tag", bf->tag, "Image name and tag, e.g. my-app:v1")->required();
    build->add_flag("-p,--push", bf->push, "Push the image to the account's registry after building");
    build->add_option("--path-to-docker", bf->docker, "The docker CLI to use (default: $TENANTCTL_DOCKER or docker)");
    on_run(build, ctx, [&ctx, bf] {
        std::unique_ptr<Progress> progress = ctx.ui.progress();
        auto r = deploy::build_image(ctx.env, {bf->path, ctx.cwd(), bf->tag, bf->docker, bf->push}, account_opener(ctx),
                                     image_events(*progress));
        progress->finish();
        if (!r) return ctx.ui.fail(r.error());
        ctx.ui.emit(r->to_json(),
                    "Built " + r->image + (r->push ? "; pushed " + r->push->pinned : std::string()) + "\n");
        return 0;
    });

    auto pf = std::make_shared<ImageFlags>();
    auto* push =
        cmd->add_subcommand("push", "Push a local image to the account's registry with short-lived credentials");
    push->add_option("tag", pf->tag, "Local image NAME:TAG")->required();
    push->add_option("--path-to-docker", pf->docker, "The docker CLI to use (default: $TENANTCTL_DOCKER or docker)");
    on_run(push, ctx, [&ctx, pf] {
        std::unique_ptr<Progress> progress = ctx.ui.progress();
        auto r = deploy::push_image(ctx.env, pf->docker, pf->tag, account_opener(ctx), image_events(*progress));
        progress->finish();
        if (!r) return ctx.ui.fail(r.error());
        ctx.ui.emit(r->to_json(), "Pushed image: " + r->pinned + "\n");
        return 0;
    });
}

}  // namespace

void register_container_images(CLI::App* cmd, Context& ctx) {
    register_build_push(cmd, ctx);

    // images list|delete (the registry's own HTTP API)
    auto* img = cmd->add_subcommand("images", "List or delete images in the account's registry");
    img->require_subcommand(1);
    auto filter = std::make_shared<std::string>();
    auto* il = img->add_subcommand("list", "List the images (repositories and tags) in the account's registry");
    il->add_option("--filter", *filter, "Only repositories matching this regular expression");
    on_run(il, ctx, [&ctx, filter] {
        auto r = deploy::list_registry_images(ctx.env, *filter, account_opener(ctx));
        if (!r) return ctx.ui.fail(r.error());
        output::Table t{{"repository", "tags"}, {}};
        for (const auto& i : *r) t.rows.push_back({i.name, join(i.tags, ", ")});
        ctx.ui.emit(deploy::registry_images_json(*r),
                    t.rows.empty() ? std::string("No images.\n") : output::render_table(t));
        return 0;
    });
    auto image = std::make_shared<std::string>();
    auto yes = std::make_shared<bool>(false);
    auto* id = img->add_subcommand("delete", "Delete an image tag from the account's registry");
    id->add_option("image", *image, "NAME:TAG")->required();
    id->add_flag("-y,--yes", *yes, "Do not ask for confirmation");
    on_run(id, ctx, [&ctx, image, yes] {
        auto r = deploy::delete_registry_image(ctx.env, *image, confirmer(ctx, *yes), account_opener(ctx));
        if (!r) return ctx.ui.fail(r.error());
        ctx.ui.emit(r->to_json(), "Deleted " + r->image + " (" + r->digest + ")\n");
        return 0;
    });
}

}  // namespace tenantctl::cli
