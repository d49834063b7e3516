#pragma once
// Injectable clock: production code sleeps for real, tests advance a fake clock instead.
#include <atomic>
#include <chrono>
#include <mutex>
#include <vector>

namespace tenantctl {

class Clock {
public:
    using duration = std::chrono::steady_clock::duration;
    using time_point = std::chrono::steady_clock::time_point;
    virtual ~Clock() = default;
    virtual time_point now() const = 0;
    virtual void sleep_for(duration d) = 0;
    // Wall-clock seconds since the epoch (for timestamps in output).
    virtual std::chrono::system_clock::time_point wall_now() const { return std::chrono::system_clock::now(); }
};

class SystemClock final : public Clock {
public:
    time_point now() const override { return std::chrono::steady_clock::now(); }
    void sleep_for(duration d) override;
    static SystemClock& instance();
};

// A clock that only moves when told to; sleep_for advances it and records the sleep.
class FakeClock final : public Clock {
public:
    time_point now() const override;
    void sleep_for(duration d) override;
    void advance(duration d);
    std::vector<duration> sleeps() const;

private:
    mutable std::mutex m_mutex;
    time_point m_now{std::chrono::hours(1)};
    std::vector<duration> m_sleeps;
};

}  // namespace tenantctl
