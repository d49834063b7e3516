#include "images/docker.hpp"

#include "core/process.hpp"
#include "core/strings.hpp"

namespace tenantctl::images {

DockerCli DockerCli::from_env(const Env& env, const std::string& path_override) {
    DockerCli cli;
    if (!path_override.empty()) cli.binary = path_override;
    else if (auto v = env.get("TENANTCTL_DOCKER"); v && !v->empty()) cli.binary = *v;
    return cli;
}

std::vector<std::string> build_argv(const DockerCli& cli, const DockerInfo& info, const BuildSpec& spec) {
    std::vector<std::string> argv = {cli.binary};
    if (info.buildx) {
        // BuildKit via buildx: load the result into the local image store, no provenance attestations.
        argv.insert(argv.end(), {"buildx", "build", "--load", "--provenance=false"});
    } else {
        argv.push_back("build");  // the legacy builder (docker.io 20.10 without buildx)
    }
    argv.insert(argv.end(), {"--platform", spec.platform, "-t", spec.tag});
    for (const auto& [k, v] : spec.build_args) argv.insert(argv.end(), {"--build-arg", k + "=" + v});
    for (const auto& [k, v] : spec.labels) argv.insert(argv.end(), {"--label", k + "=" + v});
    argv.insert(argv.end(), {"-f", "-", spec.context_dir});
    return argv;
}

std::vector<std::string> login_argv(const DockerCli& cli, const std::string& registry, const std::string& username) {
    return {cli.binary, "login", "--username", username, "--password-stdin", registry};
}

std::vector<std::string> tag_argv(const DockerCli& cli, const std::string& from, const std::string& to) {
    return {cli.binary, "tag", from, to};
}

std::vector<std::string> push_argv(const DockerCli& cli, const std::string& ref) { return {cli.binary, "push", ref}; }

std::vector<std::string> inspect_argv(const DockerCli& cli, const std::string& ref, const std::string& format) {
    return {cli.binary, "image", "inspect", ref, "--format", format};
}

Result<DockerInfo> check_docker(const DockerCli& cli) {
    ProcessOptions opts;
    opts.timeout = std::chrono::seconds(20);
    auto r = run_process({cli.binary, "info", "--format", "{{.ServerVersion}}"}, opts);
    if (!r.ok()) {
        return Error(ErrorKind::Docker, "the docker CLI '" + cli.binary + "' could not be launched",
                     "install Docker (Debian: apt-get install docker.io) or point TENANTCTL_DOCKER / "
                     "--path-to-docker at the docker binary");
    }
    if (r->exit_code != 0 || trim(r->out).empty()) {
        std::string detail(trim(r->err));
        if (auto nl = detail.find('\n'); nl != std::string::npos) detail = detail.substr(0, nl);
        return Error(ErrorKind::Docker, "the docker daemon is not reachable" + (detail.empty() ? "" : ": " + detail),
                     "start dockerd (or set DOCKER_HOST), then run the command again");
    }
    DockerInfo info;
    info.server_version = std::string(trim(r->out));
    auto bx = run_process({cli.binary, "buildx", "version"}, opts);
    info.buildx = bx.ok() && bx->exit_code == 0;
    return info;
}

}  // namespace tenantctl::images
