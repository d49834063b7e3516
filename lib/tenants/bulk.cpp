#include "tenants/bulk.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/json.hpp"
#include "core/redact.hpp"
#include "core/strings.hpp"

namespace tenantctl::tenants {

using nlohmann::json;

Result<std::vector<ObservedTenant>> tenants_tagged(api::ApiClient& client, const std::string& account,
                                                   const std::string& ns, const std::vector<std::string>& tags) {
    std::vector<std::string> filter;
    for (const auto& t : tags) {
        if (t.empty() || t.find_first_of(",:& \t") != std::string::npos)
            return Error(ErrorKind::Usage, "invalid tag " + quoted(t) + " in --tag", "tags have no ',', ':' or '&'");
        filter.push_back(t + ":yes");
    }
    auto listed = client.list_namespace_scripts(account, ns, join(filter, ","));
    if (!listed.ok()) {
        Error e = std::move(listed).error();
        if (e.kind == ErrorKind::NotFound)
            e.hint = "check the namespace, or create it: tenantctl dispatch-namespace create " + ns;
        return e;
    }
    std::vector<ObservedTenant> out;
    for (const auto& item : *listed) {
        const json& sc = item.contains("script") && item["script"].is_object() ? item["script"] : item;
        ObservedTenant t;
        t.id = json_string(sc, "id");
        if (t.id.empty()) continue;
        for (const auto& tag : sc.value("tags", json::array()))
            if (tag.is_string()) t.tags.push_back(tag.get<std::string>());
        // The filter is the server's; checked here too, so a server that ignores it cannot widen the set.
        bool all = std::all_of(tags.begin(), tags.end(), [&](const std::string& want) {
            return std::find(t.tags.begin(), t.tags.end(), want) != t.tags.end();
        });
        if (all) out.push_back(std::move(t));
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return out;
}

std::vector<BulkItem> for_each_tenant(const std::vector<std::string>& ids,
                                      const std::function<Status(const std::string& id, std::string& detail)>& fn,
                                      const BulkOptions& o) {
    std::vector<BulkItem> items(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) items[i].id = ids[i];
    std::mutex m;
    std::condition_variable slot;
    size_t next = 0, done = 0;
    int failures = 0, running = 0;
    auto worker = [&] {
        for (;;) {
            size_t i = 0;
            {
                std::unique_lock lock(m);
                // With a failure budget, only as many run as could still fail without exceeding it.
                slot.wait(lock, [&] {
                    return o.max_failures <= 0 || failures >= o.max_failures || failures + running < o.max_failures;
                });
                if (o.max_failures > 0 && failures >= o.max_failures) return;
                if ((o.cancel && o.cancel->cancelled()) || next >= ids.size()) return;
                i = next++;
                ++running;
            }
            BulkItem& it = items[i];
            it.started = true;
            auto st = fn(it.id, it.detail);
            it.ok = st.ok();
            if (!st.ok()) it.error = Redactor::global().redact(st.error().message);
            std::lock_guard lock(m);
            --running;
            if (!it.ok) ++failures;
            ++done;
            if (o.on_done) o.on_done(it, done, ids.size());
            slot.notify_all();
        }
    };
    int n = std::max(1, std::min<int>(o.concurrency, static_cast<int>(std::max<size_t>(ids.size(), 1))));
    if (n == 1) {
        worker();
    } else {
        std::vector<std::thread> threads;
        for (int k = 0; k < n; ++k) threads.emplace_back(worker);
        for (auto& t : threads) t.join();
    }
    return items;
}

}  // namespace tenantctl::tenants
