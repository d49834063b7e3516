#include "platform/api_internal.hpp"

#include <set>

#include "core/blake3.hpp"
#include "core/limits.hpp"
#include "core/sha256.hpp"

namespace tenantctl::platform::v4 {

namespace {

// ---- Workers static assets ------------------------------------------------------------------------
// An upload session (POST …/assets-upload-session) takes the manifest {path: {hash, size}} and answers with a
// token and the hashes the account does not have yet, in buckets; each bucket is POSTed to
// /accounts/{account}/workers/assets/upload with that token as its Bearer credential (not the API token); the
// answer to the upload that completes the session carries the completion token, which the worker upload's
// metadata then names in `assets.jwt`. Asset contents are stored once per account, by hash (kind "asset");
// a script's manifest and asset config are kept in its document under "assets", for a runtime to serve.
// Tokens are JWTs (HS256 with a key kept in the store's meta table) naming the session; sessions expire after
// an hour and are removed when a later session starts.

const char* K_ASSET_SESSION = "asset_ses";  // parent account, name session id
constexpr int64_t k_assets_session_seconds = 3600;

std::string base64url(std::string_view data) {
    std::string s = base64_encode(data);
    while (!s.empty() && s.back() == '=') s.pop_back();
    for (auto& ch : s) ch = ch == '+' ? '-' : ch == '/' ? '_' : ch;
    return s;
}

std::string assets_jwt_key(Ctx& c, bool create) {
    if (auto k = c.store.meta("assets_jwt_key")) return *k;
    if (!create) return {};
    std::string k = random_hex(32);
    c.store.set_meta("assets_jwt_key", k);
    return k;
}

std::string make_assets_jwt(Ctx& c, const std::string& session, const std::string& use) {
    std::string head = base64url(R"({"alg":"HS256","typ":"JWT"})");
    json payload{
        {"sid", session}, {"use", use}, {"account", account_of(c)}, {"exp", unix_now() + k_assets_session_seconds}};
    std::string body = head + "." + base64url(payload.dump());
    return body + "." + base64url(hmac_sha256(assets_jwt_key(c, true), body));
}

}  // namespace

// The session a token names, when the token is ours, unexpired, for `use`; else an error response.
std::variant<StoredObject, HttpResponse> assets_session_for(Ctx& c, const std::string& jwt, const std::string& use) {
    auto bad = [&](const std::string& why) { return err(401, 10000, "assets " + use + " token: " + why); };
    auto parts = split(jwt, '.');
    if (parts.size() != 3) return bad("not a JWT");
    std::string key = assets_jwt_key(c, false);
    if (key.empty() || base64url(hmac_sha256(key, parts[0] + "." + parts[1])) != parts[2]) return bad("bad signature");
    auto raw = base64_decode(parts[1]);
    json payload = raw ? json::parse(*raw, nullptr, false) : json();
    if (!payload.is_object() || payload.value("use", std::string()) != use) return bad("not a " + use + " token");
    if (payload.value("exp", int64_t(0)) < unix_now()) return bad("expired; start a new upload session");
    auto s = c.store.get(K_ASSET_SESSION, account_of(c), payload.value("sid", std::string()));
    if (!s) return bad("its upload session no longer exists; start a new one");
    return *s;
}

namespace {

// Node's path.extname(p) without the dot (what the client's asset hash appends to the base64 content).
std::string node_extname(std::string_view p) {
    long start_dot = -1, start_part = 0, end = -1;
    bool matched_slash = true;
    int pre_dot = 0;
    for (long i = static_cast<long>(p.size()) - 1; i >= 0; --i) {
        char ch = p[static_cast<size_t>(i)];
        if (ch == '/') {
            if (!matched_slash) {
                start_part = i + 1;
                break;
            }
            continue;
        }
        if (end == -1) {
            matched_slash = false;
            end = i + 1;
        }
        if (ch == '.') {
            if (start_dot == -1)
                start_dot = i;
            else if (pre_dot != 1)
                pre_dot = 1;
        } else if (start_dot != -1) {
            pre_dot = -1;
        }
    }
    if (start_dot == -1 || end == -1 || pre_dot == 0 ||
        (pre_dot == 1 && start_dot == end - 1 && start_dot == start_part + 1))
        return {};
    return std::string(p.substr(static_cast<size_t>(start_dot + 1), static_cast<size_t>(end - start_dot - 1)));
}

bool is_asset_hash(const std::string& h) {
    if (h.size() != 32) return false;
    for (char ch : h)
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) return false;
    return true;
}

}  // namespace

