#pragma once
// Progress of long work (bulk tenants commands, apply, rollback, deploy, image builds): the library reports, the
// CLI draws (a bar on a terminal, one line per finished item otherwise). Calls are serialized by the caller.
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace tenantctl {

struct ProgressStep {
    std::string line;  // what finished, for people: "created acme", "failed to update beta: …"
    bool ok = true;
    size_t done = 0;  // finished so far, this one included
    size_t total = 0;
};

class Progress {
public:
    virtual ~Progress() = default;
    virtual void start(size_t total) = 0;
    virtual void advance(const ProgressStep& step) = 0;
    // Work is held back for `wait` (the API's rate limit); `line` says why and how long the rest may take.
    virtual void waiting(std::string_view line, std::chrono::milliseconds wait) = 0;
    virtual void note(std::string_view line) = 0;  // a line of its own (the canary watch, a deploy step)
    // A tool's own output as it arrives (docker build and push, a custom build), in chunks of any size: shown
    // line by line, or only its latest line, as the renderer decides.
    virtual void output(std::string_view /*chunk*/) {}
    virtual void finish() = 0;
};

// "45 s", "2 min", "2 min 5 s" (rounded up to whole seconds).
std::string duration_text(std::chrono::milliseconds d);

}  // namespace tenantctl
