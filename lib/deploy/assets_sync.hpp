#pragma once
// The requests of a Workers static assets upload, as wrangler 4.164 sends them (its syncAssets; the manifest,
// forms and metadata field are assets.hpp's):
//  1. POST …/workers/scripts/{script}/assets-upload-session (a dispatch-namespace script:
//     …/workers/dispatch/namespaces/{ns}/scripts/{script}/assets-upload-session) with {"manifest": …}; the
//     answer {jwt, buckets} lists, in buckets, the content hashes the platform does not have yet.
//  2. No hash at all: `jwt` is the completion token. Otherwise each bucket is sent as
//     POST /accounts/{account}/workers/assets/upload?base64=true, multipart (one base64 part per hash), with
//     `Authorization: Bearer <session jwt>` instead of the API credentials, 3 buckets at a time; the last
//     non-empty `result.jwt` of the answers is the completion token. With `wrangler_single_asset_uploads` in
//     the session token's payload, each file is sent alone instead (POST …/workers/assets/upload/{hash}, raw
//     bytes, its content type), edge_kv_upload_concurrency() at a time.
// Retries are the API client's (5xx, 429, connection errors).
#include <cstdint>
#include <functional>
#include <string>

#include "api/client.hpp"
#include "core/result.hpp"
#include "workers/assets.hpp"

namespace tenantctl::deploy {

struct AssetsSyncResult {
    std::string completion_jwt;
    size_t files = 0;           // in the manifest
    size_t uploaded_files = 0;  // sent (the rest the platform had already)
    uint64_t uploaded_bytes = 0;
    size_t upload_requests = 0;  // buckets (or single files) sent
};

Result<AssetsSyncResult> sync_assets(api::ApiClient& client, const api::ScriptRef& target,
                                     const workers::AssetManifest& manifest,
                                     const std::function<void(const std::string&)>& step = {});

}  // namespace tenantctl::deploy
