#include "deploy/assets_sync.hpp"

#include "core/json.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/fs.hpp"
#include "core/redact.hpp"
#include "core/strings.hpp"

namespace tenantctl::deploy {

using nlohmann::json;

namespace {

constexpr int k_bulk_upload_concurrency = 3;  // wrangler's BULK_UPLOAD_CONCURRENCY

// Runs job(i) for i in [0, n) on up to `width` threads; the first error stops the rest from starting.
Status run_pool(size_t n, int width, const std::function<Status(size_t)>& job) {
    std::atomic<size_t> next{0};
    std::mutex mu;
    std::optional<Error> first;
    auto worker = [&] {
        for (;;) {
            {
                std::lock_guard lock(mu);
                if (first) return;
            }
            size_t i = next.fetch_add(1);
            if (i >= n) return;
            Status st = job(i);
            if (!st) {
                std::lock_guard lock(mu);
                if (!first) first = std::move(st).error();
                return;
            }
        }
    };
    size_t threads = std::min<size_t>(n, static_cast<size_t>(std::max(1, width)));
    std::vector<std::thread> pool;
    for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
    if (first) return std::move(*first);
    return {};
}

}  // namespace

Result<AssetsSyncResult> sync_assets(api::ApiClient& client, const api::ScriptRef& target,
                                     const workers::AssetManifest& manifest,
                                     const std::function<void(const std::string&)>& step) {
    auto say = [&](const std::string& s) {
        if (step) step(s);
    };
    AssetsSyncResult out;
    out.files = manifest.entries.size();
    say("starting the assets upload session (" + std::to_string(out.files) + " file" + (out.files == 1 ? "" : "s") +
        ")");
    TRY_ASSIGN(json r, client.create_assets_upload_session(target, workers::asset_manifest_json(manifest)));
    if (!r.is_object())
        return Error(ErrorKind::Api, "the assets upload session answered without a result",
                     "an unexpected response from the API; try again");
    const std::string jwt = json_string(r, "jwt");
    if (!jwt.empty()) Redactor::global().add(jwt);
    std::vector<std::vector<std::string>> buckets;
    for (const auto& b : json_at(r, "buckets")) {
        std::vector<std::string> bucket;
        for (const auto& h : b)
            if (h.is_string()) bucket.push_back(h.get<std::string>());
        if (!bucket.empty()) buckets.push_back(std::move(bucket));
    }
    if (buckets.empty()) {
        if (jwt.empty())
            return Error(ErrorKind::Api, "the assets upload session gave no completion token",
                         "could not find assets information to attach to the deployment; try again");
        out.completion_jwt = jwt;
        say("no new or changed asset to upload");
        return out;
    }
    // Every requested hash must be one of ours, before anything is sent.
    for (const auto& b : buckets)
        for (const auto& h : b)
            if (!manifest.find_by_hash(h))
                return Error(
                    ErrorKind::Api,
                    "the assets upload session requested a file that is not in the manifest (" + quoted(h) + ")");
    const bool single = workers::single_asset_upload_mode(jwt);
    if (single) {
        std::vector<std::vector<std::string>> flat;
        for (const auto& b : buckets)
            for (const auto& h : b) flat.push_back({h});
        buckets = std::move(flat);
    }
    size_t total = 0;
    for (const auto& b : buckets) total += b.size();
    say("uploading " + std::to_string(total) + " new or changed asset" + (total == 1 ? "" : "s") + " in " +
        std::to_string(buckets.size()) + (single ? " request" : " bucket") + (buckets.size() == 1 ? "" : "s"));

    std::mutex mu;
    std::string completion;
    auto job = [&](size_t i) -> Status {
        const auto& bucket = buckets[i];
        json res;
        uint64_t bytes = 0;
        if (single) {
            const workers::AssetEntry* e = manifest.find_by_hash(bucket[0]);
            TRY_ASSIGN(std::string data, read_file(e->file_path));
            bytes = data.size();
            TRY_ASSIGN(res, client.upload_asset(target.account_id, jwt, bucket[0],
                                                api::Body{asset_content_type(e->key), std::move(data)}));
        } else {
            TRY_ASSIGN(auto parts, workers::asset_upload_parts(manifest, bucket));
            std::vector<api::FormPart> form;
            for (auto& p : parts) form.push_back({p.name, p.filename, p.content_type, std::move(p.data)});
            for (const auto& h : bucket) bytes += manifest.find_by_hash(h)->size;
            TRY_ASSIGN(res, client.upload_assets(target.account_id, jwt, api::build_multipart(form)));
        }
        std::lock_guard lock(mu);
        if (std::string j = json_string(res, "jwt"); !j.empty()) {
            Redactor::global().add(j);
            completion = j;
        }
        out.uploaded_files += bucket.size();
        out.uploaded_bytes += bytes;
        out.upload_requests += 1;
        return {};
    };
    int width = single ? workers::edge_kv_upload_concurrency(jwt) : k_bulk_upload_concurrency;
    TRY_STATUS(run_pool(buckets.size(), width, job));
    if (completion.empty())
        return Error(ErrorKind::Api, "the assets upload finished without a completion token",
                     "failed to complete the asset upload; try again (uploaded files are kept)");
    out.completion_jwt = completion;
    return out;
}

}  // namespace tenantctl::deploy
