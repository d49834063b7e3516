#pragma once
// The docker CLI, as pure argv builders plus a thin runner. Secrets (registry passwords) go over stdin only.
#include <functional>
#include <map>
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
    std::string dockerfile_path;   // read by us and piped on stdin (-f -)
    std::string context_dir;       // absolute
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

}  // namespace tenantctl::images
