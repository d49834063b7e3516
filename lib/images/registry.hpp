#pragma once
// An image registry's HTTP API (distribution / OCI v2): manifest lookups, the catalog, tags and deletes,
// with Basic credentials obtained from the control plane. Registries on 127.0.0.0/8 or localhost are spoken
// to over plain http (as docker does); every other host over https.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/client.hpp"
#include "api/http.hpp"
#include "core/result.hpp"

namespace tenantctl::images {

// The Accept header for manifests: OCI index/manifest and Docker v2 list/manifest.
extern const char* const k_manifest_accept;

struct RegistryCredentials {
    std::string host;  // "registry.cloudflare.com" or "127.0.0.1:5000"
    std::string username;
    std::string password;
};

// Short-lived credentials from the control plane: POST /accounts/{a}/containers/registries/{domain}/credentials.
// The registry host is the one the control plane names (the local platform hands out its own registry for
// registry.cloudflare.com). The password is registered with the Redactor.
Result<RegistryCredentials> request_registry_credentials(api::ApiClient& client, const std::string& account,
                                                         const std::string& domain, int minutes,
                                                         const std::vector<std::string>& permissions);

// "http://" for loopback hosts, "https://" otherwise.
std::string registry_base_url(const std::string& host);

class RegistryClient {
public:
    RegistryClient(RegistryCredentials credentials, api::HttpOptions http = {});
    ~RegistryClient();

    // The manifest digest of repo:reference, or nullopt when the registry does not have it.
    Result<std::optional<std::string>> manifest_digest(const std::string& repository, const std::string& reference);
    // repository -> tags (tags whose name starts with "sha256" are left out), over the whole catalog.
    Result<std::map<std::string, std::vector<std::string>>> catalog();
    Result<std::vector<std::string>> tags(const std::string& repository);
    // Resolves the tag to its digest and deletes the manifest. NotFound when the tag does not exist.
    Result<std::string> delete_tag(const std::string& repository, const std::string& tag);

private:
    Result<api::HttpResponse> send(api::Method method, const std::string& path, const api::Headers& extra = {});
    RegistryCredentials m_credentials;
    std::unique_ptr<api::HttpClient> m_http;
};

struct ImageRef {
    std::string registry;     // host[:port], may be empty
    std::string repository;   // path below the registry
    std::string tag;          // may be empty
    std::string digest;       // "sha256:…", may be empty
    std::string str() const;  // registry/repository[:tag][@digest]
};
// Splits a docker reference. The first path component is a registry when it has a '.', a ':' or is "localhost".
ImageRef parse_image_ref(const std::string& ref);

// wrangler's image-name normalization: "name:tag" (no registry) -> "<registry>/<account>/name:tag";
// "<registry>/name:tag" -> account inserted; "<registry>/<account>/…" unchanged; another 32-hex account id
// under the managed registry is an error; any other registry passes through.
Result<std::string> resolve_image_name(const std::string& image, const std::string& managed_registry,
                                       const std::string& account_id);

}  // namespace tenantctl::images
