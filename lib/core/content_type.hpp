#pragma once
// Content types by file name, as wrangler sends static assets and as the local platform serves them.
#include <string>
#include <string_view>

namespace tenantctl {

// The `mime` package's type for the file name's extension (case-insensitive; none for names without a dot
// after their first character), "; charset=utf-8" added to text/* types, and "application/null" when there is
// no type (the assets API's "send no Content-Type" marker).
std::string asset_content_type(std::string_view path);

}  // namespace tenantctl
