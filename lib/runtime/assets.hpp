#pragma once
// Static assets as production serves them, as pure functions over a script's manifest and asset config
// (`assets: {manifest, config}` in its stored document): which of the worker and the assets answers a request
// (`run_worker_first`), which file answers a path (`html_handling`, `not_found_handling`), redirects (html
// handling's and `_redirects`), `_headers`, 304s.
// The asset service (asset_service.hpp) reads the contents and sends what these decide.
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/asset_rules.hpp"

namespace tenantctl::runtime {

struct AssetConfig {
    std::string html_handling = "auto-trailing-slash";  // force-trailing-slash, drop-trailing-slash, none
    std::string not_found_handling = "none";            // single-page-application, 404-page
    bool worker_first = false;                          // run_worker_first = true
    std::vector<std::string> worker_rules;              // run_worker_first patterns: the worker runs first
    std::vector<std::string> asset_rules;               // its "!" patterns: assets, whatever else matches
    Redirects redirects;                                // the `_redirects` file
    HeaderRules headers;                                // the `_headers` file
};

struct SiteAssets {
    std::map<std::string, std::string> manifest;  // "/path" -> content hash
    AssetConfig config;
    bool has_main = false;  // a worker runs behind the assets (else: an assets-only worker)
    // assets_navigation_prefers_asset_serving (the default from compatibility date 2025-04-01): a browser's page
    // load (Sec-Fetch-Mode: navigate) that no asset matches gets the single-page-application index, not the worker.
    bool navigation_prefers_assets = false;
};

// The config of an upload's `assets.config` (unknown values keep the defaults).
AssetConfig read_asset_config(const nlohmann::json& config);
// The assets of a stored script document's `assets` field; null when it has none.
std::shared_ptr<const SiteAssets> read_site_assets(const nlohmann::json& assets, bool has_main,
                                                   bool navigation_prefers_assets = false);
// read_site_assets through a process-wide memo keyed by `digest` (of the `assets` field as stored: the model's
// SHA-256 of its text, which goes into the script's etag too): a rebuild of the runtime's model shares the parsed
// manifest, `_redirects` and `_headers` of every site that did not change instead of reading them again.
std::shared_ptr<const SiteAssets> site_assets_memo(const nlohmann::json& assets, const std::string& digest,
                                                   bool has_main, bool navigation_prefers_assets);
// Whether a script's compatibility date and flags turn on assets_navigation_prefers_asset_serving.
bool navigation_prefers_assets(const std::string& compatibility_date, const std::vector<std::string>& flags);

// A run_worker_first pattern: `*` matches any run of characters (slashes included), the rest literally, over
// the whole path.
bool asset_glob_matches(std::string_view pattern, std::string_view path);

// The file that answers a (decoded) path: served with a status, or a redirect to another path.
struct AssetIntent {
    enum class Kind { None, Serve, Redirect };
    Kind kind = Kind::None;
    std::string path;  // Serve: the manifest path; Redirect: the location (decoded)
    std::string hash;  // Serve
    int status = 200;  // Serve: 200, or 404 for a 404 page
};
// `not_found` = the not_found_handling to apply ("none" when the worker answers misses).
AssetIntent asset_intent(const SiteAssets& site, const std::string& path, const std::string& not_found);

// Paths as production matches them: each segment percent-decoded, runs of slashes collapsed; and the
// canonical spelling (each segment as encodeURIComponent writes it).
std::string decode_asset_path(std::string_view raw);
std::string encode_asset_path(std::string_view decoded);

// What answers one request.
struct AssetPlan {
    bool worker = false;  // the worker answers (route mode only)
    int status = 404;
    std::string location;   // 301, 302, 303, 307, 308
    std::string hash;       // 200/404 with a file, 304
    std::string path;       // the manifest path served (its extension gives the Content-Type)
    HeaderChanges headers;  // from `_headers`, for every answer of the assets
};
// `route`: the request came to the worker (run_worker_first applies, and a miss goes to the worker when there
// is one); otherwise it came through the assets binding (env.ASSETS.fetch) and assets answer everything.
// `navigate`: the request's Sec-Fetch-Mode is "navigate".
AssetPlan plan_asset_response(const SiteAssets& site, const std::string& method, const std::string& target,
                              const std::string& if_none_match, bool route, bool navigate = false);

// The token workerd sends with a script's asset requests (x-tenantctl-token): HMAC-SHA256 of the script's key
// under the runtime's secret, so a process can present only its own scripts' tokens.
std::string asset_token(const std::string& secret, const std::string& key);

}  // namespace tenantctl::runtime
