#pragma once
// A process-wide cancellation flag, set by the CLI's SIGINT handler and polled by long-running work.
#include <atomic>

namespace tenantctl {

class CancelToken {
public:
    bool cancelled() const { return m_flag.load(std::memory_order_relaxed); }
    void cancel() { m_flag.store(true, std::memory_order_relaxed); }
    void reset() { m_flag.store(false, std::memory_order_relaxed); }
    static CancelToken& global();

private:
    std::atomic<bool> m_flag{false};
};

inline CancelToken& CancelToken::global() {
    static CancelToken token;
    return token;
}

}  // namespace tenantctl
