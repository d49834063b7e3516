#include "images/docker.hpp"

#include <cctype>
#include <nlohmann/json.hpp>

#include "core/lines.hpp"
#include "core/process.hpp"
#include "core/strings.hpp"

namespace tenantctl::images {

DockerCli DockerCli::from_env(const Env& env, const std::string& path_override) {
    DockerCli cli;
    if (!path_override.empty())
        cli.binary = path_override;
    else if (auto v = env.get("TENANTCTL_DOCKER"); v && !v->empty())
        cli.binary = *v;
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

std::vector<std::string> push_argv(const DockerCli& cli, const std::string& ref) {
    return {cli.binary, "push", ref};
}

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

std::string push_digest_from_output(std::string_view output) {
    std::string digest;
    size_t pos = 0;
    while ((pos = output.find("digest: sha256:", pos)) != std::string_view::npos) {
        size_t start = pos + 8;
        size_t end = start + 7;
        while (end < output.size() && std::isxdigit(static_cast<unsigned char>(output[end]))) ++end;
        if (end - start == 7 + 64) digest = std::string(output.substr(start, end - start));
        pos = end;
    }
    return digest;
}

namespace {

class CliDocker final : public Docker {
public:
    explicit CliDocker(DockerCli cli) : m_cli(std::move(cli)) {}

    Result<DockerInfo> info() override { return check_docker(m_cli); }

    Status build(const DockerInfo& info, const BuildSpec& spec, const std::string& dockerfile,
                 const OutputFn& out) override {
        ProcessOptions o;
        o.stdin_data = dockerfile;
        std::string tail;
        auto collect = [&](std::string_view chunk) {
            tail.append(chunk);
            if (tail.size() > 65536) tail.erase(0, tail.size() - 32768);
            if (out) out(chunk);
        };
        o.on_stdout = collect;
        o.on_stderr = collect;
        if (info.buildx)
            o.env_set["DOCKER_BUILDKIT"] = "1";
        else
            o.env_set["DOCKER_BUILDKIT"] = "0";
        auto r = run_process(build_argv(m_cli, info, spec), o);
        if (!r) return std::move(r).error();
        if (r->exit_code != 0) {
            return Error(
                ErrorKind::Docker,
                "docker build of " + quoted(spec.tag) + " failed (exit code " + std::to_string(r->exit_code) + ")",
                "docker's last lines:\n" + last_lines(tail, 12));
        }
        return {};
    }

    Status login(const std::string& config_dir, const std::string& registry, const std::string& username,
                 const std::string& password) override {
        ProcessOptions o;
        o.stdin_data = password;
        o.timeout = std::chrono::seconds(60);
        std::vector<std::string> argv = {m_cli.binary, "--config", config_dir,         "login",
                                         "--username", username,   "--password-stdin", registry};
        auto r = run_process(argv, o);
        if (!r) return std::move(r).error();
        if (r->exit_code != 0) {
            return Error(ErrorKind::Auth, "docker login to " + quoted(registry) + " failed: " + last_lines(r->err, 1),
                         "the registry refused the short-lived credentials from the control plane");
        }
        return {};
    }

    Result<std::string> push(const std::string& config_dir, const std::string& ref, const OutputFn& out) override {
        ProcessOptions o;
        std::string all;
        auto collect = [&](std::string_view chunk) {
            all.append(chunk);
            if (out) out(chunk);
        };
        o.on_stdout = collect;
        o.on_stderr = collect;
        auto r = run_process({m_cli.binary, "--config", config_dir, "push", ref}, o);
        if (!r) return std::move(r).error();
        if (r->exit_code != 0) {
            return Error(ErrorKind::Docker, "docker push of " + quoted(ref) + " was refused: " + last_lines(all, 1),
                         "docker's last lines:\n" + last_lines(all, 6));
        }
        std::string digest = push_digest_from_output(all);
        if (digest.empty()) {
            auto ins = run_process(inspect_argv(m_cli, ref, "{{json .RepoDigests}}"));
            if (ins && ins->exit_code == 0) {
                auto j = nlohmann::json::parse(ins->out, nullptr, false);
                if (j.is_array())
                    for (const auto& d : j)
                        if (d.is_string() && d.get<std::string>().find("@sha256:") != std::string::npos)
                            digest = d.get<std::string>().substr(d.get<std::string>().find('@') + 1);
            }
        }
        if (digest.empty()) return Error(ErrorKind::Docker, "docker push of " + quoted(ref) + " reported no digest");
        return digest;
    }

    Status tag(const std::string& from, const std::string& to) override {
        auto r = run_process(tag_argv(m_cli, from, to));
        if (!r) return std::move(r).error();
        if (r->exit_code != 0)
            return Error(ErrorKind::Docker, "docker tag " + from + " " + to + ": " + last_lines(r->err, 1));
        return {};
    }

    Result<std::string> image_platform(const std::string& ref) override {
        auto r = run_process(inspect_argv(m_cli, ref, "{{.Os}}/{{.Architecture}}"));
        if (!r) return std::move(r).error();
        if (r->exit_code != 0)
            return Error(ErrorKind::NotFound, "there is no local image " + quoted(ref),
                         "build it first (`tenantctl containers build`) or check the name with `docker images`");
        return std::string(trim(r->out));
    }

private:
    DockerCli m_cli;
};

}  // namespace

std::unique_ptr<Docker> make_docker(const DockerCli& cli) {
    return std::make_unique<CliDocker>(cli);
}

}  // namespace tenantctl::images
