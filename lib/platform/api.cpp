#include "platform/api.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <functional>
#include <regex>
#include <thread>

#include "core/limits.hpp"
#include "core/redact.hpp"
#include "core/sha256.hpp"
#include "core/strings.hpp"
#include "platform/api_internal.hpp"
#include "platform/kinds.hpp"
#include "platform/multipart.hpp"

namespace tenantctl::platform {

namespace v4 {

// ---------------------------------------------------------------------------------------------------
// small helpers

std::string now_iso() {
    auto now = std::chrono::system_clock::now();
    auto secs = std::chrono::time_point_cast<std::chrono::seconds>(now);
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now - secs).count();
    std::time_t t = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    char out[96];
    std::snprintf(out, sizeof out, "%s.%06lldZ", buf, static_cast<long long>(micros));
    return out;
}

HttpResponse json_response(int status, const json& body) {
    HttpResponse r;
    r.status = status;
    r.body = body.dump();
    return r;
}

HttpResponse ok(json result, int status) {
    return json_response(status, Api::envelope(std::move(result)));
}

HttpResponse ok_info(json result, json info, int status) {
    json e = Api::envelope(std::move(result));
    e["result_info"] = std::move(info);
    return json_response(status, e);
}

HttpResponse err(int status, int code, const std::string& message) {
    return Api::error_response(status, code, message);
}

std::optional<int64_t> to_int(const std::string& s) {
    if (s.empty() || s.size() > 18) return std::nullopt;
    int64_t v = 0;
    size_t i = 0;
    bool neg = false;
    if (s[0] == '-') {
        neg = true;
        i = 1;
        if (s.size() == 1) return std::nullopt;
    }
    for (; i < s.size(); ++i) {
        if (s[i] < '0' || s[i] > '9') return std::nullopt;
        v = v * 10 + (s[i] - '0');
    }
    return neg ? -v : v;
}

bool truthy(const std::map<std::string, std::string>& q, const std::string& k) {
    auto it = q.find(k);
    return it != q.end() && (it->second == "true" || it->second == "1" || it->second.empty());
}

std::string qget(const std::map<std::string, std::string>& q, const std::string& k) {
    auto it = q.find(k);
    return it == q.end() ? std::string() : it->second;
}

// Cursors are opaque to clients: base64 of the last name returned.
std::string encode_cursor(const std::string& last) {
    return base64_encode(last);
}
std::string decode_cursor(const std::string& c) {
    // The base64 before the first character outside its alphabet, less a last character that holds no whole byte.
    std::string_view b64 = std::string_view(c).substr(
        0, c.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"));
    if (b64.size() % 4 == 1) b64.remove_suffix(1);
    return base64_decode(b64).value_or(std::string());
}

// Parses a JSON body; `required_object` refuses anything but an object.
std::optional<HttpResponse> parse_json_body(Ctx& c, json& out, bool required_object) {
    if (c.req.body.empty()) return err(400, 10001, "request body is empty; expected a JSON document");
    out = c.pre.body_json ? std::move(*c.pre.body_json) : json::parse(c.req.body, nullptr, false);
    c.pre.body_json.reset();
    if (out.is_discarded()) return err(400, 10001, "request body is not valid JSON");
    if (required_object && !out.is_object()) return err(400, 10001, "request body must be a JSON object");
    return std::nullopt;
}

const std::string& account_of(const Ctx& c) {
    return c.creds.account_id;
}

HttpResponse outside_store(Ctx& c, std::function<HttpResponse()> fn) {
    c.after_store = std::move(fn);
    return HttpResponse{};
}

json page_info(int64_t page, int64_t per_page, int64_t count, int64_t total) {
    int64_t pages = per_page > 0 ? (total + per_page - 1) / per_page : 0;
    return {{"page", page}, {"per_page", per_page}, {"count", count}, {"total_count", total}, {"total_pages", pages}};
}

// Validated page/per_page from the query.
std::optional<HttpResponse> paging(const Ctx& c, int64_t& page, int64_t& per_page, int64_t def, int64_t lo,
                                   int64_t hi) {
    page = 1;
    per_page = def;
    if (auto s = qget(c.q, "page"); !s.empty()) {
        auto v = to_int(s);
        if (!v || *v < 1) return err(400, 10004, "page must be a positive integer, got " + quoted(s));
        page = *v;
    }
    if (auto s = qget(c.q, "per_page"); !s.empty()) {
        auto v = to_int(s);
        if (!v || *v < lo || *v > hi)
            return err(
                400, 10004,
                "per_page must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + quoted(s));
        per_page = *v;
    }
    return std::nullopt;
}

// The first index of page `page` (1-based), clamped to `size`: (page-1)*per_page without overflow, since
// `page` comes from the query and may be as large as 10^18.
int64_t page_start(int64_t page, int64_t per_page, size_t size) {
    auto n = static_cast<int64_t>(size);
    if (per_page <= 0 || page < 1 || page - 1 > n / per_page) return n;
    return std::min(n, (page - 1) * per_page);
}

int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Strict base64 (standard or url alphabet; padding optional); nullopt on any other character.
std::optional<std::string> base64_decode(std::string_view in) {
    std::string out;
    out.reserve(in.size() / 4 * 3 + 3);
    uint32_t val = 0;
    int bits = 0;
    size_t pad = 0;
    for (char ch : in) {
        int v;
        if (ch >= 'A' && ch <= 'Z')
            v = ch - 'A';
        else if (ch >= 'a' && ch <= 'z')
            v = ch - 'a' + 26;
        else if (ch >= '0' && ch <= '9')
            v = ch - '0' + 52;
        else if (ch == '+' || ch == '-')
            v = 62;
        else if (ch == '/' || ch == '_')
            v = 63;
        else if (ch == '=') {
            ++pad;
            continue;
        } else
            return std::nullopt;
        if (pad) return std::nullopt;  // data after padding
        val = (val << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((val >> bits) & 0xFF));
        }
    }
    if (pad > 2 || bits >= 6) return std::nullopt;
    return out;
}

namespace {

// --- work before the store lock ----------------------------------------------------------------------

// The heavy part of a request with a large body, done before the store is locked (Api::dispatch): an upload's
// multipart body parsed and its modules serialized and hashed, an R2 object hashed, a KV multipart value or
// a bulk write's JSON parsed, assets parts decoded and hashed. The handler then holds the store lock only
// for its short reads and the write; what it finds in c.pre it does not compute again.
void prepare_body(Ctx& c, Handler h) {
    if (c.req.body.empty()) return;
    auto& pre = c.pre;
    if (h == script_upload || h == script_content_put || h == version_upload) {
        pre.upload_error = parse_upload(c, pre.upload, true);
        pre.upload_parsed = true;
        if (!pre.upload_error) {
            pre.modules_blob = serialize_modules(pre.upload.modules);
            pre.sha256.emplace_back(&*pre.modules_blob, sha256_hex(*pre.modules_blob));
            if (c.validator) pre.upload_error = check_upload(c, h == script_content_put);
        }
    } else if (h == r2obj_put) {
        pre.sha256.emplace_back(&c.req.body, sha256_hex(c.req.body));
    } else if (h == kv_put && media_type(c.header("content-type")) == "multipart/form-data") {
        pre.parts = parse_multipart(c.header("content-type"), c.req.body);
    } else if (h == kv_bulk_put) {
        pre.body_json = json::parse(c.req.body, nullptr, false);
    } else if (h == assets_upload) {
        // The session's manifest is read in a short read transaction of its own; the parts are decoded and
        // hashed after it. assets_upload uses them only if the session is still the same one.
        pre.parts = parse_multipart(c.header("content-type"), c.req.body);
        std::string auth = c.header("authorization");
        if (!pre.parts->ok() || !starts_with(auth, "Bearer ")) return;
        std::optional<StoredObject> session;
        c.store.transaction(false, [&] {
            auto found = assets_session_for(c, std::string(trim(auth.substr(7))), "upload");
            if (auto* o = std::get_if<StoredObject>(&found)) session = std::move(*o);
            return false;
        });
        if (!session) return;
        std::vector<AssetPart> parts;
        if (!check_asset_parts(c, session->doc, parts)) {
            pre.assets = std::move(parts);
            pre.assets_session = session->name;
        }
    }
}

// --- the route table -------------------------------------------------------------------------------

struct Route {
    const char* method;
    const char* pattern;  // segments; ":x" captures
    Handler handler;
    std::vector<std::string> segs;
};

std::vector<Route> make_routes() {
#define A "accounts/:account/"
#define NS A "workers/dispatch/namespaces/:ns"
#define S NS "/scripts/:script"
#define WS A "workers/scripts/:script"
#define KV A "storage/kv/namespaces/:kvns"
#define APP A "containers/applications/:app"
    std::vector<Route> r{
        {"GET", "user/tokens/verify", token_verify, {}},
        {"GET", "accounts", accounts_list, {}},
        {"GET", "accounts/:account", account_get, {}},
        {"GET", "accounts/:account/tokens/verify", token_verify, {}},
        {"GET", "memberships", memberships_list, {}},
        {"GET", "user", user_get, {}},
        {"POST", "graphql", graphql, {}},
        {"GET", A "workers/dispatch/namespaces", ns_list, {}},
        {"POST", A "workers/dispatch/namespaces", ns_create, {}},
        {"GET", NS, ns_get, {}},
        {"PUT", NS, ns_update, {}},
        {"PATCH", NS, ns_update, {}},
        {"DELETE", NS, ns_delete, {}},
        {"GET", NS "/scripts", scripts_list, {}},
        {"DELETE", NS "/scripts", scripts_bulk_delete, {}},
        {"PUT", S, script_upload, {}},
        {"GET", S, script_details, {}},
        {"DELETE", S, script_delete, {}},
        {"GET", S "/content", script_content_get, {}},
        {"PUT", S "/content", script_content_put, {}},
        {"GET", S "/settings", script_settings_get, {}},
        {"PATCH", S "/settings", script_settings_patch, {}},
        {"GET", S "/bindings", script_bindings, {}},
        {"GET", S "/tags", tags_get, {}},
        {"PUT", S "/tags", tags_put, {}},
        {"PUT", S "/tags/:tag", tag_put, {}},
        {"DELETE", S "/tags/:tag", tag_delete, {}},
        {"POST", S "/assets-upload-session", assets_session, {}},
        {"GET", S "/secrets", secrets_list, {}},
        {"PUT", S "/secrets", secret_put, {}},
        {"GET", S "/secrets/:secret", secret_get, {}},
        {"DELETE", S "/secrets/:secret", secret_delete, {}},
        {"PATCH", S "/secrets-bulk", secrets_bulk, {}},
        {"POST", S "/tails", tail_create, {}},
        {"GET", S "/tails", tails_list, {}},
        {"DELETE", S "/tails/:tail", tail_delete, {}},
        {"GET", A "workers/scripts", scripts_list, {}},
        {"PUT", WS, script_upload, {}},
        {"GET", WS, script_content_get, {}},
        {"DELETE", WS, script_delete, {}},
        {"GET", WS "/content", script_content_get, {}},
        {"PUT", WS "/content", script_content_put, {}},
        {"GET", WS "/content/v2", script_content_v2, {}},
        {"GET", WS "/references", script_references, {}},
        {"GET", WS "/script-settings", script_settings_nv_get, {}},
        {"PATCH", WS "/script-settings", script_settings_nv_patch, {}},
        {"GET", A "workers/services/:script", service_get, {}},
        {"GET", A "workers/workers/:script", worker_get, {}},
        {"DELETE", A "workers/services/:script", script_delete, {}},
        {"GET", A "workers/services/:script/environments/:env/content/v2", script_content_v2, {}},
        {"GET", A "workers/tails/by-consumer/:script", tails_by_consumer, {}},
        {"POST", WS "/tails", tail_create, {}},
        {"GET", WS "/tails", tails_list, {}},
        {"DELETE", WS "/tails/:tail", tail_delete, {}},
        {"GET", A "workers/durable_objects/namespaces", do_namespaces_list, {}},
        {"GET", WS "/settings", script_settings_get, {}},
        {"PATCH", WS "/settings", script_settings_patch, {}},
        {"GET", WS "/bindings", script_bindings, {}},
        {"GET", WS "/secrets", secrets_list, {}},
        {"PUT", WS "/secrets", secret_put, {}},
        {"GET", WS "/secrets/:secret", secret_get, {}},
        {"DELETE", WS "/secrets/:secret", secret_delete, {}},
        {"PATCH", WS "/secrets-bulk", secrets_bulk, {}},
        {"POST", WS "/assets-upload-session", assets_session, {}},
        {"POST", A "workers/assets/upload", assets_upload, {}},
        {"GET", "zones", zones_list, {}},
        {"GET", "zones/:zone/workers/routes", zone_routes_list, {}},
        {"GET", WS "/schedules", schedules_get, {}},
        {"PUT", WS "/schedules", schedules_put, {}},
        {"GET", WS "/subdomain", script_subdomain_get, {}},
        {"POST", WS "/subdomain", script_subdomain_post, {}},
        {"GET", WS "/routes", script_routes_get, {}},
        {"PUT", WS "/routes", script_routes_put, {}},
        {"GET", A "workers/subdomain", account_subdomain_get, {}},
        {"PUT", A "workers/subdomain", account_subdomain_put, {}},
        {"GET", WS "/versions", versions_list, {}},
        {"POST", WS "/versions", version_upload, {}},
        {"GET", WS "/versions/:version", version_get, {}},
        {"GET", WS "/deployments", deployments_list, {}},
        {"POST", WS "/deployments", deployment_create, {}},
        {"GET", A "storage/kv/namespaces", kvns_list, {}},
        {"POST", A "storage/kv/namespaces", kvns_create, {}},
        {"GET", KV, kvns_get, {}},
        {"PUT", KV, kvns_rename, {}},
        {"DELETE", KV, kvns_delete, {}},
        {"GET", KV "/keys", kv_keys, {}},
        {"PUT", KV "/values/:key", kv_put, {}},
        {"GET", KV "/values/:key", kv_get, {}},
        {"DELETE", KV "/values/:key", kv_delete, {}},
        {"GET", KV "/metadata/:key", kv_metadata, {}},
        {"PUT", KV "/bulk", kv_bulk_put, {}},
        {"DELETE", KV "/bulk", kv_bulk_delete, {}},
        {"POST", KV "/bulk/delete", kv_bulk_delete, {}},
        {"POST", KV "/bulk/get", kv_bulk_get, {}},
        {"GET", A "r2/buckets", r2_list, {}},
        {"POST", A "r2/buckets", r2_create, {}},
        {"GET", A "r2/buckets/:bucket", r2_get, {}},
        {"DELETE", A "r2/buckets/:bucket", r2_delete, {}},
        {"PUT", A "r2/buckets/:bucket/objects/*key", r2obj_put, {}},
        {"GET", A "r2/buckets/:bucket/objects/*key", r2obj_get, {}},
        {"DELETE", A "r2/buckets/:bucket/objects/*key", r2obj_delete, {}},
        {"GET", A "d1/database", d1_list, {}},
        {"POST", A "d1/database", d1_create, {}},
        {"GET", A "d1/database/:db", d1_get, {}},
        {"DELETE", A "d1/database/:db", d1_delete, {}},
        {"POST", A "d1/database/:db/query", d1_query, {}},
        {"POST", A "d1/database/:db/raw", d1_raw, {}},
        {"GET", A "containers/applications", apps_list, {}},
        {"POST", A "containers/applications", app_create, {}},
        {"GET", A "containers/dash/applications", dash_apps_list, {}},
        {"GET", A "containers/dash/applications/:app/instances", dash_instances, {}},
        {"GET", APP, app_get, {}},
        {"PATCH", APP, app_patch, {}},
        {"DELETE", APP, app_delete, {}},
        {"POST", APP "/rollouts", rollout_create, {}},
        {"GET", APP "/rollouts", rollouts_list, {}},
        {"GET", APP "/rollouts/:rollout", rollout_get, {}},
        {"GET", APP "/instances-v2", instances_list, {}},
        {"GET", APP "/instances/:instance", instance_get, {}},
        {"DELETE", APP "/instances/:instance", instance_delete, {}},
        {"GET", APP "/instances/:instance/logs", instance_logs, {}},
        {"GET", A "containers/registries", registries_list, {}},
        {"POST", A "containers/registries", registry_create, {}},
        {"DELETE", A "containers/registries/:domain", registry_delete, {}},
        {"POST", A "containers/registries/:domain/credentials", registry_credentials, {}},
        {"GET", A "containers/me", containers_me, {}},
    };
#undef A
#undef NS
#undef S
#undef WS
#undef KV
#undef APP
    for (auto& route : r) route.segs = split(route.pattern, '/');
    return r;
}

const std::vector<Route>& routes() {
    static const std::vector<Route> r = make_routes();
    return r;
}

// Splits a path into percent-decoded segments (an empty trailing segment from a final "/" is dropped).
std::vector<std::string> path_segments(std::string_view path) {
    std::vector<std::string> out;
    for (auto& s : split(path, '/')) out.push_back(url_decode(s));
    while (!out.empty() && out.back().empty()) out.pop_back();
    if (!out.empty() && out.front().empty()) out.erase(out.begin());
    return out;
}

// A ":x" segment captures one path segment; a final "*x" captures the rest of the path (one or more
// segments, joined with "/": R2 object keys).
bool match(const Route& r, const std::vector<std::string>& segs, std::map<std::string, std::string>& params) {
    bool rest = !r.segs.empty() && !r.segs.back().empty() && r.segs.back()[0] == '*';
    if (rest ? segs.size() < r.segs.size() : r.segs.size() != segs.size()) return false;
    std::map<std::string, std::string> p;
    for (size_t i = 0; i < segs.size(); ++i) {
        const std::string& want = r.segs[std::min(i, r.segs.size() - 1)];
        if (rest && i >= r.segs.size() - 1) {
            std::string& v = p[want.substr(1)];
            v += (i + 1 == r.segs.size() ? "" : "/") + segs[i];
            continue;
        }
        if (!want.empty() && want[0] == ':') {
            if (segs[i].empty()) return false;
            p[want.substr(1)] = segs[i];
        } else if (want != segs[i]) {
            return false;
        }
    }
    params = std::move(p);
    return true;
}

// What a request's method and path (after the API prefix) resolve to: `path_known` when some route has the
// path, `route` and its captured parameters when one of those takes the method (HEAD as GET).
struct FoundRoute {
    bool path_known = false;
    const Route* route = nullptr;
    std::map<std::string, std::string> params;
};

FoundRoute find_route(const std::string& method, std::string_view path) {
    FoundRoute out;
    auto segs = path_segments(path);
    for (auto& route : routes()) {
        std::map<std::string, std::string> p;
        if (!match(route, segs, p)) continue;
        out.path_known = true;
        if (method == route.method || (method == "HEAD" && std::string_view(route.method) == "GET")) {
            out.route = &route;
            out.params = std::move(p);
            break;
        }
    }
    return out;
}

}  // namespace

}  // namespace v4

using namespace v4;

// ---------------------------------------------------------------------------------------------------
// public helpers

std::map<std::string, std::string> parse_query(std::string_view query) {
    std::map<std::string, std::string> out;
    size_t i = 0;
    while (i <= query.size() && !query.empty()) {
        size_t amp = query.find('&', i);
        if (amp == std::string_view::npos) amp = query.size();
        std::string_view kv = query.substr(i, amp - i);
        if (!kv.empty()) {
            auto eq = kv.find('=');
            std::string k(kv.substr(0, eq));
            std::string v = eq == std::string_view::npos ? std::string() : std::string(kv.substr(eq + 1));
            for (auto& c : k)
                if (c == '+') c = ' ';
            for (auto& c : v)
                if (c == '+') c = ' ';
            out[url_decode(k)] = url_decode(v);
        }
        if (amp >= query.size()) break;
        i = amp + 1;
    }
    return out;
}

Result<std::vector<std::pair<std::string, bool>>> parse_tag_filter(std::string_view s) {
    std::vector<std::pair<std::string, bool>> out;
    for (auto& item : split(s, ',')) {
        auto t = std::string(trim(item));
        if (t.empty()) continue;
        auto colon = t.rfind(':');
        if (colon == std::string::npos || colon == 0)
            return Error(ErrorKind::Input, "tags filter item " + quoted(t) + " must look like tag:yes or tag:no");
        std::string v = t.substr(colon + 1);
        if (v != "yes" && v != "no")
            return Error(ErrorKind::Input, "tags filter item " + quoted(t) + " must end in :yes or :no");
        out.emplace_back(t.substr(0, colon), v == "yes");
    }
    return out;
}

bool valid_account_script_name(std::string_view name) {
    if (name.empty() || name.size() > 63) return false;
    auto ok_first = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; };
    if (!ok_first(name[0])) return false;
    for (char c : name.substr(1))
        if (!ok_first(c) && c != '-') return false;
    return true;
}

