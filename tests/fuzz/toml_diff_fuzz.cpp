// Differential libFuzzer target: our TOML parser (config::parse_toml) against toml++, the test oracle. Traps on any
// accept/reject disagreement or any difference in the parsed tree, except the documented toml++ deviations from
// TOML 1.0 (tests/support/toml_oracle.hpp). Also checks that an error has one diagnostic with a position in the text.
// Seed corpus: tests/fuzz/corpus/toml/.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>

#include "../support/toml_oracle.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto r = tenantctl::testing::compare_with_toml_pp(text);
    if (!r.difference.empty() && !r.deviation) {
        std::fprintf(stderr, "toml_diff_fuzz: %s\n", r.difference.c_str());
        __builtin_trap();
    }
    if (!r.ours_ok) {
        auto ours = tenantctl::config::parse_toml(text, "fuzz.toml");
        if (ours.ok() || ours.error().diagnostics.size() != 1) __builtin_trap();
        const auto& d = ours.error().diagnostics[0];
        if (d.line < 1 || d.column < 1) __builtin_trap();
        if (d.message.rfind("Invalid TOML document: ", 0) != 0) __builtin_trap();
    }
    return 0;
}
