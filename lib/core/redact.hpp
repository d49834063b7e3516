#pragma once
// Redaction: secrets never reach logs, errors or --json output. Everything that prints a URL,
// a header or a message built from server data passes through here.
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace tenantctl {

class Redactor {
public:
    // Registers a value that must never be printed (tokens, passwords, secret values).
    void add(std::string secret);
    // Replaces every registered value (of 4+ chars) with "[REDACTED]".
    std::string redact(std::string_view text) const;
    static Redactor& global();

private:
    mutable std::mutex m_mutex;
    std::vector<std::string> m_secrets;
};

// `Authorization: Bearer abc` -> `Authorization: [REDACTED]` (also X-Auth-Key, Cookie, Proxy-Authorization).
std::string redact_header_line(std::string_view header_line);
// Removes userinfo and the values of sensitive query parameters (token, password, secret, key, sig...).
std::string redact_url(std::string_view url);
// redact_url, and the whole query string as well (for showing a configured URL, where any parameter may be a
// credential): "https://h/p?[REDACTED]".
std::string redact_url_query(std::string_view url);

}  // namespace tenantctl