HttpResponse assets_session(Ctx& c) {
    Scope s;
    if (auto e = resolve_scope(c, s)) return *e;
    if (s.kind == K_WS && !valid_account_script_name(s.script))
        return err(400, 10016, "script name " + quoted(s.script) + " is invalid");
    json body;
    if (auto e = parse_json_body(c, body)) return *e;
    const json& manifest = body.contains("manifest") ? body["manifest"] : json();
    if (!manifest.is_object()) return err(400, 10004, "the body must be {\"manifest\": {path: {hash, size}}}");
    if (manifest.size() > 100000)
        return err(400, 10004, "the manifest has " + std::to_string(manifest.size()) + " files; at most 100000");
    std::vector<std::pair<std::string, uint64_t>> missing;  // hash, size; in manifest order, each hash once
    std::set<std::string> seen;
    for (auto it = manifest.begin(); it != manifest.end(); ++it) {
        const json& v = it.value();
        if (!starts_with(it.key(), "/"))
            return err(400, 10004, "manifest path " + quoted(it.key()) + " must start with /");
        if (!v.is_object() || !v.contains("hash") || !v["hash"].is_string() || !is_asset_hash(v["hash"]) ||
            !v.contains("size") || !v["size"].is_number_unsigned())
            return err(400, 10004, "manifest entry " + quoted(it.key()) + " needs a 32-hex \"hash\" and a \"size\"");
        if (v["size"].get<uint64_t>() > 25ull * 1024 * 1024)
            return err(400, 10004, "manifest entry " + quoted(it.key()) + " is larger than 25 MiB");
        std::string h = v["hash"];
        if (!seen.insert(h).second) continue;
        if (!c.store.get(K_ASSET, account_of(c), h)) missing.emplace_back(h, v["size"].get<uint64_t>());
    }
    // Expired sessions go first.
    for (auto& o : c.store.list(K_ASSET_SESSION, account_of(c)))
        if (o.doc.value("exp", int64_t(0)) < unix_now()) c.store.erase(K_ASSET_SESSION, account_of(c), o.name);
    json buckets = json::array(), pending = json::array();
    json bucket = json::array();
    uint64_t bucket_bytes = 0;
    for (auto& [h, size] : missing) {
        uint64_t b64 = (size + 2) / 3 * 4;
        if (!bucket.empty() && bucket_bytes + b64 > limits::k_api_assets_bucket_bytes) {
            buckets.push_back(bucket);
            bucket = json::array();
            bucket_bytes = 0;
        }
        bucket.push_back(h);
        bucket_bytes += b64;
        pending.push_back(h);
    }
    if (!bucket.empty()) buckets.push_back(bucket);
    std::string sid = random_hex(16);
    c.store.put(K_ASSET_SESSION, account_of(c), sid,
                {{"kind", s.kind},
                 {"parent", s.parent},
                 {"script", s.script},
                 {"manifest", manifest},
                 {"pending", pending},
                 {"exp", unix_now() + k_assets_session_seconds}});
    return ok({{"jwt", make_assets_jwt(c, sid, pending.empty() ? "complete" : "upload")}, {"buckets", buckets}});
}

