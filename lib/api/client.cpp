// The client core: connection settings, the v4 envelope and its errors, raw and enveloped calls, and the four
// pagination styles. The typed calls are by resource: accounts.cpp, workers.cpp, containers.cpp, storage.cpp.
#include "api/client.hpp"

#include <algorithm>

#include "api/typed.hpp"
#include "core/json.hpp"
#include "core/redact.hpp"
#include "core/strings.hpp"
#include "core/version.hpp"

namespace tenantctl::api {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------------
// connection settings

static Result<std::string> normalize_url(std::string url, const std::string& source) {
    url = std::string(trim(url));
    while (!url.empty() && url.back() == '/') url.pop_back();
    if (!(starts_with(url, "http://") || starts_with(url, "https://")) || url.size() <= 8) {
        return Error(ErrorKind::Usage, "invalid API URL " + tenantctl::quoted(redact_url(url)) + " from " + source,
                     "use an http:// or https:// URL such as " + std::string(k_default_api_url));
    }
    return url;
}

// The token rule: credentials travel only with the URL they were stored or given with. There are two sources,
// each a (URL, credentials) pair, and whichever wins gives both:
//   given  = (--api-url > $CLOUDFLARE_API_BASE_URL > the default URL,  $CLOUDFLARE_API_TOKEN or KEY + EMAIL)
//   stored = (the profile's api_url, or the default URL when it has none,  the profile's token)
// An explicit --profile/--local picks the stored pair (the environment is ignored); otherwise credentials in
// the environment pick the given pair (the profile is ignored); otherwise the profile's pair. A URL that
// would send a stored token somewhere else (--api-url, or $CLOUDFLARE_API_BASE_URL without an environment
// token) is refused rather than silently used or silently ignored.
Result<Connection> resolve_connection(const ConnectionInputs& in, const Env& env) {
    Connection c;
    const bool explicit_profile = !in.profile_flag.empty() || in.local;
    c.profile_name = active_profile_name(in.profile_flag, in.local, env);
    TRY_ASSIGN(c.profile, read_profile(env, c.profile_name));
    const std::string pname = "profile " + tenantctl::quoted(c.profile_name);
    if (explicit_profile && !c.profile) {
        std::string hint = in.local ? "start the local platform with `tenantctl dev` (it writes the \"local\" profile)"
                                    : "run `tenantctl login --profile " + c.profile_name + "` first";
        return Error(ErrorKind::Auth, pname + " does not exist (" + profile_path(env, c.profile_name) + ")", hint);
    }

    // Credentials given in the environment.
    Credentials from_env;
    if (auto t = env.get_or("CLOUDFLARE_API_TOKEN", ""); !t.empty()) {
        from_env.kind = Credentials::Kind::Token;
        from_env.token = t;
        from_env.source = "CLOUDFLARE_API_TOKEN";
    } else if (env.has("CLOUDFLARE_API_KEY") || env.has("CLOUDFLARE_EMAIL")) {
        if (!env.has("CLOUDFLARE_API_KEY") || !env.has("CLOUDFLARE_EMAIL")) {
            return Error(ErrorKind::Auth, "CLOUDFLARE_API_KEY and CLOUDFLARE_EMAIL must be set together",
                         "set both, or use an API token in CLOUDFLARE_API_TOKEN instead");
        }
        from_env.kind = Credentials::Kind::GlobalKey;
        from_env.key = *env.get("CLOUDFLARE_API_KEY");
        from_env.email = *env.get("CLOUDFLARE_EMAIL");
        from_env.source = "CLOUDFLARE_API_KEY and CLOUDFLARE_EMAIL";
    }

    // The given URL.
    std::string given_url = k_default_api_url, given_source = "default";
    auto env_url = env.get_or("CLOUDFLARE_API_BASE_URL", "");
    if (!in.api_url_flag.empty()) {
        given_url = in.api_url_flag, given_source = "--api-url";
    } else if (!env_url.empty()) {
        given_url = env_url, given_source = "CLOUDFLARE_API_BASE_URL";
    }

    const bool use_profile = c.profile && (explicit_profile || from_env.kind == Credentials::Kind::None);
    if (use_profile) {
        std::string stored = c.profile->api_url.empty() ? std::string(k_default_api_url) : c.profile->api_url;
        TRY_ASSIGN(c.api_url, normalize_url(stored, pname));
        c.api_url_source = c.profile->api_url.empty() ? pname + " (the default URL)" : pname;
        // A URL given next to a stored token: the token was not stored for it.
        bool conflict = !in.api_url_flag.empty() || (!explicit_profile && !env_url.empty());
        if (conflict) {
            TRY_ASSIGN(std::string other, normalize_url(given_url, given_source));
            if (other != c.api_url) {
                return Error(ErrorKind::Usage,
                             given_source + " is " + tenantctl::quoted(redact_url(other)) +
                                 " but the token comes from " + pname + ", which was stored for " +
                                 tenantctl::quoted(redact_url(c.api_url)) +
                                 "; a token is only sent to the URL it was stored or given with",
                             "set CLOUDFLARE_API_TOKEN for that URL, `tenantctl login --api-url URL --profile NAME` "
                             "and use --profile NAME, or drop " +
                                 given_source);
            }
        }
        c.credentials.kind = Credentials::Kind::Token;
        c.credentials.token = c.profile->api_token;
        c.credentials.source = pname;
        c.credentials_from_profile = true;
    } else {
        TRY_ASSIGN(c.api_url, normalize_url(given_url, given_source));
        c.api_url_source = given_source;
        c.credentials = from_env;  // Kind::None when there are none: the client refuses to send
    }
    auto& r = Redactor::global();
    if (!c.credentials.token.empty()) r.add(c.credentials.token);
    if (!c.credentials.key.empty()) r.add(c.credentials.key);

    c.ca_bundle = !in.ca_bundle.empty() ? in.ca_bundle : env.get_or("TENANTCTL_CA_BUNDLE", "");
    if (auto rl = env.get_or("TENANTCTL_RATE_LIMIT", ""); !rl.empty()) {
        TRY_ASSIGN(c.rate_limit, parse_rate_limit(rl));
        c.rate_limit_explicit = true;
    }
    return c;
}

ClientOptions client_options_for(const Connection& c, Clock* clock, RequestObserver observer) {
    ClientOptions o;
    o.api_url = c.api_url;
    o.credentials = c.credentials;
    o.http.ca_bundle = c.ca_bundle;
    o.http.clock = clock;
    o.http.observer = std::move(observer);
    Clock& clk = clock ? *clock : static_cast<Clock&>(SystemClock::instance());
    PacerOptions po;
    po.enabled = c.rate_limit.enabled;
    po.fallback_tokens = c.rate_limit.tokens;
    po.fallback_per = c.rate_limit.per;
    po.fallback_burst = c.rate_limit.burst;
    po.fallback_is_ceiling = c.rate_limit_explicit && c.rate_limit.enabled;
    o.http.pacer = std::make_shared<Pacer>(clk, po);
    return o;
}

Body json_body(const json& j, const std::string& content_type) {
    return Body{content_type, j.dump()};
}
Body multipart_body(const MultipartBody& m) {
    return Body{m.content_type(), m.data};
}

// ---------------------------------------------------------------------------------------------------
// envelope and errors

static std::vector<ApiErrorItem> error_items(const json& j, const char* key) {
    std::vector<ApiErrorItem> out;
    if (!j.is_object()) return out;
    auto it = j.find(key);
    if (it == j.end() || !it->is_array()) return out;
    for (const auto& e : *it) {
        ApiErrorItem item;
        if (e.is_object()) {
            if (auto c = e.find("code"); c != e.end() && c->is_number_integer()) item.code = c->get<int>();
            if (auto m = e.find("message"); m != e.end() && m->is_string()) item.message = m->get<std::string>();
        } else if (e.is_string()) {
            item.message = e.get<std::string>();
        }
        out.push_back(std::move(item));
    }
    return out;
}

Error decode_error(const std::string& what, const HttpResponse& resp) {
    const auto& red = Redactor::global();
    json j = json::parse(resp.body, nullptr, false);
    Error e;
    e.http_status = resp.status;
    e.api_errors = error_items(j, "errors");
    for (auto& a : e.api_errors) a.message = red.redact(a.message);

    std::string detail;
    for (const auto& a : e.api_errors) {
        if (!detail.empty()) detail += "; ";
        detail += a.message.empty() ? "error" : a.message;
        if (a.code) detail += " (code " + std::to_string(a.code) + ")";
    }
    if (detail.empty()) {
        if (auto v = resp.header("sl-violations")) {
            detail = "request rejected: " + red.redact(*v);  // a validating mock says why
        } else if (j.is_object() && (j.contains("title") || j.contains("detail"))) {
            // RFC 7807 problem details (e.g. a mock server's "no path matched")
            std::string title = json_string(j, "title");
            std::string more = json_string(j, "detail");
            detail = red.redact(title.empty() ? more : more.empty() || more == title ? title : title + ": " + more);
            if (detail.size() > 300) detail = detail.substr(0, 300) + "…";
        } else if (!j.is_discarded() || resp.body.empty()) {
            detail = "no error details";
        } else {
            std::string body = resp.body.substr(0, 200);
            std::replace_if(
                body.begin(), body.end(), [](char ch) { return ch == '\n' || ch == '\r'; }, ' ');
            detail = red.redact(std::string(trim(body)));
        }
    }
    std::string status =
        resp.status >= 200 && resp.status < 300 ? "an unsuccessful response" : "HTTP " + std::to_string(resp.status);
    e.message = "request " + what + " failed with " + status + ": " + detail;

    auto has_code = [&](std::initializer_list<int> codes) {
        for (const auto& a : e.api_errors) {
            if (std::find(codes.begin(), codes.end(), a.code) != codes.end()) return true;
        }
        return false;
    };
    if (has_code({10007, 10092, 10090})) {
        e.kind = ErrorKind::NotFound;
        e.hint = "the worker script does not exist: check --name (and --dispatch-namespace), or deploy it first";
    } else if (resp.status == 401 || resp.status == 403 || has_code({10000, 9106, 9109})) {
        e.kind = ErrorKind::Auth;
        e.hint =
            "authenticate with `tenantctl login` or set CLOUDFLARE_API_TOKEN; the token needs permission for "
            "this account and resource";
    } else if (resp.status == 404) {
        e.kind = ErrorKind::NotFound;
        e.hint = "check the name or id, and the account (--account-id or CLOUDFLARE_ACCOUNT_ID)";
    } else if (resp.status == 409) {
        e.kind = ErrorKind::Conflict;
        e.hint = "it already exists or is in use";
    } else if (resp.status == 429) {
        e.kind = ErrorKind::Api;
        e.hint =
            "rate limited by the control plane (requests of other clients with the same token count too); wait for its "
            "window to reset, or set a lower ceiling with TENANTCTL_RATE_LIMIT=N/SECONDS";
    } else if (resp.status == 408 || resp.status == 504) {
        e.kind = ErrorKind::Timeout;
        e.hint = "the control plane timed out; try again";
    } else if (resp.status >= 500) {
        e.kind = ErrorKind::Api;
        e.hint = "the control plane had a server error; try again later";
    } else {
        e.kind = ErrorKind::Api;
        if (resp.status == 400 || resp.status == 415 || resp.status == 422)
            e.hint = "the control plane rejected the request";
    }
    return e;
}

Result<ApiResult> decode_envelope(const std::string& what, const HttpResponse& resp) {
    if (resp.status < 200 || resp.status >= 300) return decode_error(what, resp);
    ApiResult r;
    r.status = resp.status;
    if (resp.body.empty()) return r;  // e.g. 204
    json j = json::parse(resp.body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        return Error(ErrorKind::Api, "request " + what + " returned a body that is not a JSON envelope",
                     "check that the API URL points at a Cloudflare API v4 endpoint (…/client/v4)");
    }
    auto s = j.find("success");
    if (s != j.end() && s->is_boolean() && !s->get<bool>()) return decode_error(what, resp);
    if (s == j.end() && !j.contains("result")) {
        // A bare object (e.g. the WfP bulk-delete declared without an envelope): treat it as the result.
        r.result = std::move(j);
        return r;
    }
    if (auto it = j.find("result"); it != j.end()) r.result = *it;
    if (auto it = j.find("result_info"); it != j.end()) r.result_info = *it;
    if (auto it = j.find("messages"); it != j.end() && it->is_array()) {
        for (auto& m : *it) {
            if (m.is_object() && m.contains("message") && m["message"].is_string()) {
                r.messages.push_back(m["message"].get<std::string>());
            } else if (m.is_string()) {
                r.messages.push_back(m.get<std::string>());
            }
        }
    }
    return r;
}

// ---------------------------------------------------------------------------------------------------
// the client

ApiClient::ApiClient(ClientOptions options) : m_options(std::move(options)) {
    if (m_options.http.user_agent.empty()) m_options.http.user_agent = std::string("tenantctl/") + k_version;
    while (!m_options.api_url.empty() && m_options.api_url.back() == '/') m_options.api_url.pop_back();
    m_http = std::make_unique<HttpClient>(m_options.http);
}

ApiClient::~ApiClient() = default;

std::string ApiClient::url_for(const std::string& path, const Query& query) const {
    std::string url = m_options.api_url + path;
    char sep = path.find('?') == std::string::npos ? '?' : '&';
    for (const auto& [k, v] : query) {
        url += sep;
        url += url_encode(k) + "=" + url_encode(v);
        sep = '&';
    }
    return url;
}

Result<HttpResponse> ApiClient::send(Method method, const std::string& path, const Query& query,
                                     const std::optional<Body>& body, const Headers& extra, std::string& what) {
    std::string url = url_for(path, query);
    std::string shown_path = url.substr(m_options.api_url.size());
    what = std::string(to_string(method)) + " " + redact_url(shown_path);
    const auto& cred = m_options.credentials;
    if (cred.kind == Credentials::Kind::None) {
        return Error(ErrorKind::Auth, "not authenticated: no API token for " + redact_url(m_options.api_url),
                     "set CLOUDFLARE_API_TOKEN (or CLOUDFLARE_API_KEY and CLOUDFLARE_EMAIL), or run `tenantctl login`");
    }
    HttpRequest req;
    req.method = method;
    req.url = std::move(url);
    // A request that brings its own Authorization (the assets upload, with the upload session's token) is sent
    // with that alone, as wrangler does: no API token, no X-Auth-Key.
    bool own_auth =
        std::any_of(extra.begin(), extra.end(), [](const auto& h) { return to_lower(h.first) == "authorization"; });
    if (own_auth) {
        // (the caller's header is added below)
    } else if (cred.kind == Credentials::Kind::Token) {
        req.headers.emplace_back("Authorization", "Bearer " + cred.token);
    } else {
        req.headers.emplace_back("X-Auth-Email", cred.email);
        req.headers.emplace_back("X-Auth-Key", cred.key);
    }
    if (body) {
        if (!body->content_type.empty()) req.headers.emplace_back("Content-Type", body->content_type);
        req.body = body->data;
    }
    for (const auto& h : extra) req.headers.push_back(h);
    return m_http->send(req);
}

Result<ApiResult> ApiClient::call(Method method, const std::string& path, const Query& query,
                                  const std::optional<Body>& body, const Headers& extra) {
    std::string what;
    TRY_ASSIGN(HttpResponse resp, send(method, path, query, body, extra, what));
    return decode_envelope(what, resp);
}

Result<HttpResponse> ApiClient::call_raw(Method method, const std::string& path, const Query& query,
                                         const std::optional<Body>& body, const Headers& extra) {
    std::string what;
    TRY_ASSIGN(HttpResponse resp, send(method, path, query, body, extra, what));
    if (resp.status < 200 || resp.status >= 300) return decode_error(what, resp);
    return resp;
}

static std::optional<long long> info_number(const json& info, const char* key) {
    if (!info.is_object()) return std::nullopt;
    auto it = info.find(key);
    if (it == info.end() || !it->is_number()) return std::nullopt;
    return it->get<long long>();
}

Result<std::vector<json>> ApiClient::list_all(const std::string& path, const Query& query, const ListOptions& o,
                                              const Headers& extra) {
    std::vector<json> items;
    int page = 1;
    std::string cursor, token;
    for (int n = 0; n < std::max(1, o.max_pages); ++n) {
        Query q = query;
        switch (o.style) {
            case PageStyle::PagePerPage:
                q.emplace_back("page", std::to_string(page));
                if (o.per_page > 0) q.emplace_back(o.per_page_param, std::to_string(o.per_page));
                break;
            case PageStyle::Cursor:
                if (o.per_page > 0) q.emplace_back(o.per_page_param, std::to_string(o.per_page));
                if (!cursor.empty()) q.emplace_back("cursor", cursor);
                break;
            case PageStyle::PageToken:
                if (o.per_page > 0) q.emplace_back(o.per_page_param, std::to_string(o.per_page));
                if (!token.empty()) q.emplace_back("page_token", token);
                break;
            case PageStyle::Single:
                break;
        }
        TRY_ASSIGN(ApiResult r, call(Method::Get, path, q, std::nullopt, extra));
        const json* arr = &r.result;
        if (!o.items_key.empty() && r.result.is_object()) {
            auto it = r.result.find(o.items_key);
            if (it != r.result.end()) arr = &*it;
        }
        if (arr->is_null()) arr = nullptr;
        if (arr && !arr->is_array()) {
            return Error(ErrorKind::Api, "GET " + redact_url(path) + " returned a result that is not a list",
                         "check that the API URL points at a Cloudflare API v4 endpoint");
        }
        size_t got = arr ? arr->size() : 0;
        if (arr) items.insert(items.end(), arr->begin(), arr->end());

        switch (o.style) {
            case PageStyle::Single:
                return items;
            case PageStyle::PagePerPage: {
                if (got == 0 || !r.result_info.is_object()) return items;
                auto total = info_number(r.result_info, "total_count");
                auto pages = info_number(r.result_info, "total_pages");
                long long per = info_number(r.result_info, "per_page").value_or(o.per_page > 0 ? o.per_page : 0);
                if (pages && page >= *pages) return items;
                if (per > 0 && static_cast<long long>(got) < per) return items;  // a short page is the last one
                if (total && per > 0 && static_cast<long long>(page) * per >= *total) return items;
                if (!total && !pages) return items;  // nothing says there is more
                ++page;
                break;
            }
            case PageStyle::Cursor: {
                std::string next = detail::field_text(r.result_info, "cursor");
                if (next.empty() || next == cursor) return items;
                cursor = next;
                break;
            }
            case PageStyle::PageToken: {
                std::string next = detail::field_text(r.result_info, "next_page_token");
                if (next.empty() || next == token) return items;
                token = next;
                break;
            }
        }
    }
    return Error(
        ErrorKind::Api,
        "GET " + redact_url(path) + " kept returning more pages after " + std::to_string(o.max_pages) + " pages",
        "the server's pagination does not terminate");
}

// ---------------------------------------------------------------------------------------------------
// shared by the typed calls

namespace detail {

std::string field_text(const json& j, const char* key) {
    if (!j.is_object()) return {};
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return {};
    if (it->is_string()) return it->get<std::string>();
    return it->dump();
}

ListOptions list_options(PageStyle style, int per_page, std::string param, std::string key) {
    ListOptions o;
    o.style = style;
    o.per_page = per_page;
    o.per_page_param = std::move(param);
    o.items_key = std::move(key);
    return o;
}

}  // namespace detail

std::string account_path(const std::string& account) {
    return "/accounts/" + url_encode(account);
}

}  // namespace tenantctl::api
