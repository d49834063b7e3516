#include "core/net.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

#include "core/strings.hpp"

namespace tenantctl {

namespace {

// Binds 127.0.0.1:`want` (0 = any) and returns the bound port, or 0.
int bind_loopback(int want) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons(static_cast<uint16_t>(want));
    // Like the servers that will listen there (Go and Beast set SO_REUSEADDR): connections of an earlier run
    // in TIME_WAIT must not make a port look taken.
    int one = 1;
    if (want) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    socklen_t len = sizeof sa;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0)
        port = ntohs(sa.sin_port);
    ::close(fd);
    return port;
}

}  // namespace

int free_loopback_port() {
    return bind_loopback(0);
}

bool loopback_port_free(int port) {
    return port > 0 && port < 65536 && bind_loopback(port) == port;
}

bool is_loopback_host(std::string_view host) {
    std::string h = to_lower(host);
    if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
    if (h == "localhost" || ends_with(h, ".localhost") || h == "::1" || h == "0:0:0:0:0:0:0:1") return true;
    in_addr a{};
    if (::inet_pton(AF_INET, h.c_str(), &a) == 1) return (ntohl(a.s_addr) >> 24) == 127;
    return false;
}

bool is_wildcard_address(std::string_view host) {
    std::string h(host);
    if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
    in_addr a{};
    if (::inet_pton(AF_INET, h.c_str(), &a) == 1) return a.s_addr == 0;
    in6_addr a6{};
    if (::inet_pton(AF_INET6, h.c_str(), &a6) == 1) {
        for (unsigned char b : a6.s6_addr)
            if (b) return false;
        return true;
    }
    return false;
}

std::string url_host(std::string_view url) {
    auto scheme = url.find("://");
    if (scheme == std::string_view::npos) return {};
    std::string_view rest = url.substr(scheme + 3);
    rest = rest.substr(0, rest.find_first_of("/?#"));
    if (auto at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
    if (!rest.empty() && rest.front() == '[') {
        auto close = rest.find(']');
        return close == std::string_view::npos ? std::string() : to_lower(rest.substr(1, close - 1));
    }
    return to_lower(rest.substr(0, rest.find(':')));
}

std::string route_pattern_authority(std::string_view pattern) {
    std::string s;
    for (size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == '*') {
            if (i + 1 < pattern.size() && pattern[i + 1] == '.') ++i;
            continue;
        }
        s += pattern[i];
    }
    for (const char* scheme : {"http://", "https://"})
        if (starts_with(s, scheme)) s = s.substr(std::string_view(scheme).size());
    return to_lower(s.substr(0, s.find_first_of("/?#")));
}

}  // namespace tenantctl
