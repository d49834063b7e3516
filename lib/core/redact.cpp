#include "core/redact.hpp"

#include <algorithm>

#include "core/strings.hpp"

namespace tenantctl {

void Redactor::add(std::string secret) {
    if (secret.size() < 4) return;  // too short to redact without mangling ordinary text
    std::lock_guard lock(m_mutex);
    if (std::find(m_secrets.begin(), m_secrets.end(), secret) != m_secrets.end()) return;
    // Longest first: a secret that begins another must not leave the longer one's tail visible.
    auto at = std::find_if(m_secrets.begin(), m_secrets.end(),
                           [&](const std::string& s) { return s.size() < secret.size(); });
    m_secrets.insert(at, std::move(secret));
}

std::string Redactor::redact(std::string_view text) const {
    std::string out(text);
    std::lock_guard lock(m_mutex);
    for (const auto& s : m_secrets) {
        size_t pos = 0;
        while ((pos = out.find(s, pos)) != std::string::npos) {
            out.replace(pos, s.size(), "[REDACTED]");
            pos += 10;
        }
    }
    return out;
}

Redactor& Redactor::global() {
    static Redactor r;
    return r;
}

std::string redact_header_line(std::string_view line) {
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return std::string(line);
    std::string name = to_lower(trim(line.substr(0, colon)));
    static const char* sensitive[] = {"authorization", "proxy-authorization", "x-auth-key", "x-auth-user-service-key",
                                      "cookie",        "set-cookie"};
    for (const char* s : sensitive) {
        if (name == s) return std::string(line.substr(0, colon)) + ": [REDACTED]";
    }
    return std::string(line);
}

std::string redact_url_query(std::string_view url) {
    std::string out = redact_url(url);
    auto q = out.find('?');
    if (q != std::string::npos) out = out.substr(0, q + 1) + "[REDACTED]";
    return out;
}

std::string redact_url(std::string_view url) {
    std::string out(url);
    // userinfo: scheme://user:pass@host
    auto scheme = out.find("://");
    if (scheme != std::string::npos) {
        auto host_start = scheme + 3;
        auto slash = out.find('/', host_start);
        auto at = out.find('@', host_start);
        if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
            out.replace(host_start, at - host_start, "[REDACTED]");
        }
    }
    auto q = out.find('?');
    if (q == std::string::npos) return out;
    std::string result = out.substr(0, q + 1);
    auto params = split(out.substr(q + 1), '&');
    for (size_t i = 0; i < params.size(); ++i) {
        auto& p = params[i];
        auto eq = p.find('=');
        std::string key = to_lower(p.substr(0, eq));
        bool secret = key.find("token") != std::string::npos || key.find("password") != std::string::npos ||
                      key.find("secret") != std::string::npos || key == "key" || key.find("sig") != std::string::npos;
        if (i) result += '&';
        result += (secret && eq != std::string::npos) ? p.substr(0, eq + 1) + "[REDACTED]" : p;
    }
    return result;
}

}  // namespace tenantctl
