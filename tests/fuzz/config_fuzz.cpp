// libFuzzer target for the configuration reader: TOML and JSONC parsing, then normalization of whatever
// parsed (top level and a named environment), plus the JSONC blanker and the JS date check.
// The first input byte picks the format, the rest is the file.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config.hpp"

using namespace tenantctl;
using namespace tenantctl::config;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const uint8_t selector = data[0];
    std::string text(reinterpret_cast<const char*>(data + 1), size - 1);

    Format format = (selector % 3 == 0) ? Format::Toml : (selector % 3 == 1) ? Format::Jsonc : Format::Json;
    auto stripped = strip_bom(text, "fuzz");
    if (!stripped.ok()) return 0;
    auto parsed = parse_config_text(stripped.value(), format, "fuzz");
    if (format != Format::Toml) {
        std::string blanked = blank_jsonc(stripped.value());
        if (blanked.size() != stripped.value().size()) __builtin_trap();  // offsets must never move
    }
    if (!parsed.ok()) {
        const auto& ds = parsed.error().diagnostics;
        if (ds.size() != 1) __builtin_trap();
        SourceText src("fuzz", stripped.value());
        (void)render_diagnostic(ds[0], &src);
        return 0;
    }
    NormalizeOptions o;
    o.config_path = "/nonexistent-fuzz-dir/wrangler.toml";
    o.display_path = "wrangler.toml";
    o.dir = "/nonexistent-fuzz-dir";
    o.format = format;
    o.check_files = false;  // no filesystem access from the fuzzer
    if (selector & 0x40) o.dispatch_namespace = "ns";
    Normalized top = normalize(parsed.value(), o);
    (void)top.config.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    // Select the first environment the file defines (or an unknown one).
    o.env = "staging";
    if (const Node* env = parsed.value().find("env"); env && env->is_object() && !env->items.empty())
        o.env = env->items.front().key;
    Normalized in_env = normalize(parsed.value(), o);
    (void)in_env.config.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (text.size() < 64) (void)js_date_is_valid(text);
    return 0;
}
