#pragma once
// `tenantctl containers`: one registration function per part (commands/containers/<part>.cpp); the work is
// lib/deploy's (container_images.hpp, container_apps.hpp).
#include <string>

#include "context.hpp"

namespace tenantctl::cli {

void register_container_images(CLI::App* containers, Context& ctx);        // build, push, images list|delete
void register_container_registries(CLI::App* containers, Context& ctx);    // registries …
void register_container_applications(CLI::App* containers, Context& ctx);  // list, info, instances, delete, restart

}  // namespace tenantctl::cli