json Api::envelope(json result) {
    return json{
        {"success", true}, {"errors", json::array()}, {"messages", json::array()}, {"result", std::move(result)}};
}

HttpResponse Api::error_response(int status, int code, const std::string& message) {
    json e{{"success", false},
           {"errors", json::array({json{{"code", code}, {"message", message}}})},
           {"messages", json::array()},
           {"result", nullptr}};
    return json_response(status, e);
}

// ---------------------------------------------------------------------------------------------------
// Api

Api::Api(Store& store, Credentials creds, ApiOptions options, std::shared_ptr<ContainerRuntime> runtime,
         RegistryInfo registry)
    : m_store(store),
      m_creds(std::move(creds)),
      m_opt(std::move(options)),
      m_runtime(runtime ? std::move(runtime) : std::make_shared<StateOnlyRuntime>()),
      m_registry(std::move(registry)),
      m_gate(std::make_unique<RateGate>(SystemClock::instance(), m_opt.rate_limit)),
      m_validator(m_opt.validator) {
    Redactor::global().add(m_creds.api_token);
    if (!m_opt.request_log_path.empty()) {
        // 0600 whatever the umask (the log names every path asked for)
        int fd = ::open(m_opt.request_log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd >= 0) {
            ::fchmod(fd, 0600);
            m_log = ::fdopen(fd, "a");
            if (!m_log) ::close(fd);
        }
    }
}

