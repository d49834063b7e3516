#pragma once
// Upload-time validation in workerd (platform/validate.hpp's ScriptValidator): an upload is loaded in a
// throwaway workerd process, with its modules, compatibility settings and bindings as the runtime gives them
// (storage, assets and other workers behind services nothing calls at start-up), and the verdict is whether
// that process gets to `listen`. A start-up error is workerd's message, cleaned; a start-up that burns more
// than `cpu_limit_ms` of CPU (a loop at the top level) or takes longer than `timeout_ms` is killed and refused
// as production refuses one that exceeds its start-up limit. Verdicts are cached by platform::check_key, and
// concurrent checks of the same code wait for one process.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/redact.hpp"
#include "platform/validate.hpp"
#include "runtime/workerd_process.hpp"

namespace tenantctl::runtime {

struct ValidatorOptions {
    std::string workerd;       // the binary
    std::string workerd_date;  // its version date (compatibility dates are clamped to it)
    std::string dir;           // where each check's files go (a directory per check, removed after it)
    std::string state_dir;     // never named in a message
    int cpu_limit_ms = 2000;
    int timeout_ms = 30000;
    int max_parallel = 2;                         // workerd processes at once
    size_t cache_entries = 4096;                  // verdicts kept (the oldest go first)
    std::function<void(const std::string&)> log;  // a line per check run (a cached verdict runs none)
};

// The message production gives for a start-up that does not finish.
inline constexpr const char* k_startup_limit_message = "Script startup exceeded CPU time limit.";

class WorkerdValidator final : public platform::ScriptValidator {
public:
    explicit WorkerdValidator(ValidatorOptions options);
    ~WorkerdValidator() override;
    platform::CheckVerdict check(const platform::ScriptCheck& script) override;
    // workerd processes started so far (a cached verdict starts none).
    uint64_t runs() const;

private:
    // `main_ns`: the CPU time workerd's main thread took to listen (-1: it did not).
    platform::CheckVerdict run(const platform::ScriptCheck& script, bool& cacheable, int64_t& main_ns,
                               bool quiet = false);
    // The same for a minimal worker, measured once it succeeds (what a start-up costs before the script's own
    // code); -1 while it has not.
    int64_t baseline_ns();
    std::mutex m_baseline_mutex;
    int64_t m_baseline_ns = -1;
    ValidatorOptions m_opt;
    std::unique_ptr<Forker> m_forker;
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    int m_running = 0;
    uint64_t m_runs = 0;
    uint64_t m_serial = 0;
    std::map<std::string, platform::CheckVerdict> m_cache;
    std::list<std::string> m_order;  // cache keys, oldest first
    std::map<std::string, std::shared_future<platform::CheckVerdict>> m_pending;
    std::thread m_warm;  // measures the baseline when the validator is made
};

// workerd's start-up failure output as production words the error: the `service KEY: ` prefix and workerd's
// internal source locations dropped, a SyntaxError's location on its line ("… at a.js:3:5"), an exception's
// stack below it ("\n  at a.js:2:7"), a service worker's location named after its script (`main`) instead of
// the service `key`, the values `secrets` holds shown as [REDACTED], and each path of `paths` replaced.
std::string clean_startup_error(const std::string& output, const std::string& key, const std::string& main,
                                const Redactor& secrets,
                                const std::vector<std::pair<std::string, std::string>>& paths = {});

}  // namespace tenantctl::runtime
