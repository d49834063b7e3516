#include "images/registry.hpp"

#include <nlohmann/json.hpp>

#include "core/json.hpp"
#include "core/redact.hpp"
#include "core/strings.hpp"

namespace tenantctl::images {

const char* const k_manifest_accept =
    "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";

namespace {

bool loopback(const std::string& host) {
    std::string h = host.substr(0, host.rfind(':') == std::string::npos ? host.size() : host.rfind(':'));
    return h == "localhost" || starts_with(h, "127.") || h == "[::1]";
}

std::string repo_path(const std::string& repository) {
    // Repository names are path components separated by '/'; each component is encoded on its own.
    std::vector<std::string> parts;
    for (const auto& p : split(repository, '/')) parts.push_back(url_encode(p));
    return join(parts, "/");
}

Error registry_error(const std::string& what, const api::HttpResponse& r) {
    std::string detail;
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_object() && j.contains("errors") && j["errors"].is_array() && !j["errors"].empty() &&
        j["errors"][0].is_object()) {
        detail = json_string(j["errors"][0], "code") + ": " + json_string(j["errors"][0], "message");
    }
    ErrorKind kind = r.status == 401 || r.status == 403 ? ErrorKind::Auth
                     : r.status == 404                  ? ErrorKind::NotFound
                                                        : ErrorKind::Api;
    return Error(
        kind,
        what + ": registry answered HTTP " + std::to_string(r.status) + (detail.empty() ? "" : " (" + detail + ")"),
        r.status == 401 ? "the registry credentials were refused; they are short-lived, run the command again" : "");
}

}  // namespace

Result<RegistryCredentials> request_registry_credentials(api::ApiClient& client, const std::string& account,
                                                         const std::string& domain, int minutes,
                                                         const std::vector<std::string>& permissions) {
    TRY_ASSIGN(nlohmann::json r, client.registry_credentials(account, domain, minutes, permissions));
    auto s = [&r](const char* k) { return json_string(r, k); };
    RegistryCredentials c;
    c.host = s("registry_host").empty() ? domain : s("registry_host");
    c.username = s("username");
    c.password = s("password");
    Redactor::global().add(c.password);
    return c;
}

std::string registry_base_url(const std::string& host) {
    return (loopback(host) ? "http://" : "https://") + host;
}

RegistryClient::RegistryClient(RegistryCredentials credentials, api::HttpOptions http)
    : m_credentials(std::move(credentials)) {
    if (http.user_agent.empty()) http.user_agent = "tenantctl";
    Redactor::global().add(m_credentials.password);
    m_http = std::make_unique<api::HttpClient>(std::move(http));
}

RegistryClient::~RegistryClient() = default;

Result<api::HttpResponse> RegistryClient::send(api::Method method, const std::string& path, const api::Headers& extra) {
    api::HttpRequest req;
    req.method = method;
    req.url = registry_base_url(m_credentials.host) + path;
    if (!m_credentials.username.empty())
        req.headers.emplace_back("Authorization",
                                 "Basic " + base64_encode(m_credentials.username + ":" + m_credentials.password));
    for (const auto& h : extra) req.headers.push_back(h);
    auto r = m_http->send(req);
    if (!r) {
        Error e = std::move(r).error();
        e.message = to_string(method) + std::string(" ") + redact_url(req.url) + ": " + e.message;
        return e;
    }
    return r;
}

Result<std::optional<std::string>> RegistryClient::manifest_digest(const std::string& repository,
                                                                   const std::string& reference) {
    std::string path = "/v2/" + repo_path(repository) + "/manifests/" + url_encode(reference);
    TRY_ASSIGN(auto r, send(api::Method::Head, path, {{"Accept", k_manifest_accept}}));
    if (r.status == 404) return std::optional<std::string>();
    if (r.status / 100 != 2) return registry_error("HEAD " + path, r);
    auto d = r.header("docker-content-digest");
    if (!d || d->empty()) return Error(ErrorKind::Api, "HEAD " + path + ": the registry sent no Docker-Content-Digest");
    return std::optional<std::string>(*d);
}

Result<std::vector<std::string>> RegistryClient::tags(const std::string& repository) {
    std::string path = "/v2/" + repo_path(repository) + "/tags/list";
    TRY_ASSIGN(auto r, send(api::Method::Get, path));
    if (r.status == 404) return std::vector<std::string>();
    if (r.status / 100 != 2) return registry_error("GET " + path, r);
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    std::vector<std::string> out;
    if (j.is_object() && j.contains("tags") && j["tags"].is_array())
        for (const auto& t : j["tags"])
            if (t.is_string() && !starts_with(t.get<std::string>(), "sha256")) out.push_back(t.get<std::string>());
    return out;
}