Api::~Api() {
    if (m_log) std::fclose(m_log);
}

void Api::log_request(const std::string& method, const std::string& target, int status) {
    if (!m_log) return;
    std::string path = target.substr(0, target.find('?'));
    json line{{"ts", now_iso()}, {"method", method}, {"path", redact_url(path)}, {"status", status}};
    std::string s = line.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    std::lock_guard lock(m_log_mutex);
    std::fwrite(s.data(), 1, s.size(), m_log);
    std::fflush(m_log);
}

bool Api::authorized(const HttpRequest& req) const {
    std::string auth = req.header("authorization");
    if (starts_with(auth, "Bearer ") && std::string(trim(auth.substr(7))) == m_creds.api_token) return true;
    std::string email = req.header("x-auth-email"), key = req.header("x-auth-key");
    return !email.empty() && key == m_creds.api_token;
}

namespace {
// A fault's path_regex is matched by libstdc++'s breadth-first executor: time linear in the path for a given
// pattern (no backtracking, so "(a+)+$" cannot pin a thread) and recursion bounded by the pattern, not the
// path. It refuses back-references (error_complexity), which the patterns need not use.
#if defined(__GLIBCXX__)
constexpr auto k_fault_regex_flags = std::regex::ECMAScript | std::regex_constants::__polynomial;
#else
#error "the fault matcher relies on libstdc++'s polynomial std::regex mode"
#endif
}  // namespace

