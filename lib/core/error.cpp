#include "core/error.hpp"

namespace tenantctl {

const char* to_string(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::Usage:
            return "usage";
        case ErrorKind::Config:
            return "config";
        case ErrorKind::Input:
            return "input";
        case ErrorKind::Io:
            return "io";
        case ErrorKind::Network:
            return "network";
        case ErrorKind::Timeout:
            return "timeout";
        case ErrorKind::Auth:
            return "auth";
        case ErrorKind::NotFound:
            return "not_found";
        case ErrorKind::Conflict:
            return "conflict";
        case ErrorKind::Api:
            return "api";
        case ErrorKind::Docker:
            return "docker";
        case ErrorKind::Partial:
            return "partial";
        case ErrorKind::Interrupted:
            return "interrupted";
        case ErrorKind::Refused:
            return "refused";
        case ErrorKind::NotImplemented:
            return "not_implemented";
        case ErrorKind::Internal:
            return "internal";
    }
    return "internal";
}

}  // namespace tenantctl
