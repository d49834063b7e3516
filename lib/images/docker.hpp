#pragma once
// The docker CLI, as pure argv builders plus a thin runner. Secrets (registry passwords) go over stdin only.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/env.hpp"
#include "core/result.hpp"

namespace tenantctl::images {

struct DockerCli {
    std::string binary = "docker";  // TENANTCTL_DOCKER or --path-to-docker
    static DockerCli from_env(const Env& env, const std::string& path_override = {});
};

struct DockerInfo {
    std::string server_version;
    bool buildx = false;  // `docker buildx version` works: build with --load/--provenance=false
};

struct BuildSpec {
    std::string dockerfile_path;                                  // read by us and piped on stdin (-f -)
    std::string context_dir;                                      // absolute
    std::vector<std::pair<std::string, std::string>> build_args;  // image_vars, in order
    std::map<std::string, std::string> labels;
    std::string tag;
    std::string platform = "linux/amd64";
};

// `docker build …` argv for the detected builder. The Dockerfile itself is passed on stdin.
std::vector<std::string> build_argv(const DockerCli& cli, const DockerInfo& info, const BuildSpec& spec);
std::vector<std::string> login_argv(const DockerCli& cli, const std::string& registry, const std::string& username);
std::vector<std::string> tag_argv(const DockerCli& cli, const std::string& from, const std::string& to);
std::vector<std::string> push_argv(const DockerCli& cli, const std::string& ref);
std::vector<std::string> inspect_argv(const DockerCli& cli, const std::string& ref, const std::string& format);

// Runs `docker info` (and detects buildx). A missing CLI or daemon is one clear error with a hint.
Result<DockerInfo> check_docker(const DockerCli& cli);

// What deploy and `containers build|push` need from docker, as a seam (tests substitute a fake).
// Output lines of long-running steps go to `out` as they arrive.
using OutputFn = std::function<void(std::string_view)>;
class Docker {
public:
    virtual ~Docker() = default;
    virtual Result<DockerInfo> info() = 0;
    // A failed build is an Error whose message carries docker's exit code and whose hint holds its last lines.
    virtual Status build(const DockerInfo& info, const BuildSpec& spec, const std::string& dockerfile_content,
                         const OutputFn& out) = 0;
    // `docker --config DIR login --password-stdin`: the password travels on stdin, the credentials land in
    // DIR (a private directory the caller removes), never in the user's docker config.
    virtual Status login(const std::string& config_dir, const std::string& registry, const std::string& username,
                         const std::string& password) = 0;
    // Pushes and returns the manifest digest the registry reported ("sha256:…").
    virtual Result<std::string> push(const std::string& config_dir, const std::string& ref, const OutputFn& out) = 0;
    virtual Status tag(const std::string& from, const std::string& to) = 0;
    // "linux/amd64" for an image in the local store; NotFound when there is no such image.
    virtual Result<std::string> image_platform(const std::string& ref) = 0;
};

std::unique_ptr<Docker> make_docker(const DockerCli& cli);

// The digest in `docker push` output ("…: digest: sha256:… size: N"); empty when there is none.
std::string push_digest_from_output(std::string_view output);

}  // namespace tenantctl::images