// Decodes the parts of an assets bucket upload and checks each against the session's manifest (a path with
// that hash whose extension, appended to the base64 content, hashes to it).
std::optional<HttpResponse> check_asset_parts(const Ctx& c, const json& session_doc, std::vector<AssetPart>& out) {
    auto parts = c.pre.parts ? *c.pre.parts : parse_multipart(c.header("content-type"), c.req.body);
    if (!parts.ok()) return err(400, 10001, parts.error().message);
    if (parts.value().empty()) return err(400, 10004, "the upload has no parts");
    const bool b64 = truthy(c.q, "base64");
    for (auto& p : parts.value()) {
        AssetPart a;
        a.hash = p.name;
        a.content_type = p.content_type;
        std::vector<std::string> keys;  // the manifest paths with this hash (their extension is in the hash)
        for (auto it = session_doc["manifest"].begin(); it != session_doc["manifest"].end(); ++it)
            if (it.value().value("hash", std::string()) == a.hash) keys.push_back(it.key());
        a.known = !keys.empty();
        if (a.known) {
            std::string encoded = b64 ? p.body : base64_encode(p.body);
            a.content = b64 ? base64_decode(p.body) : std::optional<std::string>(std::move(p.body));
            if (a.content)
                for (auto& k : keys) a.match = a.match || blake3_hex(encoded + node_extname(k)).substr(0, 32) == a.hash;
        }
        out.push_back(std::move(a));
    }
    return std::nullopt;
}

HttpResponse assets_upload(Ctx& c) {
    std::string auth = c.header("authorization");
    if (!starts_with(auth, "Bearer ")) return err(401, 10000, "the assets upload needs the upload session's token");
    auto found = assets_session_for(c, std::string(trim(auth.substr(7))), "upload");
    if (auto* e = std::get_if<HttpResponse>(&found)) return *e;
    StoredObject session = std::get<StoredObject>(found);
    json& doc = session.doc;
    std::set<std::string> pending;
    for (auto& h : doc["pending"]) pending.insert(h.get<std::string>());
    // prepare_body checked the parts against this session's manifest (a session's manifest never changes)
    std::vector<AssetPart> parts;
    if (!c.pre.assets.empty() && c.pre.assets_session == session.name)
        parts = std::move(c.pre.assets);
    else if (auto e = check_asset_parts(c, doc, parts))
        return *e;
    for (auto& p : parts) {
        const std::string& h = p.hash;
        if (!p.known) return err(400, 10004, "part " + quoted(h) + " is not a hash of this upload session");
        if (!p.content) return err(400, 10004, "part " + quoted(h) + " is not base64 (the query says base64=true)");
        if (!p.match) return err(400, 10004, "part " + quoted(h) + ": the content does not hash to its name");
        c.store.put(K_ASSET, account_of(c), h,
                    {{"size", p.content->size()}, {"content_type", media_type(p.content_type)}}, *p.content);
        pending.erase(h);
    }
    doc["pending"] = json(std::vector<std::string>(pending.begin(), pending.end()));
    c.store.put(K_ASSET_SESSION, account_of(c), session.name, doc);
    if (!pending.empty()) return ok(json::object());
    return ok({{"jwt", make_assets_jwt(c, session.name, "complete")}});
}

// The `assets` of an upload's metadata: the completion token must name a finished session of this script.
std::optional<HttpResponse> take_upload_assets(Ctx& c, const Scope& s, const json& md, json& out) {
    const json& a = md["assets"];
    if (!a.is_object() || !a.contains("jwt") || !a["jwt"].is_string())
        return err(400, 10021, "metadata.assets must be {\"jwt\": …, \"config\": {…}}");
    if (a.contains("config") && !a["config"].is_object())
        return err(400, 10021, "metadata.assets.config must be an object");
    auto found = assets_session_for(c, a["jwt"].get<std::string>(), "complete");
    if (auto* e = std::get_if<HttpResponse>(&found)) {
        HttpResponse r = *e;
        r.status = 400;
        return r;
    }
    const json& d = std::get<StoredObject>(found).doc;
    if (d.value("kind", std::string()) != s.kind || d.value("parent", std::string()) != s.parent ||
        d.value("script", std::string()) != s.script)
        return err(400, 10021, "metadata.assets.jwt belongs to an upload session of another script");
    if (!d.value("pending", json::array()).empty()) return err(400, 10021, "the assets upload session is not complete");
    out = {{"manifest", d["manifest"]}, {"config", a.value("config", json::object())}};
    return std::nullopt;
}

}  // namespace tenantctl::platform::v4
