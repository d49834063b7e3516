#include "workers/assets.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <utility>

#include "core/blake3.hpp"
#include "core/fs.hpp"
#include "core/json.hpp"
#include "core/strings.hpp"

namespace tenantctl::workers {

namespace fs = std::filesystem;

namespace {

constexpr const char* ignore_file_name = ".assetsignore";
constexpr const char* worker_js_name = "_worker.js";

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}

std::string lowered(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = lower(c);
    return out;
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

// Length of the UTF-8 sequence starting at s[i] (1 for bytes that do not start a valid sequence).
size_t utf8_length(std::string_view s, size_t i) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
    return i + n <= s.size() ? n : 1;
}

bool valid_utf8(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (n == 0 || i + n > s.size()) return false;
        uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
        for (size_t k = 1; k < n; ++k) {
            auto d = static_cast<unsigned char>(s[i + k]);
            if ((d & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (d & 0x3F);
        }
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n;
    }
    return true;
}

// Invalid sequences replaced by U+FFFD, one per maximal bad prefix, close to Node's UTF-8 decoder.
std::string to_valid_utf8(std::string_view s) {
    if (valid_utf8(s)) return std::string(s);
    std::string out;
    size_t i = 0;
    while (i < s.size()) {
        size_t n = utf8_length(s, i);
        if (n > 1 && valid_utf8(s.substr(i, n))) {
            out.append(s.substr(i, n));
            i += n;
        } else if (static_cast<unsigned char>(s[i]) < 0x80) {
            out += s[i++];
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out;
}

// ---- glob matching for AssetsIgnore --------------------------------------------------------------------------

// A bracket class at g[i] == '['; sets `end` past the closing ']'. False when it is not closed (such a class
// matches nothing in `ignore`).
bool class_matches(std::string_view g, size_t i, std::string_view s, size_t si, size_t& end, size_t& consumed) {
    size_t close = g.find(']', i + 1);
    if (close == std::string_view::npos) return false;
    end = close + 1;
    std::string_view body = g.substr(i + 1, close - i - 1);
    consumed = utf8_length(s, si);
    if (consumed != 1) {
        // A multi-byte character matches a class only by being listed in it.
        return body.find(s.substr(si, consumed)) != std::string_view::npos;
    }
    char c = s[si];
    for (size_t k = 0; k < body.size(); ++k) {
        char lo = body[k];
        if (lo == '\\' && k + 1 < body.size()) lo = body[++k];
        if (k + 2 < body.size() && body[k + 1] == '-') {
            char hi = body[k + 2];
            k += 2;
            if (lo <= hi && c >= lo && c <= hi) return true;  // a reversed range is dropped, as `ignore` does
            continue;
        }
        if (c == lo) return true;
    }
    return false;
}

// One glob segment (no '/') against one path segment; both lowercase. "*" runs match any characters.
bool segment_matches(std::string_view g, std::string_view s) {
    size_t gi = 0, si = 0;
    size_t star_g = std::string_view::npos, star_s = 0;
    while (si < s.size()) {
        if (gi < g.size()) {
            char t = g[gi];
            if (t == '*') {
                while (gi < g.size() && g[gi] == '*') ++gi;
                star_g = gi;
                star_s = si;
                continue;
            }
            if (t == '?') {
                si += utf8_length(s, si);
                ++gi;
                continue;
            }
            if (t == '[') {
                size_t end = 0, consumed = 0;
                if (class_matches(g, gi, s, si, end, consumed)) {
                    gi = end;
                    si += consumed;
                    continue;
                }
                if (end == 0) return false;  // an unclosed class never matches
            } else {
                if (t == '\\' && gi + 1 < g.size()) {
                    ++gi;
                    t = g[gi];
                }
                if (t == s[si]) {
                    ++gi;
                    ++si;
                    continue;
                }
            }
        }
        if (star_g == std::string_view::npos) return false;
        gi = star_g;
        si = ++star_s;
    }
    while (gi < g.size() && g[gi] == '*') ++gi;
    return gi == g.size();
}

// `dir_only`: the pattern had a trailing "/", so a last "**" was followed by one ("b/**/" matches "b" itself).
bool segments_match(const std::vector<std::string>& gs, size_t gi, const std::vector<std::string_view>& ps, size_t pi,
                    bool dir_only) {
    if (gi == gs.size()) return pi == ps.size();
    const std::string& g = gs[gi];
    if (g == "**" && gs.size() > 1) {
        if (gi + 1 == gs.size() && !dir_only) return pi < ps.size();  // "a/**": everything inside, not "a"
        for (size_t k = pi; k <= ps.size(); ++k) {                    // "**/a", "a/**/b": zero or more names
            if (segments_match(gs, gi + 1, ps, k, dir_only)) return true;
        }
        return false;
    }
    if (pi == ps.size()) return false;
    return segment_matches(g, ps[pi]) && segments_match(gs, gi + 1, ps, pi + 1, dir_only);
}

std::vector<std::string_view> split_view(std::string_view s) {
    std::vector<std::string_view> out;
    size_t start = 0;
    while (true) {
        size_t slash = s.find('/', start);
        out.push_back(s.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return out;
}

// Node's path.extname(path) without the dot: from the last '.' of the base name, unless that '.' is its first
// character.
std::string_view extension_of(std::string_view path) {
    size_t slash = path.find_last_of('/');
    std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
    size_t dot = base.find_last_of('.');
    if (dot == std::string_view::npos || dot == 0) return {};
    return base.substr(dot + 1);
}

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

// Both alphabets, padding optional, like Node's Buffer.from(s, "base64"); other characters are skipped.
std::string base64_decode_lenient(std::string_view s) {
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (char c : s) {
        if (c == '=') break;
        int v = base64_value(c);
        if (v < 0) continue;
        acc = (acc << 6) | uint32_t(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += char((acc >> bits) & 0xFF);
        }
    }
    return out;
}

std::string display_size(uint64_t bytes) {
    // pretty-bytes with binary units and three significant digits, as wrangler's message has it.
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = double(bytes);
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        ++u;
    }
    char buf[32];
    if (u == 0)
        std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
    else
        std::snprintf(buf, sizeof buf, "%.3g %s", v, units[u]);
    return buf;
}

std::string thousands(uint64_t n) {
    std::string digits = std::to_string(n), out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

struct Walker {
    std::string root;
    const AssetsIgnore& ignore;
    bool has_ignore_file;
    const AssetLimits& limits;
    std::vector<AssetEntry>& out;
    std::vector<std::pair<dev_t, ino_t>> ancestry;  // directories on the current path (symlink loops)

    Status walk(const std::string& dir, const std::string& rel_dir) {
        std::error_code ec;
        fs::directory_iterator it(dir, ec);
        if (ec) return Error(ErrorKind::Io, "could not read directory " + dir + ": " + ec.message());
        std::vector<std::string> names;
        for (; it != fs::directory_iterator(); it.increment(ec)) {
            if (ec) return Error(ErrorKind::Io, "could not read directory " + dir + ": " + ec.message());
            names.push_back(it->path().filename().string());
        }
        std::sort(names.begin(), names.end());
        for (const auto& name : names) {
            std::string rel = rel_dir.empty() ? name : rel_dir + "/" + name;
            std::string path = dir + "/" + name;
            if (!valid_utf8(rel)) {
                return Error(ErrorKind::Input, "asset file name is not UTF-8: " + quoted(path),
                             "rename the file, or add it to " + root + "/" + ignore_file_name);
            }
            struct stat st {};
            if (::stat(path.c_str(), &st) != 0) {
                int err = errno;
                // A directory that is ignored as a whole needs no stat; anything else wrangler stats.
                if (ignore.ignored(rel)) continue;
                return Error(ErrorKind::Io, "could not read asset " + path + ": " + std::strerror(err),
                             err == ENOENT ? "it is a symbolic link to nothing: remove it or add it to " +
                                                 std::string(ignore_file_name)
                                           : std::string());
            }
            if (S_ISDIR(st.st_mode)) {
                if (ignore.ignored(rel + "/")) continue;  // everything below is ignored as well
                auto id = std::make_pair(st.st_dev, st.st_ino);
                if (std::find(ancestry.begin(), ancestry.end(), id) != ancestry.end()) continue;
                ancestry.push_back(id);
                Status s = walk(path, rel);
                ancestry.pop_back();
                TRY_STATUS(s);
                continue;
            }
            if (ignore.ignored(rel) || !S_ISREG(st.st_mode)) continue;
            if (!has_ignore_file && starts_with(rel, worker_js_name)) {
                std::string what = rel == worker_js_name ? "file" : "directory";
                return Error(ErrorKind::Input,
                             "uploading a Pages " + std::string(worker_js_name) + " " + what + " as an asset (" + path +
                                 ") could expose private server-side code",
                             "to leave it out, add a " + std::string(ignore_file_name) + " file containing \"" +
                                 worker_js_name + "\" to " + root + "; to upload it, add an empty " + ignore_file_name +
                                 " there");
            }
            uint64_t size = uint64_t(st.st_size);
            if (size > limits.max_size) {
                return Error(ErrorKind::Input,
                             "asset too large: " + path + " is " + display_size(size) + " (" + thousands(size) +
                                 " bytes); Cloudflare Workers supports assets of up to " +
                                 display_size(limits.max_size) + " (" + thousands(limits.max_size) + " bytes)",
                             "remove the file from " + root + " or add it to " + ignore_file_name);
            }
            if (out.size() >= limits.max_count) {
                return Error(ErrorKind::Input,
                             "maximum number of assets exceeded: " + root + " holds more than " +
                                 thousands(limits.max_count) + " files; Cloudflare Workers supports up to " +
                                 thousands(limits.max_count) + " assets in a version",
                             "check that assets.directory names the build output, or list files to leave out in " +
                                 std::string(ignore_file_name));
            }
            TRY_ASSIGN(std::string content, read_file(path));
            out.push_back({"/" + rel, path, asset_hash(content, path), uint64_t(content.size())});
        }
        return ok_status();
    }
};

}  // namespace

// ---- AssetsIgnore ---------------------------------------------------------------------------------------------

void AssetsIgnore::add(std::string_view pattern) {
    // Lines `ignore` skips: empty, whitespace only, comments, an unescaped trailing backslash.
    if (pattern.empty() || pattern[0] == '#') return;
    if (std::all_of(pattern.begin(), pattern.end(), is_space)) return;
    if (pattern.back() == '\\' && (pattern.size() == 1 || pattern[pattern.size() - 2] != '\\')) return;
    Rule rule;
    std::string p(pattern);
    if (p[0] == '!') {
        rule.negative = true;
        p.erase(0, 1);
    }
    if (starts_with(p, "\\!") || starts_with(p, "\\#")) p.erase(0, 1);
    // Anchored: a leading "/" or a "/" before the last character (decided before trailing spaces go).
    size_t inner = p.find('/');
    rule.anchored = inner != std::string::npos && (inner == 0 || inner + 1 < p.size());
    if (starts_with(p, "\xEF\xBB\xBF")) p.erase(0, 3);
    // Trailing whitespace goes, unless escaped: "a\ " -> "a ".
    size_t end = p.size();
    while (end > 0 && is_space(p[end - 1])) --end;
    if (end < p.size()) {
        if (end > 0 && p[end - 1] == '\\')
            p = p.substr(0, end - 1) + " ";
        else
            p.resize(end);
    }
    // "\ " -> " "
    std::string unescaped;
    for (size_t i = 0; i < p.size(); ++i) {
        if (p[i] == '\\' && i + 1 < p.size() && is_space(p[i + 1])) {
            unescaped += ' ';
            ++i;
        } else {
            unescaped += p[i];
        }
    }
    p = std::move(unescaped);
    // Two quirks of `ignore` 5.3.1 kept for the same answers: "\?" makes a pattern match nothing, and a
    // trailing "\*" is a wildcard like "*".
    if (p.find("\\?") != std::string::npos) rule.never = true;
    if (ends_with(p, "\\*") && !ends_with(p, "\\\\*")) p.erase(p.size() - 2, 1);
    if (starts_with(p, "/")) p.erase(0, 1);
    if (ends_with(p, "/")) {
        rule.dir_only = true;
        p.pop_back();
    }
    rule.glob = lowered(p);
    for (auto g : split_view(rule.glob)) rule.segments.emplace_back(g);
    m_rules.push_back(std::move(rule));
}

void AssetsIgnore::add_lines(std::string_view text) {
    for (const auto& line : split(text, '\n')) add(line);
}

bool AssetsIgnore::matches(const Rule& rule, const std::vector<std::string_view>& path, bool is_dir) const {
    if (rule.never || (rule.dir_only && !is_dir)) return false;
    if (rule.glob.empty()) return !rule.anchored && !rule.dir_only;  // `ignore` turns "!" alone into match-all
    // Unanchored patterns have no "/": they match the last name of the path.
    if (!rule.anchored) return segment_matches(rule.glob, path.back());
    return segments_match(rule.segments, 0, path, 0, rule.dir_only);
}

bool AssetsIgnore::ignored(std::string_view relative_path) const {
    // A path is ignored when a parent directory is (tested as a directory), else by the last rule matching it.
    bool is_dir = ends_with(relative_path, "/");
    if (is_dir) relative_path.remove_suffix(1);
    std::string lower_path = lowered(relative_path);
    std::vector<std::string_view> segments = split_view(lower_path);
    auto last_match = [&](const std::vector<std::string_view>& p, bool dir) {
        bool ignored = false;
        for (const auto& rule : m_rules) {
            if (matches(rule, p, dir)) ignored = !rule.negative;
        }
        return ignored;
    };
    std::vector<std::string_view> prefix;
    for (size_t i = 0; i + 1 < segments.size(); ++i) {
        prefix.push_back(segments[i]);
        if (last_match(prefix, true)) return true;
    }
    return last_match(segments, is_dir);
}

Result<AssetsIgnore> assets_ignore_for(const std::string& directory, bool* has_ignore_file) {
    AssetsIgnore ignore;
    ignore.add(std::string("/") + ignore_file_name);
    ignore.add("/_redirects");
    ignore.add("/_headers");
    if (has_ignore_file) *has_ignore_file = false;
    std::string path = join_path(directory, ignore_file_name);
    auto text = read_file(path);
    if (!text.ok()) {
        if (!file_exists(path) && !dir_exists(path)) return ignore;
        return std::move(text).error();
    }
    if (!valid_utf8(*text) || text->find('\0') != std::string::npos) {
        return Error(
            ErrorKind::Input,
            "the .assetsignore file at " + quoted(path) + " must be UTF-8 encoded and must not contain null characters",
            "save the file as UTF-8 and try again");
    }
    std::string_view body = *text;
    if (starts_with(body, "\xEF\xBB\xBF")) body.remove_prefix(3);  // TextDecoder drops a BOM
    ignore.add_lines(body);
    if (has_ignore_file) *has_ignore_file = true;
    return ignore;
}

// ---- manifest -------------------------------------------------------------------------------------------------

const AssetEntry* AssetManifest::find_by_hash(std::string_view hash) const {
    for (const auto& e : entries) {
        if (e.hash == hash) return &e;
    }
    return nullptr;
}

std::string asset_extension(std::string_view path) {
    return std::string(extension_of(path));
}

std::string asset_hash(std::string_view content, std::string_view path) {
    Blake3 h;
    constexpr size_t slice = 3 * 16384;  // a multiple of 3: the base64 of the slices is the base64 of the whole
    for (size_t i = 0; i < content.size(); i += slice) h.update(base64_encode(content.substr(i, slice)));
    h.update(extension_of(path));
    return h.hex().substr(0, 32);
}

Result<AssetManifest> build_asset_manifest(const std::string& directory, const AssetLimits& limits) {
    AssetManifest manifest;
    manifest.directory = absolute_path(directory, current_dir());
    while (manifest.directory.size() > 1 && ends_with(manifest.directory, "/")) manifest.directory.pop_back();
    if (!dir_exists(manifest.directory)) {
        return Error(ErrorKind::Input, "the assets directory does not exist: " + manifest.directory,
                     "check assets.directory in the configuration");
    }
    bool has_ignore_file = false;
    TRY_ASSIGN(AssetsIgnore ignore, assets_ignore_for(manifest.directory, &has_ignore_file));
    manifest.has_ignore_file = has_ignore_file;
    Walker walker{manifest.directory, ignore, has_ignore_file, limits, manifest.entries, {}};
    struct stat st {};
    if (::stat(manifest.directory.c_str(), &st) == 0) walker.ancestry.emplace_back(st.st_dev, st.st_ino);
    TRY_STATUS(walker.walk(manifest.directory, ""));
    std::sort(manifest.entries.begin(), manifest.entries.end(),
              [](const AssetEntry& a, const AssetEntry& b) { return a.key < b.key; });
    return manifest;
}

std::string asset_manifest_json(const AssetManifest& manifest) {
    // Written by hand: nlohmann sorts object keys, and the hash/size order is wrangler's.
    std::string out = "{\"manifest\":{";
    bool first = true;
    for (const auto& e : manifest.entries) {
        if (!first) out += ',';
        first = false;
        out += nlohmann::json(e.key).dump();
        out += ":{\"hash\":\"" + e.hash + "\",\"size\":" + std::to_string(e.size) + "}";
    }
    out += "}}";
    return out;
}

Result<std::vector<AssetUploadPart>> asset_upload_parts(const AssetManifest& manifest,
                                                        const std::vector<std::string>& bucket) {
    std::vector<AssetUploadPart> parts;
    parts.reserve(bucket.size());
    for (const auto& hash : bucket) {
        const AssetEntry* e = manifest.find_by_hash(hash);
        if (!e) {
            return Error(ErrorKind::Api,
                         "a file was requested that does not appear to exist: the upload session asked for hash " +
                             quoted(hash) + ", which is not in the manifest of " + manifest.directory);
        }
        TRY_ASSIGN(std::string content, read_file(e->file_path));
        parts.push_back({hash, hash, asset_content_type(e->file_path), base64_encode(content)});
    }
    return parts;
}

nlohmann::json jwt_payload(std::string_view jwt) {
    size_t a = jwt.find('.');
    if (a == std::string_view::npos) return nullptr;
    size_t b = jwt.find('.', a + 1);
    std::string_view middle = jwt.substr(a + 1, b == std::string_view::npos ? std::string_view::npos : b - a - 1);
    nlohmann::json payload = nlohmann::json::parse(base64_decode_lenient(middle), nullptr, false);
    return payload.is_discarded() ? nlohmann::json(nullptr) : payload;
}

bool single_asset_upload_mode(std::string_view jwt) {
    nlohmann::json p = jwt_payload(jwt);
    if (!p.is_object()) return false;
    auto it = p.find("wrangler_single_asset_uploads");
    return it != p.end() && it->is_boolean() && it->get<bool>();
}

int edge_kv_upload_concurrency(std::string_view jwt) {
    constexpr int fallback = 50;
    nlohmann::json p = jwt_payload(jwt);
    if (!p.is_object()) return fallback;
    auto it = p.find("edge_kv_upload_concurrency");
    if (it == p.end()) return fallback;
    double v = 0;
    if (it->is_number())
        v = it->get<double>();
    else if (it->is_string()) {
        // Number("8") is 8; anything that is not a plain number is NaN here (and so the fallback).
        const std::string s = it->get<std::string>();
        char* end = nullptr;
        v = std::strtod(s.c_str(), &end);
        if (s.empty() || end != s.c_str() + s.size()) v = 0;
    } else if (it->is_boolean())
        v = it->get<bool>() ? 1 : 0;
    if (!(v > 0)) return fallback;
    if (v > 1e9) return 1000000000;
    return int(v);
}

Result<AssetsConfigFiles> read_assets_config_files(const std::string& directory) {
    AssetsConfigFiles files;
    if (!dir_exists(directory)) return files;
    for (auto [name, slot] : {std::pair<const char*, std::optional<std::string>*>{"_redirects", &files.redirects},
                              {"_headers", &files.headers}}) {
        std::string path = join_path(directory, name);
        std::error_code ec;
        if (!fs::exists(path, ec)) continue;  // absent, or a link to nothing: wrangler reads ENOENT as absent
        if (fs::is_directory(path, ec)) return Error(ErrorKind::Io, "could not read " + path + ": it is a directory");
        TRY_ASSIGN(std::string text, read_file(path));
        *slot = to_valid_utf8(text);  // read as Node's "utf8" does: bad sequences become U+FFFD
    }
    return files;
}

nlohmann::json assets_upload_field(const config::AssetsConfig& assets, const std::string& completion_jwt,
                                   const AssetsConfigFiles& files) {
    nlohmann::json cfg = nlohmann::json::object();
    for (auto [key, value] :
         {std::pair<const char*, const std::optional<std::string>*>{"html_handling", &assets.html_handling},
          {"not_found_handling", &assets.not_found_handling},
          {"base_path", &assets.base_path}})
        if (*value) cfg[key] = **value;
    if (!assets.run_worker_first.is_null()) cfg["run_worker_first"] = assets.run_worker_first;
    if (files.redirects) cfg["_redirects"] = *files.redirects;
    if (files.headers) cfg["_headers"] = *files.headers;
    return nlohmann::json{{"jwt", completion_jwt}, {"config", std::move(cfg)}};
}

std::optional<nlohmann::json> assets_binding(const config::AssetsConfig& assets) {
    if (assets.binding.empty()) return std::nullopt;
    return nlohmann::json{{"name", assets.binding}, {"type", "assets"}};
}

}  // namespace tenantctl::workers
