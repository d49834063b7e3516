#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace tenantctl {

std::vector<std::string> split(std::string_view s, char sep);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
std::string_view trim(std::string_view s);
std::string to_lower(std::string_view s);
bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);
// JSON-style quoting for messages: "value". The std::string and const char* overloads are exact
// matches, so unqualified calls pick these over std::quoted (found by argument-dependent lookup).
std::string quoted(std::string_view s);
inline std::string quoted(const std::string& s) {
    return quoted(std::string_view(s));
}
inline std::string quoted(std::string& s) {
    return quoted(std::string_view(s));
}
inline std::string quoted(const char* s) {
    return quoted(std::string_view(s));
}
// Percent-encodes everything except unreserved characters (RFC 3986).
std::string url_encode(std::string_view s);
std::string url_decode(std::string_view s);
std::string base64_encode(std::string_view data);
std::string hex_encode(std::string_view bytes);
// Appends the UTF-8 form of a code point; a surrogate or a value above U+10FFFF becomes U+FFFD.
void append_utf8(std::string& out, char32_t cp);
// Well-formed UTF-8 (no overlong forms, surrogates or code points above U+10FFFF).
bool valid_utf8(std::string_view s);
// A random hex string of n bytes from the OS (for ids and tokens).
std::string random_hex(size_t n_bytes);
std::string uuid_v4();
// Unix seconds as RFC 3339 in UTC, "2026-12-06T11:00:00Z".
std::string rfc3339_utc(int64_t unix_seconds);

}  // namespace tenantctl
