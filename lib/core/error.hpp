#pragma once
// Error: what went wrong, as data. The CLI maps ErrorKind to an exit code in one table.
#include <string>
#include <vector>

#include "core/diagnostic.hpp"

namespace tenantctl {

enum class ErrorKind {
    Usage,           // bad flags or arguments (exit 2)
    Config,          // configuration file problems (diagnostics attached)
    Input,           // bad input file/value other than the wrangler config
    Io,              // filesystem
    Network,         // could not reach a server
    Timeout,         // a request or operation timed out
    Auth,            // missing or rejected credentials
    NotFound,        // the thing does not exist
    Conflict,        // the thing already exists / state conflict
    Api,             // the control plane refused the request
    Docker,          // docker missing or failed
    Partial,         // bulk work where some items failed (exit 3)
    Interrupted,     // SIGINT (exit 130)
    Refused,         // a destructive action was not confirmed
    NotImplemented,  // the command exists but is not built yet
    Internal,
};

const char* to_string(ErrorKind kind);

struct ApiErrorItem {
    int code = 0;
    std::string message;
};

struct Error {
    ErrorKind kind = ErrorKind::Internal;
    std::string message;  // one line, lowercase start, no trailing period
    std::string hint;     // what to do about it (may be empty)
    std::vector<Diagnostic> diagnostics;
    int http_status = 0;                   // for API errors
    std::vector<ApiErrorItem> api_errors;  // Cloudflare error codes and messages

    Error() = default;
    Error(ErrorKind k, std::string msg, std::string h = {}) : kind(k), message(std::move(msg)), hint(std::move(h)) {}

    Error&& with_hint(std::string h) && {
        hint = std::move(h);
        return std::move(*this);
    }
};

}  // namespace tenantctl