std::optional<HttpResponse> Api::take_fault(const std::string& method, const std::string& path) {
    // The patterns are matched without holding m_fault_mutex (a slow pattern delays only its own request, not
    // every request), then the matching fault is used up under the lock if it is still armed.
    std::vector<Fault> armed;
    {
        std::lock_guard lock(m_fault_mutex);
        if (m_faults.empty()) return std::nullopt;
        armed = m_faults;
    }
    uint64_t hit = 0;
    for (auto& f : armed) {
        if (!f.method.empty() && f.method != method) continue;
        if (!std::regex_search(path, *f.path_regex)) continue;
        hit = f.serial;
        break;
    }
    if (!hit) return std::nullopt;
    int delay = 0;
    std::optional<HttpResponse> out;
    {
        std::lock_guard lock(m_fault_mutex);
        for (auto it = m_faults.begin(); it != m_faults.end(); ++it) {
            if (it->serial != hit) continue;
            delay = it->delay_ms;
            if (it->status > 0)
                out = error_response(it->status, it->status >= 500 ? 503 : it->status,
                                     "injected fault (tenantctl dev --test-hooks)");
            if (it->status == 429) out->headers.emplace_back("Retry-After", "1");
            if (--it->count <= 0) m_faults.erase(it);
            break;
        }
    }
    if (delay > 0) std::this_thread::sleep_for(std::chrono::milliseconds(std::min(delay, 60000)));
    return out;
}

