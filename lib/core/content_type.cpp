#include "core/content_type.hpp"

#include <algorithm>
#include <iterator>

#include "core/strings.hpp"

namespace tenantctl {

namespace {

struct TypeEntry {
    const char* ext;
    const char* type;
};
constexpr TypeEntry content_types[] = {
#include "core/content_types.inc"
};

}  // namespace

std::string asset_content_type(std::string_view path) {
    size_t slash = path.find_last_of("/\\");
    std::string base = to_lower(slash == std::string_view::npos ? path : path.substr(slash + 1));
    size_t dot = base.find_last_of('.');
    bool has_path = slash != std::string_view::npos;
    // mime.getType: a bare name without a dot is its own extension; in a path it needs a dot that is not the
    // base name's first character (".hidden" and "noext" have no type).
    if (dot == std::string::npos || dot == 0) {
        if (has_path || dot == 0) return "application/null";
    }
    std::string ext = dot == std::string::npos ? base : base.substr(dot + 1);
    const auto* begin = std::begin(content_types);
    const auto* end = std::end(content_types);
    const auto* it =
        std::lower_bound(begin, end, ext, [](const TypeEntry& e, const std::string& x) { return e.ext < x; });
    if (it == end || it->ext != ext) return "application/null";
    std::string type = it->type;
    if (starts_with(type, "text/") && type.find("charset") == std::string::npos) type += "; charset=utf-8";
    return type;
}

}  // namespace tenantctl
