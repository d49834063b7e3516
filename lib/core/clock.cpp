#include "core/clock.hpp"

#include <thread>

namespace tenantctl {

void SystemClock::sleep_for(duration d) {
    if (d > duration::zero()) std::this_thread::sleep_for(d);
}

SystemClock& SystemClock::instance() {
    static SystemClock clock;
    return clock;
}

FakeClock::time_point FakeClock::now() const {
    std::lock_guard lock(m_mutex);
    return m_now;
}

void FakeClock::sleep_for(duration d) {
    std::lock_guard lock(m_mutex);
    m_sleeps.push_back(d);
    if (d > duration::zero()) m_now += d;
}

void FakeClock::advance(duration d) {
    std::lock_guard lock(m_mutex);
    m_now += d;
}

std::vector<FakeClock::duration> FakeClock::sleeps() const {
    std::lock_guard lock(m_mutex);
    return m_sleeps;
}

}  // namespace tenantctl
