#pragma once
// What the local platform keeps in its Store, kind by kind: shared by the v4 handlers (api*.cpp) and the
// runtime that runs the stored workers (lib/runtime), so both read and write the same rows.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "platform/multipart.hpp"

namespace tenantctl::platform {

inline constexpr const char* K_NS = "ns";       // parent account, name namespace name
inline constexpr const char* K_NSS = "nss";     // parent namespace id, name script name
inline constexpr const char* K_WS = "ws";       // parent account, name script name
inline constexpr const char* K_SECRET = "sec";  // parent "<script kind>/<script parent>/<script name>", name secret
inline constexpr const char* K_VER = "ver";     // parent "ws/<script>", name version id
inline constexpr const char* K_DEP = "dep";     // parent "ws/<script>", name deployment id
inline constexpr const char* K_KVNS = "kvns";   // parent account, name namespace id
inline constexpr const char* K_KV = "kv";       // parent kv namespace id, name key; doc {metadata?, expiration?}
inline constexpr const char* K_R2 = "r2";       // parent account, name bucket
// R2 objects: parent "<account>/<bucket>", name the object key, doc {size, etag, uploaded (ms since the epoch),
// httpMetadata {contentType, contentLanguage, contentDisposition, contentEncoding, cacheControl, cacheExpiry},
// customMetadata {}}, blob the bytes. etag: 32 hex digits (the first half of the bytes' SHA-256).
inline constexpr const char* K_R2OBJ = "r2obj";
inline constexpr const char* K_D1 = "d1";  // parent account, name uuid (data: d1.hpp d1_database_path)
// Static asset contents, once per account: parent account, name the content hash; blob the file's bytes.
inline constexpr const char* K_ASSET = "asset";
inline constexpr const char* K_APP = "app";       // parent account, name application id
inline constexpr const char* K_ROLL = "rollout";  // parent application id, name rollout id
inline constexpr const char* K_REG = "reg";       // parent account, name domain

// The modules of a stored script (the blob is a multipart body that names its own boundary on its first
// line); empty when the blob is not one.
std::vector<MultipartPart> stored_modules(const std::string& blob);
// The boundary of such a blob (its first line without the leading "--"), "none" when it has none.
std::string stored_modules_boundary(const std::string& blob);

// Versions of account scripts (K_VER) keep under `_deploy` what a deployment of them makes the script run:
// {main, modules [{name, content_type}], has_modules, settings}; their blob holds the modules.
// The script document a deployment of `version_doc` gives: its main, modules and settings over the script's own
// (secret bindings stay with the script: its secret store). A version without `_deploy` keeps the script's.
nlohmann::json script_doc_for_version(const nlohmann::json& script_doc, const nlohmann::json& version_doc);
// Which of a deployment's versions ([{version_id, percentage}]) the script itself runs: the largest share, the
// first of equal ones. The others run beside it in `tenantctl dev` (lib/runtime/model.cpp).
size_t deployment_primary(const nlohmann::json& versions);

}  // namespace tenantctl::platform