Result<std::map<std::string, std::vector<std::string>>> RegistryClient::catalog() {
    std::map<std::string, std::vector<std::string>> out;
    std::string last;
    for (int page = 0; page < 1000; ++page) {
        std::string path = "/v2/_catalog?n=1000" + (last.empty() ? "" : "&last=" + url_encode(last));
        TRY_ASSIGN(auto r, send(api::Method::Get, path));
        if (r.status / 100 != 2) return registry_error("GET /v2/_catalog", r);
        auto j = nlohmann::json::parse(r.body, nullptr, false);
        if (!j.is_object() || !j.contains("repositories"))
            return Error(ErrorKind::Api, "GET /v2/_catalog: the registry's answer is not a catalog");
        const auto& repos = j["repositories"];
        if (repos.is_object()) {  // Cloudflare's ?tags=true shape: {repo: [tags]}
            for (auto it = repos.begin(); it != repos.end(); ++it) {
                auto& v = out[it.key()];
                for (const auto& t : it.value())
                    if (t.is_string() && !starts_with(t.get<std::string>(), "sha256"))
                        v.push_back(t.get<std::string>());
            }
            break;
        }
        if (!repos.is_array() || repos.empty()) break;
        for (const auto& name : repos) {
            if (!name.is_string()) continue;
            TRY_ASSIGN(auto t, tags(name.get<std::string>()));
            out[name.get<std::string>()] = std::move(t);
            last = name.get<std::string>();
        }
        if (!r.header("link")) break;
    }
    return out;
}

Result<std::string> RegistryClient::delete_tag(const std::string& repository, const std::string& tag) {
    TRY_ASSIGN(auto digest, manifest_digest(repository, tag));
    if (!digest)
        return Error(ErrorKind::NotFound, "image " + quoted(repository + ":" + tag) + " is not in the registry",
                     "list the images with `tenantctl containers images list`");
    std::string path = "/v2/" + repo_path(repository) + "/manifests/" + *digest;
    TRY_ASSIGN(auto r, send(api::Method::Delete, path, {{"Accept", k_manifest_accept}}));
    if (r.status / 100 != 2) {
        Error e = registry_error("DELETE " + path, r);
        if (r.status == 405) e.hint = "the registry does not allow deletes (distribution needs storage.delete.enabled)";
        return e;
    }
    return *digest;
}

std::string ImageRef::str() const {
    std::string s = registry.empty() ? repository : registry + "/" + repository;
    if (!tag.empty()) s += ":" + tag;
    if (!digest.empty()) s += "@" + digest;
    return s;
}

ImageRef parse_image_ref(const std::string& ref) {
    ImageRef r;
    std::string rest = ref;
    if (auto at = rest.find('@'); at != std::string::npos) {
        r.digest = rest.substr(at + 1);
        rest = rest.substr(0, at);
    }
    auto slash = rest.find('/');
    if (slash != std::string::npos) {
        std::string first = rest.substr(0, slash);
        if (first.find('.') != std::string::npos || first.find(':') != std::string::npos || first == "localhost") {
            r.registry = first;
            rest = rest.substr(slash + 1);
        }
    }
    auto colon = rest.rfind(':');
    if (colon != std::string::npos && rest.find('/', colon) == std::string::npos) {
        r.tag = rest.substr(colon + 1);
        rest = rest.substr(0, colon);
    }
    r.repository = rest;
    return r;
}

Result<std::string> resolve_image_name(const std::string& image, const std::string& managed,
                                       const std::string& account) {
    ImageRef r = parse_image_ref(image);
    if (r.registry.empty()) {
        r.registry = managed;
        r.repository = account + "/" + r.repository;
        return r.str();
    }
    if (r.registry != managed) return image;
    auto slash = r.repository.find('/');
    std::string first = slash == std::string::npos ? std::string() : r.repository.substr(0, slash);
    if (first == account) return image;
    bool hex32 = first.size() == 32 && first.find_first_not_of("0123456789abcdef") == std::string::npos;
    if (hex32)
        return Error(ErrorKind::Config,
                     "image " + quoted(image) + " does not belong to your account " + quoted(account),
                     "use an image under " + managed + "/" + account + "/");
    r.repository = account + "/" + r.repository;
    return r.str();
}

}  // namespace tenantctl::images
