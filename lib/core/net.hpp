#pragma once
// Loopback helpers.
#include <string>
#include <string_view>

namespace tenantctl {

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it back, close); 0 on failure.
int free_loopback_port();

// Whether 127.0.0.1:`port` can be bound right now.
bool loopback_port_free(int port);

// Whether `host` (an IP literal or a name; brackets allowed) is this machine's loopback: 127.0.0.0/8, ::1,
// "localhost" or a name under ".localhost".
bool is_loopback_host(std::string_view host);
// Whether an IP literal is a wildcard address (0.0.0.0 or ::): it binds every interface.
bool is_wildcard_address(std::string_view host);
// The host part of an http(s) URL ("" when there is none), lowercased, brackets kept off.
std::string url_host(std::string_view url);
// A Workers route pattern ("*.Example.com/api/*", "https://shop.example.com:8443/x") up to its path, query or
// fragment, lowercased, with its wildcards ("*", "*.") and scheme removed: the host, still with any credentials
// and port.
std::string route_pattern_authority(std::string_view pattern);

}  // namespace tenantctl
