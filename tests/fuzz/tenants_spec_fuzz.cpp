// libFuzzer target for tenants.yaml: parsing never crashes; a rejected file has at least one diagnostic, each
// with a position inside the text (or 0 = unknown) and renderable with its source line; an accepted file
// only holds valid ids, known plans and at most 5 own tags per tenant.
#include <cstddef>
#include <cstdint>
#include <string>

#include "tenants/spec.hpp"

using namespace tenantctl;
using namespace tenantctl::tenants;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    auto f = parse_tenants_file(text, "tenants.yaml", "/nonexistent-fuzz-dir");
    if (!f.ok()) {
        const auto& ds = f.error().diagnostics;
        if (ds.empty() && f.error().message.find("invalid YAML") == std::string::npos) __builtin_trap();
        SourceText src("tenants.yaml", text);
        for (const auto& d : ds) {
            if (d.line < 0 || d.column < 0 || d.line > src.line_count() + 1) __builtin_trap();
            (void)render_diagnostic(d, &src);
        }
        return 0;
    }
    for (const auto& t : f->tenants) {
        if (!check_tenant_id(t.id).empty()) __builtin_trap();
        if (!t.plan.empty() && !f->plans.count(t.plan)) __builtin_trap();
        if (t.tags.size() + k_reserved_tags > k_max_tags) __builtin_trap();
        for (const auto& tag : t.tags)
            if (!check_user_tag(tag, f->managed_tag).empty()) __builtin_trap();
    }
    return 0;
}
