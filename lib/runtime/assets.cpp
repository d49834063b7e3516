#include "runtime/assets.hpp"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <unordered_map>

#include "core/sha256.hpp"
#include "core/strings.hpp"

namespace tenantctl::runtime {

using json = nlohmann::json;

AssetConfig read_asset_config(const json& config) {
    AssetConfig c;
    if (!config.is_object()) return c;
    auto text = [&](const char* key, std::string& out, std::initializer_list<const char*> allowed) {
        auto it = config.find(key);
        if (it == config.end() || !it->is_string()) return;
        for (const char* a : allowed)
            if (*it == a) out = a;
    };
    text("html_handling", c.html_handling,
         {"auto-trailing-slash", "force-trailing-slash", "drop-trailing-slash", "none"});
    text("not_found_handling", c.not_found_handling, {"none", "single-page-application", "404-page"});
    auto first = config.find("run_worker_first");
    if (first != config.end() && first->is_boolean()) c.worker_first = first->get<bool>();
    if (first != config.end() && first->is_array())
        for (auto& r : *first) {
            if (!r.is_string()) continue;
            std::string rule = r.get<std::string>();
            if (starts_with(rule, "!"))
                c.asset_rules.push_back(rule.substr(1));
            else
                c.worker_rules.push_back(rule);
        }
    if (auto r = config.find("_redirects"); r != config.end() && r->is_string())
        c.redirects = parse_redirects(r->get<std::string>());
    if (auto h = config.find("_headers"); h != config.end() && h->is_string())
        c.headers = parse_headers(h->get<std::string>());
    return c;
}

std::shared_ptr<const SiteAssets> read_site_assets(const json& assets, bool has_main, bool navigation_prefers) {
    if (!assets.is_object()) return nullptr;
    auto site = std::make_shared<SiteAssets>();
    auto m = assets.find("manifest");
    if (m != assets.end() && m->is_object())
        for (auto it = m->begin(); it != m->end(); ++it)
            if (it->is_object() && it->contains("hash") && (*it)["hash"].is_string())
                site->manifest[it.key()] = (*it)["hash"].get<std::string>();
    site->config = read_asset_config(assets.value("config", json::object()));
    site->has_main = has_main;
    site->navigation_prefers_assets = navigation_prefers;
    return site;
}

std::shared_ptr<const SiteAssets> site_assets_memo(const json& assets, const std::string& digest, bool has_main,
                                                   bool navigation_prefers) {
    if (!assets.is_object()) return nullptr;
    // Never destroyed: a model rebuild may still run on another thread while the process exits.
    static auto& mutex = *new std::mutex;
    static auto& memo = *new std::unordered_map<std::string, std::weak_ptr<const SiteAssets>>;  // live sites only
    const std::string key = digest + (has_main ? "m" : "-") + (navigation_prefers ? "n" : "-");
    {
        std::lock_guard lock(mutex);
        if (auto it = memo.find(key); it != memo.end())
            if (auto site = it->second.lock()) return site;
    }
    auto site = read_site_assets(assets, has_main, navigation_prefers);
    std::lock_guard lock(mutex);
    memo[key] = site;
    if (memo.size() > 256)  // forget the sites no model holds any more
        std::erase_if(memo, [](const auto& e) { return e.second.expired(); });
    return site;
}

bool navigation_prefers_assets(const std::string& compatibility_date, const std::vector<std::string>& flags) {
    auto has = [&](const char* f) { return std::find(flags.begin(), flags.end(), f) != flags.end(); };
    if (has("assets_navigation_prefers_asset_serving")) return true;
    if (has("assets_navigation_has_no_effect")) return false;
    return !compatibility_date.empty() && compatibility_date >= "2025-04-01";
}

bool asset_glob_matches(std::string_view pattern, std::string_view path) {
    // Greedy matching with backtracking to the last star.
    size_t p = 0, s = 0, star = std::string_view::npos, mark = 0;
    while (s < path.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            mark = s;
        } else if (p < pattern.size() && pattern[p] == path[s]) {
            ++p;
            ++s;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            s = ++mark;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

namespace {

bool ends(const std::string& s, std::string_view suffix) {
    return ends_with(s, suffix);
}
std::string cut(const std::string& s, size_t n) {
    return s.substr(0, s.size() - n);
}

// One resolution of html_handling over the manifest. `skip_redirects` is set while checking whether a
// redirect's destination would serve the same file (a redirect is only made when it would).
class Resolver {
public:
    Resolver(const SiteAssets& site, std::string not_found) : m_site(site), m_not_found(std::move(not_found)) {}

    AssetIntent resolve(const std::string& p, bool skip_redirects) const {
        const std::string& mode = m_site.config.html_handling;
        if (mode == "force-trailing-slash") return force_slash(p, skip_redirects);
        if (mode == "drop-trailing-slash") return drop_slash(p, skip_redirects);
        if (mode == "none") return exists(p).empty() ? not_found(p) : serve(p);
        return auto_slash(p, skip_redirects);
    }

private:
    std::string exists(const std::string& p) const {
        auto it = m_site.manifest.find(p);
        return it == m_site.manifest.end() ? std::string() : it->second;
    }
    AssetIntent serve(const std::string& p, int status = 200) const {
        return {AssetIntent::Kind::Serve, p, exists(p), status};
    }
    // A redirect from a path to `dest`, when `file` exists, `dest` is not a file itself, and `dest` would be
    // served `file`'s content.
    bool redirect(const std::string& file, const std::string& dest, bool skip, AssetIntent& out) const {
        if (skip || !exists(dest).empty()) return false;
        std::string h = exists(file);
        if (h.empty()) return false;
        AssetIntent at = resolve(dest, true);
        if (at.kind != AssetIntent::Kind::Serve || at.hash != h) return false;
        out = {AssetIntent::Kind::Redirect, dest, {}, 307};
        return true;
    }
    AssetIntent not_found(const std::string& p) const {
        if (m_not_found == "single-page-application" && !exists("/index.html").empty()) return serve("/index.html");
        if (m_not_found == "404-page") {
            std::string dir = p;
            while (!dir.empty()) {
                auto slash = dir.rfind('/');
                if (slash == std::string::npos) break;
                dir = dir.substr(0, slash);
                if (!exists(dir + "/404.html").empty()) return serve(dir + "/404.html", 404);
            }
        }
        return {};
    }

    AssetIntent auto_slash(const std::string& p, bool skip) const {
        AssetIntent r;
        const bool exact = !exists(p).empty();
        if (ends(p, "/index")) {
            if (exact) return serve(p);
            if (redirect(p + ".html", cut(p, 5), skip, r) || redirect(cut(p, 6) + ".html", cut(p, 6), skip, r))
                return r;
        } else if (ends(p, "/index.html")) {
            if (redirect(p, cut(p, 10), skip, r) || redirect(cut(p, 11) + ".html", cut(p, 11), skip, r)) return r;
        } else if (ends(p, "/")) {
            if (!exists(p + "index.html").empty()) return serve(p + "index.html");
            if (redirect(cut(p, 1) + ".html", cut(p, 1), skip, r)) return r;
        } else if (ends(p, ".html")) {
            if (redirect(p, cut(p, 5), skip, r) || redirect(cut(p, 5) + "/index.html", cut(p, 5) + "/", skip, r))
                return r;
        }
        if (exact) return serve(p);
        if (!exists(p + ".html").empty()) return serve(p + ".html");
        if (redirect(p + "/index.html", p + "/", skip, r)) return r;
        return not_found(p);
    }

    AssetIntent force_slash(const std::string& p, bool skip) const {
        AssetIntent r;
        const bool exact = !exists(p).empty();
        if (ends(p, "/index")) {
            if (exact) return serve(p);
            if (redirect(p + ".html", cut(p, 5), skip, r) || redirect(cut(p, 6) + ".html", cut(p, 5), skip, r))
                return r;
        } else if (ends(p, "/index.html")) {
            if (redirect(p, cut(p, 10), skip, r) || redirect(cut(p, 11) + ".html", cut(p, 10), skip, r)) return r;
        } else if (ends(p, "/")) {
            if (!exists(p + "index.html").empty()) return serve(p + "index.html");
            if (!exists(cut(p, 1) + ".html").empty()) return serve(cut(p, 1) + ".html");
        } else if (ends(p, ".html")) {
            if (redirect(p, cut(p, 5) + "/", skip, r)) return r;
            if (exact) return serve(p);
            if (redirect(cut(p, 5) + "/index.html", cut(p, 5) + "/", skip, r)) return r;
        }
        if (exact) return serve(p);
        if (redirect(p + ".html", p + "/", skip, r) || redirect(p + "/index.html", p + "/", skip, r)) return r;
        return not_found(p);
    }

    AssetIntent drop_slash(const std::string& p, bool skip) const {
        AssetIntent r;
        const bool exact = !exists(p).empty();
        if (ends(p, "/index")) {
            if (exact) return serve(p);
            if (p == "/index") {
                if (redirect("/index.html", "/", skip, r)) return r;
            } else if (redirect(cut(p, 6) + ".html", cut(p, 6), skip, r) || redirect(p + ".html", cut(p, 6), skip, r)) {
                return r;
            }
        } else if (ends(p, "/index.html")) {
            if (p == "/index.html") {
                if (redirect("/index.html", "/", skip, r)) return r;
            } else {
                if (redirect(p, cut(p, 11), skip, r)) return r;
                if (exact) return serve(p);
                if (redirect(cut(p, 11) + ".html", cut(p, 11), skip, r)) return r;
            }
        } else if (ends(p, "/")) {
            if (p == "/") {
                if (!exists("/index.html").empty()) return serve("/index.html");
            } else if (redirect(cut(p, 1) + ".html", cut(p, 1), skip, r) ||
                       redirect(cut(p, 1) + "/index.html", cut(p, 1), skip, r)) {
                return r;
            }
        } else if (ends(p, ".html")) {
            if (redirect(p, cut(p, 5), skip, r) || redirect(cut(p, 5) + "/index.html", cut(p, 5), skip, r)) return r;
        }
        if (exact) return serve(p);
        if (!exists(p + ".html").empty()) return serve(p + ".html");
        if (!exists(p + "/index.html").empty()) return serve(p + "/index.html");
        return not_found(p);
    }

    const SiteAssets& m_site;
    std::string m_not_found;
};

bool component_safe(unsigned char ch) {
    return std::isalnum(ch) || std::string_view("-_.!~*'()").find(static_cast<char>(ch)) != std::string_view::npos;
}

}  // namespace

AssetIntent asset_intent(const SiteAssets& site, const std::string& path, const std::string& not_found) {
    return Resolver(site, not_found).resolve(path, false);
}

std::string decode_asset_path(std::string_view raw) {
    std::vector<std::string> segments;
    for (auto& seg : split(raw, '/')) {
        std::string d = url_decode(seg);
        segments.push_back(valid_utf8(d) ? d : seg);
    }
    std::string out;
    for (char ch : join(segments, "/"))
        if (!(ch == '/' && !out.empty() && out.back() == '/')) out += ch;
    return out;
}

std::string encode_asset_path(std::string_view decoded) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char ch : decoded) {
        if (ch == '/' || component_safe(ch)) {
            out += static_cast<char>(ch);
        } else {
            out += '%';
            out += hex[ch >> 4];
            out += hex[ch & 15];
        }
    }
    return out;
}

AssetPlan plan_asset_response(const SiteAssets& site, const std::string& method, const std::string& target,
                              const std::string& if_none_match, bool route, bool navigate) {
    AssetPlan plan;
    auto q = target.find('?');
    const std::string raw = target.substr(0, q);
    const std::string search = q == std::string::npos ? std::string() : target.substr(q);
    const std::string path = decode_asset_path(raw);
    const AssetConfig& c = site.config;
    const std::optional<RedirectRule> redirect = find_redirect(c.redirects, path);
    if (route && site.has_main) {
        bool to_assets = false;
        for (auto& r : c.asset_rules) to_assets = to_assets || asset_glob_matches(r, raw);
        if (!to_assets) {
            bool first = c.worker_first;
            for (auto& r : c.worker_rules) first = first || asset_glob_matches(r, raw);
            // Misses go to the worker: not_found_handling applies only to what assets answer, except to a page
            // load when navigations prefer assets.
            const bool spa_navigation =
                navigate && site.navigation_prefers_assets && c.not_found_handling == "single-page-application";
            if (first ||
                (!redirect && !spa_navigation && asset_intent(site, path, "none").kind == AssetIntent::Kind::None)) {
                plan.worker = true;
                return plan;
            }
        }
    }
    plan.headers = headers_for(c.headers, path);
    // `_redirects` first: a rule applies whether or not a file has the path.
    if (redirect && redirect->status != 200) {
        plan.status = redirect->status;
        plan.location = redirect->to;
        if (redirect->to.find('?') == std::string::npos) plan.location += search;
        return plan;
    }
    const bool rewrite = redirect.has_value();  // 200: the destination's asset answers at this URL
    const std::string source = rewrite ? decode_asset_path(redirect->to.substr(0, redirect->to.find('?'))) : path;
    AssetIntent in = asset_intent(site, source, c.not_found_handling);
    // A rewrite serves the file its destination stands for ("/index.html" is "/"'s), at the request's URL.
    if (rewrite && in.kind == AssetIntent::Kind::Redirect) in = asset_intent(site, in.path, c.not_found_handling);
    if (in.kind == AssetIntent::Kind::None) return plan;  // 404
    if (method != "GET" && method != "HEAD") {
        plan.status = 405;
        return plan;
    }
    const std::string dest = encode_asset_path(in.kind == AssetIntent::Kind::Redirect ? in.path : path);
    if (in.kind == AssetIntent::Kind::Redirect || (!rewrite && dest != raw)) {
        plan.status = 307;
        plan.location = dest + search;
        return plan;
    }
    plan.hash = in.hash;
    plan.path = in.path;
    const std::string strong = "\"" + in.hash + "\"";
    plan.status = if_none_match == strong || if_none_match == "W/" + strong ? 304 : in.status;
    return plan;
}

std::string asset_token(const std::string& secret, const std::string& key) {
    return hex_encode(hmac_sha256(secret, "assets\n" + key));
}

}  // namespace tenantctl::runtime
