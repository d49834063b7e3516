#include "runtime/asset_service.hpp"

#include <algorithm>

#include "core/content_type.hpp"
#include "core/strings.hpp"
#include "platform/kinds.hpp"

namespace tenantctl::runtime {

using platform::HttpRequest;
using platform::HttpResponse;

namespace {

constexpr size_t k_max_asset_request_body = 1u << 20;  // assets take no body; a POST's is read and dropped

HttpResponse text(int status, std::string body) {
    HttpResponse r;
    r.status = status;
    r.content_type = "text/plain; charset=utf-8";
    r.body = std::move(body);
    return r;
}

// `_headers` on a response: removals, then each set value replaces the response's own header of that name.
void apply_header_rules(HttpResponse& r, const HeaderChanges& c) {
    auto drop = [&](const std::string& name) {
        if (name == "content-type") r.content_type.clear();
        r.headers.erase(std::remove_if(r.headers.begin(), r.headers.end(),
                                       [&](const auto& h) { return to_lower(h.first) == name; }),
                        r.headers.end());
    };
    for (const auto& name : c.unset) drop(name);
    for (const auto& [name, value] : c.set) {
        drop(name);
        if (name == "content-type")
            r.content_type = value;
        else
            r.headers.push_back({name, value});
    }
}

}  // namespace

AssetService::AssetService(platform::Store& store, std::string account_id, std::string secret)
    : m_store(store), m_account(std::move(account_id)), m_secret(std::move(secret)) {}

void AssetService::update(const Model& model) {
    std::map<std::string, std::shared_ptr<const SiteAssets>> sites;
    for (auto& s : model.scripts)
        if (s.assets) sites[s.key] = s.assets;
    std::lock_guard lock(m_mutex);
    m_sites = std::move(sites);
}

std::shared_ptr<const SiteAssets> AssetService::site(const std::string& key) const {
    std::lock_guard lock(m_mutex);
    auto it = m_sites.find(key);
    return it == m_sites.end() ? nullptr : it->second;
}

HttpResponse AssetService::error(int status, int /*code*/, const std::string& message) {
    return text(status, message + "\n");
}

bool AssetService::authorized(const HttpRequest& r) const {
    const std::string key = r.header("x-tenantctl-assets");
    return !key.empty() && r.header("x-tenantctl-token") == asset_token(m_secret, key);
}

AssetService::HeadCheck AssetService::check_head(const HttpRequest& head) {
    if (!authorized(head)) return {.response = text(401, "not an assets binding of this runtime\n")};
    return {.response = std::nullopt, .body_limit = k_max_asset_request_body, .limit_name = "asset request"};
}

HttpResponse AssetService::handle(const HttpRequest& req) {
    if (!authorized(req)) return text(401, "not an assets binding of this runtime\n");
    auto s = site(req.header("x-tenantctl-assets"));
    if (!s) return text(404, "");
    const bool route = req.header("x-tenantctl-assets-mode") == "route";
    AssetPlan plan = plan_asset_response(*s, req.method, req.target, req.header("if-none-match"), route,
                                         req.header("sec-fetch-mode") == "navigate");
    HttpResponse r = text(plan.status, "");
    if (plan.worker) {
        r.status = 404;
        r.headers.push_back({"x-tenantctl-assets", "worker"});
        return r;
    }
    if (!plan.location.empty()) r.headers.push_back({"location", plan.location});
    if (plan.status == 405) r.body = "Method Not Allowed";
    if (plan.hash.empty()) {
        apply_header_rules(r, plan.headers);
        return r;
    }
    std::string type = asset_content_type(plan.path);
    r.content_type = type == "application/null" ? "application/octet-stream" : type;
    r.headers.push_back({"etag", "\"" + plan.hash + "\""});
    r.headers.push_back({"cache-control", "public, max-age=0, must-revalidate"});
    apply_header_rules(r, plan.headers);
    if (plan.status == 304 || req.method == "HEAD") return r;
    std::optional<platform::StoredObject> o;
    m_store.transaction(false, [&] {
        o = m_store.get(platform::K_ASSET, m_account, plan.hash);
        return true;
    });
    if (!o) return text(500, "the content of " + plan.path + " is missing from the platform's store\n");
    r.body = std::move(o->blob);
    return r;
}

}  // namespace tenantctl::runtime
