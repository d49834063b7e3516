#pragma once
// `containers build|push|images|registries`: linux/amd64 images built with the docker CLI and pushed to the
// account's registry with short-lived credentials from the control plane, the images that registry holds (its
// v2 API: catalog, tag deletes), and the registries the account's applications can pull from. Each call checks
// its input first and opens the account (OpenAccount) only when it needs it.
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/env.hpp"
#include "core/result.hpp"
#include "deploy/account.hpp"
#include "images/docker.hpp"
#include "images/registry.hpp"

namespace tenantctl::deploy {

// The account's registry: $CLOUDFLARE_CONTAINER_REGISTRY, else registry.cloudflare.com.
std::string managed_registry(const Env& env);

struct ImageEvents {
    std::function<void(const std::string&)> step;  // "building …", "pushing …"
    images::OutputFn build_output;                 // docker build's output, as it arrives
    images::OutputFn push_output;                  // docker push's output, as it arrives
};

struct ImagePushReport {
    std::string image;   // the remote name pushed (REGISTRY/ACCOUNT/NAME:TAG)
    std::string digest;  // sha256:…
    std::string pinned;  // REGISTRY/ACCOUNT/NAME@DIGEST
    nlohmann::json to_json() const;
};

struct ImageBuildOptions {
    std::string path;    // the build context as given (a directory with a Dockerfile)
    std::string cwd;     // what a relative `path` is relative to
    std::string tag;     // NAME:TAG
    std::string docker;  // the docker CLI (empty: $TENANTCTL_DOCKER or docker)
    bool push = false;
};

struct ImageBuildReport {
    std::string image;                    // the tag built
    std::optional<ImagePushReport> push;  // with `push`
    nlohmann::json to_json() const;
};

// Builds a linux/amd64 image from PATH/Dockerfile, and pushes it when asked.
Result<ImageBuildReport> build_image(const Env& env, const ImageBuildOptions& options, const OpenAccount& open,
                                     const ImageEvents& events);
// Pushes a local linux/amd64 image NAME:TAG to the account's registry (as REGISTRY/ACCOUNT/NAME:TAG).
Result<ImagePushReport> push_image(const Env& env, const std::string& docker, const std::string& image,
                                   const OpenAccount& open, const ImageEvents& events);

struct RegistryImage {
    std::string name;        // below the account: NAME
    std::string repository;  // HOST/ACCOUNT/NAME
    std::vector<std::string> tags;
};
nlohmann::json registry_images_json(const std::vector<RegistryImage>& images);
// The account's images in its registry; `filter` (a regular expression, empty: all) picks repositories by name.
Result<std::vector<RegistryImage>> list_registry_images(const Env& env, const std::string& filter,
                                                        const OpenAccount& open);

struct ImageDeleteReport {
    std::string image;   // NAME:TAG as given
    std::string digest;  // the manifest deleted
    nlohmann::json to_json() const;
};
// Deletes a tag (NAME:TAG) from the account's registry, after `confirm`.
Result<ImageDeleteReport> delete_registry_image(const Env& env, const std::string& image, const ConfirmFn& confirm,
                                                const OpenAccount& open);

// The registries the account can pull from (the API's objects).
Result<std::vector<nlohmann::json>> list_registries(const OpenAccount& open);

struct RegistryConfigureOptions {
    std::string domain;
    std::string kind;  // ECR | DockerHub | GAR, or empty
    bool is_public = false;
};
// Allows pulling from a public registry (private registry credentials are not supported): the API's object.
Result<nlohmann::json> configure_registry(const RegistryConfigureOptions& options, const OpenAccount& open);

struct RegistryDeleteReport {
    std::string domain;
    nlohmann::json to_json() const;
};
Result<RegistryDeleteReport> delete_registry(const std::string& domain, const ConfirmFn& confirm,
                                             const OpenAccount& open);

struct RegistryCredentialsOptions {
    std::string domain;  // empty: the account's registry
    int minutes = 15;
    bool push = false;
    bool pull = false;  // pull is asked for when neither is
};
struct RegistryCredentialsReport {
    images::RegistryCredentials credentials;
    int minutes = 0;
    std::vector<std::string> permissions;
    nlohmann::json to_json() const;  // never the password
};
Result<RegistryCredentialsReport> registry_credentials(const Env& env, const RegistryCredentialsOptions& options,
                                                       const OpenAccount& open);

}  // namespace tenantctl::deploy
