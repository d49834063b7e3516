#pragma once
// Subprocess runner: an argv vector (never a shell string), optional stdin data, captured or streamed output.
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace tenantctl {

struct ProcessOptions {
    std::optional<std::string> stdin_data;       // written to the child's stdin, then closed; none = /dev/null
    std::string cwd;                             // empty = inherit
    std::map<std::string, std::string> env_set;  // added to / overriding the inherited environment
    std::vector<std::string> env_unset;
    std::optional<std::chrono::milliseconds> timeout;  // kill the process group after this
    // When set, output is passed here as it arrives (and not captured unless capture_when_streaming).
    std::function<void(std::string_view)> on_stdout;
    std::function<void(std::string_view)> on_stderr;
    bool capture_when_streaming = false;
    bool inherit_stdio = false;  // child writes straight to our stdout/stderr
};

struct ProcessResult {
    int exit_code = -1;  // exit status, or 128+signal
    bool timed_out = false;
    std::string out;
    std::string err;
};

// Runs argv[0] (searched in PATH when it has no '/'). Errors only when the process could not be started.
Result<ProcessResult> run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

// Finds an executable in PATH (the given PATH value); empty when not found.
std::string find_executable(const std::string& name, const std::string& path_value);

}  // namespace tenantctl
