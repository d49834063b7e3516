#pragma once
// Every size, count and time limit that bounds what hostile input can make tenantctl do, in one place
// (README, "Limits", lists them). Each error that enforces one names it and its value.
#include <chrono>
#include <cstddef>

namespace tenantctl::limits {

inline constexpr size_t k_mib = 1024 * 1024;

// --- CLI readers ---------------------------------------------------------------------------------
// A file or stdin the CLI reads whole (wrangler config via -c, tenants.yaml, --secrets-file, `secret bulk`
// input, a tenant's script): larger input is refused before it is read further.
inline constexpr size_t k_max_input_file_bytes = 16 * k_mib;
// A wrangler configuration file (real ones are a few KiB): parsed into a positioned tree, a file costs ~30 times
// its size in memory (toml++ included), so 4 MiB keeps a hostile one well under the 256 MB bound.
inline constexpr size_t k_max_config_file_bytes = 4 * k_mib;
// tenants.yaml: YAML aliases are shared nodes, but converting them copies; the whole file's values after
// alias expansion (and defaults copied into each tenant) may cost at most this many bytes (a node counts as
// 64 bytes plus its text). Stops "billion laughs" and self-referencing anchors.
inline constexpr size_t k_max_yaml_expanded_bytes = 64 * k_mib;
// tenants.yaml: values nest at most this deep (a self-referencing anchor is infinitely deep).
inline constexpr size_t k_max_yaml_depth = 64;
// Diagnostics: at most this many are reported per file (then one line says how many more there were).
inline constexpr size_t k_max_diagnostics_per_file = 100;
// Diagnostics: a source line shown under a diagnostic is cut to this many bytes around the caret.
inline constexpr size_t k_max_excerpt_width = 160;
// Tags given on the command line (`tenants create --tag`, `tenants tag`): refused before any other work.
inline constexpr size_t k_max_cli_tags = 64;

// --- tenantctl dev: the control-plane API ---------------------------------------------------------
// Request bodies, by route: worker uploads (script, content, versions) / KV values / everything else (JSON).
inline constexpr size_t k_max_api_upload_body_bytes = 32 * k_mib;
inline constexpr size_t k_max_api_kv_body_bytes = 26 * k_mib;  // a 25 MiB value plus multipart framing
inline constexpr size_t k_max_api_json_body_bytes = 1 * k_mib;
// Workers static assets: the upload session's manifest (up to 100,000 entries) and one bucket upload (base64
// parts; the platform fills a bucket with at most k_api_assets_bucket_bytes of base64, or one file alone).
inline constexpr size_t k_max_api_assets_manifest_bytes = 16 * k_mib;
inline constexpr size_t k_max_api_assets_body_bytes = 48 * k_mib;
inline constexpr size_t k_api_assets_bucket_bytes = 40 * k_mib;
// Open connections to the API; further connections are closed at once.
inline constexpr size_t k_max_api_connections = 256;
// A request head must be complete within this: counted from the connection's opening for its first request,
// from the head's first byte on a kept-alive connection. Slower heads get a 408 and the connection is closed.
inline constexpr std::chrono::seconds k_api_header_timeout{10};
// A request body must be complete within this once its head is (32 MiB in 60 s is about 0.5 MiB/s).
// Slower bodies get a 408 and the connection is closed.
inline constexpr std::chrono::seconds k_api_body_timeout{60};

// --- tenantctl dev: the tenant router ---------------------------------------------------------------
// A request head (request line and headers) must arrive completely within this time.
inline constexpr std::chrono::seconds k_router_header_timeout{10};
// A request body the router streams to a container must keep arriving: it must be complete within this
// after its head, plus one second for every k_router_body_min_bytes_per_second bytes received so far (large
// bodies at a steady pace are never cut; a trickle is). Slower bodies get a 408 and both connections close.
inline constexpr std::chrono::seconds k_router_body_timeout{30};
inline constexpr size_t k_router_body_min_bytes_per_second = 16 * 1024;
// max_instances reached: an instance idle at least this long is stopped to make room for another tenant.
inline constexpr std::chrono::seconds k_router_min_idle_before_eviction{5};
// Open client connections to the router; further connections are closed at once.
inline constexpr size_t k_max_router_connections = 256;

// --- tenantctl dev --test-hooks -------------------------------------------------------------------
// A fault's path_regex: at most this long (std::regex backtracks; a short pattern bounds the damage).
inline constexpr size_t k_max_fault_regex_bytes = 256;

}  // namespace tenantctl::limits
