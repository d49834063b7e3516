#pragma once
// The asset service behind workers' static assets: workerd calls it over 127.0.0.1 for the entry worker's and
// the dispatch binding's routing (mode "route": the answer is the asset, or "x-tenantctl-assets: worker" for
// the worker to run) and for a script's own `assets.binding` (env.ASSETS.fetch: assets answer everything).
// Each request names its script in `x-tenantctl-assets` and carries that script's token (asset_token: an HMAC
// of the key under this runtime's secret), both injected by workerd from the process's config: a worker
// reaches only its own script's assets. Contents are read from the platform's store by hash (one copy per
// account); the sites themselves (manifests and configs) are the model's, set on every regeneration.
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "platform/http.hpp"
#include "platform/store.hpp"
#include "runtime/assets.hpp"
#include "runtime/model.hpp"

namespace tenantctl::runtime {

class AssetService final : public platform::HttpHandler {
public:
    AssetService(platform::Store& store, std::string account_id, std::string secret);

    // The sites of the model's scripts (by key), replacing the previous ones.
    void update(const Model& model);

    HeadCheck check_head(const platform::HttpRequest& head) override;
    platform::HttpResponse handle(const platform::HttpRequest& req) override;
    platform::HttpResponse error(int status, int code, const std::string& message) override;

private:
    std::shared_ptr<const SiteAssets> site(const std::string& key) const;
    // The request names a script (x-tenantctl-assets) and carries that script's token.
    bool authorized(const platform::HttpRequest& r) const;

    platform::Store& m_store;
    std::string m_account;
    std::string m_secret;
    mutable std::mutex m_mutex;
    std::map<std::string, std::shared_ptr<const SiteAssets>> m_sites;
};

}  // namespace tenantctl::runtime
