#pragma once
// Workers static assets, the library half of deploying them as wrangler 4.164 does (core only: no HTTP here).
//
// The flow (wrangler's syncAssets; the caller does the requests):
//  1. build_asset_manifest(directory) and POST asset_manifest_json(manifest) as application/json to
//     /accounts/{account}/workers/scripts/{script}/assets-upload-session (dispatch namespace scripts:
//     /accounts/{account}/workers/dispatch/namespaces/{ns}/scripts/{script}/assets-upload-session).
//     The result is {jwt, buckets: [[hash, ...], ...]}: the hashes the platform does not have yet.
//  2. No hashes at all: `jwt` is already the completion token. Otherwise, for each bucket,
//     POST /accounts/{account}/workers/assets/upload?base64=true with `Authorization: Bearer <session jwt>` (not
//     the API token) and the multipart form asset_upload_parts(manifest, bucket). wrangler runs 3 buckets at a
//     time, retries a bucket up to 5 times, and keeps the last non-empty `result.jwt` of the bucket answers as
//     the completion token (an upload session with buckets and no jwt in any answer is an error).
//     When the session jwt's payload has `"wrangler_single_asset_uploads": true` (single_asset_upload_mode()),
//     wrangler instead sends each file alone: POST /accounts/{account}/workers/assets/upload/{hash} with the raw
//     file bytes as the body, `Content-Type: asset_content_type(path)`, the same Bearer session jwt, and
//     edge_kv_upload_concurrency(jwt) requests at a time.
//  3. The worker upload's metadata gets `assets: assets_upload_field(config, completion jwt, files)` and, when
//     `assets.binding` is set, the binding assets_binding(config) (wrangler puts it after version_metadata and
//     before text_blob bindings). A worker without `main` (assets only) is uploaded with nothing but metadata
//     {assets, annotations?, compatibility_date?, compatibility_flags?}: no modules, no bindings.
//
// What wrangler does, exactly (read from wrangler-dist/cli.js 4.164.0, and confirmed by running that wrangler
// against a recording server):
//  - Every entry of a recursive directory listing is considered; directories are skipped, symbolic links are
//    followed (wrangler stats with fs.stat, so its isSymbolicLink() check never fires): a link to a file is an
//    asset with the target's content under the link's own name, a link to a directory is descended into. A link
//    that points nowhere is an error. Here, a directory link that leads back into its own ancestry is not
//    followed again (wrangler would loop), and other non-regular files (fifos, sockets, devices) are skipped.
//  - Key: "/" + the relative path with '/' separators. No percent-encoding and no Unicode normalization
//    ("/a%20b.txt" and "/héllo wörld.txt" are sent as they are). Names that are not UTF-8 are refused here
//    (Node would decode them to U+FFFD and then fail to open the file).
//  - Value: {"hash": blake3_hex(base64(content) + extension).substr(0, 32), "size": bytes}, where extension is
//    Node's path.extname() without the dot and with its case kept: "a.b.js" -> "js", "UPPER.MAP" -> "MAP",
//    ".hidden" -> "", "noext" -> "", "trailing." -> "" (asset_hash()).
//  - Ignored always (anchored at the directory's root, case-insensitively like every pattern):
//    "/.assetsignore", "/_redirects", "/_headers". A nested "sub/_headers" is an ordinary asset.
//  - `.assetsignore` in the directory's root: lines (split on "\n") in gitignore syntax, as the npm package
//    `ignore` 5.3.1 reads them (AssetsIgnore). It must be UTF-8 without NUL characters, or it is an error.
//  - Without a `.assetsignore` file, a file named "_worker.js", or any file whose relative path starts with
//    "_worker.js" ("_worker.js/index.js", but also "_worker.jsx"), is an error (a Pages worker would be
//    published); with one (even empty) it is an ordinary asset unless a pattern ignores it.
//  - Size: a file over 25 MiB (26,214,400 bytes) is an error naming the file; exactly 25 MiB is allowed.
//  - Count: wrangler deploy itself does not count; the platform's limit, and the one `wrangler dev` (miniflare)
//    enforces from the same workers-shared constants, is MAX_ASSET_COUNT = 100,000 files per version. More is
//    an error here, before anything is hashed past the limit.
//  - Manifest body: {"manifest": {key: {"hash", "size"}, ...}} (JSON.stringify, compact, UTF-8 as is). wrangler's
//    key order is its directory listing's; the order carries no meaning, and here keys are sorted bytewise.
//  - Upload form (undici FormData): one part per hash of the bucket, in the bucket's order:
//    `Content-Disposition: form-data; name="<hash>"; filename="<hash>"`, `Content-Type:` asset_content_type(),
//    and the file's content in base64 (standard alphabet, padded) as the part's body.
//  - `assets.config` in the metadata: html_handling, not_found_handling, base_path, run_worker_first (the raw
//    config value: a boolean or the array of route patterns), _redirects, _headers (the text of those two files
//    in the assets directory's root, when they exist), each only when it has a value, in that order.
//    compatibility_date/flags are not part of it (wrangler only passes them to its local dev server).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/worker.hpp"
#include "core/content_type.hpp"
#include "core/result.hpp"

