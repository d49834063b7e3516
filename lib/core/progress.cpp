#include "core/progress.hpp"

namespace tenantctl {

std::string duration_text(std::chrono::milliseconds d) {
    long long s = (d.count() + 999) / 1000;
    if (s < 60) return std::to_string(s) + " s";
    std::string out = std::to_string(s / 60) + " min";
    if (s % 60) out += " " + std::to_string(s % 60) + " s";
    return out;
}

}  // namespace tenantctl
