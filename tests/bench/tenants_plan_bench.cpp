// The client-side cost of `tenants apply` without the network: parsing a tenants.yaml of N tenants, and
// planning it against an observed state in which every tenant is unchanged (the no-op re-apply) or new.
// usage: tenants_plan_bench [N] (default 10000). Prints milliseconds; the baseline is the parse of the same file.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/strings.hpp"
#include "tenants/engine.hpp"
#include "tenants/spec.hpp"

using namespace tenantctl;
using namespace tenantctl::tenants;

namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
    int n = argc > 1 ? std::atoi(argv[1]) : 10000;
    if (n < 1 || n > 1000000) n = 10000;
    auto dir = std::filesystem::temp_directory_path() / ("tenantctl-plan-bench-" + random_hex(6));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "tenant.mjs") << "export default { fetch() { return new Response('x') } }\n";
    std::string text =
        "namespace: bench\nscript: ./tenant.mjs\nplans:\n  free: { cpu_ms: 10, subrequests: 5 }\n"
        "defaults: { plan: free, tags: [fleet, bench], secrets: { API_KEY: { env: K } } }\ntenants:\n";
    for (int i = 0; i < n; ++i) {
        std::string id = "t-" + std::to_string(i);
        text +=
            "  - { id: " + id + ", tags: [c" + std::to_string(i) + "], vars: { TENANT: " + id + " }, isolate: [kv] }\n";
    }

    auto t0 = std::chrono::steady_clock::now();
    auto f = parse_tenants_file(text, "tenants.yaml", dir.string());
    double parse_ms = ms_since(t0);
    if (!f.ok()) {
        std::fprintf(stderr, "parse failed: %s\n", f.error().message.c_str());
        return 1;
    }
    auto src = source_from_script((dir / "tenant.mjs").string(), std::string("2026-01-01"), {});
    if (!src.ok()) return 1;

    Observed empty;
    t0 = std::chrono::steady_clock::now();
    auto create_plan = make_plan(*f, *src, empty, {});
    double plan_new_ms = ms_since(t0);

    Observed same;
    for (const auto& t : f->tenants) {
        same.tenants[t.id] = {t.id, desire(*f, *src, t).tags, ""};
        same.kv_by_title[resource_name(f->prefix, t.id)] = "id-" + t.id;
    }
    t0 = std::chrono::steady_clock::now();
    auto noop_plan = make_plan(*f, *src, same, {});
    double plan_noop_ms = ms_since(t0);
    size_t unchanged = 0;
    for (const auto& p : noop_plan) unchanged += p.action == Action::Unchanged;

    t0 = std::chrono::steady_clock::now();
    size_t bytes = 0;
    for (const auto& p : create_plan)
        bytes += upload_metadata(*f, *src, *p.spec, p.desired, {{"kv", "id"}}, {{"API_KEY", "v"}}).dump().size();
    double meta_ms = ms_since(t0);

    std::printf("tenants plan bench, %d tenants\n", n);
    std::printf("  parse tenants.yaml      : %8.1f ms (baseline)\n", parse_ms);
    std::printf("  plan, all new           : %8.1f ms (%.2fx parse)\n", plan_new_ms, plan_new_ms / parse_ms);
    std::printf("  plan, all unchanged     : %8.1f ms (%.2fx parse), %zu unchanged\n", plan_noop_ms,
                plan_noop_ms / parse_ms, unchanged);
    std::printf("  upload metadata, all    : %8.1f ms (%.2fx parse), %zu bytes\n", meta_ms, meta_ms / parse_ms, bytes);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return unchanged == static_cast<size_t>(n) ? 0 : 1;
}