namespace tenantctl::workers {

constexpr uint64_t max_asset_size = 25ull * 1024 * 1024;  // bytes; wrangler's MAX_ASSET_SIZE
constexpr size_t max_asset_count = 100000;                // workers-shared MAX_ASSET_COUNT

struct AssetEntry {
    std::string key;        // "/css/site.css"
    std::string file_path;  // absolute path of the file (or of the link) to read
    std::string hash;       // 32 lowercase hex digits
    uint64_t size = 0;
};

struct AssetManifest {
    std::string directory;            // absolute
    std::vector<AssetEntry> entries;  // sorted by key
    bool has_ignore_file = false;     // a .assetsignore was read
    // The first entry with this content hash (several keys may share one), or nullptr.
    const AssetEntry* find_by_hash(std::string_view hash) const;
};

// gitignore patterns with the semantics of the npm package `ignore` 5.3.1 as wrangler uses it (case-insensitive;
// a path is ignored when one of its parent directories is; "!" re-includes, except below an ignored directory).
// Supported: "#" comments, blank lines, trailing spaces (kept when escaped with "\"), "\!" and "\#", a leading
// "/" or an inner "/" anchoring the pattern at the root, a trailing "/" matching directories only, "*", "?",
// "[a-z]" classes (as in `ignore`, "[!...]" is not a negation), "**/" prefixes, "/**/" and "/**" suffixes, "\"
// escapes. Lines with an unescaped trailing "\" are ignored, as `ignore` does. Case folding is ASCII only.
class AssetsIgnore {
public:
    void add(std::string_view pattern);  // one line
    void add_lines(std::string_view text);
    // `relative_path` is '/'-separated, without a leading "/".
    bool ignored(std::string_view relative_path) const;

private:
    struct Rule {
        std::string glob;                   // without "!", the anchoring "/" and the trailing "/"; lowercase
        std::vector<std::string> segments;  // glob split on "/"
        bool negative = false;
        bool anchored = false;
        bool dir_only = false;
        bool never = false;  // `ignore` turns a pattern with "\?" into one that matches nothing
    };
    bool matches(const Rule& rule, const std::vector<std::string_view>& path, bool is_dir) const;
    std::vector<Rule> m_rules;
};

// The ignore rules wrangler applies to `directory` (the three root files plus its .assetsignore, if any).
Result<AssetsIgnore> assets_ignore_for(const std::string& directory, bool* has_ignore_file = nullptr);

struct AssetLimits {
    uint64_t max_size = max_asset_size;
    size_t max_count = max_asset_count;
};
// Walks, filters, checks and hashes the assets directory. Errors name the file and the limit.
Result<AssetManifest> build_asset_manifest(const std::string& directory, const AssetLimits& limits = {});

// Node's path.extname(path) without the leading dot (case kept).
std::string asset_extension(std::string_view path);
// wrangler's hashFile: blake3(base64(content) + extension).hex().slice(0, 32).
std::string asset_hash(std::string_view content, std::string_view path);

// The content type wrangler sends an asset with: core's asset_content_type (core/content_type.hpp).

// {"manifest": {...}}, compact.
std::string asset_manifest_json(const AssetManifest& manifest);

// One part of a bucket's multipart form; the same fields as api::FormPart (this module stays core-only).
struct AssetUploadPart {
    std::string name;          // the hash
    std::string filename;      // the hash as well
    std::string content_type;  // asset_content_type(file)
    std::string data;          // base64 of the file's content
};
// The parts for one bucket of hashes from the upload session, in the bucket's order. Errors when a hash is not
// in the manifest ("a file was requested that does not appear to exist") or a file cannot be read.
Result<std::vector<AssetUploadPart>> asset_upload_parts(const AssetManifest& manifest,
                                                        const std::vector<std::string>& bucket);

// The upload session jwt's payload (base64url JSON between the first two dots), or null when it does not decode.
nlohmann::json jwt_payload(std::string_view jwt);
// payload.wrangler_single_asset_uploads === true
bool single_asset_upload_mode(std::string_view jwt);
// floor(payload.edge_kv_upload_concurrency) when positive, else wrangler's default 50.
int edge_kv_upload_concurrency(std::string_view jwt);

// The root `_redirects` and `_headers` files of the assets directory, as text; absent files are nullopt.
struct AssetsConfigFiles {
    std::optional<std::string> redirects;
    std::optional<std::string> headers;
};
Result<AssetsConfigFiles> read_assets_config_files(const std::string& directory);

// `assets` of the worker upload metadata: {"jwt": completion_jwt, "config": {...}} from the config's `assets`
// and the two files. See the header comment for the keys.
nlohmann::json assets_upload_field(const config::AssetsConfig& assets, const std::string& completion_jwt,
                                   const AssetsConfigFiles& files);
// {"name": assets.binding, "type": "assets"}, or nullopt without a binding.
std::optional<nlohmann::json> assets_binding(const config::AssetsConfig& assets);

}  // namespace tenantctl::workers