HttpResponse Api::handle_dev_hooks(const HttpRequest& req, const std::string& path) {
    if (path != "/__dev/faults") return error_response(404, 7003, "No route for the URI");
    if (req.method == "DELETE") {
        std::lock_guard lock(m_fault_mutex);
        m_faults.clear();
        return json_response(200, envelope(nullptr));
    }
    if (req.method == "GET") {
        std::lock_guard lock(m_fault_mutex);
        json arr = json::array();
        for (auto& f : m_faults)
            arr.push_back({{"method", f.method},
                           {"path_regex", f.path_pattern},
                           {"status", f.status},
                           {"count", f.count},
                           {"delay_ms", f.delay_ms}});
        return json_response(200, envelope(arr));
    }
    if (req.method != "POST") return error_response(405, 7001, "method not allowed for /__dev/faults");
    json b = json::parse(req.body, nullptr, false);
    if (b.is_discarded() || !b.is_object()) return error_response(400, 10001, "body must be a JSON object");
    Fault f;
    try {
        f.method = b.value("method", std::string());
        f.path_pattern = b.value("path_regex", std::string(".*"));
        if (f.path_pattern.size() > limits::k_max_fault_regex_bytes)
            return error_response(400, 10004,
                                  "path_regex is longer than " + std::to_string(limits::k_max_fault_regex_bytes) +
                                      " bytes (limit k_max_fault_regex_bytes)");
        f.path_regex = std::make_shared<const std::regex>(f.path_pattern, k_fault_regex_flags);
        f.status = b.value("status", 503);
        f.count = b.value("count", 1);
        f.delay_ms = b.value("delay_ms", 0);
    } catch (const std::exception& e) {
        return error_response(400, 10004, std::string("invalid fault: ") + e.what());
    }
    if (f.status != 0 && (f.status < 400 || f.status > 599))
        return error_response(400, 10004, "status must be 0 or 400 to 599");
    if (f.count < 1) return error_response(400, 10004, "count must be at least 1");
    std::lock_guard lock(m_fault_mutex);
    f.serial = ++m_fault_serial;
    m_faults.push_back(std::move(f));
    return json_response(200, envelope({{"armed", m_faults.size()}}));
}

