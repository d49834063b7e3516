#include "api/client.hpp"

#include "core/json.hpp"

#include <algorithm>

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
            std::string title = j.value("title", std::string());
            std::string more = j.value("detail", std::string());
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

static std::string info_string(const json& info, const char* key) {
    if (!info.is_object()) return {};
    auto it = info.find(key);
    if (it == info.end() || it->is_null()) return {};
    if (it->is_string()) return it->get<std::string>();
    return it->dump();
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
                std::string next = info_string(r.result_info, "cursor");
                if (next.empty() || next == cursor) return items;
                cursor = next;
                break;
            }
            case PageStyle::PageToken: {
                std::string next = info_string(r.result_info, "next_page_token");
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
// helpers for typed results

static std::string str(const json& j, const char* key) {
    if (!j.is_object()) return {};
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return {};
    if (it->is_string()) return it->get<std::string>();
    return it->dump();
}

static ListOptions list_options(PageStyle style, int per_page, std::string param = "per_page", std::string key = {}) {
    ListOptions o;
    o.style = style;
    o.per_page = per_page;
    o.per_page_param = std::move(param);
    o.items_key = std::move(key);
    return o;
}

static Account to_account(const json& j) {
    return Account{str(j, "id"), str(j, "name"), str(j, "type"), j};
}

static DispatchNamespace to_namespace(const json& j) {
    DispatchNamespace n;
    n.id = str(j, "namespace_id");
    n.name = str(j, "namespace_name");
    if (j.is_object()) {
        if (auto it = j.find("script_count"); it != j.end() && it->is_number()) n.script_count = it->get<int>();
        if (auto it = j.find("trusted_workers"); it != j.end() && it->is_boolean()) n.trusted_workers = it->get<bool>();
    }
    n.created_on = str(j, "created_on");
    n.modified_on = str(j, "modified_on");
    n.raw = j;
    return n;
}

static SecretInfo to_secret(const json& j) {
    return SecretInfo{str(j, "name"), str(j, "type"), j};
}
static KvNamespace to_kv_ns(const json& j) {
    return KvNamespace{str(j, "id"), str(j, "title"), j};
}
static R2Bucket to_bucket(const json& j) {
    return R2Bucket{str(j, "name"),          str(j, "creation_date"), str(j, "location"),
                    str(j, "storage_class"), str(j, "jurisdiction"),  j};
}

static std::vector<std::string> to_strings(const json& j) {
    std::vector<std::string> out;
    if (j.is_array()) {
        for (const auto& v : j) {
            if (v.is_string()) out.push_back(v.get<std::string>());
        }
    }
    return out;
}

std::string account_path(const std::string& account) {
    return "/accounts/" + url_encode(account);
}
std::string applications_path(const std::string& account) {
    return account_path(account) + "/containers/applications";
}

std::string namespace_path(const std::string& account, const std::string& ns) {
    return account_path(account) + "/workers/dispatch/namespaces/" + url_encode(ns);
}
std::string namespace_script_path(const std::string& account, const std::string& ns, const std::string& script) {
    return namespace_path(account, ns) + "/scripts/" + url_encode(script);
}
std::string script_base_path(const ScriptRef& ref) {
    if (ref.dispatch_namespace.empty())
        return account_path(ref.account_id) + "/workers/scripts/" + url_encode(ref.script);
    return namespace_script_path(ref.account_id, ref.dispatch_namespace, ref.script);
}

Status validate_account_id(const std::string& id, const std::string& source) {
    bool ok = !id.empty() && id.size() <= 32;
    for (unsigned char c : id) {
        if (!(std::isalnum(c) || c == '-' || c == '_')) ok = false;
    }
    if (!ok) {
        return Error(ErrorKind::Usage, "invalid account id " + tenantctl::quoted(id) + " from " + source,
                     "an account id is up to 32 letters and digits (the 32-hex id shown by `tenantctl whoami`)");
    }
    return {};
}

// ---------------------------------------------------------------------------------------------------
// identity

Result<TokenStatus> ApiClient::verify_token() {
    TRY_ASSIGN(ApiResult r, call(Method::Get, "/user/tokens/verify"));
    return TokenStatus{str(r.result, "id"), str(r.result, "status"), str(r.result, "expires_on"), r.result};
}

Result<std::vector<Account>> ApiClient::list_accounts() {
    ListOptions o = list_options(PageStyle::PagePerPage, 50);
    TRY_ASSIGN(auto items, list_all("/accounts", {}, o));
    std::vector<Account> out;
    for (const auto& j : items) out.push_back(to_account(j));
    return out;
}

Result<std::vector<Account>> ApiClient::list_memberships() {
    ListOptions o = list_options(PageStyle::PagePerPage, 50);
    TRY_ASSIGN(auto items, list_all("/memberships", {{"status", "accepted"}}, o));
    std::vector<Account> out;
    for (const auto& m : items) {
        if (m.is_object() && m.contains("account")) out.push_back(to_account(m["account"]));
    }
    return out;
}

Result<Account> ApiClient::discover_account() {
    auto with_id = [](std::vector<Account> v) {
        v.erase(std::remove_if(v.begin(), v.end(), [](const Account& a) { return a.id.empty(); }), v.end());
        return v;
    };
    auto accounts = list_accounts();
    std::vector<Account> list;
    if (accounts.ok()) list = with_id(std::move(accounts).value());
    if (list.empty()) {
        auto members = list_memberships();
        if (members.ok())
            list = with_id(std::move(members).value());
        else if (!accounts.ok())
            return std::move(accounts).error();
        else
            return std::move(members).error();
    }
    if (list.empty()) {
        return Error(ErrorKind::Auth, "the token has access to no account",
                     "pass --account-id, set CLOUDFLARE_ACCOUNT_ID, or use a token with account access");
    }
    if (list.size() > 1) {
        std::string names;
        for (const auto& a : list) {
            if (!names.empty()) names += ", ";
            names += a.id + " (" + a.name + ")";
        }
        Error e(ErrorKind::Usage, "more than one account is available and none was chosen: " + names,
                "pass --account-id ID, set CLOUDFLARE_ACCOUNT_ID, or put account_id in the config or profile");
        return e;
    }
    return list.front();
}

// ---------------------------------------------------------------------------------------------------
// dispatch namespaces

Result<std::vector<DispatchNamespace>> ApiClient::list_dispatch_namespaces(const std::string& account) {
    TRY_ASSIGN(auto items, list_all(account_path(account) + "/workers/dispatch/namespaces", {}, {}));
    std::vector<DispatchNamespace> out;
    for (const auto& j : items) out.push_back(to_namespace(j));
    return out;
}

Result<DispatchNamespace> ApiClient::get_dispatch_namespace(const std::string& account, const std::string& name) {
    TRY_ASSIGN(ApiResult r, call(Method::Get, namespace_path(account, name)));
    return to_namespace(r.result);
}

Result<DispatchNamespace> ApiClient::create_dispatch_namespace(const std::string& account, const std::string& name) {
    TRY_ASSIGN(ApiResult r, call(Method::Post, account_path(account) + "/workers/dispatch/namespaces", {},
                                 json_body({{"name", name}})));
    return to_namespace(r.result);
}

Status ApiClient::delete_dispatch_namespace(const std::string& account, const std::string& name) {
    TRY_STATUS(call(Method::Delete, namespace_path(account, name)));
    return {};
}

Result<DispatchNamespace> ApiClient::rename_dispatch_namespace(const std::string& account, const std::string& name,
                                                               const std::string& new_name) {
    TRY_ASSIGN(ApiResult r, call(Method::Put, namespace_path(account, name), {}, json_body({{"name", new_name}})));
    return to_namespace(r.result);
}

// ---------------------------------------------------------------------------------------------------
// scripts

Result<json> ApiClient::put_namespace_script(const std::string& account, const std::string& ns,
                                             const std::string& script, const MultipartBody& upload, bool strict,
                                             std::vector<std::string>* messages) {
    Query q;
    if (strict) q.emplace_back("bindings_inherit", "strict");
    TRY_ASSIGN(ApiResult r, call(Method::Put, namespace_script_path(account, ns, script), q, multipart_body(upload)));
    if (messages) *messages = r.messages;
    return r.result;
}

Result<json> ApiClient::get_namespace_script(const std::string& account, const std::string& ns,
                                             const std::string& script) {
    TRY_ASSIGN(ApiResult r, call(Method::Get, namespace_script_path(account, ns, script)));
    return r.result;
}

Status ApiClient::delete_namespace_script(const std::string& account, const std::string& ns, const std::string& script,
                                          bool force) {
    Query q;
    if (force) q.emplace_back("force", "true");
    TRY_STATUS(call(Method::Delete, namespace_script_path(account, ns, script), q));
    return {};
}

Result<std::vector<json>> ApiClient::list_namespace_scripts(const std::string& account, const std::string& ns,
                                                            const std::string& tags) {
    Query q;
    if (!tags.empty()) q.emplace_back("tags", tags);
    return list_all(namespace_path(account, ns) + "/scripts", q, {});
}

Result<BulkDeleteResult> ApiClient::delete_namespace_scripts_by_tags(const std::string& account, const std::string& ns,
                                                                     const std::string& tags, int limit) {
    Query q{{"tags", tags}};
    if (limit > 0) q.emplace_back("limit", std::to_string(limit));
    TRY_ASSIGN(ApiResult r, call(Method::Delete, namespace_path(account, ns) + "/scripts", q));
    BulkDeleteResult out;
    const json& j = r.result;
    if (j.is_object()) {
        if (auto it = j.find("deleted"); it != j.end() && it->is_array()) {
            for (const auto& d : *it)
                out.deleted.push_back(d.is_object() ? str(d, "id") : d.is_string() ? d.get<std::string>() : "");
        }
        if (auto it = j.find("deleted_count"); it != j.end() && it->is_number())
            out.deleted_count = it->get<int>();
        else
            out.deleted_count = static_cast<int>(out.deleted.size());
        if (auto it = j.find("has_more"); it != j.end() && it->is_boolean()) out.has_more = it->get<bool>();
    }
    return out;
}

Result<std::vector<std::string>> ApiClient::get_script_tags(const std::string& account, const std::string& ns,
                                                            const std::string& script) {
    TRY_ASSIGN(ApiResult r, call(Method::Get, namespace_script_path(account, ns, script) + "/tags"));
    return to_strings(r.result);
}

Result<std::vector<std::string>> ApiClient::put_script_tags(const std::string& account, const std::string& ns,
                                                            const std::string& script,
                                                            const std::vector<std::string>& tags) {
    TRY_ASSIGN(ApiResult r,
               call(Method::Put, namespace_script_path(account, ns, script) + "/tags", {}, json_body(json(tags))));
    return r.result.is_array() ? to_strings(r.result) : tags;
}

Status ApiClient::put_script_tag(const std::string& account, const std::string& ns, const std::string& script,
                                 const std::string& tag) {
    TRY_STATUS(call(Method::Put, namespace_script_path(account, ns, script) + "/tags/" + url_encode(tag)));
    return {};
}

Status ApiClient::delete_script_tag(const std::string& account, const std::string& ns, const std::string& script,
                                    const std::string& tag) {
    TRY_STATUS(call(Method::Delete, namespace_script_path(account, ns, script) + "/tags/" + url_encode(tag)));
    return {};
}

Result<json> ApiClient::get_script_settings(const std::string& account, const std::string& ns,
                                            const std::string& script) {
    TRY_ASSIGN(ApiResult r, call(Method::Get, namespace_script_path(account, ns, script) + "/settings"));
    return r.result;
}

Result<json> ApiClient::patch_script_settings(const std::string& account, const std::string& ns,
                                              const std::string& script, const json& settings) {
    auto form = build_multipart({FormPart{"settings", "", "application/json", settings.dump()}});
    TRY_ASSIGN(ApiResult r,
               call(Method::Patch, namespace_script_path(account, ns, script) + "/settings", {}, multipart_body(form)));
    return r.result;
}

Result<HttpResponse> ApiClient::get_script_content(const std::string& account, const std::string& ns,
                                                   const std::string& script) {
    return call_raw(Method::Get, namespace_script_path(account, ns, script) + "/content");
}

Result<json> ApiClient::upload_script(const std::string& account, const std::string& script,
                                      const MultipartBody& upload, bool strict, std::vector<std::string>* messages) {
    Query q;
    if (strict) q.emplace_back("bindings_inherit", "strict");
    TRY_ASSIGN(ApiResult r, call(Method::Put, account_path(account) + "/workers/scripts/" + url_encode(script), q,
                                 multipart_body(upload)));
    if (messages) *messages = r.messages;
    return r.result;
}

Status ApiClient::delete_script(const std::string& account, const std::string& script, bool force) {
    Query q;
    if (force) q.emplace_back("force", "true");
    TRY_STATUS(call(Method::Delete, account_path(account) + "/workers/scripts/" + url_encode(script), q));
    return {};
}

Result<std::vector<json>> ApiClient::list_scripts(const std::string& account, const std::string& tags) {
    Query q;
    if (!tags.empty()) q.emplace_back("tags", tags);
    return list_all(account_path(account) + "/workers/scripts", q, {});
}

// ---------------------------------------------------------------------------------------------------
// versions and deployments of account workers

namespace {
std::string account_script_path(const std::string& account, const std::string& script) {
    return account_path(account) + "/workers/scripts/" + url_encode(script);
}
WorkerVersion version_from(const json& j) {
    WorkerVersion v;
    v.id = info_string(j, "id");
    if (j.is_object() && j.contains("number") && j["number"].is_number()) v.number = j["number"].get<long long>();
    const json& md = j.is_object() && j.contains("metadata") ? j["metadata"] : json();
    v.created_on = info_string(md, "created_on");
    v.source = info_string(md, "source");
    v.author_email = info_string(md, "author_email");
    const json& an = j.is_object() && j.contains("annotations") ? j["annotations"] : json();
    v.message = info_string(an, "workers/message");
    v.tag = info_string(an, "workers/tag");
    v.raw = j;
    return v;
}
Deployment deployment_from(const json& j) {
    Deployment d;
    d.id = info_string(j, "id");
    d.created_on = info_string(j, "created_on");
    d.source = info_string(j, "source");
    d.author_email = info_string(j, "author_email");
    const json& an = j.is_object() && j.contains("annotations") ? j["annotations"] : json();
    d.message = info_string(an, "workers/message");
    if (j.is_object() && j.contains("versions") && j["versions"].is_array())
        for (const auto& v : j["versions"]) {
            DeploymentShare s;
            s.version_id = info_string(v, "version_id");
            if (v.is_object() && v.contains("percentage") && v["percentage"].is_number())
                s.percentage = v["percentage"].get<double>();
            d.versions.push_back(s);
        }
    d.raw = j;
    return d;
}
}  // namespace

Result<std::vector<WorkerVersion>> ApiClient::list_versions(const std::string& account, const std::string& script) {
    ListOptions lo;
    lo.style = PageStyle::PagePerPage;
    lo.per_page = 100;
    lo.items_key = "items";
    TRY_ASSIGN(std::vector<json> items, list_all(account_script_path(account, script) + "/versions", {}, lo));
    std::vector<WorkerVersion> out;
    for (const auto& j : items) out.push_back(version_from(j));
    return out;
}

Result<WorkerVersion> ApiClient::get_version(const std::string& account, const std::string& script,
                                             const std::string& id) {
    TRY_ASSIGN(ApiResult r, call(Method::Get, account_script_path(account, script) + "/versions/" + url_encode(id)));
    return version_from(r.result);
}

Result<WorkerVersion> ApiClient::upload_version(const std::string& account, const std::string& script,
                                                const MultipartBody& upload, std::vector<std::string>* messages) {
    TRY_ASSIGN(ApiResult r,
               call(Method::Post, account_script_path(account, script) + "/versions", {}, multipart_body(upload)));
    if (messages) *messages = r.messages;
    return version_from(r.result);
}

Result<std::vector<Deployment>> ApiClient::list_deployments(const std::string& account, const std::string& script) {
    TRY_ASSIGN(ApiResult r, call(Method::Get, account_script_path(account, script) + "/deployments"));
    std::vector<Deployment> out;
    const json& list = r.result.is_object() && r.result.contains("deployments") ? r.result["deployments"] : json();
    if (!list.is_array())
        return Error(ErrorKind::Api, "GET …/workers/scripts/" + script + "/deployments returned no deployments list",
                     "check that the API URL points at a Cloudflare API v4 endpoint");
    for (const auto& j : list) out.push_back(deployment_from(j));
    return out;
}

Result<Deployment> ApiClient::create_deployment(const std::string& account, const std::string& script,
                                                const std::vector<DeploymentShare>& versions,
                                                const std::string& message) {
    json vs = json::array();
    for (const auto& v : versions) vs.push_back({{"version_id", v.version_id}, {"percentage", v.percentage}});
    json body = {{"strategy", "percentage"}, {"versions", vs}};
    if (!message.empty()) body["annotations"] = {{"workers/message", message}};
    TRY_ASSIGN(ApiResult r,
               call(Method::Post, account_script_path(account, script) + "/deployments", {}, json_body(body)));
    return deployment_from(r.result);
}

// ---------------------------------------------------------------------------------------------------
// triggers of account workers

Result<json> ApiClient::get_schedules(const std::string& account, const std::string& script) {
    TRY_ASSIGN(ApiResult r,
               call(Method::Get, account_path(account) + "/workers/scripts/" + url_encode(script) + "/schedules"));
    return r.result;
}

Result<json> ApiClient::put_schedules(const std::string& account, const std::string& script, const json& schedules) {
    TRY_ASSIGN(ApiResult r,
               call(Method::Put, account_path(account) + "/workers/scripts/" + url_encode(script) + "/schedules", {},
                    json_body(schedules)));
    return r.result;
}

Result<json> ApiClient::get_script_subdomain(const std::string& account, const std::string& script) {
    TRY_ASSIGN(ApiResult r,
               call(Method::Get, account_path(account) + "/workers/scripts/" + url_encode(script) + "/subdomain"));
    return r.result;
}

Result<json> ApiClient::set_script_subdomain(const std::string& account, const std::string& script, bool enabled,
                                             bool previews_enabled) {
    json body = {{"enabled", enabled}, {"previews_enabled", previews_enabled}};
    TRY_ASSIGN(ApiResult r,
               call(Method::Post, account_path(account) + "/workers/scripts/" + url_encode(script) + "/subdomain", {},
                    json_body(body), {{"Cloudflare-Workers-Script-Api-Date", "2025-08-01"}}));
    return r.result;
}

Result<json> ApiClient::get_script_routes(const std::string& account, const std::string& script) {
    TRY_ASSIGN(ApiResult r,
               call(Method::Get, account_path(account) + "/workers/scripts/" + url_encode(script) + "/routes"));
    return r.result;
}

Result<json> ApiClient::put_script_routes(const std::string& account, const std::string& script, const json& routes) {
    TRY_ASSIGN(ApiResult r,
               call(Method::Put, account_path(account) + "/workers/scripts/" + url_encode(script) + "/routes", {},
                    json_body(routes)));
    return r.result;
}

Result<std::string> ApiClient::get_workers_subdomain(const std::string& account) {
    TRY_ASSIGN(ApiResult r, call(Method::Get, account_path(account) + "/workers/subdomain"));
    return json_string(r.result, "subdomain");
}

// ---------------------------------------------------------------------------------------------------
// secrets

namespace {
TailInfo tail_info(const json& j) {
    TailInfo t;
    t.id = info_string(j, "id");
    t.url = info_string(j, "url");
    t.expires_at = info_string(j, "expires_at");
    t.raw = j;
    return t;
}
}  // namespace

Result<std::vector<json>> ApiClient::list_applications(const std::string& account) {
    ListOptions lo;
    lo.style = PageStyle::PageToken;
    return list_all(applications_path(account), {}, lo);
}

Result<json> ApiClient::find_application(const std::string& account, const std::string& id_or_name) {
    TRY_ASSIGN(std::vector<json> apps, list_applications(account));
    for (const auto& a : apps)
        if (info_string(a, "id") == id_or_name) return a;
    for (const auto& a : apps)
        if (info_string(a, "name") == id_or_name) return a;
    return Error(ErrorKind::NotFound, "no container application has the id or name " + quoted(id_or_name),
                 "list them with `tenantctl containers list`");
}

Result<std::vector<json>> ApiClient::list_applications_with_health(const std::string& account) {
    ListOptions lo;
    lo.style = PageStyle::PageToken;
    return list_all(account_path(account) + "/containers/dash/applications", {}, lo);
}

Result<std::vector<json>> ApiClient::list_instances(const std::string& account, const std::string& application_id) {
    ListOptions lo;
    lo.style = PageStyle::PageToken;
    return list_all(applications_path(account) + "/" + url_encode(application_id) + "/instances-v2", {}, lo);
}

Result<json> ApiClient::instance_logs(const std::string& account, const std::string& application_id,
                                      const std::string& instance_id, const std::string& since, int tail) {
    Query q;
    if (!since.empty()) q.emplace_back("since", since);
    if (tail >= 0) q.emplace_back("tail", std::to_string(tail));
    TRY_ASSIGN(ApiResult r, call(Method::Get,
                                 applications_path(account) + "/" + url_encode(application_id) + "/instances/" +
                                     url_encode(instance_id) + "/logs",
                                 q));
    return r.result;
}

Result<TailInfo> ApiClient::create_tail(const ScriptRef& ref) {
    TRY_ASSIGN(ApiResult r, call(Method::Post, script_base_path(ref) + "/tails", {}, json_body(json::object())));
    TailInfo t = tail_info(r.result);
    if (t.id.empty() || t.url.empty())
        return Error(ErrorKind::Api, "POST " + script_base_path(ref) + "/tails answered without a tail id and url");
    return t;
}

Result<std::vector<TailInfo>> ApiClient::list_tails(const ScriptRef& ref) {
    TRY_ASSIGN(ApiResult r, call(Method::Get, script_base_path(ref) + "/tails"));
    std::vector<TailInfo> out;
    if (r.result.is_array())
        for (auto& j : r.result) out.push_back(tail_info(j));
    return out;
}

Status ApiClient::delete_tail(const ScriptRef& ref, const std::string& id) {
    TRY_ASSIGN(ApiResult r, call(Method::Delete, script_base_path(ref) + "/tails/" + url_encode(id)));
    (void)r;
    return ok_status();
}

Result<SecretInfo> ApiClient::put_secret(const ScriptRef& ref, const std::string& name, const std::string& value) {
    Redactor::global().add(value);
    json body = {{"name", name}, {"text", value}, {"type", "secret_text"}};
    TRY_ASSIGN(ApiResult r, call(Method::Put, script_base_path(ref) + "/secrets", {}, json_body(body)));
    SecretInfo s = to_secret(r.result);
    if (s.name.empty()) s.name = name;
    if (s.type.empty()) s.type = "secret_text";
    s.raw = json{{"name", s.name}, {"type", s.type}};  // never echo anything else the server sent
    return s;
}

Result<std::vector<SecretInfo>> ApiClient::list_secrets(const ScriptRef& ref) {
    TRY_ASSIGN(auto items, list_all(script_base_path(ref) + "/secrets", {}, {}));
    std::vector<SecretInfo> out;
    for (const auto& j : items) out.push_back(to_secret(j));
    return out;
}

Result<SecretInfo> ApiClient::get_secret(const ScriptRef& ref, const std::string& name) {
    TRY_ASSIGN(ApiResult r,
               call(Method::Get, script_base_path(ref) + "/secrets/" + url_encode(name), {{"url_encoded", "true"}}));
    return to_secret(r.result);
}

Status ApiClient::delete_secret(const ScriptRef& ref, const std::string& name) {
    TRY_STATUS(call(Method::Delete, script_base_path(ref) + "/secrets/" + url_encode(name), {{"url_encoded", "true"}}));
    return {};
}

Result<json> ApiClient::bulk_secrets(const ScriptRef& ref, const SecretsPatch& patch) {
    json secrets = json::object();
    for (const auto& [k, v] : patch) {
        if (v) {
            Redactor::global().add(*v);
            secrets[k] = {{"name", k}, {"text", *v}, {"type", "secret_text"}};
        } else {
            secrets[k] = nullptr;
        }
    }
    TRY_ASSIGN(ApiResult r, call(Method::Patch, script_base_path(ref) + "/secrets-bulk", {},
                                 json_body(json{{"secrets", secrets}}, "application/merge-patch+json")));
    return r.result;
}

// ---------------------------------------------------------------------------------------------------
// KV

static std::string kv_path(const std::string& account) {
    return account_path(account) + "/storage/kv/namespaces";
}

Result<std::vector<KvNamespace>> ApiClient::list_kv_namespaces(const std::string& account) {
    ListOptions o = list_options(PageStyle::PagePerPage, 100);
    TRY_ASSIGN(auto items, list_all(kv_path(account), {}, o));
    std::vector<KvNamespace> out;
    for (const auto& j : items) out.push_back(to_kv_ns(j));
    return out;
}

Result<KvNamespace> ApiClient::create_kv_namespace(const std::string& account, const std::string& title) {
    TRY_ASSIGN(ApiResult r, call(Method::Post, kv_path(account), {}, json_body({{"title", title}})));
    return to_kv_ns(r.result);
}

Status ApiClient::delete_kv_namespace(const std::string& account, const std::string& id) {
    TRY_STATUS(call(Method::Delete, kv_path(account) + "/" + url_encode(id)));
    return {};
}

Result<KvNamespace> ApiClient::rename_kv_namespace(const std::string& account, const std::string& id,
                                                   const std::string& title) {
    TRY_ASSIGN(ApiResult r,
               call(Method::Put, kv_path(account) + "/" + url_encode(id), {}, json_body({{"title", title}})));
    KvNamespace ns = to_kv_ns(r.result);
    if (ns.id.empty()) ns.id = id;
    if (ns.title.empty()) ns.title = title;
    return ns;
}

Result<std::vector<KvKey>> ApiClient::list_kv_keys(const std::string& account, const std::string& ns,
                                                   const std::string& prefix) {
    ListOptions o = list_options(PageStyle::Cursor, 1000, "limit");
    Query q;
    if (!prefix.empty()) q.emplace_back("prefix", prefix);
    TRY_ASSIGN(auto items, list_all(kv_path(account) + "/" + url_encode(ns) + "/keys", q, o));
    std::vector<KvKey> out;
    for (const auto& j : items) {
        KvKey k;
        k.name = str(j, "name");
        if (j.is_object()) {
            if (auto it = j.find("expiration"); it != j.end() && it->is_number()) k.expiration = it->get<long long>();
        }
        k.raw = j;
        out.push_back(std::move(k));
    }
    return out;
}

static std::string kv_value_path(const std::string& account, const std::string& ns, const std::string& key) {
    return kv_path(account) + "/" + url_encode(ns) + "/values/" + url_encode(key);
}

Status ApiClient::put_kv_value(const std::string& account, const std::string& ns, const std::string& key,
                               const std::string& value, bool multipart, const std::string& metadata_json) {
    Body body;
    if (multipart) {
        body = multipart_body(
            build_multipart({FormPart{"value", "", "", value}, FormPart{"metadata", "", "", metadata_json}}));
    } else {
        body = Body{"application/octet-stream", value};
    }
    TRY_STATUS(call(Method::Put, kv_value_path(account, ns, key), {}, body));
    return {};
}

Result<std::string> ApiClient::get_kv_value(const std::string& account, const std::string& ns, const std::string& key) {
    TRY_ASSIGN(HttpResponse r, call_raw(Method::Get, kv_value_path(account, ns, key)));
    return std::move(r.body);
}

Status ApiClient::delete_kv_value(const std::string& account, const std::string& ns, const std::string& key) {
    TRY_STATUS(call(Method::Delete, kv_value_path(account, ns, key)));
    return {};
}

// ---------------------------------------------------------------------------------------------------
// R2

static Headers r2_headers(const R2Options& o) {
    Headers h;
    if (!o.jurisdiction.empty()) h.emplace_back("cf-r2-jurisdiction", o.jurisdiction);
    return h;
}

Result<std::vector<R2Bucket>> ApiClient::list_r2_buckets(const std::string& account, const R2Options& options) {
    ListOptions o = list_options(PageStyle::Cursor, 1000, "per_page", "buckets");
    TRY_ASSIGN(auto items, list_all(account_path(account) + "/r2/buckets", {}, o, r2_headers(options)));
    std::vector<R2Bucket> out;
    for (const auto& j : items) out.push_back(to_bucket(j));
    return out;
}

Result<R2Bucket> ApiClient::create_r2_bucket(const std::string& account, const std::string& name,
                                             const R2Options& options) {
    json body = {{"name", name}};
    if (!options.location_hint.empty()) body["locationHint"] = options.location_hint;
    if (!options.storage_class.empty()) body["storageClass"] = options.storage_class;
    TRY_ASSIGN(ApiResult r,
               call(Method::Post, account_path(account) + "/r2/buckets", {}, json_body(body), r2_headers(options)));
    R2Bucket b = to_bucket(r.result);
    if (b.name.empty()) b.name = name;
    return b;
}

Result<R2Bucket> ApiClient::get_r2_bucket(const std::string& account, const std::string& name,
                                          const R2Options& options) {
    TRY_ASSIGN(ApiResult r, call(Method::Get, account_path(account) + "/r2/buckets/" + url_encode(name), {},
                                 std::nullopt, r2_headers(options)));
    return to_bucket(r.result);
}

Status ApiClient::delete_r2_bucket(const std::string& account, const std::string& name, const R2Options& options) {
    TRY_STATUS(call(Method::Delete, account_path(account) + "/r2/buckets/" + url_encode(name), {}, std::nullopt,
                    r2_headers(options)));
    return {};
}

// ---------------------------------------------------------------------------------------------------
// D1

static std::string d1_path(const std::string& account) {
    return account_path(account) + "/d1/database";
}

static long long number_or(const json& j, const char* key, long long fallback) {
    if (!j.is_object()) return fallback;
    auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<long long>() : fallback;
}

static D1Database to_d1(const json& j) {
    return D1Database{str(j, "uuid"),
                      str(j, "name"),
                      str(j, "created_at"),
                      str(j, "version"),
                      number_or(j, "file_size", -1),
                      number_or(j, "num_tables", -1),
                      j};
}

Result<std::vector<D1Database>> ApiClient::list_d1_databases(const std::string& account, const std::string& name) {
    Query q;
    if (!name.empty()) q.emplace_back("name", name);
    TRY_ASSIGN(auto items, list_all(d1_path(account), q, list_options(PageStyle::PagePerPage, 1000)));
    std::vector<D1Database> out;
    for (const auto& j : items) out.push_back(to_d1(j));
    return out;
}

Result<D1Database> ApiClient::create_d1_database(const std::string& account, const std::string& name) {
    TRY_ASSIGN(ApiResult r, call(Method::Post, d1_path(account), {}, json_body(json{{"name", name}})));
    D1Database d = to_d1(r.result);
    if (d.name.empty()) d.name = name;
    return d;
}

Result<D1Database> ApiClient::get_d1_database(const std::string& account, const std::string& id) {
    TRY_ASSIGN(ApiResult r, call(Method::Get, d1_path(account) + "/" + url_encode(id)));
    return to_d1(r.result);
}

Status ApiClient::delete_d1_database(const std::string& account, const std::string& id) {
    TRY_STATUS(call(Method::Delete, d1_path(account) + "/" + url_encode(id)));
    return {};
}

Result<std::vector<D1Result>> ApiClient::query_d1(const std::string& account, const std::string& id,
                                                  const std::string& sql, const json& params) {
    json body{{"sql", sql}};
    if (params.is_array() && !params.empty()) body["params"] = params;
    std::string path = d1_path(account) + "/" + url_encode(id) + "/raw";
    TRY_ASSIGN(ApiResult r, call(Method::Post, path, {}, json_body(body)));
    if (!r.result.is_array())
        return Error(ErrorKind::Api, "POST " + redact_url(path) + " returned a result that is not a list",
                     "check that the API URL points at a Cloudflare API v4 endpoint");
    std::vector<D1Result> out;
    for (const auto& j : r.result) {
        D1Result d;
        d.success = !j.is_object() || j.value("success", true);
        if (j.is_object() && j.contains("meta") && j["meta"].is_object()) d.meta = j["meta"];
        const json res = j.is_object() ? j.value("results", json::object()) : json::object();
        if (res.is_object()) {
            for (const auto& c : res.value("columns", json::array()))
                d.columns.push_back(c.is_string() ? c.get<std::string>() : c.dump());
            if (res.contains("rows") && res["rows"].is_array()) d.rows = res["rows"];
        }
        out.push_back(std::move(d));
    }
    return out;
}

}  // namespace tenantctl::api
