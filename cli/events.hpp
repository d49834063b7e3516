#pragma once
// The events of deploy, versions upload and image builds, drawn by the Ui's one Progress: each step a "- step"
// line, a tool's own output (docker build and push, a custom build) through Progress::output, bundler warnings
// with their position.
#include "context.hpp"
#include "deploy/container_images.hpp"
#include "deploy/deploy.hpp"

namespace tenantctl::cli {

deploy::DeployEvents deploy_events(Ui& ui, Progress& progress);
deploy::ImageEvents image_events(Progress& progress);

}  // namespace tenantctl::cli
