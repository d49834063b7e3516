#include "core/net.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

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

}  // namespace tenantctl
