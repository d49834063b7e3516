#pragma once
// Loopback helpers.

namespace tenantctl {

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it back, close); 0 on failure.
int free_loopback_port();

// Whether 127.0.0.1:`port` can be bound right now.
bool loopback_port_free(int port);

}  // namespace tenantctl