std::optional<RouteMatch> match_api_route(const std::string& method, std::string_view path) {
    auto found = find_route(method, path);
    if (!found.path_known) return std::nullopt;
    RouteMatch out;
    if (found.route) {
        out.pattern = found.route->pattern;
        out.params = std::move(found.params);
        out.method_allowed = true;
    }
    return out;
}

Api::HeadCheck Api::check_head(const HttpRequest& req) {
    HeadCheck out;
    out.body_limit = limits::k_max_api_json_body_bytes;
    out.limit_name = "k_max_api_json_body_bytes";
    std::string_view target = req.target;
    std::string path(target.substr(0, target.find('?')));
    if (starts_with(path, "/__dev/")) {
        if (!m_opt.test_hooks)
            out.response = error_response(404, 7003, "No route for the URI");
        else if (!authorized(req))
            out.response = error_response(401, 10000, "Authentication error");
        return out;
    }
    if (!starts_with(path, m_opt.api_prefix + "/") && path != m_opt.api_prefix) {
        out.response = error_response(404, 7003, "No route for the URI");
        return out;
    }
    auto resolved = find_route(req.method, path.substr(m_opt.api_prefix.size()));
    const bool path_known = resolved.path_known;
    const Route* found = resolved.route;
    // The assets upload is authorized by its upload session's token (the handler checks it), not the API token.
    const bool session_auth = found && found->handler == assets_upload;
    if (!path_known) {
        out.response = error_response(404, 7003, "No route for the URI");
    } else if (!session_auth && !authorized(req)) {
        out.response = error_response(401, 10000, "Authentication error");
    } else if (session_auth) {
        out.body_limit = limits::k_max_api_assets_body_bytes;
        out.limit_name = "k_max_api_assets_body_bytes";
    } else if (found && found->handler == assets_session) {
        out.body_limit = limits::k_max_api_assets_manifest_bytes;
        out.limit_name = "k_max_api_assets_manifest_bytes";
    } else if (found &&
               (found->handler == script_upload || found->handler == script_content_put ||
                found->handler == version_upload || found->handler == r2obj_put || found->handler == kv_bulk_put)) {
        out.body_limit = limits::k_max_api_upload_body_bytes;
        out.limit_name = "k_max_api_upload_body_bytes";
    } else if (found && found->handler == kv_put) {
        out.body_limit = limits::k_max_api_kv_body_bytes;
        out.limit_name = "k_max_api_kv_body_bytes";
    }
    return out;
}

