#include "deploy/container_images.hpp"

#include <regex>

#include "core/fs.hpp"
#include "core/strings.hpp"

namespace tenantctl::deploy {

using nlohmann::json;

namespace {

Result<images::RegistryCredentials> credentials_for(const AccountClient& a, const std::string& domain, int minutes,
                                                    const std::vector<std::string>& permissions) {
    return images::request_registry_credentials(*a.client, a.account_id, domain, minutes, permissions);
}

// Resolves the remote name, checks the platform, tags, logs in (a private docker config) and pushes.
Result<ImagePushReport> push_with(const Env& env, images::Docker& docker, const std::string& local,
                                  const AccountClient& account, const ImageEvents& events) {
    TRY_ASSIGN(auto platform, docker.image_platform(local));
    if (platform != "linux/amd64")
        return Error(ErrorKind::Input, "image " + quoted(local) + " is " + platform + ", not linux/amd64",
                     "rebuild it with `tenantctl containers build` (it always builds linux/amd64)");
    const std::string managed = managed_registry(env);
    TRY_ASSIGN(auto creds, credentials_for(account, managed, 15, {"push", "pull"}));
    images::ImageRef ref = images::parse_image_ref(local);
    std::string remote;
    if (ref.registry.empty() || ref.registry == managed || ref.registry == creds.host) {
        ref.registry.clear();
        TRY_ASSIGN(remote, images::resolve_image_name(ref.str(), creds.host, account.account_id));
    } else {
        return Error(ErrorKind::Usage, "image " + quoted(local) + " names another registry (" + ref.registry + ")",
                     "push images to the account's registry: name them NAME:TAG");
    }
    if (images::parse_image_ref(remote).tag.empty()) remote += ":latest";
    if (remote != local) TRY_STATUS(docker.tag(local, remote));
    PrivateTempDir dir("tenantctl-docker");
    if (dir.path().empty()) return Error(ErrorKind::Io, "cannot create a temporary directory for docker");
    TRY_STATUS(docker.login(dir.path(), creds.host, creds.username, creds.password));
    if (events.step) events.step("pushing " + remote);
    TRY_ASSIGN(auto digest, docker.push(dir.path(), remote, events.push_output));
    images::ImageRef pinned = images::parse_image_ref(remote);
    pinned.tag.clear();
    pinned.digest = digest;
    return ImagePushReport{remote, digest, pinned.str()};
}

}  // namespace

std::string managed_registry(const Env& env) {
    return env.get_or("CLOUDFLARE_CONTAINER_REGISTRY", "registry.cloudflare.com");
}

json ImagePushReport::to_json() const {
    return {{"ok", true}, {"image", image}, {"digest", digest}, {"pinned", pinned}};
}

json ImageBuildReport::to_json() const {
    if (!push) return {{"ok", true}, {"image", image}, {"pushed", false}};
    json doc = push->to_json();
    doc["pushed"] = true;
    return doc;
}

Result<ImageBuildReport> build_image(const Env& env, const ImageBuildOptions& options, const OpenAccount& open,
                                     const ImageEvents& events) {
    std::string dir = absolute_path(options.path, options.cwd);
    std::string dockerfile = join_path(dir, "Dockerfile");
    auto text = read_file(dockerfile);
    if (!text)
        return Error(ErrorKind::Input, "there is no Dockerfile in " + quoted(options.path),
                     "PATH must be a directory that contains a Dockerfile");
    auto docker = images::make_docker(images::DockerCli::from_env(env, options.docker));
    TRY_ASSIGN(auto info, docker->info());
    images::BuildSpec spec;
    spec.dockerfile_path = dockerfile;
    spec.context_dir = dir;
    spec.tag = options.tag;
    if (events.step) events.step("building " + options.tag + " (linux/amd64)");
    TRY_STATUS(docker->build(info, spec, *text, events.build_output));
    ImageBuildReport report{options.tag, std::nullopt};
    if (options.push) {
        TRY_ASSIGN(auto account, open());
        TRY_ASSIGN(report.push, push_with(env, *docker, options.tag, account, events));
    }
    return report;
}

Result<ImagePushReport> push_image(const Env& env, const std::string& docker_path, const std::string& image,
                                   const OpenAccount& open, const ImageEvents& events) {
    auto docker = images::make_docker(images::DockerCli::from_env(env, docker_path));
    TRY_STATUS(docker->info());
    TRY_ASSIGN(auto account, open());
    return push_with(env, *docker, image, account, events);
}

json registry_images_json(const std::vector<RegistryImage>& list) {
    json arr = json::array();
    for (const auto& i : list) arr.push_back({{"name", i.name}, {"repository", i.repository}, {"tags", i.tags}});
    return arr;
}

Result<std::vector<RegistryImage>> list_registry_images(const Env& env, const std::string& filter,
                                                        const OpenAccount& open) {
    std::optional<std::regex> re;
    try {
        if (!filter.empty()) re.emplace(filter);
    } catch (const std::regex_error& e) {
        return Error(ErrorKind::Usage, "--filter " + quoted(filter) + " is not a regular expression: " + e.what());
    }
    TRY_ASSIGN(auto account, open());
    TRY_ASSIGN(auto creds, credentials_for(account, managed_registry(env), 5, {"pull"}));
    images::RegistryClient reg(creds);
    TRY_ASSIGN(auto catalog, reg.catalog());
    std::vector<RegistryImage> out;
    const std::string prefix = account.account_id + "/";
    for (const auto& [repo, tags] : catalog) {
        if (!starts_with(repo, prefix)) continue;
        std::string name = repo.substr(prefix.size());
        if (re && !std::regex_search(name, *re)) continue;
        out.push_back({name, creds.host + "/" + repo, tags});
    }
    return out;
}

json ImageDeleteReport::to_json() const {
    return {{"ok", true}, {"deleted", image}, {"digest", digest}};
}

Result<ImageDeleteReport> delete_registry_image(const Env& env, const std::string& image, const ConfirmFn& confirm,
                                                const OpenAccount& open) {
    images::ImageRef ref = images::parse_image_ref(image);
    if (ref.tag.empty() || !ref.digest.empty())
        return Error(ErrorKind::Usage, "image " + quoted(image) + " has no tag", "pass NAME:TAG");
    if (confirm) TRY_STATUS(confirm("delete image " + quoted(image)));
    TRY_ASSIGN(auto account, open());
    TRY_ASSIGN(auto creds, credentials_for(account, managed_registry(env), 5, {"push", "pull"}));
    std::string repo = ref.repository;
    if (!starts_with(repo, account.account_id + "/")) repo = account.account_id + "/" + repo;
    images::RegistryClient reg(creds);
    TRY_ASSIGN(auto digest, reg.delete_tag(repo, ref.tag));
    return ImageDeleteReport{image, digest};
}

Result<std::vector<json>> list_registries(const OpenAccount& open) {
    TRY_ASSIGN(auto account, open());
    return account.client->list_registries(account.account_id);
}

Result<json> configure_registry(const RegistryConfigureOptions& options, const OpenAccount& open) {
    if (trim(options.domain).empty() || options.domain.find('/') != std::string::npos)
        return Error(ErrorKind::Usage, "registry domain " + quoted(options.domain) + " is not a host name",
                     "pass a domain such as docker.io");
    if (!options.is_public)
        return Error(ErrorKind::NotImplemented, "private registry credentials are not supported by tenantctl yet",
                     "pass --public for a public registry");
    TRY_ASSIGN(auto account, open());
    json body = {{"domain", options.domain}, {"is_public", true}};
    if (!options.kind.empty()) body["kind"] = options.kind;
    return account.client->create_registry(account.account_id, body);
}

json RegistryDeleteReport::to_json() const {
    return {{"ok", true}, {"deleted", domain}};
}

Result<RegistryDeleteReport> delete_registry(const std::string& domain, const ConfirmFn& confirm,
                                             const OpenAccount& open) {
    if (confirm) TRY_STATUS(confirm("remove registry " + quoted(domain)));
    TRY_ASSIGN(auto account, open());
    TRY_STATUS(account.client->delete_registry(account.account_id, domain));
    return RegistryDeleteReport{domain};
}

json RegistryCredentialsReport::to_json() const {
    return {{"registry_host", credentials.host},
            {"username", credentials.username},
            {"expiration_minutes", minutes},
            {"permissions", permissions}};
}

Result<RegistryCredentialsReport> registry_credentials(const Env& env, const RegistryCredentialsOptions& options,
                                                       const OpenAccount& open) {
    RegistryCredentialsReport report;
    report.minutes = options.minutes;
    if (options.push) report.permissions.push_back("push");
    if (options.pull || report.permissions.empty()) report.permissions.push_back("pull");
    TRY_ASSIGN(auto account, open());
    std::string domain = options.domain.empty() ? managed_registry(env) : options.domain;
    TRY_ASSIGN(report.credentials, credentials_for(account, domain, options.minutes, report.permissions));
    return report;
}

}  // namespace tenantctl::deploy
