#pragma once
// Lines of a tool's output, for error messages ("docker's last lines", a failing build's last lines).
#include <string>
#include <string_view>

namespace tenantctl {

// The last `n` non-empty lines of a text, each trimmed, joined with '\n'.
std::string last_lines(std::string_view text, size_t n);

}  // namespace tenantctl