HttpResponse Api::handle(const HttpRequest& req) {
    HttpResponse r;
    // The rate limit covers the API (not the test hooks); its headers go on every API response.
    std::optional<RateGate::Decision> gate;
    if (!starts_with(req.target, "/__dev/")) gate = m_gate->admit();
    try {
        if (gate && !gate->allowed)
            r = error_response(429, 971, "Please wait and consider throttling your request speed");
        else
            r = dispatch(req);
    } catch (const std::exception& e) {
        r = error_response(500, 500, std::string("internal error: ") + e.what());
    }
    if (gate) r.headers.insert(r.headers.end(), gate->headers.begin(), gate->headers.end());
    log_request(req.method, req.target, r.status);
    return r;
}

HttpResponse Api::dispatch(const HttpRequest& req) {
    std::string_view target = req.target;
    auto qpos = target.find('?');
    std::string path(target.substr(0, qpos));
    std::string query(qpos == std::string_view::npos ? std::string_view{} : target.substr(qpos + 1));

    if (starts_with(path, "/__dev/")) {
        if (!m_opt.test_hooks) return error_response(404, 7003, "No route for the URI");
        if (!authorized(req)) return error_response(401, 10000, "Authentication error");
        return handle_dev_hooks(req, path);
    }
    if (!starts_with(path, m_opt.api_prefix + "/") && path != m_opt.api_prefix)
        return error_response(404, 7003, "No route for the URI");
    if (m_opt.test_hooks) {
        if (auto f = take_fault(req.method, path)) return *f;
    }

    auto resolved = find_route(req.method, path.substr(m_opt.api_prefix.size()));
    const bool path_known = resolved.path_known;
    const Route* found = resolved.route;
    auto& params = resolved.params;
    if (!path_known) return error_response(404, 7003, "No route for the URI");
    if (!(found && found->handler == assets_upload) && !authorized(req))
        return error_response(401, 10000, "Authentication error");
    if (!found) return error_response(405, 7001, "method " + req.method + " not allowed for this URI");
    if (params.count("account") && params["account"] != m_creds.account_id)
        return error_response(403, 9109, "Unauthorized to access requested resource");

    // Names are stored and later rendered as JSON strings: a name that is not UTF-8 would be stored and then
    // break every listing that includes it, so it is refused here (400) rather than failing later (500).
    for (auto& [k, v] : params)
        if (!valid_utf8(v)) return error_response(400, 10004, "path segment :" + k + " is not valid UTF-8");
    auto q = parse_query(query);
    for (auto& [k, v] : q)
        if (!valid_utf8(k) || !valid_utf8(v))
            return error_response(400, 10004,
                                  "query parameter " + quoted(valid_utf8(k) ? k : "?") + " is not valid UTF-8");
    std::shared_ptr<ScriptValidator> validator;
    {
        std::lock_guard lock(m_validator_mutex);
        validator = m_validator;
    }
    Ctx c{req, std::move(q), std::move(params), m_store, m_creds, *m_runtime, m_registry, m_opt, {}, {}, validator};
    bool write = req.method != "GET" && req.method != "HEAD";
    prepare_body(c, found->handler);
    if (m_opt.before_store_lock) m_opt.before_store_lock(req.method, path);
    HttpResponse out;
    m_store.transaction(write, [&] {
        out = found->handler(c);
        return out.status < 400;
    });
    if (c.after_store) out = c.after_store();
    if (req.method == "HEAD") out.body.clear();
    return out;
}

}  // namespace tenantctl::platform
